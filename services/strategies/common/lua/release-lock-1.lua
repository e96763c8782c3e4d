--[[
  Deletes a lock only if its owner still holds it. A plain DEL would remove
  the lock of whoever took it after our lease expired.

  Input:
    KEYS[1] lock key
    ARGV[1] owner token

  Output:
    1  released
    0  not ours (expired, or held by another owner); nothing changed
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
return redis.call('DEL', KEYS[1])
