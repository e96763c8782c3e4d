/**
 * Unit names as the Redis scripts write them: inclusive ranges
 * "<lo>-<hi>[,<lo>-<hi>...]" (deduct-stock-4.lua, take-lease-4.lua), and as
 * PostgreSQL stores them: an int4multirange of half-open ranges.
 */
export type UnitRanges = Array<[number, number]>;

/** "5-5,7-9" -> [[5, 5], [7, 9]]; undefined for anything else (a unit below 1, a range backwards). */
export function parseUnitRanges(list: string): UnitRanges | undefined {
  const ranges: UnitRanges = [];
  for (const part of list.split(',')) {
    const match = /^(\d+)-(\d+)$/.exec(part);
    if (match === null) return undefined;
    const lo = Number(match[1]);
    const hi = Number(match[2]);
    if (lo < 1 || hi < lo) return undefined;
    ranges.push([lo, hi]);
  }
  return ranges;
}

/** The inverse of parseUnitRanges: what the scripts read back ('' for none). */
export function formatUnitRanges(ranges: UnitRanges): string {
  return ranges.map(([lo, hi]) => `${lo}-${hi}`).join(',');
}

export function countUnits(ranges: UnitRanges): number {
  return ranges.reduce((sum, [lo, hi]) => sum + hi - lo + 1, 0);
}

/** PostgreSQL's int4multirange literal for the units: half-open ranges, '{[5,6),[9,12)}'. */
export function multirangeLiteral(ranges: UnitRanges): string {
  return `{${ranges.map(([lo, hi]) => `[${lo},${hi + 1})`).join(',')}}`;
}
