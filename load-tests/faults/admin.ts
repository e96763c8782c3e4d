import type { Audit as SkuAudit } from '../../services/api/skus/sku-service.js';
import { type StrategyFacts, isStrategyNeed, strategyLocks } from '../../services/strategies/facts.js';
import { type ApiTarget, type WaitingRoomInput, audit, createSku, getJson } from '../../harness/client.js';
// The API calls a fault run makes besides purchases: strategies, SKU
// creation, the audit (Bearer ADMIN_TOKEN), order status and one counter of /metrics.
/** A strategy's facts, as GET /v1/strategies serves them: which checks hold it, which scenarios apply. */
export type StrategyInfo = Pick<StrategyFacts, 'name' | 'async' | 'safe' | 'decidesIn' | 'needs' | 'keepsStockIn' | 'locksIn' | 'holds'>;

/** The part of GET /v1/admin/skus/:sku/audit the assertions read. */
export type Audit = Pick<
  SkuAudit,
  'confirmedUnits' | 'pendingUnits' | 'oversoldUnits' | 'expectedStock' | 'pgStock' | 'unitsNotInPgStock' | 'redisStock' | 'consistent' | 'outboxBacklog'
>;

// 5 s: these are single reads or writes; a slower answer means the store is still out.
const callTimeoutMs = 5_000;

function isAudit(value: unknown): value is Audit {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.oversoldUnits === 'number' && typeof record.consistent === 'boolean' && typeof record.confirmedUnits === 'number';
}

export class AdminClient {
  constructor(
    private readonly api: () => string,
    private readonly token: string,
  ) {}

  /** The API's current address (it may be restarted on another), with this client's token and bound. */
  private target(): ApiTarget {
    return { url: this.api(), token: this.token, timeoutMs: callTimeoutMs };
  }

  async strategies(): Promise<StrategyInfo[]> {
    const { status, body } = await getJson(this.target(), '/v1/strategies');
    if (status !== 200 || !Array.isArray(body)) throw new Error(`GET /v1/strategies answered ${status}`);
    return body.flatMap((item: unknown) => {
      if (typeof item !== 'object' || item === null) return [];
      const record = item as Record<string, unknown>;
      if (typeof record.name !== 'string' || typeof record.safe !== 'boolean' || !Array.isArray(record.needs)) return [];
      const needs = record.needs.filter(isStrategyNeed);
      const locksIn = strategyLocks.find((lock) => lock === record.locksIn) ?? 'none';
      return [{ name: record.name, async: record.async === true, safe: record.safe, decidesIn: record.decidesIn === 'redis' ? 'redis' : 'postgres', needs, keepsStockIn: record.keepsStockIn === 'redis' ? 'redis' : 'postgres', locksIn, holds: record.holds === true }];
    });
  }

  async createSku(sku: string, stock: number, waitingRoom?: WaitingRoomInput): Promise<void> {
    const { status, body } = await createSku(this.target(), sku, stock, undefined, waitingRoom === undefined ? {} : { waitingRoom });
    if (status !== 201) throw new Error(`creating SKU ${sku} answered ${status}: ${JSON.stringify(body).slice(0, 200)}`);
  }

  /** The audit, or undefined when it cannot be read right now (a store still out). */
  async audit(sku: string): Promise<Audit | undefined> {
    try {
      const { status, body } = await audit(this.target(), sku);
      return status === 200 && isAudit(body) ? body : undefined;
    } catch {
      return undefined;
    }
  }

  /** An order's status at GET /v1/orders/:id ('missing' for 404, 'unreadable' for anything else). */
  async orderStatus(orderId: string): Promise<'pending' | 'confirmed' | 'rejected' | 'reserved' | 'missing' | 'unreadable'> {
    try {
      const { status, body } = await getJson(this.target(), `/v1/orders/${encodeURIComponent(orderId)}`);
      if (status === 404) return 'missing';
      if (status !== 200 || typeof body !== 'object' || body === null || !('status' in body)) return 'unreadable';
      const value = body.status;
      return value === 'pending' || value === 'confirmed' || value === 'rejected' || value === 'reserved' ? value : 'unreadable';
    } catch {
      return 'unreadable';
    }
  }
}

/** The sum of a Prometheus counter over its labels at `apiUrl`/metrics; undefined when unreadable. */
export async function counterValue(apiUrl: string, metric: string): Promise<number | undefined> {
  try {
    const response = await fetch(`${apiUrl}/metrics`, { signal: AbortSignal.timeout(callTimeoutMs) });
    const text = await response.text();
    if (!response.ok) return undefined;
    let sum = 0;
    for (const line of text.split('\n')) {
      if (line.startsWith(`${metric}{`) || line.startsWith(`${metric} `)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return sum;
  } catch {
    return undefined;
  }
}
