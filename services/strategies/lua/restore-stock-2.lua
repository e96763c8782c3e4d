--[[
  Gives back stock taken by deduct-stock-2 when the order could not be
  written. Only the order that took the stock may give it back, and only
  once: the marker is checked and removed in the same step.

  Input:
    KEYS[1] stock counter of the SKU
    KEYS[2] deduction marker of the Idempotency-Key
    ARGV[1] quantity to give back
    ARGV[2] order id that must own the marker

  Output:
    1  stock given back
    0  marker missing or owned by another order; nothing changed
]]
if redis.call('GET', KEYS[2]) ~= ARGV[2] then
  return 0
end
redis.call('DEL', KEYS[2])
redis.call('INCRBY', KEYS[1], tonumber(ARGV[1]))
return 1
