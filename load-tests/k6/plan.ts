// Pure run arithmetic shared by the k6 scripts and the Node compare runner
// (so both size a run the same way). No imports and no k6 or Node globals:
// k6 loads it as ./plan.ts, Node (tsx) as ../k6/plan.js.

/** k6-style duration ("500ms", "10s", "1m30s", "1h"; a bare number is seconds) to milliseconds. */
export function parseDurationMs(name: string, text: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) {
    if (Number(text) <= 0) throw new Error(`${name} must be longer than 0, got "${text}"`);
    return Math.round(Number(text) * 1000);
  }
  const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = text;
  const part = /^(\d+(?:\.\d+)?)(ms|s|m|h)/;
  while (rest.length > 0) {
    const match = part.exec(rest);
    if (match === null) throw new Error(`${name} must be a duration such as 10s, 500ms or 1m30s, got "${text}"`);
    total += Number(match[1]) * (unitMs[match[2] as string] as number);
    rest = rest.slice(match[0].length);
  }
  if (total <= 0) throw new Error(`${name} must be longer than 0, got "${text}"`);
  return Math.round(total);
}

export interface ArrivalWindow {
  /** Length of the arrival window actually used, in milliseconds. */
  windowMs: number;
  /** Purchases the window will start: rate × window. */
  plannedPurchases: number;
  /** Purchases asked for: stock × demand factor. */
  targetPurchases: number;
}

/**
 * Demand is what matters in a flash sale, so a run is sized from stock ×
 * demand factor purchases arriving at `rate` per second: the window lasts
 * that many purchases ÷ rate, capped by durationCapMs (when the cap applies,
 * fewer purchases arrive and the effective demand factor is lower).
 */
const minWindowMs = 1000;

export function arrivalWindow(stock: number, demandFactor: number, rate: number, durationCapMs: number): ArrivalWindow {
  const targetPurchases = Math.ceil(stock * demandFactor);
  // k6 refuses a scenario shorter than 1 s: with only fast strategies the derived rate
  // (1,300/s for 1,200 purchases) made a 924 ms window: no spike, no HTTP ceiling. A 1 s window
  // then offers more than stock × demand factor, which only raises the demand.
  const windowMs = Math.max(minWindowMs, Math.min(durationCapMs, Math.ceil((targetPurchases * 1000) / rate)));
  return { windowMs, plannedPurchases: Math.floor((rate * windowMs) / 1000), targetPurchases };
}
