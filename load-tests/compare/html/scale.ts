// Axis scales for the inline SVG charts: value → fraction of the plot width.

export interface Scale {
  kind: 'linear' | 'log';
  min: number;
  max: number;
  /** 0 at `min`, 1 at `max`, clamped: a bar never leaves the plot. */
  at(value: number): number;
  ticks: number[];
}

/** 1.25k, 20k, 0.1: tick labels short enough for a 500 px axis. */
export function compact(value: number): string {
  const trim = (n: number): string => String(Number(n.toFixed(2)));
  if (Math.abs(value) >= 1_000_000) return `${trim(value / 1_000_000)}M`;
  if (Math.abs(value) >= 1_000) return `${trim(value / 1_000)}k`;
  return trim(value);
}

/** The smallest of 1, 2, 2.5, 5 × 10ⁿ at least `raw`: steps that read well. */
function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const factor of [1, 2, 2.5, 5, 10]) if (factor * power >= raw) return factor * power;
  return 10 * power;
}

/** From 0 to a round number at or above `largest`, with about five ticks. */
export function linearScale(largest: number): Scale {
  const step = niceStep(Math.max(largest, 1e-9) / 5);
  const max = Math.ceil(largest / step) * step || step;
  const ticks: number[] = [];
  for (let tick = 0; tick <= max + step / 2; tick += step) ticks.push(Number(tick.toPrecision(12)));
  return { kind: 'linear', min: 0, max, at: (value) => Math.min(1, Math.max(0, value / max)), ticks };
}

/**
 * Whole decades around the data. Latency spans 1 ms to seconds when a strategy
 * saturates: on a linear axis every healthy strategy would be a sliver.
 */
export function logScale(smallest: number, largest: number): Scale {
  const low = Math.floor(Math.log10(Math.max(smallest, 1e-3)));
  let high = Math.ceil(Math.log10(Math.max(largest, 1e-3)));
  if (high <= low) high = low + 1;
  const ticks: number[] = [];
  for (let exponent = low; exponent <= high; exponent++) ticks.push(Number((10 ** exponent).toPrecision(12)));
  const span = high - low;
  return {
    kind: 'log',
    min: 10 ** low,
    max: 10 ** high,
    at: (value) => (value <= 0 ? 0 : Math.min(1, Math.max(0, (Math.log10(value) - low) / span))),
    ticks,
  };
}

/**
 * Log scale over exactly [min, max] with the given ticks: the contention
 * curve's VUs (1, 8, 32, 128), where each measured point is a tick and the
 * doubling steps sit evenly.
 */
export function logScaleOver(min: number, max: number, ticks: number[]): Scale {
  const low = Math.log10(Math.max(min, 1e-3));
  const span = Math.log10(Math.max(max, min * 10 ** 0.1, 1e-3)) - low;
  return {
    kind: 'log',
    min,
    max,
    at: (value) => (value <= 0 ? 0 : Math.min(1, Math.max(0, (Math.log10(value) - low) / span))),
    ticks,
  };
}
