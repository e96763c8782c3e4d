--[[
  Renews a lease only if its owner still holds the lock (the watchdog's
  heartbeat). A lock that expired and was taken by another owner stays theirs.

  Input:
    KEYS[1] lock key
    ARGV[1] owner token
    ARGV[2] new lease in milliseconds, counted from now

  Output:
    1  renewed
    0  not ours any more: the lease is lost
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
return redis.call('PEXPIRE', KEYS[1], ARGV[2])
