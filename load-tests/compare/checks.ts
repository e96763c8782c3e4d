// What a compare run must show before anyone trusts it (and CI lets it land):
// no safe strategy oversold and each sold its whole stock, naive oversold,
// nothing was left pending, no answer outside 201/202/409/503, and every
// strategy and ceiling has its figures.
import type { Check, Ceilings, StrategyResult } from './report-types.js';

const UNSAFE = 'naive';

function complete(result: StrategyResult): boolean {
  return (
    result.purchases > 0 &&
    result.latencyMs.p50 !== null &&
    result.latencyMs.p95 !== null &&
    result.latencyMs.p99 !== null &&
    result.oversoldUnits !== null &&
    result.undersoldUnits !== null &&
    result.confirmedUnits !== null
  );
}

export function runChecks(requested: string[], results: StrategyResult[], ceilings: Ceilings, failures: Map<string, string>): Check[] {
  const checks: Check[] = [];
  const byName = new Map(results.map((result) => [result.strategy, result]));

  const missing = requested.filter((name) => !byName.has(name) || !complete(byName.get(name) as StrategyResult));
  checks.push({
    name: 'every strategy measured',
    ok: missing.length === 0,
    detail:
      missing.length === 0
        ? `${requested.length} of ${requested.length} with throughput, latency and audit figures`
        : `missing or incomplete: ${missing.map((name) => `${name}${failures.has(name) ? ` (${failures.get(name)})` : ''}`).join(', ')}`,
  });

  const unmeasured = (['http', 'redis', 'postgres'] as const).filter((name) => ceilings[name] === null);
  checks.push({
    name: 'every ceiling measured',
    ok: unmeasured.length === 0,
    detail:
      unmeasured.length === 0
        ? 'http, redis, postgres'
        : `not measured: ${unmeasured.map((name) => `${name}${failures.has(`ceiling:${name}`) ? ` (${failures.get(`ceiling:${name}`)})` : ''}`).join(', ')}`,
  });

  const safe = results.filter((result) => result.strategy !== UNSAFE);
  const oversold = safe.filter((result) => result.oversoldUnits !== 0);
  checks.push({
    name: 'no safe strategy oversold',
    ok: oversold.length === 0,
    detail: oversold.length === 0 ? `${safe.length} safe strategies, 0 units oversold` : oversold.map((r) => `${r.strategy}: ${r.oversoldUnits ?? 'unknown'}`).join(', '),
  });

  const naive = byName.get(UNSAFE);
  if (requested.includes(UNSAFE)) {
    const units = naive?.oversoldUnits ?? null;
    checks.push({
      name: 'naive oversold (the audit catches it)',
      ok: units !== null && units > 0,
      detail: units === null ? 'no audit figure' : `${units} unit(s) oversold`,
    });
  }

  // A strategy that refuses everyone never oversells, so a safe one must also
  // have sold, keep both stores in step, and leave stock unsold only when it
  // turned buyers away for another reason than sold out (503s: undersold, a
  // result to read, not a failure); a sold-out answer with stock left is a lie.
  const wrong = safe.flatMap((r) => {
    const problems: string[] = [];
    if ((r.confirmedUnits ?? 0) === 0) problems.push('sold nothing');
    if (!r.auditConsistent) problems.push('audit inconsistent');
    if ((r.unsoldUnits ?? 0) > 0 && r.undersoldUnits === 0 && r.purchases >= r.stock) {
      problems.push(`${r.unsoldUnits} unit(s) left while buyers were told sold out`);
    }
    return problems.length > 0 ? [`${r.strategy}: ${problems.join(', ')}`] : [];
  });
  checks.push({
    name: 'every safe strategy sold, and said sold out only when it was',
    ok: wrong.length === 0,
    detail: wrong.length === 0 ? 'stock left only where buyers got 503s (undersold), audits consistent' : wrong.join('; '),
  });

  const pending = results.filter((result) => (result.pendingUnitsLeft ?? 0) > 0);
  checks.push({
    name: 'nothing left pending',
    ok: pending.length === 0,
    detail: pending.length === 0 ? 'every queued order settled' : pending.map((r) => `${r.strategy}: ${r.pendingUnitsLeft} unit(s)`).join(', '),
  });

  const unexpected = results.filter((result) => result.outcomes.error > 0);
  checks.push({
    name: 'only 201/202/409/503 answers',
    ok: unexpected.length === 0,
    detail: unexpected.length === 0 ? 'no other status, timeout or connection error' : unexpected.map((r) => `${r.strategy}: ${r.outcomes.error}`).join(', '),
  });
  return checks;
}
