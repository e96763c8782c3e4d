import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Log } from '../../shared/log.js';
import { type Backoff, retryUntil } from '../common/locks/backoff.js';
import { Lease, driftMs, renewEveryMs } from '../common/locks/lease.js';
import type { LockTiming } from '../common/locks/single-node-lock.js';

/**
 * Redlock (https://redis.io/docs/latest/develop/use/patterns/distributed-locks/),
 * written out so every step is visible: SET NX PX on N independent Redis
 * servers in parallel, each answer bounded in time; the lock is held only
 * with a majority and only while time is left on the lease.
 */
export interface RedlockTiming extends LockTiming {
  /** Bound on one node's answer: a slower node counts as down, so the others can still decide. */
  nodeTimeoutMs: number;
}

type Vote = 'yes' | 'no' | 'unknown';

const redlockBackoff: Backoff = {
  // As for one Redis (see singleNodeBackoff).
  baseMs: 2,
  // Three times the single-node cap: each try costs three commands (one per
  // node), so waiters poll a third as often to put the same load on the
  // process; 250 waiters still find a released lock within ~0.3 ms.
  capMs: 150,
};

export function majority(nodes: number): number {
  return Math.floor(nodes / 2) + 1;
}

/** The node's answer, or 'unknown' when it failed or took longer than `ms`. */
function bounded(ask: Promise<boolean>, ms: number): Promise<Vote> {
  return new Promise<Vote>((resolve) => {
    const timer = setTimeout(() => resolve('unknown'), ms);
    ask.then(
      (yes) => resolve(yes ? 'yes' : 'no'),
      () => resolve('unknown'),
    ).finally(() => clearTimeout(timer));
  });
}

/**
 * Asks every node at once; resolves as soon as a majority said yes, so one
 * dead node does not slow every acquisition down to its timeout (votes still
 * out stay 'unknown': their command may yet land). A failed round waits for
 * every answer (each bounded), so it knows which nodes said a definite "no".
 */
async function poll(nodes: Redis[], ask: (node: Redis) => Promise<boolean>, nodeTimeoutMs: number): Promise<{ votes: Vote[]; yes: number }> {
  const needed = majority(nodes.length);
  const votes: Vote[] = nodes.map(() => 'unknown');
  let yes = 0;
  let settled = 0;
  await new Promise<void>((resolve) => {
    nodes.forEach((node, index) => {
      void bounded(ask(node), nodeTimeoutMs).then((vote) => {
        votes[index] = vote;
        settled += 1;
        if (vote === 'yes') yes += 1;
        if (yes >= needed || settled === nodes.length) resolve();
      });
    });
  });
  return { votes, yes };
}

/** Compare-and-delete on the given nodes, each bounded; a node that misses it lets the key expire. */
async function releaseOn(nodes: Redis[], key: string, owner: string, nodeTimeoutMs: number): Promise<void> {
  await Promise.all(nodes.map((node) => bounded(node.releaseLock(key, owner).then((n) => n === 1), nodeTimeoutMs)));
}

/** One Redlock round: the lease, or undefined (after undoing any partial acquisition). */
export async function tryAcquireRedlock(nodes: Redis[], key: string, timing: RedlockTiming, log?: Log): Promise<Lease | undefined> {
  const owner = randomUUID();
  const { leaseMs, nodeTimeoutMs } = timing;
  const started = Date.now();
  const { votes, yes } = await poll(nodes, async (node) => (await node.set(key, owner, 'PX', leaseMs, 'NX')) === 'OK', nodeTimeoutMs);
  // validity = lease − time spent acquiring − drift: what is left for our work.
  const validity = leaseMs - (Date.now() - started) - driftMs(leaseMs);
  if (yes < majority(nodes.length) || validity <= 0) {
    // Undo everywhere our SET may have landed. A node that answered "no" (NX
    // refused) holds someone else's token, never ours: skipping it saves a
    // round trip per failed try under contention and changes nothing.
    await releaseOn(nodes.filter((_, index) => votes[index] !== 'no'), key, owner, nodeTimeoutMs);
    return undefined;
  }
  const ops = {
    async extend(): Promise<number | undefined> {
      const at = Date.now();
      const renewal = await poll(nodes, async (node) => (await node.extendLock(key, owner, leaseMs)) === 1, nodeTimeoutMs);
      const left = leaseMs - (Date.now() - at) - driftMs(leaseMs);
      return renewal.yes >= majority(nodes.length) && left > 0 ? at + leaseMs - driftMs(leaseMs) : undefined;
    },
    async release(): Promise<void> {
      // Every node, including those that did not answer: a late SET may have landed there.
      await releaseOn(nodes, key, owner, nodeTimeoutMs).catch((error: unknown) => log?.warn({ err: error, key }, 'could not release redlock'));
    },
  };
  return new Lease(ops, started + leaseMs - driftMs(leaseMs), renewEveryMs(leaseMs));
}

/** Retries Redlock rounds with jittered backoff until `waitMs` (or `stop`); undefined when no majority was had. */
export function acquireRedlock(nodes: Redis[], key: string, timing: RedlockTiming, log?: Log): Promise<Lease | undefined> {
  return retryUntil(Date.now() + timing.waitMs, redlockBackoff, () => tryAcquireRedlock(nodes, key, timing, log), timing.stop);
}
