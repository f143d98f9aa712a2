"""The Lua scripts of :class:`~ticketlab.seatlock.stores.redis.RedisStore`, one per kind of step.

Invariant: every write to an event's keys is one of these scripts, so it runs alone on the
server (Redis runs one script at a time) and either all its writes happen or none (a script
writes only after its last guard passed). Every script that reads or writes seats or holds
first ends the holds whose TTL key Redis has dropped (``reap``), so what any script sees is
what the keys say after Redis's own expiry.

Every script starts by checking the event's ``meta`` key: an event whose keys are gone (a
restart without persistence, a flush) is an error (``GONE``), never silently half-rebuilt.

Values arrive as one JSON argument built in Python. Numbers that must keep every bit (times)
are passed and stored as the text Python wrote (``repr`` of a float), never re-encoded by
Lua, whose number formatting keeps 14 digits. A history record is stored as
``seq|counters|json``: the sequence number and counters are the script's, the JSON array
(the :class:`~ticketlab.seatlock.check.history.Record` fields after ``seq``, without
``counters``) is Python's, except for the EXPIRE records ``reap`` writes itself.
"""

from __future__ import annotations

__all__ = ["KEY_NAMES", "APPLY", "MOVE_PAYMENT", "RECORD", "ISSUE_TOKENS", "READ_SEATS", "FIND_AVAILABLE",
           "GET_HOLD", "REAP", "RECHECK_MS"]

#: The event's keys, each ``<prefix>name``. A script is given the first (``meta``) as its one
#: KEYS entry, which routes it to the event's slot, and names the others from its prefix: they
#: share its hash tag, so they are on the same slot (``ttl`` is the prefix of the per-hold TTL
#: keys, ``ttl<hold id>``).
KEY_NAMES = (
    "meta", "position", "status", "version", "holder", "booker", "fence", "issued", "free", "counters",
    "holds", "hold_expiry", "hold_deadline", "bookings", "booking_status", "cancelled", "booking_of_hold",
    "payments", "payment_state", "payment_of_hold", "open_payments", "facts", "seq", "history", "ttl",
)

#: How long a hold whose TTL key is gone but whose payment is still open waits before the
#: store looks at it again (the sweeper or reconcile asks the gateway in the meantime).
RECHECK_MS = 1000

