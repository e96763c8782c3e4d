// What a compare run must show before anyone trusts it (and CI lets it land):
// every strategy and ceiling has its figures, no safe strategy oversold and
// each sold its stock in the spike, naive's lost updates caught, nothing was left pending,
// no answer outside 201/202/409/503 in any phase, and the spike saturated at
// least one safe strategy (otherwise the run compared nothing).
import type { StrategyRuns } from './build-report.js';
import type { CapacityDigest, SpikeDigest } from './phases.js';
import type { Check, Ceilings, StrategyResult } from './report-types.js';

export interface CheckInput {
  requested: string[];
  results: StrategyResult[];
  /** Every run of every phase, as measured: the checks that must hold in each run read these. */
  runs: StrategyRuns[];
  ceilings: Ceilings;
  curveVus: number[];
  /** Rounds asked for: a phase measured in fewer has failed in some round. */
  repeat: number;
  /** Why a phase or ceiling has no figures, by `strategy` or `ceiling:name`. */
  failures: Map<string, string>;
}

function check(name: string, problems: string[], okDetail: string): Check {
  return { name, ok: problems.length === 0, detail: problems.length === 0 ? okDetail : problems.join('; ') };
}

/** Every phase's digest of every round, in one list. */
function digestsOf(r: StrategyRuns): Array<CapacityDigest | SpikeDigest> {
  return [...r.selling, ...r.refusing, ...[...r.curve.values()].flat(), ...r.spike.map((s) => s.digest)];
}

function everyStrategyMeasured({ requested, results, curveVus, failures, repeat }: CheckInput): Check {
  const byName = new Map(results.map((r) => [r.strategy, r]));
  const problems = requested.flatMap((name) => {
    const r = byName.get(name);
    const missing: string[] = [];
    if (r?.capacity.selling == null) missing.push('selling capacity');
    if (r?.capacity.refusing == null) missing.push('refusing capacity');
    const points = new Set(r?.curve.map((point) => point.vus) ?? []);
    const holes = curveVus.filter((vus) => !points.has(vus));
    if (holes.length > 0) missing.push(`curve at ${holes.join(', ')} VUs`);
    if (r?.cost.selling == null || r.cost.refusing == null) missing.push('cost per answer');
    if (r !== undefined && r.projection.length === 0) missing.push('projection');
    const spike = r?.spike;
    if (r !== undefined && r.runs < repeat) missing.push(`a phase in ${repeat - r.runs} of ${repeat} rounds`);
    if (spike == null || spike.purchases === 0 || spike.latencyMs.p95 === null || spike.oversoldUnits === null || spike.undersoldUnits === null || spike.confirmedUnits === null) {
      missing.push('spike figures');
    }
    return missing.length === 0 ? [] : [`${name}: ${missing.join(', ')}${failures.has(name) ? ` (${failures.get(name)})` : ''}`];
  });
  return check('every strategy measured', problems, `${requested.length} of ${requested.length}: capacity, curve, spike, cost and projection figures`);
}

function safeCapacityPresent({ results }: CheckInput): Check {
  const problems = results
    .filter((r) => r.safe)
    .flatMap((r) => {
      const zero = [
        (r.capacity.selling?.perSecond ?? 0) > 0 ? null : 'sold nothing in the selling phase',
        (r.capacity.refusing?.perSecond ?? 0) > 0 ? null : 'refused nothing in the refusing phase',
      ].filter((p) => p !== null);
      return zero.length === 0 ? [] : [`${r.strategy}: ${zero.join(', ')}`];
    });
  return check("every safe strategy's capacity measured", problems, 'selling and refusing figures above zero for every safe strategy');
}

function everyCeilingMeasured({ ceilings, failures }: CheckInput): Check {
  const unmeasured = (['http', 'orderRow', 'redis', 'postgres'] as const).filter((name) => ceilings[name] === null);
  return check(
    'every ceiling measured',
    unmeasured.map((name) => `not measured: ${name}${failures.has(`ceiling:${name}`) ? ` (${failures.get(`ceiling:${name}`)})` : ''}`),
    'http, orderRow, redis, postgres',
  );
}

function noSafeOversell({ results, runs }: CheckInput): Check {
  const unsafe = new Set(results.filter((r) => !r.safe).map((r) => r.strategy));
  const safe = runs.filter((r) => !unsafe.has(r.strategy));
  // Every phase of every round: the spike, and the capacity phases (the refusing one sells from a one-unit SKU).
  const problems = safe.flatMap((r) => {
    const oversold = digestsOf(r).map((d) => d.oversoldUnits);
    const wrong: string[] = [];
    if (oversold.some((units) => units !== 0)) wrong.push(`${oversold.some((u) => u === null) ? 'unknown' : Math.max(...(oversold as number[]))} unit(s) in some phase`);
    const soldWhileSoldOut = r.refusing.reduce((sum, d) => sum + d.outcomes.confirmed + d.outcomes.pending, 0);
    if (soldWhileSoldOut > 0) wrong.push(`${soldWhileSoldOut} sale(s) of a sold-out SKU`);
    return wrong.length === 0 ? [] : [`${r.strategy}: ${wrong.join(', ')}`];
  });
  return check('no safe strategy oversold', problems, `${safe.length} safe strategies, 0 units oversold in every phase of every run`);
}

