import type { Etcd3, IKeyValue, Lease as EtcdLease, Watcher } from 'etcd3';
import type { Log } from '../../shared/log.js';
import { Lease, driftMs, renewEveryMs } from './lease.js';

/** Every lock key of a SKU lives under this prefix; one key per buyer waiting or holding. */
export function etcdLockPrefix(sku: string): string {
  return `flash-sale/locks/${encodeURIComponent(sku)}/`;
}

/** The first key after every key that starts with `prefix`: a range's end for "the whole prefix". */
function prefixEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix);
  end[end.length - 1] = (end[end.length - 1] ?? 0) + 1;
  return end;
}

export interface EtcdLockTiming {
  /** The lease: etcd counts whole seconds, at least 2 here (its own floor is ~1.5 s). */
  leaseMs: number;
  /** How long to wait for the holders ahead before giving up (the caller answers 503). */
  waitMs: number;
  /** Stops waiting early when true (checked as the wait goes on). */
  stop?: () => boolean;
}

export interface EtcdFencedLease {
  lease: Lease;
  /**
   * The create revision of this buyer's key: etcd's revision counter rises
   * with every write to the cluster, so each later holder's token is larger.
   * PostgreSQL refuses a write with a token older than one it has accepted.
   */
  fenceToken: string;
}

/** `promise`, or undefined once `ms` have passed (the promise is left to settle on its own). */
function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), Math.max(0, ms));
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

// How often a waiter also reads whether the key ahead is gone (see deletedBefore).
const pollMs = 100;

/**
 * Resolves when `key` is deleted (its holder released it, or its lease
 * expired) after `afterRevision`, or when `deadline` passes or `stop` says so:
 * true only for the delete.
 * The watch wakes the waiter as soon as the key goes. But a watch stream
 * rides on one member, and a member that is stopped (SIGSTOP, a long pause)
 * neither answers nor fails it: with etcd-3 stopped, waiters sat out their
 * whole wait (70 answers of 503 in the fault run). So the waiter also reads
 * the key every 100 ms, a unary call that fails over to another member like
 * every other.
 */
function deletedBefore(client: Etcd3, key: Buffer, afterRevision: string, deadline: number, stop: () => boolean): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    let settled = false;
    let watcher: Watcher | undefined;
    const timers: NodeJS.Timeout[] = [];
    const settle = (deleted: boolean): void => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearInterval(timer);
      // Not awaited: with its member stopped, the cancel itself may wait; the buyer must not.
      watcher?.cancel().catch(() => undefined);
      resolve(deleted);
    };
    client
      .watch()
      .key(key)
      .startRevision(String(BigInt(afterRevision) + 1n))
      .create()
      .then(
        (created) => {
          watcher = created;
          // A watch that connects after the wait ended is cancelled at once.
          if (settled) created.cancel().catch(() => undefined);
          else created.on('delete', () => settle(true));
        },
        () => undefined, // the reads below carry on
      );
    timers.push(
      setInterval(() => {
        client.kv.range({ key, count_only: true }).then(
          (answer) => {
            if (Number(answer.count) === 0) settle(true);
          },
          () => undefined,
        );
      }, pollMs),
    );
    // `stop` is a plain function (another buyer here saw the stock run out): looked at every 10 ms.
    timers.push(
      setInterval(() => {
        if (stop() || Date.now() >= deadline) settle(false);
      }, 10),
    );
  });
}

/**
 * The lock recipe of etcd's concurrency package, step by step:
 * 1. grant a lease (the lock's liveness: if this process dies, etcd deletes
 *    its key when the lease runs out);
 * 2. put a key of our own under the SKU's prefix, bound to the lease: its
 *    create revision is our place in line;
 * 3. the key with the lowest create revision holds the lock: if no key under
 *    the prefix was created before ours, we hold it;
 * 4. else watch the key just ahead of ours (the highest create revision
 *    below ours) until it is deleted, then look again (step 3): each waiter
 *    watches one other key, so a release wakes one buyer, not all of them;
 * 5. give up at the deadline: revoking the lease deletes our key, so the
 *    buyer behind us moves up.
 * Renewal is the same watchdog as redis-lock's (lease.ts): keepalives every
 * third of the lease, and a lease whose end passed unrenewed counts as lost.
 */
export async function acquireEtcdLock(client: Etcd3, sku: string, timing: EtcdLockTiming, log?: Log): Promise<EtcdFencedLease | undefined> {
  const deadline = Date.now() + timing.waitMs;
  const stop = timing.stop ?? (() => false);
  const ttlSeconds = Math.max(2, Math.ceil(timing.leaseMs / 1000));
  const leaseMs = ttlSeconds * 1000;
  const prefix = etcdLockPrefix(sku);
  // Counted from before the grant reached etcd, so our view of the lease ends first.
  const grantedFrom = Date.now();
  const etcdLease: EtcdLease = client.lease(ttlSeconds, { autoKeepAlive: false });
  etcdLease.on('lost', () => undefined); // reported through keepaliveOnce's rejection instead
  const giveUp = (): undefined => {
    etcdLease.revoke().catch((error: unknown) => log?.warn({ err: error, sku }, 'could not revoke etcd lease; it expires on its own'));
    return undefined;
  };
  try {
    const id = await etcdLease.grant();
    const put = await etcdLease.put(`${prefix}${id}`).value('').exec();
    const ours = put.header.revision;
    for (;;) {
      const ahead = await client.kv.range({
        key: Buffer.from(prefix),
        range_end: prefixEnd(prefix),
        max_create_revision: String(BigInt(ours) - 1n),
        sort_target: 'Create',
        sort_order: 'Descend',
        limit: 1,
      });
      const next: IKeyValue | undefined = ahead.kvs[0];
      if (next === undefined) break;
      if (stop() || Date.now() >= deadline) return giveUp();
      if (!(await deletedBefore(client, next.key, ahead.header.revision, deadline, stop))) return giveUp();
    }
    const ops = {
      async extend(): Promise<number | undefined> {
        const at = Date.now();
        const answer = await within(etcdLease.keepaliveOnce(), renewEveryMs(leaseMs)).catch(() => undefined);
        return answer !== undefined && Number(answer.TTL) > 0 ? at + leaseMs - driftMs(leaseMs) : undefined;
      },
      async release(): Promise<void> {
        // If this fails the key goes when the lease runs out; nothing else to do.
        await etcdLease.revoke().catch((error: unknown) => log?.warn({ err: error, sku }, 'could not revoke etcd lease'));
      },
    };
    return { lease: new Lease(ops, grantedFrom + leaseMs - driftMs(leaseMs), renewEveryMs(leaseMs)), fenceToken: ours };
  } catch (error: unknown) {
    giveUp();
    throw error;
  }
}
