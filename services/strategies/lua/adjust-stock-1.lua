--[[
  Copies a stock change decided in PostgreSQL to the Redis counter, without
  creating a counter for a SKU Redis does not know (a plain INCRBY would, and
  the audit would then compare against a made-up number).

  Input:
    KEYS[1] stock counter of the SKU
    ARGV[1] change (negative to take, positive to give back)

  Output:
    the new stock, or nil when the counter does not exist
]]
if redis.call('EXISTS', KEYS[1]) == 0 then
  return nil
end
return redis.call('INCRBY', KEYS[1], tonumber(ARGV[1]))
