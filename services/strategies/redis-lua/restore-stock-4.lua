--[[
  Ends a deduction whose order was not written. Only the order that took the
  units may end it, and only once: the marker is checked and removed in the
  same step. Either the units are given back (the order never came) and
  become the next ones taken (see deduct-stock-4), so the numbering stays
  free of gaps; or they are dropped (PostgreSQL refused the order because
  another order holds them: the counter had lost writes, the units are sold,
  and the counter is already below them). Either way a retry with the same
  Idempotency-Key then takes units afresh.

  Input:
    KEYS[1] stock counter of the SKU
    KEYS[2] deduction marker of the Idempotency-Key
    KEYS[3] units given back (sorted set, score = unit)
    KEYS[4] the deductions ledger
    ARGV[1] order id that must own the marker
    ARGV[2] ledger member: "<sku> <Idempotency-Key>"
    ARGV[3] '1' to give the units back, '0' to drop them

  Output:
    n > 0  units given back
    0      marker missing or another order's (nothing changed), or units dropped
    -1     no counter (Redis lost it): marker and ledger entry removed, nothing
           given back, since the rebuild from PostgreSQL counts these units
]]
local deduction = redis.call('GET', KEYS[2])
local space = deduction and string.find(deduction, ' ', 1, true)
if not space or string.sub(deduction, 1, space - 1) ~= ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[4], ARGV[2])
if ARGV[3] ~= '1' then
  return 0
end
if redis.call('EXISTS', KEYS[1]) == 0 then
  return -1
end
local units = 0
for lo, hi in string.gmatch(string.sub(deduction, space + 1), '(%d+)-(%d+)') do
  for unit = tonumber(lo), tonumber(hi) do
    redis.call('ZADD', KEYS[3], unit, unit)
    units = units + 1
  end
end
redis.call('INCRBY', KEYS[1], units)
-- Back on sale: every API process forgets it was sold out (stock-news.ts).
redis.call('PUBLISH', 'fsi:stock-back', KEYS[1])
return units
