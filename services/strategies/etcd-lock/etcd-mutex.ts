import type { Etcd3, IKeyValue, Lease as EtcdLease, Watcher } from 'etcd3';
import type { Log } from '../../shared/log.js';
import { within } from '../../../lib/within.js';
import { Lease, type LockLease, driftMs, renewEveryMs } from '../common/locks/lease.js';

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
  /** How long to wait for the holders ahead before giving up (the caller answers 503). */
  waitMs: number;
  /** Stops waiting early when true (checked as the wait goes on). */
  stop?: () => boolean;
}

export interface EtcdFencedLease {
  lease: LockLease;
  /**
   * The create revision of this buyer's key: etcd's revision counter rises
   * with every write to the cluster, so each later holder's token is larger.
   * PostgreSQL refuses a write with a token older than one it has accepted.
   */
  fenceToken: string;
}

// How often a waiter also reads whether the key ahead is gone (see deletedBefore).
const pollMs = 100;

/**
 * Resolves when `key` is deleted (its holder released it, or its lease
 * expired) after `afterRevision`, or when `deadline` passes or `stop` says so:
 * true only for the delete.
 * The watch wakes the waiter as soon as the key goes. But a watch stream
 * rides on one member, and a member that is stopped (SIGSTOP, a long pause)
 * neither answers nor fails it (no gRPC keepalive here), so a waiter whose
 * stream sits on it would sit out its whole wait. So the waiter also reads
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
 * One etcd lease per process (etcd's "session"), renewed by the same watchdog
 * as redis-lock's lease (lease.ts: a keepalive every third of the TTL, and a
 * lease whose end passed unrenewed counts as lost). Every lock key of the
 * process is bound to it: if the process dies or stops, etcd deletes them all
 * when the lease runs out. Shared, so a lock costs no grant of its own (each
 * write to etcd is a Raft commit and an fsync: ~5 ms here).
 */
export class EtcdSession {
  private current: Promise<{ id: string; lease: Lease }> | undefined;

  constructor(
    private readonly client: Etcd3,
    private readonly leaseMs: number,
    private readonly log?: Log,
  ) {}

  /** The live session, or a new one once the last was lost (its keys went with it). */
  async live(): Promise<{ id: string; lease: Lease }> {
    const pending = (this.current ??= this.open());
    const session = await this.settle(pending);
    if (session.lease.isHeld()) return session;
    // Lost: etcd was not reached to renew it, or this process was stopped past its end.
    if (this.current === pending) this.current = this.open();
    return this.settle(this.current);
  }

  /** A grant that failed is forgotten, so the next buyer asks again. */
  private async settle(pending: Promise<{ id: string; lease: Lease }>): Promise<{ id: string; lease: Lease }> {
    try {
      return await pending;
    } catch (error: unknown) {
      if (this.current === pending) this.current = undefined;
      throw error;
    }
  }

  private async open(): Promise<{ id: string; lease: Lease }> {
    const ttlSeconds = Math.max(2, Math.ceil(this.leaseMs / 1000));
    const leaseMs = ttlSeconds * 1000;
    // Counted from before the grant reached etcd, so our view of the lease ends first.
    const grantedFrom = Date.now();
    const etcdLease: EtcdLease = this.client.lease(ttlSeconds, { autoKeepAlive: false });
    etcdLease.on('lost', () => undefined); // reported through keepaliveOnce's rejection instead
    const id = await etcdLease.grant();
    const log = this.log;
    const ops = {
      async extend(): Promise<number | undefined> {
        const at = Date.now();
        const answer = await within(etcdLease.keepaliveOnce(), renewEveryMs(leaseMs)).catch(() => undefined);
        return answer !== undefined && Number(answer.TTL) > 0 ? at + leaseMs - driftMs(leaseMs) : undefined;
      },
      async release(): Promise<void> {
        await etcdLease.revoke().catch((error: unknown) => log?.warn({ err: error }, 'could not revoke etcd session lease; it expires on its own'));
      },
    };
    return { id, lease: new Lease(ops, grantedFrom + leaseMs - driftMs(leaseMs), renewEveryMs(leaseMs)) };
  }
}

/**
 * The lock recipe of etcd's concurrency package, step by step:
 * 1. the process's session lease (EtcdSession) is the lock's liveness;
 * 2. in one transaction: put `<prefix><lease id>` bound to the lease unless it
 *    exists, and read the prefix's key with the lowest create revision. Our
 *    key's create revision is our place in line;
 * 3. the key with the lowest create revision holds the lock: if that is ours,
 *    we hold it;
 * 4. else watch the key just ahead of ours (the highest create revision
 *    below ours) until it is deleted, then look again: each waiter watches
 *    one other key, so a release wakes one buyer, not all of them;
 * 5. give up at the deadline, or release: delete our key, and the buyer
 *    behind moves up.
 * A process has one key per SKU (one session): its buyers of one SKU take
 * turns in its line (sku-turn.ts) and go for the lock one at a time.
 */
export async function acquireEtcdLock(client: Etcd3, session: EtcdSession, sku: string, timing: EtcdLockTiming, log?: Log): Promise<EtcdFencedLease | undefined> {
  const deadline = Date.now() + timing.waitMs;
  const stop = timing.stop ?? (() => false);
  const prefix = etcdLockPrefix(sku);
  const { id, lease } = await session.live();
  const key = `${prefix}${id}`;
  const release = async (): Promise<void> => {
    // If this fails the key stays until the session's lease ends: end it, so the lock frees.
    await client
      .delete()
      .key(key)
      .exec()
      .catch(async (error: unknown) => {
        log?.warn({ err: error, sku }, 'could not delete etcd lock key; ending the session');
        await lease.release();
      });
  };
  const owner = client.getAll().prefix(prefix).sort('Create', 'Ascend').limit(1);
  const txn = await client.if(key, 'Create', '==', 0).then(client.put(key).value('').lease(id), owner).else(client.get(key), owner).commit();
  const ours = txn.succeeded ? txn.header.revision : txn.responses[0]?.response_range.kvs[0]?.create_revision;
  if (ours === undefined) throw new Error(`etcd lock key ${key} neither created nor found`);
  try {
    const first = txn.responses[1]?.response_range.kvs[0]?.create_revision;
    if (first !== ours) {
      for (;;) {
        if (stop() || Date.now() >= deadline) {
          await release();
          return undefined;
        }
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
        if (!(await deletedBefore(client, next.key, ahead.header.revision, deadline, stop))) {
          await release();
          return undefined;
        }
      }
    }
  } catch (error: unknown) {
    await release();
    throw error;
  }
  // Held as long as the session is: its watchdog's view is the lock's; releasing deletes our key only.
  return { lease: { signal: lease.signal, isHeld: () => lease.isHeld(), release }, fenceToken: ours };
}
