--[[
  Sets a SKU's stock counter that Redis lost to what PostgreSQL's orders say
  is left, only if it is still missing (another process may have rebuilt it
  first). Units given back before are dropped with the old count; the free
  unit names (ARGV[5], below) take their place.

  Three totals copied into the counter (copy-added-4.lua: released units and
  units restocks added; copy-decided-3.lua: units PostgreSQL-decided sales
  took) were read in the same snapshot as ARGV[1]. What was copied here
  after that read is not in ARGV[1], and its copier will not copy it again:
  it is applied on top. What the read has but no copy brought yet is marked
  as had, so its copy changes nothing. No count ever goes down here.

  Unit names (redis-lua's): when every sale of the SKU named its units, the
  names no order holds are exactly the units left, and ARGV[5] lists them;
  they go into the set of units given back, which is taken first, so the
  counter hands out those names and no other. Numbering from the top
  instead (1..left) would name units already sold wherever sales had not
  taken the highest names first (a restock's names sit above the initial
  ones): PostgreSQL refuses those, so they were never sold twice, but each
  cost a refusal and the free names above them stayed unsold. Without
  ARGV[5] ('': sales that named no units, or too many names to list),
  numbering restarts from the top, with that cost.

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
    ARGV[5] the free unit names, in the same read: 'lo-hi,lo-hi,...', or ''

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
for lo, hi in string.gmatch(ARGV[5], '(%d+)-(%d+)') do
  for unit = tonumber(lo), tonumber(hi) do
    redis.call('ZADD', KEYS[2], unit, unit)
  end
end
redis.call('SET', KEYS[1], tonumber(ARGV[1]) + math.max(0, hadReleased - released) - math.max(0, hadDecided - decided) + math.max(0, hadRestocked - restocked))
redis.call('SET', KEYS[3], math.max(hadReleased, released))
redis.call('SET', KEYS[4], math.max(hadDecided, decided))
redis.call('SET', KEYS[5], math.max(hadRestocked, restocked))
-- A counter that was missing may hold units a front door last saw as none: every API process forgets it was sold out (stock-news.ts).
redis.call('PUBLISH', 'fsi:stock-back', KEYS[1])
return 1