_PRELUDE = """
-- KEYS[1] is the event's meta key; every other key shares its prefix (and so its hash tag).
-- A key's name is made the first time a script uses it: most scripts touch a handful.
local prefix = string.sub(KEYS[1], 1, -5)
local K = setmetatable({}, {__index = function(t, name)
  local key = prefix .. name
  rawset(t, name, key)
  return key
end})

local function json_list(items)
  if #items == 0 then return '[]' end
  return cjson.encode(items)
end

local function counters_text()
  local c = redis.call('HMGET', K.counters, 'AVAILABLE', 'HELD', 'SOLD', 'BLOCKED')
  return (c[1] or '0') .. ',' .. (c[2] or '0') .. ',' .. (c[3] or '0') .. ',' .. (c[4] or '0')
end

-- one history record: the next seq, the counters right after (or none), Python's JSON body
local function append(body, counters)
  local seq = redis.call('INCR', K.seq)
  redis.call('RPUSH', K.history, string.format('%%d', seq) .. '|' .. (counters or '') .. '|' .. body)
  return seq
end

-- a seat moves to status `to`: counters, version, owner columns and the free index move with it.
-- A seat has a holder exactly while HELD, a booker exactly while SOLD, and is in the free index
-- exactly while AVAILABLE, so its old status says which of them there is to remove.
local function move_seat(seat, old, to, hold_id, booking_id)
  if old ~= to then
    redis.call('HINCRBY', K.counters, old, -1)
    redis.call('HINCRBY', K.counters, to, 1)
    redis.call('HSET', K.status, seat, to)
  end
  redis.call('HINCRBY', K.version, seat, 1)
  if hold_id then redis.call('HSET', K.holder, seat, hold_id)
  elseif old == 'HELD' then redis.call('HDEL', K.holder, seat) end
  if booking_id then redis.call('HSET', K.booker, seat, booking_id)
  elseif old == 'SOLD' then redis.call('HDEL', K.booker, seat) end
  if to == 'AVAILABLE' then
    redis.call('ZADD', K.free, redis.call('HGET', K.position, seat), seat)
  elseif old == 'AVAILABLE' then
    redis.call('ZREM', K.free, seat)
  end
end

local function drop_hold(hold_id)
  redis.call('HDEL', K.holds, hold_id)
  redis.call('ZREM', K.hold_expiry, hold_id)
  redis.call('ZREM', K.hold_deadline, hold_id)
  redis.call('DEL', K.ttl .. hold_id)
end

-- the server's clock, read once per script (it does not move while a script runs)
local NOW
local function now_ms()
  if not NOW then
    local t = redis.call('TIME')
    NOW = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  end
  return NOW
end

local function payment_open(hold_id)
  local payment = redis.call('HGET', K.payment_of_hold, hold_id)
  local state = payment and redis.call('HGET', K.payment_state, payment)
  return state == 'CHARGING' or state == 'REFUNDING'
end

-- End the holds whose TTL key Redis dropped: free the seats each still holds and record an
-- EXPIRE stamped at the hold's own expires_at. A hold whose payment is still open is left to
-- the sweeper and reconcile (they ask the gateway first) and looked at again later. `spare`
-- is a hold the running change ends itself.
local function reap(spare)
  local now = now_ms()
  local due = redis.call('ZRANGEBYSCORE', K.hold_deadline, '-inf', now, 'LIMIT', 0, 16)
  for _, hold_id in ipairs(due) do
    if hold_id ~= spare then
      local raw = redis.call('HGET', K.holds, hold_id)
      local left = redis.call('PTTL', K.ttl .. hold_id)
      if not raw then
        redis.call('ZREM', K.hold_deadline, hold_id)
      elseif left > 0 then
        redis.call('ZADD', K.hold_deadline, now + left, hold_id)
      elseif payment_open(hold_id) then
        redis.call('ZADD', K.hold_deadline, now + %(recheck)d, hold_id)
      else
        local hold = cjson.decode(raw)
        local freed = {}
        for _, seat in ipairs(hold[3]) do
          if redis.call('HGET', K.holder, seat) == hold_id and redis.call('HGET', K.status, seat) == 'HELD' then
            move_seat(seat, 'HELD', 'AVAILABLE', false, false)
            freed[#freed + 1] = seat
          end
        end
        local expires = redis.call('ZSCORE', K.hold_expiry, hold_id)
        drop_hold(hold_id)
        append('["EXPIRE",' .. expires .. ',' .. json_list(freed) .. ',"AVAILABLE",' .. cjson.encode(hold[2]) ..
               ',' .. cjson.encode(hold_id) .. ',null,null,[],0,null,[],0]', counters_text())
      end
    end
  end
end

-- a payment step's guard: the intent's state now ('' for none) must be one the step expects
local function payment_refused(p)
  local current = redis.call('HGET', K.payment_state, p.id) or ''
  for _, expected in ipairs(p.e) do
    if expected == current then return false end
  end
  return true
end

local function move_payment(p)
  if not p.i then return end
  redis.call('HSET', K.payments, p.id, p.i)
  redis.call('HSET', K.payment_state, p.id, p.st)
  redis.call('HSET', K.payment_of_hold, p.hid, p.id)
  if p.st == 'CHARGING' or p.st == 'REFUNDING' then
    redis.call('SADD', K.open_payments, p.id)
  else
    redis.call('SREM', K.open_payments, p.id)
  end
  for _, fact in ipairs(p.r) do
    if redis.call('SADD', K.facts, fact[1]) == 1 then append(fact[2], false) end
  end
end
"""


# every script first checks the event is there: a restart without persistence (or a flush)
# leaves none of its keys, and a script must not write a half event into the void
_PRESENT = """
if redis.call('EXISTS', K.meta) == 0 then
  return redis.error_reply('GONE no event is stored under ' .. K.meta .. ' (a restart without persistence, or a flush)')
end
"""


def _script(body: str) -> str:
    names = ", ".join(f"'{name}'" for name in KEY_NAMES)
    return _PRELUDE % {"names": names, "recheck": RECHECK_MS} + _PRESENT + body


