/**
 * How an optimistic strategy's retry budget trades PostgreSQL load for unsold
 * stock: for each OPTIMISTIC_MAX_ATTEMPTS, 300 concurrent buyers of 1 unit on
 * 50 units against a fresh API on the local stack. Prints one JSON line per
 * budget. Run: npm run bench:optimistic-budget (which names the strategy,
 * pg-optimistic, as the first argument).
 */
import { audit, countBy, createSku, purchase, startApi, uniqueSku } from '../harness/api.js';

const strategy = process.argv[2];
if (strategy === undefined) throw new Error('usage: optimistic-budget.ts <strategy that retries on a version conflict>');
const budgets = ['3', '10', '20', '50'];
const stock = 50;
const buyers = 300;

for (const attempts of budgets) {
  const api = await startApi({ OPTIMISTIC_MAX_ATTEMPTS: attempts });
  const sku = uniqueSku('budget');
  await createSku(api, sku, stock);
  const started = performance.now();
  const answers = await Promise.all(Array.from({ length: buyers }, () => purchase(api, { sku, strategy })));
  const wallMs = Math.round(performance.now() - started);
  const metrics = await (await fetch(`${api.url}/metrics`)).text();
  const retries = Number(new RegExp(`strategy_retries_total\\{strategy="${strategy}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
  const { confirmedUnits, oversoldUnits, consistent } = (await audit(api, sku)).body;
  console.log(JSON.stringify({ attempts: Number(attempts), answers: countBy(answers), confirmedUnits, oversoldUnits, consistent, retries, wallMs }));
  await api.close();
}
