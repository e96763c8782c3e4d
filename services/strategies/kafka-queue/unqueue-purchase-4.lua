--[[
  Undoes queue-purchase-7 for a purchase that certainly never reached Kafka
  (refused by the sender before it left), so a retry with the same
  Idempotency-Key queues it afresh and the sweeper does not send it. Only
  the purchase that wrote the marker may remove it.

  Input:
    KEYS[1] queued marker of the Idempotency-Key
    KEYS[2] the SKU's queued purchases
    KEYS[3] queued purchase by order id
    KEYS[4] the SKU's unsent purchases
    ARGV[1] order id
    ARGV[2] the purchase (JSON) that must own the marker

  Output:
    1  removed
    0  marker missing or another purchase's; nothing changed
]]
if redis.call('GET', KEYS[1]) ~= ARGV[2] then
  return 0
end
redis.call('DEL', KEYS[1], KEYS[3])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
return 1
