--[[
  Copies what PostgreSQL-decided sales took from a SKU to its Redis counter,
  as a total, not as each sale's change. PostgreSQL raises skus.decided_units
  in the sale's own UPDATE and hands the new total back; KEYS[2] says how many
  of those units the counter has; only the difference is taken. So copies may
  arrive late, twice or in any order (two processes, a retry, the repair
  copying the same total from PostgreSQL): the highest total wins once and an
  older one changes nothing. A lost copy is made good by any later one.

  'exact' moves the counter to the total in either direction. Only the
  mirror repair sends it, holding a share lock on the SKU's row: then no sale
  can commit a new total, so a count above PostgreSQL's is a copy of a sale
  that never committed (the queue worker copies before its commit) and its
  units are given back.

  Input:
    KEYS[1] stock counter of the SKU
    KEYS[2] decided units the counter has (a number; missing is 0)
    KEYS[3] the SKU's sold-out flag (units given back: a front door must look again)
    ARGV[1] the SKU's decided_units, as PostgreSQL returned or committed it
    ARGV[2] 'up' (never below what the counter has) or 'exact'

  Output:
    the units taken (negative: given back), or nil when there is no counter
    (its rebuild reads the orders and decided_units in one snapshot)
]]
if redis.call('EXISTS', KEYS[1]) == 0 then
  return nil
end
local total = tonumber(ARGV[1])
local had = tonumber(redis.call('GET', KEYS[2]) or '0')
if total == had or (total < had and ARGV[2] ~= 'exact') then
  return 0
end
redis.call('SET', KEYS[2], total)
redis.call('DECRBY', KEYS[1], total - had)
if total < had then
  redis.call('DEL', KEYS[3])
  -- Back on sale: every API process forgets it was sold out (stock-news.ts).
  redis.call('PUBLISH', 'fsi:stock-back', KEYS[1])
end
return total - had
