--[[
  Detaches a lease from the bucket that holds it, so no buyer takes another
  unit of it: before the lease is ended when it lapses (its units then go
  back to the counter), or after PostgreSQL refused an order of it because
  it was closed already. A bucket refilled since holds another lease: then
  nothing changes.

  Input:
    KEYS[1] the bucket
    ARGV[1] lease id

  Output:
    1  detached; 0 the bucket holds another lease or none
]]
local value = redis.call('GET', KEYS[1])
if value and string.sub(value, 1, #ARGV[1] + 1) == ARGV[1] .. '|' then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
