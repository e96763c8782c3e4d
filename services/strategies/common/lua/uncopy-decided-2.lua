--[[
  Takes back a copy the queue worker sent before its commit, when that commit
  visibly failed: only if the counter's decided count is still the total that
  copy set. A higher count means later sales were copied over it, and their
  totals already hold the right number of units; a lower one means a repair
  already set it from PostgreSQL. Either way nothing is left to take back.

  Input:
    KEYS[1] stock counter of the SKU
    KEYS[2] decided units the counter has
    ARGV[1] the total the copy set
    ARGV[2] the units it took

  Output:
    1 when given back, 0 when not
]]
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('GET', KEYS[2]) ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[2], tonumber(ARGV[1]) - tonumber(ARGV[2]))
redis.call('INCRBY', KEYS[1], tonumber(ARGV[2]))
-- Back on sale: every API process forgets it was sold out (stock-news.ts).
redis.call('PUBLISH', 'fsi:stock-back', KEYS[1])
return 1
