--[[
  Takes stock for one purchase, at most once per Idempotency-Key, in one
  atomic step: Redis runs a script alone, so no other buyer can act between
  the check and the decrement. It also names the units taken, so that
  PostgreSQL can refuse a unit sold twice (a Redis that lost writes hands
  the same units out again), and records the deduction in a ledger, so that
  one whose order never came can be found and given back.

  Units are numbered 1..initial stock. Units given back (KEYS[3]) are taken
  first; otherwise the highest never-taken ones, which are
  counter - (units given back and not yet taken again).

  Input:
    KEYS[1] stock counter of the SKU (units left)
    KEYS[2] deduction marker of the Idempotency-Key
    KEYS[3] units given back, not yet taken again (sorted set, score = unit)
    KEYS[4] deductions not yet known to be orders (sorted set: "<sku> <key>" -> ms)
    ARGV[1] quantity (positive integer)
    ARGV[2] order id to record under the marker
    ARGV[3] marker lifetime in milliseconds
    ARGV[4] ledger member: "<sku> <Idempotency-Key>"

  Output:
    {1, deduction}  stock taken now; deduction = "<order id> <lo>-<hi>[,<lo>-<hi>...]"
    {2, deduction}  stock was already taken for this key, as that deduction
    {0, stock}      not enough stock; nothing changed
    {-1, ''}        no stock counter: an unknown SKU, or a counter Redis lost
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

local ranges = {}
local returned = redis.call('ZCARD', KEYS[3])
local reused = math.min(quantity, returned)
if reused > 0 then
  local popped = redis.call('ZPOPMIN', KEYS[3], reused)
  for i = 1, #popped, 2 do
    ranges[#ranges + 1] = popped[i] .. '-' .. popped[i]
  end
end
local fresh = quantity - reused
if fresh > 0 then
  -- reused == returned here, and stock >= quantity, so top >= fresh >= 1.
  local top = stock - returned
  ranges[#ranges + 1] = (top - fresh + 1) .. '-' .. top
end

redis.call('DECRBY', KEYS[1], quantity)
local deduction = ARGV[2] .. ' ' .. table.concat(ranges, ',')
redis.call('SET', KEYS[2], deduction, 'PX', ARGV[3])
local now = redis.call('TIME')
redis.call('ZADD', KEYS[4], tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000), ARGV[4])
return {1, deduction}
