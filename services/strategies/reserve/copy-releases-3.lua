--[[
  Copies units that ended holds gave back to the SKU's Redis counter, once,
  whoever copies them and in whatever order. PostgreSQL counts every unit
  released (skus.released_units, raised by the statement that ends the
  holds); KEYS[2] counts how many of them this counter has; only the
  difference is added. The copier of the release, the mirror repair in any
  process and a copy retried after a crash may all copy the same total: the
  first adds it, the rest add nothing, and an older total never takes back.

  Input:
    KEYS[1] stock counter of the SKU
    KEYS[2] released units the counter has (a number; missing is 0)
    KEYS[3] the SKU's sold-out flag (the stock grew: a front door must look again)
    ARGV[1] the SKU's released units, as PostgreSQL committed them

  Output:
    the units added (0 when the counter had them), or nil when there is no
    counter (its rebuild reads the orders, releases included)
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
redis.call('SET', KEYS[2], total)
redis.call('INCRBY', KEYS[1], total - had)
redis.call('DEL', KEYS[3])
return total - had
