/** A Redis deduction as its marker records it: the order and the units it took (see deduct-stock-4.lua). */
export interface Deduction {
  orderId: string;
  /** Inclusive unit ranges, [lo, hi]. */
  ranges: Array<[number, number]>;
}

/** "<order id> <lo>-<hi>[,<lo>-<hi>...]"; undefined for anything else. */
export function parseDeduction(value: string): Deduction | undefined {
  const [orderId, list, extra] = value.split(' ');
  if (orderId === undefined || orderId === '' || list === undefined || extra !== undefined) return undefined;
  const ranges: Array<[number, number]> = [];
  for (const part of list.split(',')) {
    const match = /^(\d+)-(\d+)$/.exec(part);
    if (match === null) return undefined;
    const lo = Number(match[1]);
    const hi = Number(match[2]);
    if (lo < 1 || hi < lo) return undefined;
    ranges.push([lo, hi]);
  }
  return { orderId, ranges };
}

export function unitCount(deduction: Deduction): number {
  return deduction.ranges.reduce((sum, [lo, hi]) => sum + hi - lo + 1, 0);
}

/** PostgreSQL's int4multirange literal for the units: half-open ranges, '{[5,6),[9,12)}'. */
export function unitsLiteral(deduction: Deduction): string {
  return `{${deduction.ranges.map(([lo, hi]) => `[${lo},${hi + 1})`).join(',')}}`;
}
