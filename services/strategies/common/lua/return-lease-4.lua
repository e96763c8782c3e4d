--[[
  Ends a lease once: gives back the units named in ARGV[2], those no order
  holds, as PostgreSQL computed them after closing the lease there
  (db/queries/leases.ts). The record is checked and deleted in the same
  step, so the holder and a reconciler, or two reconcilers, never both give
  the units back.

  Input:
    KEYS[1] stock counter of the SKU
    KEYS[2] units given back (sorted set, score = unit)
    KEYS[3] the lease's record
    KEYS[4] the shard's leases
    ARGV[1] ledger member "<sku> <lease id>"
    ARGV[2] units to give back: "<lo>-<hi>[,...]", or '' for none

  Output:
    n >= 0  units given back (the lease is ended); 0 too when the counter is
            gone: its rebuild from PostgreSQL counts the units as free
    -1      no such lease: ended already, or lost with Redis's data (the
            rebuild counted its unsold units, nothing to give)
]]
redis.call('ZREM', KEYS[4], ARGV[1])
if redis.call('DEL', KEYS[3]) == 0 then
  return -1
end
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
-- Only units not given back already count: after Redis lost writes two leases can name one unit,
-- and the counter must not hold a name twice.
local units = 0
for lo, hi in string.gmatch(ARGV[2], '(%d+)-(%d+)') do
  for unit = tonumber(lo), tonumber(hi) do
    units = units + redis.call('ZADD', KEYS[2], unit, unit)
  end
end
if units > 0 then
  redis.call('INCRBY', KEYS[1], units)
  -- Back on sale: every API process forgets it was sold out (stock-news.ts).
  redis.call('PUBLISH', 'fsi:stock-back', KEYS[1])
end
return units
