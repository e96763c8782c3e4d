import type { Kysely } from 'kysely';
import { keysTakenAfterWriters } from '../../../db/queries/orders.js';
import type { Database } from '../../../db/schema.js';
import { msLeft, outsideDeadline, runWithDeadline } from '../../../lib/deadline.js';

/** A refused buyer's key, waiting to be asked about with the others of its SKU. */
interface Probe {
  key: string;
  until: number | undefined;
  resolve: (taken: boolean) => void;
  reject: (error: unknown) => void;
}

/**
 * For strategies whose counter may refuse a key while the same key is being
 * sold elsewhere (another process, from units held outside the counter): its
 * order, once committed, is the answer, not the refusal. Asks PostgreSQL
 * whether the key has an order, after waiting for the orders being written
 * (keysTakenAfterWriters).
 *
 * The refusals of a SKU that arrive together (a sell-out answers many
 * buyers at once) ask about their keys in one call: at a sell-out, before the
 * memory of it is armed, every buyer is one. The call runs under the earliest
 * deadline of the group, so no buyer's answer waits past its own (a batch
 * outside every deadline let slow-postgres's 503s pass 1 s).
 */
export function createKeyProbes(db: Kysely<Database>): (sku: string, key: string) => Promise<boolean> {
  const probes = new Map<string, Probe[]>();

  async function probeGroup(sku: string): Promise<void> {
    const group = probes.get(sku) ?? [];
    probes.delete(sku);
    const untils = group.flatMap((probe) => (probe.until === undefined ? [] : [probe.until]));
    const ask = () => keysTakenAfterWriters(db, sku, group.map((probe) => probe.key));
    try {
      const taken = untils.length === 0 ? await outsideDeadline(ask) : await runWithDeadline(Math.min(...untils), ask);
      for (const probe of group) probe.resolve(taken.has(probe.key));
    } catch (error: unknown) {
      for (const probe of group) probe.reject(error);
    }
  }

  return (sku, key) => {
    const left = msLeft();
    const until = left === undefined ? undefined : Date.now() + Math.max(0, left);
    return new Promise((resolve, reject) => {
      let group = probes.get(sku);
      if (group === undefined) {
        group = [];
        probes.set(sku, group);
        queueMicrotask(() => void probeGroup(sku));
      }
      group.push({ key, until, resolve, reject });
    });
  };
}
