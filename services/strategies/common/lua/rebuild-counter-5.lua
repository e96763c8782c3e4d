--[[
  Sets a SKU's stock counter that Redis lost to what PostgreSQL's orders say
  is left, only if it is still missing (another process may have rebuilt it
  first). Units given back before are dropped with the old count: numbering
  starts again from the top of what is left.

  Three totals copied into the counter (copy-added-4.lua: released units and
  units restocks added; copy-decided-3.lua: units PostgreSQL-decided sales
  took) were read in the same snapshot as ARGV[1]. What was copied here
  after that read is not in ARGV[1], and its copier will not copy it again:
  it is applied on top. What the read has but no copy brought yet is marked
  as had, so its copy changes nothing. No count ever goes down here.

  A restocked SKU's units are no longer numbered 1..left after this (names
  above the initial stock were given by its restocks): numbering restarts
  from the top of what is left, and a name already sold is refused by
  PostgreSQL, which costs a refusal, never a unit sold twice.

  Input:
    KEYS[1] stock counter of the SKU
    KEYS[2] units given back (sorted set)
    KEYS[3] released units the counter has
    KEYS[4] decided units the counter has
    KEYS[5] restocked units the counter has
    ARGV[1] units left, from PostgreSQL
    ARGV[2] released units, in the same read as ARGV[1]
    ARGV[3] decided units, in the same read as ARGV[1]
    ARGV[4] restocked units, in the same read as ARGV[1]

  Output:
    1 when the counter was set, 0 when one exists (nothing changed)
]]
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
local hadReleased = tonumber(redis.call('GET', KEYS[3]) or '0')
local released = tonumber(ARGV[2])
local hadDecided = tonumber(redis.call('GET', KEYS[4]) or '0')
local decided = tonumber(ARGV[3])
local hadRestocked = tonumber(redis.call('GET', KEYS[5]) or '0')
local restocked = tonumber(ARGV[4])
redis.call('DEL', KEYS[2])
redis.call('SET', KEYS[1], tonumber(ARGV[1]) + math.max(0, hadReleased - released) - math.max(0, hadDecided - decided) + math.max(0, hadRestocked - restocked))
redis.call('SET', KEYS[3], math.max(hadReleased, released))
redis.call('SET', KEYS[4], math.max(hadDecided, decided))
redis.call('SET', KEYS[5], math.max(hadRestocked, restocked))
-- A counter that was missing may hold units a front door last saw as none: every API process forgets it was sold out (stock-news.ts).
redis.call('PUBLISH', 'fsi:stock-back', KEYS[1])
return 1
