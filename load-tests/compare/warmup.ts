// Before anything is measured, every strategy's path is run a few times on a
// throwaway SKU: the API's JIT, its connection pools and the lazily connected
// Kafka producer would otherwise be paid for by whichever strategy runs first.
import { randomUUID } from 'node:crypto';

const purchasesPerStrategy = 30;
const concurrency = 5;
const stock = 10; // below the purchases: the sold-out path is warmed too

async function post(url: string, body: unknown, headers: Record<string, string>): Promise<number> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  await res.arrayBuffer();
  return res.status;
}

export async function warmUp(apiUrl: string, adminToken: string, strategies: string[]): Promise<void> {
  const runId = Date.now().toString(36);
  for (const strategy of strategies) {
    const sku = `warmup-${strategy}-${runId}`.slice(0, 64);
    const created = await post(`${apiUrl}/v1/admin/skus`, { sku, stock }, { authorization: `Bearer ${adminToken}` });
    if (created !== 201) throw new Error(`warm-up: creating ${sku} answered ${created}`);
    let next = 0;
    const buyer = async (): Promise<void> => {
      while (next < purchasesPerStrategy) {
        const n = next++;
        const status = await post(`${apiUrl}/v1/purchases`, { sku, userId: `warmup-${n}`, quantity: 1 }, { 'x-strategy': strategy, 'idempotency-key': randomUUID() });
        if (![201, 202, 409, 503].includes(status)) throw new Error(`warm-up: ${strategy} answered ${status}`);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, buyer));
    // The worker must not still be settling warm-up orders while the first strategy is measured.
    await settled(apiUrl, adminToken, sku);
  }
}

async function settled(apiUrl: string, adminToken: string, sku: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await fetch(`${apiUrl}/v1/admin/skus/${encodeURIComponent(sku)}/audit`, {
      headers: { authorization: `Bearer ${adminToken}` },
      signal: AbortSignal.timeout(10_000),
    });
    const audit = (await res.json()) as { pendingUnits?: number; outboxBacklog?: number };
    if (res.status === 200 && audit.pendingUnits === 0 && audit.outboxBacklog === 0) return;
    if (Date.now() > deadline) throw new Error(`warm-up: ${sku} still had pending orders or unpublished events after 30 s (is the worker running?)`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
