/** Strategies that must never oversell and answer synchronously (201/409). */
export const syncSafeStrategies = ['pg-atomic', 'pg-batched', 'pg-optimistic', 'pg-pessimistic', 'redis-lua', 'redis-lock', 'redlock', 'outbox'] as const;

/** Strategies that answer 202 and settle in the worker. */
export const asyncStrategies = ['kafka-queue'] as const;

export const safeStrategies = [...syncSafeStrategies, ...asyncStrategies] as const;
