--[[
  The kafka-queue front door's whole Redis side, in one step: finds an
  earlier request with the same Idempotency-Key, refuses a sold-out or
  unknown SKU, or records this one as queued (before it is sent, so that
  no message can reach the worker unrecorded) AND as unsent: listed, with
  Redis' own clock, for the queue sweeper, which sends it if the front door
  never gets Kafka's acknowledgement (a crash, a send whose outcome is
  unknown). The front door unlists it once Kafka has acknowledged it.

  Input:
    KEYS[1] sold-out flag of the SKU
    KEYS[2] stock counter of the SKU (exists for every created SKU)
    KEYS[3] queued marker of the Idempotency-Key
    KEYS[4] the SKU's queued purchases (hash: order id -> purchase)
    KEYS[5] the SKU's unsent purchases (sorted set: order id, score = ms recorded)
    KEYS[6] the shard's SKUs the sweeper visits (set of SKU codes)
    ARGV[1] order id
    ARGV[2] the purchase, as the JSON message the worker will get
    ARGV[3] lifetime of the marker, in milliseconds
    ARGV[4] the SKU code (member of KEYS[6])

  The key by order id (GET /v1/orders/:id) is on another slot of a cluster:
  the front door writes it before it answers with the order.

  Output:
    {1, score}     recorded: send it; score is its entry in KEYS[5], which the
                   front door hands back to unqueue-purchase-3
    {2, purchase}  this key was queued before, as that purchase (JSON). If it
                   is still unsent, its entry's score moves 1 ms earlier: this
                   caller (maybe another API process, its buyer answered 202
                   with that order) now relies on the record, so the first
                   front door may no longer take it back (unqueue-purchase-3).
    {0, ''}        sold out (the worker saw the stock reach 0)
    {-1, ''}       no stock counter: no such SKU, or Redis lost it (the caller asks PostgreSQL)
]]
-- The key first: a retry of a purchase queued before the sell-out gets its order back, not a 409.
local earlier = redis.call('GET', KEYS[3])
if earlier then
  -- The same key gives the same order id (ARGV[1]), so this is the earlier purchase's entry.
  local unsent = redis.call('ZSCORE', KEYS[5], ARGV[1])
  if unsent then
    redis.call('ZADD', KEYS[5], 'XX', tonumber(unsent) - 1, ARGV[1])
  end
  return {2, earlier}
end
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {0, ''}
end
if redis.call('EXISTS', KEYS[2]) == 0 then
  return {-1, ''}
end
redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[3])
redis.call('HSET', KEYS[4], ARGV[1], ARGV[2])
-- Redis' clock, not the API's: the sweeper compares ages with the same clock.
local now = redis.call('TIME')
redis.call('ZADD', KEYS[5], tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000), ARGV[1])
redis.call('SADD', KEYS[6], ARGV[4])
return {1, redis.call('ZSCORE', KEYS[5], ARGV[1])}
