// Prints the scenario × strategy grid of a finished run (the table README
// shows): npx tsx load-tests/faults/grid.ts load-tests/results/faults-<time>/report.json
import { readFileSync } from 'node:fs';
import { type FaultReport, renderGrid } from './report.js';

const path = process.argv[2];
if (path === undefined) {
  process.stderr.write('usage: tsx load-tests/faults/grid.ts <report.json>\n');
  process.exit(2);
}
const report = JSON.parse(readFileSync(path, 'utf8')) as FaultReport;
process.stdout.write(`${renderGrid(report)}\n`);