#: One change (:meth:`Store.apply`): reap, every guard in order, then every write. ARGV: the
#: change as JSON, its record's body, the hold's or booking's JSON (kept as sent, not re-encoded).
#: Returns 0 (OK), 1 (CONFLICT) or 2 (STALE_TOKEN).
APPLY = _script("""
local c = cjson.decode(ARGV[1])
local kind, seats, hold_id, booking_id = c.k, c.s, c.h, c.b
if kind == 'RELEASE' or kind == 'EXPIRE' then reap(hold_id) else reap(false) end
local n = #seats
local status = {}
if n > 0 then status = redis.call('HMGET', K.status, unpack(seats)) end
for _, guard in ipairs(c.g) do
  local ok = true
  if guard == 'L' then
    ok = redis.call('HEXISTS', K.holds, hold_id) == 1
  elseif guard == 'U' then
    local expires = redis.call('ZSCORE', K.hold_expiry, hold_id)
    ok = expires and tonumber(c.at) < tonumber(expires)
  elseif guard == 'C' then
    ok = redis.call('HGET', K.booking_status, booking_id) == 'CONFIRMED'
  elseif guard == 'S' then
    for i = 1, n do if status[i] ~= c.req then ok = false end end
  elseif n == 0 then
    ok = true  -- no seat to look up (HMGET needs one): a hold whose seats blind writes all took
  elseif guard == 'H' or guard == 'B' then
    local owners = redis.call('HMGET', guard == 'H' and K.holder or K.booker, unpack(seats))
    local want = guard == 'H' and hold_id or booking_id
    for i = 1, n do if owners[i] ~= want then ok = false end end
  elseif guard == 'V' then
    local versions = redis.call('HMGET', K.version, unpack(seats))
    for i = 1, n do if tonumber(versions[i] or 0) ~= c.v[i] then ok = false end end
  elseif guard == 'F' then
    local bars = redis.call('HMGET', K.fence, unpack(seats))
    for i = 1, n do if c.t[i] <= tonumber(bars[i] or -1) then return 2 end end
  end
  if not ok then return 1 end
end
if c.p and payment_refused(c.p) then return 1 end
local to = c.to
local keep_hold = (to == 'HELD') and hold_id or false
local keep_booking = (to == 'SOLD') and booking_id or false
for i = 1, n do move_seat(seats[i], status[i], to, keep_hold, keep_booking) end
if c.t then
  for i = 1, n do redis.call('HSET', K.fence, seats[i], c.t[i]) end
end
if kind == 'HOLD' then
  redis.call('HSET', K.holds, hold_id, ARGV[3])
  redis.call('ZADD', K.hold_expiry, c.exp, hold_id)
  redis.call('ZADD', K.hold_deadline, now_ms() + c.ttl, hold_id)
  redis.call('SET', K.ttl .. hold_id, c.user, 'PX', c.ttl)
elseif kind == 'CONFIRM' then
  drop_hold(hold_id)
  redis.call('HSET', K.bookings, booking_id, ARGV[3])
  redis.call('HSET', K.booking_status, booking_id, c.bs)
  redis.call('HSET', K.booking_of_hold, hold_id, booking_id)
  if c.cap and redis.call('SADD', K.facts, c.cap[1]) == 1 then append(c.cap[2], false) end
elseif kind == 'RELEASE' or kind == 'EXPIRE' then
  drop_hold(hold_id)
elseif kind == 'CANCEL' then
  redis.call('HSET', K.booking_status, booking_id, 'CANCELLED')
  redis.call('HSET', K.cancelled, booking_id, c.at)
end
if c.p then move_payment(c.p) end
append(ARGV[2], counters_text())
return 0
""")

#: A payment step alone (:meth:`Store.move_payment`); ``lh``: a hold that must be live and
#: unexpired at ``at``. Returns 1 if moved, 0 if a condition failed.
MOVE_PAYMENT = _script("""
local c = cjson.decode(ARGV[1])
reap(false)
if payment_refused(c.p) then return 0 end
if c.lh then
  local expires = redis.call('ZSCORE', K.hold_expiry, c.lh)
  if not expires or tonumber(c.at) >= tonumber(expires) then return 0 end
end
move_payment(c.p)
return 1
""")

#: A record that changes no seat (:meth:`Store.record`); ``f``: its payment fact, kept once.
#: Returns its seq, or 0 for a repeated fact.
RECORD = _script("""
local c = cjson.decode(ARGV[1])
if c.f and redis.call('SADD', K.facts, c.f) == 0 then return 0 end
return append(c.rec, c.cnt or false)
""")

#: New fencing tokens for the seats in ARGV (:meth:`Store.issue_fencing_tokens`): per seat,
#: ``INCR`` of the issued counter, lifted above the bar if a token from elsewhere raised it;
#: the bar becomes one below the new token.
ISSUE_TOKENS = _script("""
local out = {}
for i, seat in ipairs(ARGV) do
  local token = redis.call('HINCRBY', K.issued, seat, 1)
  local bar = tonumber(redis.call('HGET', K.fence, seat) or -1)
  if token <= bar then
    token = bar + 1
    redis.call('HSET', K.issued, seat, token)
  end
  redis.call('HSET', K.fence, seat, token - 1)
  out[i] = token
end
return out
""")

#: The seats in ARGV, after reaping: four arrays (status, version, holder, booker).
READ_SEATS = _script("""
reap(false)
return {redis.call('HMGET', K.status, unpack(ARGV)), redis.call('HMGET', K.version, unpack(ARGV)),
        redis.call('HMGET', K.holder, unpack(ARGV)), redis.call('HMGET', K.booker, unpack(ARGV))}
""")

#: Up to ARGV[1] AVAILABLE seat ids, first in seat-map order, after reaping.
FIND_AVAILABLE = _script("""
reap(false)
return redis.call('ZRANGE', K.free, 0, tonumber(ARGV[1]) - 1)
""")

#: The hold ARGV[1] as stored, after reaping (nil: not live).
GET_HOLD = _script("""
reap(false)
return redis.call('HGET', K.holds, ARGV[1])
""")

#: Reaping alone, before a read of several keys in one transaction.
REAP = _script("""
reap(false)
return 0
""")
