--[[
  Sets a SKU's stock counter to what PostgreSQL's orders say is left. Two
  uses: a counter Redis lost is set only if it is still missing (another
  process may have rebuilt it first); a counter that missed copies of
  PostgreSQL's decisions (Redis was down when they were sent) is overwritten.
  Units given back before are dropped with the old count: numbering starts
  again from the top of what is left.

  Input:
    KEYS[1] stock counter of the SKU
    KEYS[2] units given back (sorted set)
    ARGV[1] units left, from PostgreSQL
    ARGV[2] '1' to overwrite an existing counter, '0' to set a missing one only

  Output:
    {1, previous}  counter set; previous value, or '' when there was none
    {0, previous}  a counter exists and ARGV[2] is '0'; nothing changed
]]
local previous = redis.call('GET', KEYS[1])
if previous and ARGV[2] ~= '1' then
  return {0, previous}
end
redis.call('DEL', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1])
return {1, previous or ''}
