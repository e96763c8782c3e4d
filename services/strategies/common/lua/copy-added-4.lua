--[[
  Copies units that came back to a SKU to its Redis counter, as a total
  PostgreSQL raised in the statement that added them: units released by
  ended holds (skus.released_units) or added by restocks
  (skus.restocked_units). KEYS[2] counts how many of them this counter has;
  only the difference is added. The adder's own copy, the mirror repair in
  any process and a retry after a crash may all copy the same total: the
  first adds it, the rest add nothing, and an older total never takes back.

  redis-lua names units: 1..initial stock, the highest never-taken ones
  being `counter - returned` downward. Restocked units need names of their
  own above every name the SKU started with (ARGV[2] = initial stock): they
  are initial + 1 .. initial + total, put with the returned units (KEYS[4]),
  which are taken first. Adding them to the counter alone would hand out
  names already sold. Released units came from holds, which took no names:
  ARGV[2] is '' for them.

  Input:
    KEYS[1] stock counter of the SKU
    KEYS[2] the units of this kind the counter has (a number; missing is 0)
    KEYS[3] the SKU's sold-out flag (the stock grew: a front door must look again)
    KEYS[4] units given back, not yet taken again (sorted set, score = unit)
    ARGV[1] the total, as PostgreSQL committed it
    ARGV[2] restocks: the name below the first restocked unit (the initial stock); releases: ''

  Output:
    the units added (0 when the counter had them), or nil when there is no
    counter (its rebuild reads the totals with the orders)
]]
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[3])
  return nil
end
local total = tonumber(ARGV[1])
local had = tonumber(redis.call('GET', KEYS[2]) or '0')
if total <= had then
  return 0
end
if ARGV[2] ~= '' then
  local base = tonumber(ARGV[2])
  for unit = base + had + 1, base + total do
    redis.call('ZADD', KEYS[4], unit, unit)
  end
end
redis.call('SET', KEYS[2], total)
redis.call('INCRBY', KEYS[1], total - had)
redis.call('DEL', KEYS[3])
-- Back on sale: every API process forgets it was sold out (stock-news.ts).
redis.call('PUBLISH', 'fsi:stock-back', KEYS[1])
return total - had
