--[[
  Copies a stock change decided in PostgreSQL to the Redis counter, without
  creating a counter for a SKU Redis does not know (a plain INCRBY would, and
  the audit would then compare against a made-up number). Notes the SKU as
  copied to just now, so that once its copies stop the repair loop can check
  the counter against the orders: a copy lost with its process (kill -9
  between the commit and the copy) leaves no other trace.

  Input:
    KEYS[1] stock counter of the SKU
    KEYS[2] SKUs copied to recently (sorted set: SKU -> ms of the last copy)
    ARGV[1] change (negative to take, positive to give back)
    ARGV[2] the SKU

  Output:
    the new stock, or nil when the counter does not exist
]]
local now = redis.call('TIME')
redis.call('ZADD', KEYS[2], tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000), ARGV[2])
if redis.call('EXISTS', KEYS[1]) == 0 then
  return nil
end
return redis.call('INCRBY', KEYS[1], tonumber(ARGV[1]))
