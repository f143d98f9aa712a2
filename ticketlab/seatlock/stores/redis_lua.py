"""The Lua scripts of :class:`~ticketlab.seatlock.stores.redis.RedisStore`, one per kind of step.

Invariant: every write to an event's keys is one of these scripts, so it runs alone on the
server (Redis runs one script at a time) and either all its writes happen or none (a script
writes only after its last guard passed). Every script that reads or writes seats or holds
first ends the holds whose TTL key Redis has dropped (``reap``), so what any script sees is
what the keys say after Redis's own expiry; :data:`HOLD` does so only when a seat it wants is
not AVAILABLE (reaping could change no other seat it writes).

Every script starts by checking the event's ``meta`` key: an event whose keys are gone (a
restart without persistence, a flush) is an error (``GONE``), never silently half-rebuilt.
:data:`HOLD` checks it when a seat is not AVAILABLE: a seat that is must be in the event's
status hash, so the event is there.

Values arrive as one JSON argument built in Python (:data:`HOLD`'s as plain arguments).
Numbers that must keep every bit (times) are passed and stored as the text Python wrote
(``repr`` of a float), never re-encoded by Lua, whose number formatting keeps 14 digits. A
history record is stored as ``counters|json``: the counters are the script's, the JSON array
(the :class:`~ticketlab.seatlock.check.history.Record` fields after ``seq``, without
``counters``) is Python's, except for the EXPIRE records ``reap`` writes itself; a record's
``seq`` is its place in the list (the INIT record is 1), which the ``RPUSH`` that appends it
returns. A hold is stored as Python's JSON with its ``expires_at`` first, so a script reads
the exact text back without decoding the rest.
"""

from __future__ import annotations

__all__ = ["KEY_NAMES", "APPLY", "HOLD", "HOLD_GUARDS", "HOLD_REAP_FIRST", "MOVE_PAYMENT", "RECORD",
           "ISSUE_TOKENS", "READ_SEATS", "FIND_AVAILABLE", "GET_HOLD", "REAP", "RECHECK_MS"]

