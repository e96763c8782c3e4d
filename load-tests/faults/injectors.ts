// The faults themselves. Each one registers its undo before it acts, holds
// for a bounded time, undoes itself in `finally`, and marks the fault
// window (start: injected; end: fully undone) on the run's ledger clock.
import { setTimeout as sleep } from 'node:timers/promises';
import { decidedCopiedKey, releasedCopiedKey, stockKey } from '../../services/shared/redis-keys.js';
import type { RunContext } from './context.js';
import { processState, signal } from './processes.js';
import type { RedisName } from './stack-control.js';
import type { Toxic } from './toxiproxy.js';

/** Marks the fault window's edge on the run's ledger clock. */
export const mark = (ctx: RunContext, edge: 'start' | 'end'): void => {
  ctx.window[edge] = ctx.ledger.now();
};

/** SIGSTOP every pid for `ms`, then SIGCONT them in reverse order. */
export async function pausePids(ctx: RunContext, what: string, pids: number[], ms: number): Promise<void> {
  const undo = ctx.cleanups.add(`SIGCONT ${what}`, async () => {
    for (const pid of [...pids].reverse()) signal(pid, 'SIGCONT');
  });
  try {
    mark(ctx, 'start');
    for (const pid of pids) signal(pid, 'SIGSTOP');
    ctx.say(`  fault: ${what} stopped (SIGSTOP ${pids.length} process(es)) for ${ms / 1000} s`);
    await sleep(ms);
  } finally {
    await undo();
    mark(ctx, 'end');
  }
}

/** PostgreSQL: the postmaster first (so it forks nothing new), then every child; resumed the other way round. */
export async function pausePostgres(ctx: RunContext, ms: number): Promise<void> {
  const { postmaster, children } = ctx.stack.postgresPids();
  ctx.facts.pgProcessesPaused = children.length + 1;
  await pausePids(ctx, `postgres (postmaster ${postmaster} and ${children.length} children)`, [postmaster, ...children], ms);
}

export async function pauseStackService(ctx: RunContext, name: string, ms: number): Promise<void> {
  await pausePids(ctx, name, [ctx.stack.pid(name)], ms);
}

/** kill -9 of the scenario's first API, restarted at once on the same port (the window ends when it serves). */
export async function killApi(ctx: RunContext): Promise<void> {
  const api = ctx.services.apis[0];
  if (api === undefined) throw new Error('no API to kill');
  const undo = ctx.cleanups.add('restart the killed API', () => api.start());
  try {
    mark(ctx, 'start');
    ctx.say(`  fault: kill -9 API pid ${api.pid ?? '?'}`);
    await api.kill9();
  } finally {
    await undo();
    mark(ctx, 'end');
  }
}

/** kill -9 of the worker `times` times, each followed by a restart; `gapMs` of running between kills. */
export async function killWorkerRepeatedly(ctx: RunContext, times: number, gapMs: number): Promise<void> {
  const worker = ctx.services.worker;
  if (worker === undefined) throw new Error('no worker to kill');
  mark(ctx, 'start');
  for (let i = 0; i < times; i++) {
    const undo = ctx.cleanups.add('restart the killed worker', () => worker.start());
    try {
      ctx.say(`  fault: kill -9 worker pid ${worker.pid ?? '?'} (${i + 1}/${times})`);
      await worker.kill9();
    } finally {
      await undo();
    }
    if (i < times - 1) await sleep(gapMs);
  }
  mark(ctx, 'end');
}

/** kill -9 of a stack server, then the stack script starts it again (data kept on disk). */
export async function killStackService(ctx: RunContext, name: 'kafka' | RedisName): Promise<void> {
  const pid = ctx.stack.pid(name);
  const undo = ctx.cleanups.add(`restart ${name} through the stack script`, () => ctx.stack.restart());
  try {
    mark(ctx, 'start');
    ctx.say(`  fault: kill -9 ${name} pid ${pid}`);
    signal(pid, 'SIGKILL');
    // The restart must find it gone, or it would call the dying process "already running".
    // 5 s: the kernel frees a SIGKILLed process at once; a zombie ('Z') is gone for the stack script too.
    for (let i = 0; i < 50 && ![undefined, 'Z'].includes(processState(pid)); i++) await sleep(100);
  } finally {
    await undo();
    mark(ctx, 'end');
    ctx.say(`  fault: ${name} restarted`);
  }
}

/** FLUSHALL on the main Redis: every key gone at once (a fresh instance, or a replica promoted empty). */
export async function flushMainRedis(ctx: RunContext): Promise<void> {
  const redis = ctx.stack.redis('redis-1');
  try {
    mark(ctx, 'start');
    await redis.flushall();
    ctx.say('  fault: FLUSHALL on redis-1');
    mark(ctx, 'end');
  } finally {
    redis.disconnect();
  }
}

/**
 * A simulated asynchronous-failover loss: the SKU's counter, with the totals
 * copied into it (decided and released units), is read now and SET back to
 * those values `laterMs` afterwards, so every deduction and copy in between
 * is forgotten by Redis, as by a replica that missed them and was promoted.
 * The counter and its counts go back together because a replica holds a
 * prefix of its master's writes, and one script writes both.
 */
export async function rollBackCounter(ctx: RunContext, laterMs: number): Promise<void> {
  const redis = ctx.stack.redis('redis-1');
  try {
    const keys = [stockKey(ctx.sku), decidedCopiedKey(ctx.sku), releasedCopiedKey(ctx.sku)];
    // One MGET: the three values of one moment (they share a slot).
    const before = await redis.mget(...keys);
    if (before[0] === null) {
      ctx.notes.push(`counter ${keys[0]} missing when read: nothing to roll back`);
      return;
    }
    mark(ctx, 'start');
    await sleep(laterMs);
    const lost = await redis.mget(...keys);
    const restore = redis.multi();
    keys.forEach((key, index) => {
      const value = before[index];
      if (value === null || value === undefined) restore.del(key);
      else restore.set(key, value);
    });
    await restore.exec();
    mark(ctx, 'end');
    ctx.facts.counterRolledBackFrom = Number(lost[0]);
    ctx.facts.counterRolledBackTo = Number(before[0]);
    ctx.say(`  fault: ${keys[0]} set back from ${lost[0] ?? 'nil'} to ${before[0]}, its decided and released counts with it (${laterMs} ms of deductions and copies forgotten)`);
  } finally {
    redis.disconnect();
  }
}

/** Each toxic of `steps` in turn on `proxy`, for its duration, removed after it. */
export async function toxicSequence(ctx: RunContext, proxy: string, steps: Array<{ toxic: Toxic; ms: number }>): Promise<void> {
  const undo = ctx.cleanups.add(`remove toxics of ${proxy}`, async () => {
    for (const step of steps) await ctx.toxiproxy.removeToxic(proxy, step.toxic.name).catch(() => undefined);
  });
  try {
    mark(ctx, 'start');
    for (const step of steps) {
      ctx.say(`  fault: ${proxy} ${step.toxic.type} ${JSON.stringify(step.toxic.attributes)} for ${step.ms / 1000} s`);
      await ctx.toxiproxy.addToxic(proxy, step.toxic);
      await sleep(step.ms);
      await ctx.toxiproxy.removeToxic(proxy, step.toxic.name);
    }
  } finally {
    await undo();
    mark(ctx, 'end');
  }
}
