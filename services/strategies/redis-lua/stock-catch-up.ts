import type { Kysely } from 'kysely';
import { applyRedisDecidedOrders } from '../../../db/queries/stock-catch-up.js';
import type { Database } from '../../../db/schema.js';
import type { Log } from '../../shared/log.js';
import { type PollLoop, startPollLoop } from '../../shared/poll-loop.js';

// How far skus.stock may lag the orders Redis decided. The audit counts the
// lag, so this only bounds how stale the raw column looks; 100 ms costs at
// most ten hot-row updates a second per SKU, against one per sale before.
const idleMs = 100;
// Orders applied per statement: a flash sale's 100 ms of Redis sales fit in one.
const batchSize = 5000;

/** Keeps skus.stock in step with redis-lua's orders, in batches (see applyRedisDecidedOrders). */
export function startStockCatchUp(db: Kysely<Database>, log: Log): PollLoop {
  return startPollLoop(() => applyRedisDecidedOrders(db, batchSize), { idleMs, failureMs: 1000, batchSize, log, what: 'stock catch-up' });
}