#: The event's keys, each ``<prefix>name``. A script is given the first (``meta``) as its one
#: KEYS entry, which routes it to the event's slot, and names the others from its prefix: they
#: share its hash tag, so they are on the same slot (``ttl`` is the prefix of the per-hold TTL
#: keys, ``ttl<hold id>``).
KEY_NAMES = (
    "meta", "position", "status", "version", "holder", "booker", "fence", "issued", "free", "counters",
    "holds", "hold_deadline", "bookings", "booking_status", "cancelled", "booking_of_hold",
    "payments", "payment_state", "payment_of_hold", "open_payments", "facts", "history", "ttl",
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

-- one history record: the counters right after it (or none) and Python's JSON body; returns
-- its seq, its place in the list
local function append(body, counters)
  return redis.call('RPUSH', K.history, (counters or '') .. '|' .. body)
end

-- a hold's expires_at, as the text Python wrote: the first item of the hold's JSON
local function expiry_of(raw)
  return string.match(raw, '^%%[([^,]*),')
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
        for _, seat in ipairs(hold[4]) do
          if redis.call('HGET', K.holder, seat) == hold_id and redis.call('HGET', K.status, seat) == 'HELD' then
            move_seat(seat, 'HELD', 'AVAILABLE', false, false)
            freed[#freed + 1] = seat
          end
        end
        local expires = expiry_of(raw)
        drop_hold(hold_id)
        append('["EXPIRE",' .. expires .. ',' .. json_list(freed) .. ',"AVAILABLE",' .. cjson.encode(hold[3]) ..
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


_GONE = ("redis.error_reply('GONE no event is stored under ' .. KEYS[1] .. "
         "' (a restart without persistence, or a flush)')")

# every script first checks the event is there: a restart without persistence (or a flush)
# leaves none of its keys, and a script must not write a half event into the void
_PRESENT = f"""
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {_GONE}
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
    local raw = redis.call('HGET', K.holds, hold_id)
    ok = raw and tonumber(c.at) < tonumber(expiry_of(raw))
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

#: What :data:`HOLD` returns, writing nothing, when a seat it wants may be held by a hold due
#: to be reaped.
HOLD_REAP_FIRST = 3

#: The guards :data:`HOLD` checks after STATUS, by their letters in its first argument.
HOLD_GUARDS = ("", "V", "F", "VF")

#: A guarded HOLD without a payment step (the conditional strategy's write, and most
#: holds) in one lean script: positional arguments, no JSON to decode, no helper functions
#: to build, each key named where it is used. APPLY does the same for any change; this one
#: makes fewer server calls, and each ``redis.call`` from Lua costs about what a whole
#: ``SET`` sent by a client does.
#:
#: ARGV: the guards after STATUS (:data:`HOLD_GUARDS`), the hold id, the user, the TTL in ms,
#: the hold's JSON, its record's JSON body, the seat ids, then one version per seat (V), then
#: one fencing token per seat (F). Returns 0 (OK), 1 (CONFLICT), 2 (STALE_TOKEN), or
#: :data:`HOLD_REAP_FIRST`.
#:
#: It reaps only when a seat is not AVAILABLE: ending other holds frees only seats they hold,
#: none of the AVAILABLE seats this hold writes, so when all are AVAILABLE it is right without
#: reaping (the next script that reads reaps, and the EXPIRE records follow this HOLD's). When
#: one is not and a hold is due, it returns HOLD_REAP_FIRST and the caller sends the change
#: through APPLY, which reaps first. The event's presence is checked the same way: a seat
#: found AVAILABLE is in the status hash, which a lost event no longer has.
HOLD = f"""
local prefix = string.sub(KEYS[1], 1, -5)
local guards, hold_id, ttl = ARGV[1], ARGV[2], tonumber(ARGV[4])
local n = (#ARGV - 6) / (1 + #guards)  -- each seat brings its id, and a value per guard letter
local seats = {{}}
for i = 1, n do seats[i] = ARGV[6 + i] end
local status = redis.call('HMGET', prefix .. 'status', unpack(seats))
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 1, n do
  if status[i] ~= 'AVAILABLE' then
    if redis.call('EXISTS', KEYS[1]) == 0 then return {_GONE} end
    if redis.call('ZRANGEBYSCORE', prefix .. 'hold_deadline', '-inf', now, 'LIMIT', 0, 1)[1] then
      return {HOLD_REAP_FIRST}
    end
    return 1
  end
end
local next_arg = 6 + n
if string.find(guards, 'V', 1, true) then
  local versions = redis.call('HMGET', prefix .. 'version', unpack(seats))
  for i = 1, n do
    if tonumber(versions[i] or 0) ~= tonumber(ARGV[next_arg + i]) then return 1 end
  end
  next_arg = next_arg + n
end
local fenced = string.find(guards, 'F', 1, true)
if fenced then
  local bars = redis.call('HMGET', prefix .. 'fence', unpack(seats))
  for i = 1, n do
    if tonumber(ARGV[next_arg + i]) <= tonumber(bars[i] or -1) then return 2 end
  end
end
local held, holders = {{}}, {{}}
for i = 1, n do
  local seat = seats[i]
  held[2 * i - 1], held[2 * i] = seat, 'HELD'
  holders[2 * i - 1], holders[2 * i] = seat, hold_id
  redis.call('HINCRBY', prefix .. 'version', seat, 1)
end
redis.call('HSET', prefix .. 'status', unpack(held))
redis.call('HSET', prefix .. 'holder', unpack(holders))
redis.call('ZREM', prefix .. 'free', unpack(seats))
if fenced then
  local bars = {{}}
  for i = 1, n do bars[2 * i - 1], bars[2 * i] = seats[i], ARGV[next_arg + i] end
  redis.call('HSET', prefix .. 'fence', unpack(bars))
end
local c = redis.call('HMGET', prefix .. 'counters', 'AVAILABLE', 'HELD', 'SOLD', 'BLOCKED')
local available, now_held = tonumber(c[1] or 0) - n, tonumber(c[2] or 0) + n
redis.call('HSET', prefix .. 'counters', 'AVAILABLE', available, 'HELD', now_held)
redis.call('HSET', prefix .. 'holds', hold_id, ARGV[5])
redis.call('ZADD', prefix .. 'hold_deadline', now + ttl, hold_id)
redis.call('SET', prefix .. 'ttl' .. hold_id, ARGV[3], 'PX', ttl)
redis.call('RPUSH', prefix .. 'history', string.format('%d,%d,%s,%s|', available, now_held, c[3] or '0',
                                                      c[4] or '0') .. ARGV[6])
return 0
"""

#: A payment step alone (:meth:`Store.move_payment`); ``lh``: a hold that must be live and
#: unexpired at ``at``. Returns 1 if moved, 0 if a condition failed.
MOVE_PAYMENT = _script("""
local c = cjson.decode(ARGV[1])
reap(false)
if payment_refused(c.p) then return 0 end
if c.lh then
  local raw = redis.call('HGET', K.holds, c.lh)
  if not raw or tonumber(c.at) >= tonumber(expiry_of(raw)) then return 0 end
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