/**
 * The unsafe baseline's lost updates, caught by the audit: as oversell, or,
 * when too few buyers got through to sell past the stock (a slow moment
 * of a CI run had naive shed 795 of 1,200 and confirm 199 of 300), as a
 * stock row that disagrees with its orders. A run where the audit saw
 * neither fails: then the audit did not catch it.
 */
function unsafeOversold({ results }: CheckInput): Check[] {
  return results
    .filter((r) => !r.safe)
    .map((r) => {
      const name = `${r.strategy}'s lost updates caught by the audit`;
      const spike = r.spike;
      if (spike === null || spike.oversoldUnits === null) return { name, ok: false, detail: 'no audit figure' };
      if (spike.oversoldUnits > 0) return { name, ok: true, detail: `${spike.oversoldUnits} unit(s) oversold` };
      return {
        name,
        ok: !spike.auditConsistent,
        detail: spike.auditConsistent
          ? `nothing: 0 units oversold and its stock row agrees with its ${spike.confirmedUnits ?? '?'} confirmed units`
          : `0 units oversold (${spike.confirmedUnits ?? '?'} of ${spike.stock} confirmed), but its stock row disagrees with its orders: audit inconsistent`,
      };
    });
}

/**
 * A strategy that refuses everyone never oversells, so a safe one must also
 * have sold, keep its stores in step, and leave stock unsold only when it
 * turned buyers away for another reason than sold out (503s: undersold, a
 * result to read, not a failure); a sold-out answer with stock left is a lie.
 */
function soldHonestly({ runs, results }: CheckInput): Check {
  const unsafe = new Set(results.filter((r) => !r.safe).map((r) => r.strategy));
  const problems = runs
    .filter((r) => !unsafe.has(r.strategy))
    .flatMap((r) =>
      r.spike.flatMap(({ digest: d }, index) => {
        const wrong: string[] = [];
        if ((d.confirmedUnits ?? 0) === 0) wrong.push('sold nothing');
        if (!d.auditConsistent) wrong.push('audit inconsistent');
        if ((d.unsoldUnits ?? 0) > 0 && d.undersoldUnits === 0 && d.purchases >= d.settings.stock) wrong.push(`${d.unsoldUnits} unit(s) left while buyers were told sold out`);
        return wrong.length === 0 ? [] : [`${r.strategy} (run ${index + 1}): ${wrong.join(', ')}`];
      }),
    );
  return check('every safe strategy sold, and said sold out only when it was', problems, 'in every spike: stock left only where buyers got 503s (undersold), audits consistent');
}

function nothingPending({ runs }: CheckInput): Check {
  const problems = runs.flatMap((r) => {
    const left = digestsOf(r).map((d) => d.pendingUnitsLeft);
    // Unknown (the audit could not be read) is not nothing.
    if (left.some((units) => units === null)) return [`${r.strategy}: unknown after some phase`];
    const units = (left as number[]).reduce((sum, n) => sum + n, 0);
    return units > 0 ? [`${r.strategy}: ${units} unit(s)`] : [];
  });
  return check('nothing left pending', problems, 'every queued order settled after every phase');
}

function onlyExpectedAnswers({ runs }: CheckInput): Check {
  const problems = runs.flatMap((r) => {
    const errors = digestsOf(r).reduce((sum, d) => sum + d.outcomes.error, 0);
    return errors > 0 ? [`${r.strategy}: ${errors}`] : [];
  });
  return check('only 201/202/409/503 answers', problems, 'no other status, timeout or connection error in any phase');
}

function spikeSeparated({ results }: CheckInput): Check {
  const safe = results.filter((r) => r.safe && r.spike !== null);
  const saturated = safe.filter((r) => r.spike?.verdict !== 'kept up');
  return {
    name: 'the spike saturated a safe strategy',
    ok: saturated.length > 0,
    detail:
      saturated.length > 0
        ? saturated.map((r) => `${r.strategy}: ${r.spike?.verdict}`).join(', ')
        : `every safe strategy kept up: the spike compared nothing (raise --rate or lower --kept-up-p95)`,
  };
}

export function runChecks(input: CheckInput): Check[] {
  return [
    everyStrategyMeasured(input),
    safeCapacityPresent(input),
    everyCeilingMeasured(input),
    noSafeOversell(input),
    ...unsafeOversold(input),
    soldHonestly(input),
    nothingPending(input),
    onlyExpectedAnswers(input),
    spikeSeparated(input),
  ];
}
