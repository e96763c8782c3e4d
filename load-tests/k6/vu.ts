// What a VU needs of k6/execution on every request, read once per VU. Each
// read of an exec.vu or exec.scenario field is a call into Go that builds the
// object anew: 6.5-7.3 µs here (a k6 loop of 200,000 reads, 2026-12-05),
// where the client's whole work for one request is ~0.14 ms on the same
// cores as the API. capacity.ts read three a request and the HTTP ceiling
// two, so the phases' client paid ~7 µs a request more than the ceiling's it
// is compared with. Every script here runs one scenario, so its start is one
// value per VU. Runs inside k6 (not Node).
import exec from 'k6/execution';

let vuId: number | undefined;
let iterations = 0;
let scenarioStart: number | undefined;

/** A key unique to this VU's next iteration in the whole test: `v<VU id>-<n>` (user ids of the buyers). */
export function nextIterationKey(): string {
  vuId ??= exec.vu.idInTest;
  const key = `v${vuId}-${iterations}`;
  iterations += 1;
  return key;
}

/** Milliseconds since the scenario started. */
export function msSinceScenarioStart(): number {
  scenarioStart ??= exec.scenario.startTime;
  return Date.now() - scenarioStart;
}
