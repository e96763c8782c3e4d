--[[
  Takes a buyer's units from one bucket of a SKU, in one atomic step. A
  bucket holds the unsold units of one stock lease (taken off the SKU's
  counter by take-lease-4.lua and fenced in PostgreSQL like any lease):
  "<lease id>|<lo>-<hi>[,<lo>-<hi>...]". Its key lives on its own slot, so
  the B buckets of one hot SKU sit on different masters of a cluster.

  With ARGV[2] set, the bucket is first refilled with that lease's units
  (ARGV[3]): whatever lease it held is detached and returned, for the
  caller to end (its units go back to the counter from PostgreSQL's count).

  A bucket with fewer units than the buyer wants is detached too: its lease
  ends and its units go back to the counter, whence the next fill spreads
  them again, so no bucket strands stock a buyer could take.

  Input:
    KEYS[1] the bucket
    ARGV[1] units wanted (>= 1)
    ARGV[2] a lease to fill it with, or ''
    ARGV[3] that lease's units "<lo>-<hi>[,...]", or ''

  Output:
    {1, lease id, units, detached}  taken: "<lo>-<hi>[,...]"; detached: the lease the fill replaced, or ''
    {0, lease id, n, ''}            fewer than wanted (n): the bucket is emptied and its lease
                                    detached, for the caller to end; '' and 0 when it held none
]]
local detached = ''
local value
if ARGV[2] ~= '' then
  local before = redis.call('GET', KEYS[1])
  if before then
    detached = string.sub(before, 1, string.find(before, '|', 1, true) - 1)
  end
  value = ARGV[2] .. '|' .. ARGV[3]
else
  value = redis.call('GET', KEYS[1])
  if not value then
    return {0, '', 0, ''}
  end
end
local bar = string.find(value, '|', 1, true)
local lease = string.sub(value, 1, bar - 1)
local want = tonumber(ARGV[1])
local ranges = {}
local total = 0
for lo, hi in string.gmatch(string.sub(value, bar + 1), '(%d+)-(%d+)') do
  ranges[#ranges + 1] = {tonumber(lo), tonumber(hi)}
  total = total + tonumber(hi) - tonumber(lo) + 1
end
if total < want then
  redis.call('DEL', KEYS[1])
  return {0, lease, total, detached}
end
local taken = {}
local left = {}
for _, range in ipairs(ranges) do
  local lo, hi = range[1], range[2]
  if want > 0 then
    local n = math.min(want, hi - lo + 1)
    taken[#taken + 1] = lo .. '-' .. (lo + n - 1)
    want = want - n
    lo = lo + n
  end
  if lo <= hi then
    left[#left + 1] = lo .. '-' .. hi
  end
end
redis.call('SET', KEYS[1], lease .. '|' .. table.concat(left, ','))
return {1, lease, table.concat(taken, ','), detached}
