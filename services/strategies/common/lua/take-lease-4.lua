--[[
  Takes a stock lease for one API process, in one atomic step: up to
  ARGV[1] units of a SKU off its counter, named as redis-lua names units
  (units given back first, then the highest never taken: counter - given
  back), so that PostgreSQL refuses a unit sold twice whichever strategy
  sold it. The lease is recorded, and listed by when it lapses, so that the
  reconciler of any process can end it if its holder never does.

  Near the end a lease takes at most counter / spread units (at least the
  buyer's quantity), the spread being the leases of the SKU live now (one
  per process selling it, about), at least ARGV[5]: stock below processes x
  lease size still spreads over the processes, down to ARGV[6] units,
  instead of sitting in one of them, and a process selling alone takes what
  it needs at once.

  Input:
    KEYS[1] stock counter of the SKU (units left)
    KEYS[2] units given back, not yet taken again (sorted set, score = unit)
    KEYS[3] the lease's record (string: "<lo>-<hi>[,<lo>-<hi>...]")
    KEYS[4] the shard's leases (sorted set: "<sku> <lease id>" -> ms when it lapses)
    ARGV[1] units wanted (>= 1)
    ARGV[2] ledger member "<sku> <lease id>"
    ARGV[3] lease lifetime in ms
    ARGV[4] the least it may take: the quantity of the buyer waiting for it
    ARGV[5] the least spread (>= 1)
    ARGV[6] the least share (>= 1): a lease takes at least this many while the
            counter has them, whatever the spread

  Output:
    {1, ranges, n}  leased: "<lo>-<hi>[,...]"
    {0, stock, n}   fewer units left than the least; nothing changed. n: the
                    SKU's live leases, read in the same step, so that n = 0
                    means no unit can come back from one (sold out for good)
    {-1, '', 0}     no counter: an unknown SKU, or a counter Redis lost
]]
local stock = redis.call('GET', KEYS[1])
if not stock then
  return {-1, '', 0}
end
stock = tonumber(stock)
local least = tonumber(ARGV[4])
local prefix = string.match(ARGV[2], '^%S+ ')
local holders = 0
for _, member in ipairs(redis.call('ZRANGE', KEYS[4], 0, -1)) do
  if string.sub(member, 1, #prefix) == prefix then
    holders = holders + 1
  end
end
if stock < least then
  return {0, stock, holders}
end
local spread = math.max(tonumber(ARGV[5]), holders)
-- Never below ARGV[6] while the counter has that many: each lease costs its scripts and two
-- PostgreSQL statements, which single-unit leases would pay per sale.
local share = math.max(math.floor(stock / spread), math.min(tonumber(ARGV[6]), stock))
local want = math.max(least, math.min(tonumber(ARGV[1]), share))
local ranges = {}
local returned = redis.call('ZCARD', KEYS[2])
local reused = math.min(want, returned)
if reused > 0 then
  local popped = redis.call('ZPOPMIN', KEYS[2], reused)
  for i = 1, #popped, 2 do
    ranges[#ranges + 1] = popped[i] .. '-' .. popped[i]
  end
end
local fresh = want - reused
if fresh > 0 then
  -- reused == returned here, and stock >= want, so top >= fresh >= 1.
  local top = stock - returned
  ranges[#ranges + 1] = (top - fresh + 1) .. '-' .. top
end
redis.call('DECRBY', KEYS[1], want)
local leased = table.concat(ranges, ',')
redis.call('SET', KEYS[3], leased)
local now = redis.call('TIME')
redis.call('ZADD', KEYS[4], tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) + tonumber(ARGV[3]), ARGV[2])
return {1, leased, holders}
