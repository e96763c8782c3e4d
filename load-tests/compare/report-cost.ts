// The cost and projection tables (cost.ts, projection.ts) as plain text
// cells, for the markdown and the page alike.
import { NONE, count, rate } from './report-format.js';
import type { Cell, Column, Table } from './report-table.js';
import type { CostFigures, Report, StrategyResult } from './report-types.js';

const plain = (figure: string): Cell => ({ figure, range: null, detail: null });
const strategyColumn: Column = { header: 'strategy', meaning: 'the stock-deduction strategy', numeric: false, cell: (r) => plain(r.strategy) };

/** The parts whose CPU a sale costs, in the stacked bar's order. k6 (the buyers) is shown apart. */
export const costParts = ['api', 'worker', 'postgres', 'redis', 'kafka', 'etcd'] as const;

const msFigure = (value: number): string => (value >= 10 ? value.toFixed(1) : value >= 0.01 ? value.toFixed(3) : value === 0 ? '0' : value.toExponential(1));

function costCell(pick: (cost: CostFigures) => number | null, format: (value: number) => string): (r: StrategyResult) => Cell {
  return (r) => {
    const cost = r.cost.selling;
    const value = cost === null ? null : pick(cost);
    return plain(value === null ? NONE : format(value));
  };
}

/** CPU ms per answer by part, and the stores' work per answer, selling; the refusing phase's total CPU beside it. */
export function costTable(report: Report): Table {
  const parts: Column[] = costParts.map((part) => ({
    header: `${part} ms`,
    meaning: `CPU ms per answer of the ${part} process(es), selling`,
    numeric: true,
    cell: costCell((c) => c.cpuMsPerAnswer[part], msFigure),
  }));
  return {
    columns: [
      strategyColumn,
      ...parts,
      { header: 'k6 ms', meaning: 'CPU ms per answer of k6 itself (the buyers, not the system)', numeric: true, cell: costCell((c) => c.cpuMsPerAnswer.k6, msFigure) },
      { header: 'Redis cmds', meaning: 'Redis commands per answer (every Redis), selling', numeric: true, cell: costCell((c) => c.redisCommandsPerAnswer, (v) => v.toFixed(2)) },
      { header: 'net of idle', meaning: 'the same less the commands the background loops send with nobody buying (measured once per run)', numeric: true, cell: costCell((c) => c.redisCommandsNetPerAnswer, (v) => v.toFixed(3)) },
      { header: 'PG commits', meaning: 'PostgreSQL write transactions per answer, selling', numeric: true, cell: costCell((c) => c.pgCommitsPerAnswer, (v) => v.toFixed(3)) },
      { header: 'WAL bytes', meaning: 'PostgreSQL WAL bytes per answer, selling', numeric: true, cell: costCell((c) => c.walBytesPerAnswer, (v) => count(Math.round(v))) },
      {
        header: 'sell-out cmds',
        meaning: 'Redis commands per unit sold over the spike (a sale to its sell-out and the refusals after it), net of idle: for a stock split in buckets, the probing near the end',
        numeric: true,
        cell: (r) => {
          const c = r.cost.spike;
          const net = c?.redisCommandsNetPerAnswer ?? null;
          return plain(c === null || net === null || c.salesPerAnswer <= 0 ? NONE : (net / c.salesPerAnswer).toFixed(2));
        },
      },
      {
        header: 'refusing ms',
        meaning: 'CPU ms per answer of the whole system (k6 left out) while refusing on a sold-out SKU',
        numeric: true,
        cell: (r) => {
          const c = r.cost.refusing;
          return plain(c === null ? NONE : msFigure(costParts.reduce((sum, part) => sum + c.cpuMsPerAnswer[part], 0)));
        },
      },
    ],
    legend:
      'What one answer cost each part, measured around the capacity phases (deltas of /proc/<pid>/stat for every process of each part, ' +
      'INFO commandstats of every Redis, transaction ids and pg_current_wal_lsn() of PostgreSQL), the whole k6 run of the phase included. ' +
      `An asynchronous strategy's selling cost includes its worker draining the backlog. ${NONE}: not measured.`,
  };
}

const boundLabel: Record<StrategyResult['projection'][number]['boundBy'], string> = {
  cpu: 'cores',
  'redis-shard': 'one Redis shard',
  'postgres-row-lock': 'the row lock',
  'partition-consumer': "one partition's consumer",
  'lock-critical-section': "the lock's critical section",
};

/** The projection at each core count: sales/s on one hot SKU and what binds it. */
export function projectionTable(report: Report): Table {
  const cores = [...new Set(report.strategies.flatMap((r) => r.projection.map((p) => p.cores)))].sort((a, b) => a - b);
  const columns = cores.map(
    (c): Column => ({
      header: `${c} cores`,
      meaning: `projected sales per second on one hot SKU with ${c} cores, and the part that binds first`,
      numeric: true,
      cell: (r) => {
        const point = r.projection.find((p) => p.cores === c);
        return point === undefined ? plain(NONE) : { figure: rate(point.perSecond), range: null, detail: boundLabel[point.boundBy] };
      },
    }),
  );
  return {
    columns: [strategyColumn, ...columns],
    legend:
      'PROJECTION, not measured: min(cores × 1000 ÷ CPU ms per sale, the serial part of the hot SKU), from this run\'s cost, curve and hot-row ceiling; ' +
      'API and workers scaled out. The formula and its limits are in load-tests/README.md ("Projection").',
  };
}

/** --processes: capacity at each API process count; null when the run had one count. */
export function processesTable(report: Report): Table | null {
  const measured = report.processes;
  if (measured === null) return null;
  const byName = new Map(measured.strategies.map((s) => [s.strategy, s]));
  const columns = measured.counts.map(
    (n, i): Column => ({
      header: `${n} process${n === 1 ? '' : 'es'}`,
      meaning: `selling / refusing answers per second with ${n} API process${n === 1 ? '' : 'es'} on one port, then the API's CPU ms per selling answer`,
      numeric: true,
      cell: (r) => {
        const s = byName.get(r.strategy);
        const api = s?.apiCpuMsPerAnswer[i] ?? null;
        return { figure: `${rate(s?.selling[i] ?? null)} / ${rate(s?.refusing[i] ?? null)}`, range: null, detail: api === null ? null : `API ${msFigure(api)} ms` };
      },
    }),
  );
  return {
    columns: [strategyColumn, ...columns],
    legend:
      `Measured here, in one run: selling / refusing per second at each API process count (SO_REUSEPORT on one port), the first from the main measurement. ` +
      `On a machine whose cores k6 and the stores share, a second process mostly adds its own cost; see the projection for more cores.`,
  };
}
