--[[
  Undoes queue-purchase-6 for a purchase that certainly never reached Kafka
  (refused by the sender before it left), so a retry with the same
  Idempotency-Key queues it afresh and the sweeper does not send it. Only
  the purchase that wrote the marker may remove it, and only while nobody
  else relies on it: its unsent entry still has the score it was recorded
  with. The sweeper's claim (it is sending it) and a duplicate request's
  sighting (its buyer was answered 202 with this order, maybe by another API
  process) both move the score; then the record stays and the sweeper
  sends it.

  Input:
    KEYS[1] queued marker of the Idempotency-Key
    KEYS[2] the SKU's queued purchases
    KEYS[3] the SKU's unsent purchases
    ARGV[1] order id
    ARGV[2] the purchase (JSON) that must own the marker
    ARGV[3] the score queue-purchase-6 recorded it with

  Output:
    1  removed (the front door deletes its key by order id, on another slot)
    0  marker missing or another purchase's; nothing changed
    2  kept: claimed by the sweeper or relied on by a duplicate
]]
if redis.call('GET', KEYS[1]) ~= ARGV[2] then
  return 0
end
if redis.call('ZSCORE', KEYS[3], ARGV[1]) ~= ARGV[3] then
  return 2
end
redis.call('DEL', KEYS[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return 1
