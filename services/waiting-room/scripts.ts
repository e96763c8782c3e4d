import type { Result } from 'ioredis';
import { defineScripts } from '../strategies/common/redis-scripts.js';
import type { MainRedis } from '../shared/redis.js';

// The waiting room's Lua (visit-line-6.lua), loaded like the strategies' scripts.
declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** [state, ticket, userId, created, a, b]: see visit-line-6.lua. */
    visitLine(
      state: string,
      order: string,
      tickets: string,
      users: string,
      admitted: string,
      soldOut: string,
      mode: 'join' | 'poll' | 'rejoin',
      ticket: string,
      userId: string,
      drawMs: number,
      score: string,
      admitPerSecond: number,
      ttlMs: number,
      keepMs: number,
      autoStart: number,
      autoLeast: number,
      autoMost: number,
      graceMs: number,
    ): Result<[string, string, string, number, number, string], Context>;
  }
}

export function defineLineScripts(redis: MainRedis): void {
  defineScripts(redis, new URL('./', import.meta.url));
}
