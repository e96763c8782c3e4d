--[[
  Sets a SKU's lost stock counter to what PostgreSQL's orders say is left,
  only if it is still missing: a counter that reappeared (another process
  rebuilt it first) is kept. Units given back before the loss are dropped
  with it: numbering starts again from the top of what is left.

  Input:
    KEYS[1] stock counter of the SKU
    KEYS[2] units given back (sorted set)
    ARGV[1] units left, from PostgreSQL

  Output:
    1  counter set
    0  a counter exists; nothing changed
]]
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('DEL', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1])
return 1
