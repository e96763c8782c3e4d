--[[
  Takes stock for one purchase, at most once per Idempotency-Key, in one
  atomic step: Redis runs a script alone, so no other buyer can act between
  the check and the decrement.

  Input:
    KEYS[1] stock counter of the SKU
    KEYS[2] deduction marker of the Idempotency-Key
    ARGV[1] quantity (positive integer)
    ARGV[2] order id to record under the marker
    ARGV[3] marker lifetime in milliseconds

  Output:
    {1, orderId}  stock taken now, marker written
    {2, orderId}  stock was already taken for this key, by that order id
    {0, stock}    not enough stock; nothing changed
    {-1, ''}      no such SKU (no stock counter)
]]
local previous = redis.call('GET', KEYS[2])
if previous then
  return {2, previous}
end

local stock = redis.call('GET', KEYS[1])
if not stock then
  return {-1, ''}
end

stock = tonumber(stock)
local quantity = tonumber(ARGV[1])
if stock < quantity then
  return {0, stock}
end

redis.call('DECRBY', KEYS[1], quantity)
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
return {1, ARGV[2]}
