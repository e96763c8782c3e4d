import { countUnits, multirangeLiteral, parseUnitRanges, type UnitRanges } from '../common/unit-ranges.js';

/** A Redis deduction as its marker records it: the order and the units it took (see deduct-stock-4.lua). */
export interface Deduction {
  orderId: string;
  /** Inclusive unit ranges, [lo, hi]. */
  ranges: UnitRanges;
}

/** "<order id> <lo>-<hi>[,<lo>-<hi>...]"; undefined for anything else. */
export function parseDeduction(value: string): Deduction | undefined {
  const [orderId, list, extra] = value.split(' ');
  if (orderId === undefined || orderId === '' || list === undefined || extra !== undefined) return undefined;
  const ranges = parseUnitRanges(list);
  return ranges === undefined ? undefined : { orderId, ranges };
}

export function unitCount(deduction: Deduction): number {
  return countUnits(deduction.ranges);
}

/** PostgreSQL's int4multirange literal for the units: half-open ranges, '{[5,6),[9,12)}'. */
export function unitsLiteral(deduction: Deduction): string {
  return multirangeLiteral(deduction.ranges);
}
