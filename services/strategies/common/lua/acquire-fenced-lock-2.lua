--[[
  Takes the SKU's lock and, only if it was free, hands out the next fencing
  token, in one atomic step: no other client can take the lock or a token
  between the two, so token order is lock-holder order.

  Input:
    KEYS[1] lock key of the SKU
    KEYS[2] fencing counter of the SKU
    ARGV[1] owner token (random, proves ownership on release and extension)
    ARGV[2] lease in milliseconds

  Output:
    the fencing token (an integer that grows with every acquisition), or
    nil when another owner holds the lock
]]
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return nil
end
return redis.call('INCR', KEYS[2])
