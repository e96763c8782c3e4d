--[[
  The queue sweeper's claim on one SKU: the purchases recorded longer ago
  than the bound and still unsent (Kafka never acknowledged them to the
  front door). Each one still queued is returned to be sent again and its
  score moved to now, so it is claimed again only after another bound has
  passed: one re-send per bound per purchase, however slow Kafka or the
  worker is, and two sweepers never claim it in the same period. One no
  longer queued (applied by the worker, or undone) is only unlisted. A SKU
  with nothing left unsent leaves the sweeper's set, in this same atomic
  step, so a purchase recorded meanwhile cannot be lost from it.

  Input:
    KEYS[1] the SKU's unsent purchases (sorted set: order id, score = ms)
    KEYS[2] the SKU's queued purchases (hash: order id -> purchase)
    KEYS[3] the SKUs the sweeper visits
    ARGV[1] the SKU code (member of KEYS[3])
    ARGV[2] the bound: claim entries at least this many ms old
    ARGV[3] claim at most this many

  Output:
    the claimed purchases (JSON), oldest first; empty when none is due
]]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local due = redis.call('ZRANGE', KEYS[1], '-inf', now - tonumber(ARGV[2]), 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[3]))
local claimed = {}
for _, orderId in ipairs(due) do
  local purchase = redis.call('HGET', KEYS[2], orderId)
  if purchase then
    redis.call('ZADD', KEYS[1], now, orderId)
    claimed[#claimed + 1] = purchase
  else
    redis.call('ZREM', KEYS[1], orderId)
  end
end
if redis.call('ZCARD', KEYS[1]) == 0 then
  redis.call('SREM', KEYS[3], ARGV[1])
end
return claimed
