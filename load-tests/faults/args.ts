// Command-line options of `npm run faults`. The defaults are the full run
// (every scenario, every strategy it applies to); --quick is the CI subset.
import { parseArgs } from 'node:util';

export interface FaultOptions {
  quick: boolean;
  /** Scenario names to run; undefined: all (or the quick subset). */
  scenarios: string[] | undefined;
  /** Strategy names to run; undefined: every one the API lists that a scenario applies to. */
  strategies: string[] | undefined;
  burst: BurstSize;
  /** Overload: the selling capacity to multiply by 10 (purchases/s); undefined: measured briefly first. */
  capacity: number | undefined;
  /** How long after the burst the audit may take to become consistent and settled. */
  settleTimeoutMs: number;
}

export interface BurstSize {
  /** Units of each fresh SKU. */
  stock: number;
  /** Purchases of one unit each: twice the stock, so every run sells out and refuses. */
  purchases: number;
  /** Buyers at once (closed loop). */
  concurrency: number;
  /** Purchases started per second at most, so the fault lands while units are still selling. */
  ratePerSecond: number;
}

export const usage = `Usage: npm run faults -- [options]

For each scenario and each strategy it applies to: a fresh SKU, a bounded
burst of one-unit purchases by a client that keeps a ledger and retries every
unfinished answer with the same Idempotency-Key, a fault injected at a set
point, recovery, then assertions (no oversell, one final answer per key,
every accepted order confirmed, nothing pending, audit consistent) and
measurements (recovery time, latency of 503s). Writes
load-tests/results/faults-<time>/report.json and report.md.

Options:
  --quick               the CI subset (one or two strategies per scenario, ~3.5 min on 2 cores)
  --scenarios a,b       scenarios to run (default: all; see the list below)
  --strategies x,y      strategies to run (default: every one GET /v1/strategies lists)
  --capacity N          overload: selling capacity in purchases/s (default: measured, 2 s closed loop)
  --help                this text`;

function names(raw: string | undefined): string[] | undefined {
  const list = raw
    ?.split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  return list !== undefined && list.length > 0 ? list : undefined;
}

export function parseOptions(argv: string[]): FaultOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      scenarios: { type: 'string' },
      strategies: { type: 'string' },
      capacity: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  const capacity = values.capacity === undefined ? undefined : Number(values.capacity);
  if (capacity !== undefined && (!Number.isFinite(capacity) || capacity <= 0)) throw new Error(`--capacity must be a positive number, got "${values.capacity}"`);
  return {
    quick: values.quick,
    scenarios: names(values.scenarios),
    strategies: names(values.strategies),
    // 200 units, 400 buyers: enough sales for a fault to land mid-sale, small enough for 2 shared cores.
    // 40 at once and 100/s: the slowest safe strategy (redlock, ~100 sales/s here) keeps up, so the
    // burst lasts ~4 s and a fault injected after 60 answers hits while units are still selling.
    burst: values.quick ? { stock: 150, purchases: 300, concurrency: 40, ratePerSecond: 100 } : { stock: 200, purchases: 400, concurrency: 40, ratePerSecond: 100 },
    capacity,
    // 30 s: the worker drains a few hundred orders in well under a second; this bounds a stuck one.
    settleTimeoutMs: values.quick ? 20_000 : 30_000,
  };
}
