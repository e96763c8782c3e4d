-- One visit to a SKU's waiting room: join it (ARGV[1] 'join') or ask a
-- ticket's place (ARGV[1] 'poll'). Both first bring the serving counter up to
-- now, so the line needs no timer and no leader: whichever API process a
-- buyer reaches advances it, by Redis's clock (TIME), the same for all.
--
-- KEYS[1] state   hash: openedAt (ms), tickets (the ticket counter), serving
--                 (the serving counter: places admitted so far, fractional),
--                 advancedAt, rate and adjustedAt (auto), answers/slow/shed
--                 (what admitted purchases got, reported by the API processes)
-- KEYS[2] order   sorted set: ticket -> score; its rank is the place in line
-- KEYS[3] tickets hash: ticket -> userId
-- KEYS[4] users   hash: userId -> ticket (one ticket per buyer)
-- KEYS[5] admitted hash: ticket -> when it was admitted (ms)
-- KEYS[6] sold-out flag (a string with a TTL): set when a purchase of the SKU
--                 was answered sold out, deleted when units come back
-- ARGV[1] 'join' | 'poll' | 'rejoin' (join again after an admission that
--         lapsed: the API checks first that no order has the ticket's key)
-- ARGV[2] ticket: the new ticket's id (join), the ticket asked (poll)
-- ARGV[3] userId (join)
-- ARGV[4] draw ms: arrivals this long after the line opened are put in random order
-- ARGV[5] the arrival's random score in [0, 1) (join)
-- ARGV[6] admissions per second, or 0: auto
-- ARGV[7] admission lifetime ms (the token's)
-- ARGV[8] keep ms: the line's keys expire this long after its last join
-- ARGV[9..11] auto: starting rate, least rate, most rate (per second)
-- ARGV[12] grace ms: a lapsed admission may be replaced this long after its
--          end at the earliest (a purchase started in time answers by then),
--          and never once a purchase with it was answered 2xx (KEYS[5]
--          field '<ticket>:used', set by the API)
--
-- Output: {state, ticket, userId, created, a, b}
--   'unknown'                        no such ticket
--   'drawing'  a = drawEndsAt ms     places are drawn when the window ends
--   'waiting'  a = place (1 = next)  b = admissions per second now (string)
--   'admitted' a = expiresAt ms      the admission's end
--   'expired'  a = expiredAt ms
--   'sold_out'                       a purchase of the SKU was answered sold out
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local drawMs = tonumber(ARGV[4])
local fixedRate = tonumber(ARGV[6])
local ttlMs = tonumber(ARGV[7])
local ticket = ARGV[2]
local created = 0

-- A ticket still in line: the users hash may outlive a ticket lost with part of the data.
local function inLine(t)
  return redis.call('ZSCORE', KEYS[2], t) and redis.call('HGET', KEYS[3], t)
end

if ARGV[1] == 'join' or ARGV[1] == 'rejoin' then
  local existing = redis.call('HGET', KEYS[4], ARGV[3])
  if existing and not inLine(existing) then existing = false end
  if existing then
    local admittedAt = tonumber(redis.call('HGET', KEYS[5], existing))
    local replaceable = admittedAt and now >= admittedAt + ttlMs + tonumber(ARGV[12])
      and not redis.call('HGET', KEYS[5], existing .. ':used')
    if replaceable and ARGV[1] == 'rejoin' then
      -- Its place was served and its admission went unused: every place behind it moves
      -- up one, so the serving counter does too, or one more buyer would be let in.
      redis.call('ZREM', KEYS[2], existing)
      redis.call('HDEL', KEYS[3], existing)
      redis.call('HDEL', KEYS[5], existing, existing .. ':used')
      local served = tonumber(redis.call('HGET', KEYS[1], 'serving') or '0')
      redis.call('HSET', KEYS[1], 'serving', tostring(math.max(0, served - 1)))
    else
      ticket = existing
    end
  end
  if ticket ~= existing then
    local opened = tonumber(redis.call('HGET', KEYS[1], 'openedAt'))
    if not opened then
      -- A line whose state was lost with tickets still in it is past its draw: a new
      -- draw would put new arrivals ahead of everyone waiting.
      if redis.call('ZCARD', KEYS[2]) > 0 then opened = 0 else opened = now end
      redis.call('HSET', KEYS[1], 'openedAt', opened)
    end
    local seq = redis.call('HINCRBY', KEYS[1], 'tickets', 1)
    -- Drawn arrivals score in [0, 1), every later one its ticket number (>= 1):
    -- later arrivals queue behind the whole draw, in arrival order.
    local score = seq
    if now < opened + drawMs then
      score = tonumber(ARGV[5])
    else
      -- Behind the last place even when the counter was lost with the state.
      local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
      if last[2] and tonumber(last[2]) >= score then score = tonumber(last[2]) + 1 end
    end
    redis.call('ZADD', KEYS[2], score, ticket)
    redis.call('HSET', KEYS[3], ticket, ARGV[3])
    redis.call('HSET', KEYS[4], ARGV[3], ticket)
    created = 1
  end
end

local userId = redis.call('HGET', KEYS[3], ticket)
local rank = redis.call('ZRANK', KEYS[2], ticket)
if not userId or not rank then return {'unknown', ticket, '', 0, 0, ''} end

-- Every visit keeps the line: it lives keep ms after its last one (last, so a key
-- this visit created is kept too).
local function answer(reply)
  for i = 1, 5 do redis.call('PEXPIRE', KEYS[i], ARGV[8]) end
  return reply
end

-- State lost (the tickets kept): past the draw, as above.
local opened = tonumber(redis.call('HGET', KEYS[1], 'openedAt') or '0')
local drawEnds = opened + drawMs
local soldOut = redis.call('EXISTS', KEYS[6]) == 1
local state = redis.call('HMGET', KEYS[1], 'serving', 'advancedAt', 'rate', 'adjustedAt', 'answers', 'slow', 'shed')
local serving = tonumber(state[1] or '0')
local rate = fixedRate
if fixedRate == 0 then rate = tonumber(state[3] or ARGV[9]) end
local total = redis.call('ZCARD', KEYS[2])

if now >= drawEnds and soldOut then
  -- Nobody is let in while the SKU is sold out, and no admissions are banked for when units come back.
  redis.call('HSET', KEYS[1], 'advancedAt', now)
elseif now >= drawEnds then
  -- At most 5 s of admissions at once: after a stretch with no visit (Redis was down),
  -- the line goes on at its rate instead of letting a crowd in at one go.
  local from = math.min(math.max(tonumber(state[2] or drawEnds), drawEnds, now - 5000), now)
  if fixedRate == 0 then
    -- Auto: once a second, from what admitted purchases were answered since the last
    -- look (the API processes report it): halve the rate when more than 5% were slower
    -- than the target (p95 over it) or more than 1% were shed; grow it by half while
    -- they were all fine and buyers are waiting. No answers: no news, same rate.
    local adjustedAt = math.max(tonumber(state[4] or drawEnds), drawEnds)
    if now - adjustedAt >= 1000 then
      local answers = tonumber(state[5] or '0')
      local slow = tonumber(state[6] or '0')
      local shed = tonumber(state[7] or '0')
      if answers > 0 then
        if slow > answers * 0.05 or shed > answers * 0.01 then
          rate = math.max(tonumber(ARGV[10]), rate * 0.5)
        elseif serving < total then
          rate = math.min(tonumber(ARGV[11]), rate * 1.5)
        end
      end
      redis.call('HSET', KEYS[1], 'rate', tostring(rate), 'adjustedAt', now)
      redis.call('HDEL', KEYS[1], 'answers', 'slow', 'shed')
    end
  end
  -- Never past the last ticket: an empty line banks no admissions for a later burst.
  serving = math.min(total, serving + rate * (now - from) / 1000)
  redis.call('HSET', KEYS[1], 'serving', tostring(serving), 'advancedAt', now)
end

local admittedAt = tonumber(redis.call('HGET', KEYS[5], ticket))
if admittedAt then
  if now >= admittedAt + ttlMs then return answer({'expired', ticket, userId, created, admittedAt + ttlMs, ''}) end
  return answer({'admitted', ticket, userId, created, admittedAt + ttlMs, ''})
end
if soldOut then return answer({'sold_out', ticket, userId, created, 0, ''}) end
if now < drawEnds then return answer({'drawing', ticket, userId, created, drawEnds, tostring(rate)}) end
if rank < math.floor(serving) then
  redis.call('HSET', KEYS[5], ticket, now)
  return answer({'admitted', ticket, userId, created, now + ttlMs, ''})
end
return answer({'waiting', ticket, userId, created, rank - math.floor(serving) + 1, tostring(rate)})
