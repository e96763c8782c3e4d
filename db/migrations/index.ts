import type { Migration } from 'kysely/migration';
import * as skusOrdersIdempotency from './2026-11-22T00-00-skus-orders-idempotency.js';
import * as fencingOutboxInbox from './2026-11-22T01-00-fencing-outbox-inbox.js';
import * as fastPath from './2026-12-01T00-00-fast-path.js';
import * as unitsReconciliations from './2026-12-01T01-00-units-reconciliations.js';
import * as redlockFence from './2026-12-02T00-00-redlock-fence.js';
import * as etcdFence from './2026-12-02T01-00-etcd-fence.js';
import * as perUserLimit from './2026-12-02T02-00-per-user-limit.js';
import * as reservations from './2026-12-02T03-00-reservations.js';
import * as releasedCopies from './2026-12-04T00-00-released-copies.js';
import * as decidedUnits from './2026-12-05T00-00-decided-units.js';
import * as restocks from './2026-12-05T01-00-restocks.js';
import * as leases from './2026-12-06T00-00-leases.js';
import * as leaseLedgers from './2026-12-07T00-00-lease-ledgers.js';
import * as waitingRooms from './2026-12-08T00-00-waiting-rooms.js';
import * as soldUnits from './2026-12-09T00-00-sold-units.js';

/**
 * Every migration, by name. Names sort by date, which is the order Kysely's
 * Migrator applies them in. Listed by hand rather than read from the folder
 * so the same code runs under tsx and in a bundle.
 */
export const migrations: Record<string, Migration> = {
  '2026-11-22T00-00-skus-orders-idempotency': skusOrdersIdempotency,
  '2026-11-22T01-00-fencing-outbox-inbox': fencingOutboxInbox,
  '2026-12-01T00-00-fast-path': fastPath,
  '2026-12-01T01-00-units-reconciliations': unitsReconciliations,
  '2026-12-02T00-00-redlock-fence': redlockFence,
  '2026-12-02T01-00-etcd-fence': etcdFence,
  '2026-12-02T02-00-per-user-limit': perUserLimit,
  '2026-12-02T03-00-reservations': reservations,
  '2026-12-04T00-00-released-copies': releasedCopies,
  '2026-12-05T00-00-decided-units': decidedUnits,
  '2026-12-05T01-00-restocks': restocks,
  '2026-12-06T00-00-leases': leases,
  '2026-12-07T00-00-lease-ledgers': leaseLedgers,
  '2026-12-08T00-00-waiting-rooms': waitingRooms,
  '2026-12-09T00-00-sold-units': soldUnits,
};
