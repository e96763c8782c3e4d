// Retry-After values, each with its reason, in one place.

/**
 * A 503 of a request (a strategy that could not decide in time, a store that
 * did not answer) or an in-flight 409: one second is enough for a lock to
 * change hands, a pool slot to free or a breaker's cooldown (1 s) to end, and
 * it spreads the retries of a burst over the next second.
 */
export const retryRequestAfterSeconds = 1;

/**
 * /health/ready answering 503: a dependency that is down comes back by a
 * restart or a failover, which takes seconds, and a load balancer polling
 * readiness need not ask more often than that.
 */
export const retryReadinessAfterSeconds = 5;
