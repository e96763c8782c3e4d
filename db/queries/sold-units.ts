import { type RawBuilder, sql } from 'kysely';

/**
 * The rows of sold_units (aliased `s`) for the SKU `sku` whose unit lies in
 * the int4multirange `units`. The bounds give its primary key (sku, unit) a
 * range to scan; `<@` then drops the units in the multirange's gaps.
 */
export function soldUnitsIn(sku: RawBuilder<unknown> | string, units: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`s.sku = ${sku} and s.unit >= lower(${units}) and s.unit < upper(${units}) and s.unit <@ ${units}`;
}
