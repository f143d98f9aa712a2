"""A store in Redis, so booking services on many machines share one event.

Invariant: every change is one Lua script (:mod:`.redis_lua`), and Redis runs one script at
a time to its end. The :data:`APPLY <ticketlab.seatlock.stores.redis_lua.APPLY>` script checks
every guard of :func:`~ticketlab.seatlock.stores.base.required_guards` (and the payment step's)
before its first write, then writes the seats, the hold or booking, the counters, the fencing
bars, the payment intent and the history record, whose ``seq`` is its place in the history
list, appended inside the same script. A guard that fails returns before anything is written,
so a multi-seat hold is all or nothing, and confirm checks the hold's owner and the fencing
token in the same step. The common write, a guarded hold, has a lean script of its own
(:data:`HOLD <ticketlab.seatlock.stores.redis_lua.HOLD>`: the same guards and writes in fewer
server calls), so the conditional strategy's hold is one round trip. Fencing tokens are issued
by ``HINCRBY`` (an ``INCR`` per seat) in a script of their own.

Holds and Redis's own expiry. A hold is a record (its fields, its ``expires_at`` on the
service's clock) and also a key ``ttl<hold id>`` set with ``PX`` = the hold's duration, so
Redis drops it on its own clock when the hold's time is up, even if no client or sweeper
ever comes back (a crashed client's seats are not stranded). The record stays the one truth
the guards read; the key decides when the store may end the hold by itself:

- every script that reads or writes seats or holds first *reaps*: each hold whose key Redis
  dropped is ended in that script, like a sweep would: its seats that it still holds go back
  to AVAILABLE and an EXPIRE record is appended, stamped at the hold's own ``expires_at``
  (so the checker never sees an early expiry, and every hold still ends exactly once). The
  lean hold reaps only when a seat it wants is taken: reaping frees none of the AVAILABLE
  seats it writes;
- a hold whose payment is still open (a charge in flight, a refund owed) is never reaped:
  seats go back on sale only once the money is settled, which the sweeper and ``reconcile``
  do by asking the gateway;
- so :meth:`read_seats`, :meth:`find_available`, :meth:`live_holds`, :meth:`expired_holds`,
  :meth:`counters` and :meth:`snapshot` all see the same state: a hold is listed until the
  step that ends it, and its seats are HELD exactly as long as it is listed. A hold past its
  ``expires_at`` whose key Redis still keeps (the clocks differ) is ended by the sweeper.

Keys live under ``{key_prefix}{{namespace}}:`` (``namespace`` defaults to the event id): the
braces are a hash tag, so a Redis Cluster keeps a whole event on one slot and the scripts may
touch all of its keys. Server failures reach callers as
:class:`~ticketlab.seatlock.errors.StoreUnavailable`, never as redis-py exceptions.

Without persistence (``appendonly no``) a Redis restart loses everything here: seats,
holds, bookings, history. A sale that must survive one keeps bookings in a SQL store as the
system of record, or runs Redis with an append-only file.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from json.encoder import encode_basestring
from typing import Any

from ticketlab.core.errors import InputError
from ticketlab.seatlock.check.history import COUNTER_ORDER, Record, RecordKind
from ticketlab.seatlock.errors import LockTimeout, SeatNotFound, StoreUnavailable
from ticketlab.seatlock.model import Booking, BookingStatus, Event, Hold, PaymentIntent, PaymentState, Seat, SeatStatus
from ticketlab.seatlock.redisconn import EXAMPLE_URL, call, redis_client, server_address
from ticketlab.seatlock.stores import redis_lua
from ticketlab.seatlock.stores.base import (
    Change,
    Guard,
    PaymentStep,
    Store,
    WriteResult,
    capture_record,
    change_record,
    payment_kinds,
    payment_record,
    required_guards,
    seat_map,
)
from ticketlab.seatlock.values import maker

__all__ = ["RedisStore", "DEFAULT_KEY_PREFIX"]

_log = logging.getLogger(__name__)

#: Where an event's keys start, before its ``{namespace}`` hash tag.
DEFAULT_KEY_PREFIX = "ticketlab:"

# each guard's letter in the APPLY script
_GUARD_CODES = {Guard.HOLD_LIVE: "L", Guard.HOLD_UNEXPIRED: "U", Guard.BOOKING_CONFIRMED: "C", Guard.STATUS: "S",
                Guard.HELD_BY: "H", Guard.BOOKED_BY: "B", Guard.VERSIONS: "V", Guard.FENCING: "F"}
_RESULTS = (WriteResult.OK, WriteResult.CONFLICT, WriteResult.STALE_TOKEN)
_HOLD = RecordKind.HOLD
# the guard lists the lean HOLD script checks, each with the letters it is sent (STATUS is implied)
_GUARD_OF = {code: guard for guard, code in _GUARD_CODES.items()}
_LEAN_HOLDS = {(Guard.STATUS, *map(_GUARD_OF.get, letters)): letters for letters in redis_lua.HOLD_GUARDS}
_STATUS = {s.value: s for s in SeatStatus}
_KINDS = {k.value: k for k in RecordKind}
_record = maker(Record)
_seat = maker(Seat)
_hold = maker(Hold)
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_quote = encode_basestring  # a string as _dumps writes it


def _body(record: Record) -> str:
    """A record's JSON as the scripts store it: every field after ``seq``, except ``counters``."""
    return _dumps([record.kind, record.at, record.seat_ids, record.to_status, record.user, record.hold_id,
                   record.booking_id, record.expires_at, record.fencing_tokens, record.amount_cents,
                   record.payment_id, record.skipped, record.scan_seq])


def _decode_record(seq: int, entry: str) -> Record:
    """The record stored as ``entry`` at place ``seq`` of the history list."""
    counters, body = entry.split("|", 1)
    (kind, at, seat_ids, to, user, hold_id, booking_id, expires_at, tokens, amount, payment_id, skipped,
     scan_seq) = json.loads(body)
    return _record(seq, _KINDS[kind], at, tuple(seat_ids), _STATUS[to] if to else None, user, hold_id,
                   booking_id, expires_at, tuple(tokens), amount,
                   payment_id, tuple(int(n) for n in counters.split(",")) if counters else None, tuple(skipped),
                   scan_seq)


def _string(value: str | None) -> str:
    return "null" if value is None else _quote(value)


def _strings(values: Sequence[str]) -> str:
    return "[" + ",".join(map(_quote, values)) + "]"


def _ints(values: Sequence[int]) -> str:
    return "[" + ",".join(map(str, values)) + "]" if values else "[]"


def _hold_texts(change: Change) -> tuple[str, str]:
    """A HOLD change's hold as the store keeps it (JSON: expires first, where the scripts read
    it, then id, user, seats, created, amount, tokens) and its record's body (:func:`_body` of
    its record), written straight from the fields: every hold pays for these two texts, and a
    JSON encoder's pass over lists costs more than the formatting. Times keep every bit
    (:func:`_time`). A field the hold shares with the change (the service builds both from one
    clock reading and one seat tuple) is written once."""
    hold = change.hold
    at, seat_ids, tokens = _time(change.at), _strings(change.seat_ids), _ints(change.fencing_tokens)
    expires = _time(hold.expires_at)
    amount = str(int(hold.amount_cents))
    row = (f"[{expires},{_quote(hold.hold_id)},{_string(hold.user)},"
           f"{seat_ids if hold.seat_ids is change.seat_ids else _strings(hold.seat_ids)},"
           f"{at if hold.created_at is change.at else _time(hold.created_at)},{amount},"
           f"{tokens if hold.fencing_tokens is change.fencing_tokens else _ints(hold.fencing_tokens)}]")
    body = (f'["HOLD",{at},{seat_ids},"HELD",{_string(change.user)},'
            f'{_string(change.hold_id)},null,{expires},{tokens},{amount},null,[],0]')
    return row, body


def _decode_hold(raw: str) -> Hold:
    expires_at, hold_id, user, seat_ids, created_at, amount, tokens = json.loads(raw)
    return _hold(hold_id, user, tuple(seat_ids), created_at, expires_at, amount, tuple(tokens))


def _booking_json(b: Booking) -> str:
    return _dumps([b.booking_id, b.hold_id, b.user, b.seat_ids, b.amount_cents, b.status, b.created_at,
                   b.payment_id, b.confirmed_at, b.cancelled_at])


def _decode_booking(raw: str, cancelled_at: str | None) -> Booking:
    booking_id, hold_id, user, seat_ids, amount, status, created_at, payment_id, confirmed_at, cancelled = (
        json.loads(raw))
    booking = Booking(booking_id, hold_id, user, tuple(seat_ids), amount, BookingStatus(status), created_at,
                      payment_id, confirmed_at, cancelled)
    if cancelled_at is not None:  # a cancel only marks it: the rest stays as confirmed
        booking = replace(booking, status=BookingStatus.CANCELLED, cancelled_at=float(cancelled_at))
    return booking


def _decode_payment(raw: str) -> PaymentIntent:
    payment_id, hold_id, user, amount, state, updated_at, booking_id = json.loads(raw)
    return PaymentIntent(payment_id, hold_id, user, amount, PaymentState(state), updated_at, booking_id)


def _payment_spec(step: PaymentStep, at: float) -> dict[str, Any]:
    """A payment step for the scripts: its guard, and (if it moves) the intent and its records."""
    spec: dict[str, Any] = {"id": step.payment_id, "e": ["" if s is None else s.value for s in step.expect]}
    intent = step.intent
    if intent is not None:
        spec.update(i=_dumps(intent), st=intent.state.value, hid=intent.hold_id,
                    r=[[f"{kind.value}|{intent.payment_id}", _body(payment_record(kind, intent, at))]
                       for kind in payment_kinds(step)])
    return spec


def _time(value: float) -> str:
    """A time as the text the scripts keep: every bit of the float."""
    return repr(float(value))


def _event_keys(client, prefix: str) -> list[str]:
    """Every key whose name starts with ``prefix`` (glob characters in it matched as they are)."""
    pattern = "".join("\\" + ch if ch in "*?[]\\" else ch for ch in prefix) + "*"
    return list(client.scan_iter(match=pattern, count=1000))


class RedisStore(Store):
    """Seat state of one event in Redis at ``url``, under the key namespace ``namespace``.

    Build a new event with :meth:`create`; open an existing one (from another process or
    machine) with ``RedisStore(url, namespace)``, which raises
    :class:`~ticketlab.core.errors.InputError` when no event is stored there. A server that
    does not answer within ``socket_timeout`` seconds, or refuses a command, raises
    :class:`~ticketlab.seatlock.errors.StoreUnavailable`. Thread-safe (redis-py's pool).

    :meth:`seat_locks` (the pessimistic strategy's) are redis-py ``Lock`` keys, one per seat,
    taken in sorted order; each lease lasts ``seat_lock_ttl`` seconds, so a crashed holder
    frees them by itself.
    """

    def __init__(self, url: str, namespace: str, socket_timeout: float = 2.0,
                 key_prefix: str = DEFAULT_KEY_PREFIX, seat_lock_ttl: float = 30.0, client=None) -> None:
        if not isinstance(namespace, str) or not namespace or "}" in namespace or "{" in namespace:
            raise InputError("namespace", namespace, "a non-empty name without braces, e.g. 'gig'")
        self.url, self.namespace = url, namespace
        self.client = client if client is not None else redis_client(url, socket_timeout, decode_responses=True)
        self.where = server_address(self.client)
        self.prefix = f"{key_prefix}{{{namespace}}}:"
        self.seat_lock_ttl = seat_lock_ttl
        self._key = {name: self.prefix + name for name in redis_lua.KEY_NAMES}
        self._keys = [self._key["meta"]]  # the scripts' one KEYS entry (see redis_lua.KEY_NAMES)
        self._meta = self._key["meta"]
        self._execute = self.client.execute_command  # what redis-py's evalsha() calls, two calls deeper
        register = self.client.register_script
        import redis  # loaded already: the client is redis-py's

        self._no_script = redis.exceptions.NoScriptError
        self._apply, self._move, self._record = (register(redis_lua.APPLY), register(redis_lua.MOVE_PAYMENT),
                                                 register(redis_lua.RECORD))
        self._issue, self._read = register(redis_lua.ISSUE_TOKENS), register(redis_lua.READ_SEATS)
        self._find, self._get_hold = register(redis_lua.FIND_AVAILABLE), register(redis_lua.GET_HOLD)
        self._reap, self._hold = register(redis_lua.REAP), register(redis_lua.HOLD)
        meta = self._call(self.client.hgetall, self._key["meta"])
        if not meta:
            raise InputError("namespace", namespace, "an event stored by RedisStore.create(url, seats, ...) "
                                                     f"on {self.where}")
        self.event_id = meta["event_id"]
        # the seat map never changes after create(): kept here, ids are checked without a round trip
        self._static = {seat_id: tuple(info) for seat_id, info in json.loads(meta["seats"]).items()}
        self._order = list(self._static)
        self._known = frozenset(self._static)
        self.prices = {seat_id: info[3] for seat_id, info in self._static.items()}

    def _call(self, step, *args, **kwargs):
        return call(self.where, StoreUnavailable, step, *args, **kwargs)

    def _run(self, script, args: list) -> Any:
        """One of this store's scripts with ``args``, in one round trip (failures: StoreUnavailable)."""
        return self._call(self._evalsha, script, args)

    def _evalsha(self, script, args: list) -> Any:
        # EVALSHA as redis-py's Script sends it, without the Script's own per-call work; a server
        # that no longer has the script (restarted) gets it through the Script, which loads it again
        try:
            return self._execute("EVALSHA", script.sha, 1, self._meta, *args)
        except self._no_script:
            return script(keys=self._keys, args=args)

    @classmethod
    def create(cls, url: str, seats: Iterable[Seat], event_id: str = "event", namespace: str | None = None,
               at: float = 0.0, **options) -> "RedisStore":
        """Write a fresh event (replacing any under ``namespace``, default ``event_id``) with these seats.

        Raises :class:`InputError` for an empty or malformed seat map or a bad ``url`` before
        touching the server; the event is written in one ``MULTI``/``EXEC``, so a failure
        leaves nothing half-written.
        """
        seats = seat_map(seats)
        namespace = event_id if namespace is None else namespace
        client = options.pop("client", None) or redis_client(url, options.get("socket_timeout", 2.0),
                                                             decode_responses=True)
        prefix = f"{options.get('key_prefix', DEFAULT_KEY_PREFIX)}{{{namespace}}}:"
        key = {name: prefix + name for name in redis_lua.KEY_NAMES}
        counts = {status: 0 for status in COUNTER_ORDER}
        for seat in seats:
            counts[seat.status] += 1
        init = Record(seq=1, kind=RecordKind.INIT, at=at, seat_ids=tuple(s.seat_id for s in seats),
                      to_status=SeatStatus.AVAILABLE)
        where = server_address(client)

        def write() -> None:
            old = _event_keys(client, prefix)
            pipe = client.pipeline(transaction=True)
            if old:
                pipe.delete(*old)
            pipe.hset(key["meta"], mapping={"event_id": event_id, "seats": _dumps(
                {s.seat_id: [s.section, s.row, s.number, s.price_cents] for s in seats})})
            pipe.hset(key["position"], mapping={s.seat_id: i for i, s in enumerate(seats)})
            pipe.hset(key["status"], mapping={s.seat_id: s.status.value for s in seats})
            pipe.hset(key["version"], mapping={s.seat_id: s.version for s in seats})
            holders = {s.seat_id: s.hold_id for s in seats if s.hold_id}
            bookers = {s.seat_id: s.booking_id for s in seats if s.booking_id}
            if holders:
                pipe.hset(key["holder"], mapping=holders)
            if bookers:
                pipe.hset(key["booker"], mapping=bookers)
            free = {s.seat_id: i for i, s in enumerate(seats) if s.status is SeatStatus.AVAILABLE}
            if free:
                pipe.zadd(key["free"], free)
            pipe.hset(key["counters"], mapping={s.value: n for s, n in counts.items()})
            pipe.rpush(key["history"], ",".join(str(counts[s]) for s in COUNTER_ORDER) + "|" + _body(init))
            pipe.execute()

        call(where, StoreUnavailable, write)
        return cls(url, namespace, client=client, **options)

    @classmethod
    def for_event(cls, url: str, event: Event, **options) -> "RedisStore":
        """A fresh event in Redis at ``url`` holding ``event``'s seat map."""
        return cls.create(url, event.seats(), event_id=event.event_id, **options)

    def drop(self) -> None:
        """Delete every key of this event (the store cannot be used afterwards)."""
        keys = self._call(_event_keys, self.client, self.prefix)
        if keys:
            self._call(self.client.delete, *keys)

    def close(self) -> None:
        """Close this store's connections."""
        self.client.close()

    # -- reads -----------------------------------------------------------------------

    def missing_seats(self, seat_ids: Iterable[str]) -> list[str]:
        return [s for s in seat_ids if s not in self._known]

    def example_seat_id(self) -> str:
        return self._order[0]

    def _seats(self, seat_ids: Sequence[str], columns: Sequence[Sequence]) -> list[Seat]:
        static = self._static
        out = []
        for i, seat_id in enumerate(seat_ids):
            section, row, number, price = static[seat_id]
            out.append(_seat(seat_id, section, row, number, price, _STATUS[columns[0][i]], int(columns[1][i] or 0),
                             columns[2][i], columns[3][i]))
        return out

    def read_seats(self, seat_ids: Sequence[str]) -> list[Seat]:
        if not seat_ids:
            return []
        self._check_known(seat_ids)
        return self._seats(seat_ids, self._run(self._read, list(seat_ids)))

    def find_available(self, count: int) -> list[str]:
        return self._run(self._find, [min(count, len(self._order))])

    def get_hold(self, hold_id: str) -> Hold | None:
        raw = self._run(self._get_hold, [hold_id])
        return _decode_hold(raw) if raw else None

    def _reaped(self, *reads, reap: bool = True) -> list:
        """Reap (unless ``reap`` is False), then run ``reads`` (``(method name, *args)``) in one
        MULTI/EXEC: one consistent view, in one round trip."""
        def run() -> list:
            pipe = self.client.pipeline(transaction=True)
            if reap:
                self._reap(keys=self._keys, client=pipe)
            for name, *args in reads:
                getattr(pipe, name)(*args)
            return pipe.execute()[1:] if reap else pipe.execute()
        return self._call(run)

    def get_booking(self, booking_id: str) -> Booking | None:
        raw, cancelled = self._reaped(("hget", self._key["bookings"], booking_id),
                                      ("hget", self._key["cancelled"], booking_id), reap=False)
        return _decode_booking(raw, cancelled) if raw else None

    def booking_for_hold(self, hold_id: str) -> Booking | None:
        booking_id = self._call(self.client.hget, self._key["booking_of_hold"], hold_id)
        return self.get_booking(booking_id) if booking_id else None

    def live_holds(self) -> list[Hold]:
        (raw,) = self._reaped(("hvals", self._key["holds"]))
        return [_decode_hold(r) for r in raw]

    def expired_holds(self, now: float) -> list[Hold]:
        return [h for h in self.live_holds() if h.expires_at <= now]

    def bookings(self) -> list[Booking]:
        raw, cancelled = self._reaped(("hgetall", self._key["bookings"]), ("hgetall", self._key["cancelled"]),
                                      reap=False)
        return [_decode_booking(r, cancelled.get(booking_id)) for booking_id, r in raw.items()]

    def raw_snapshot(self, reap: bool = False) -> dict[str, Seat]:
        """Every seat as the keys hold it. Without ``reap``, with plain reads only (no script),
        so a client that may only read (a classroom's learner) can call it: holds whose TTL key
        Redis dropped are not ended first, and show until the next script ends them."""
        key = self._key
        columns = [[table.get(s) for s in self._order] for table in self._reaped(
            ("hgetall", key["status"]), ("hgetall", key["version"]), ("hgetall", key["holder"]),
            ("hgetall", key["booker"]), reap=reap)]
        return {seat.seat_id: seat for seat in self._seats(self._order, columns)}

    def raw_holds(self) -> list[Hold]:
        """The hold records, with plain reads only (see :meth:`raw_snapshot`)."""
        return [_decode_hold(r) for r in self._call(self.client.hvals, self._key["holds"])]

    def newest_fencing_token(self, seat_id: str) -> int:
        bar = self._call(self.client.hget, self._key["fence"], seat_id)
        return int(bar) if bar is not None else -1

    def issue_fencing_tokens(self, seat_ids: Sequence[str]) -> tuple[int, ...]:
        self._check_known(seat_ids)
        return tuple(int(t) for t in self._run(self._issue, list(seat_ids)))

    def counters(self) -> dict[SeatStatus, int]:
        (counts,) = self._reaped(("hgetall", self._key["counters"]))
        return {status: int(counts.get(status.value, 0)) for status in COUNTER_ORDER}

    def snapshot(self) -> dict[str, Seat]:
        return self.raw_snapshot(reap=True)

    def history(self) -> list[Record]:
        entries = self._call(self.client.lrange, self._key["history"], 0, -1)
        return [_decode_record(seq, entry) for seq, entry in enumerate(entries, 1)]

    def last_seq(self) -> int:
        return int(self._call(self.client.llen, self._key["history"]))

    def get_payment(self, payment_id: str) -> PaymentIntent | None:
        raw = self._call(self.client.hget, self._key["payments"], payment_id)
        return _decode_payment(raw) if raw else None

    def open_payments(self) -> list[PaymentIntent]:
        ids = self._call(self.client.smembers, self._key["open_payments"])
        if not ids:
            return []
        intents = [_decode_payment(r) for r in self._call(self.client.hmget, self._key["payments"], sorted(ids)) if r]
        return [p for p in intents if p.state.open]

    def _check_known(self, seat_ids: Sequence[str]) -> None:
        known = self._known
        for seat_id in seat_ids:
            if seat_id not in known:
                raise SeatNotFound([s for s in seat_ids if s not in known], self._order[0])

    # -- writes ----------------------------------------------------------------------

    def apply(self, change: Change) -> WriteResult:
        ids = change.seat_ids
        self._check_known(ids)
        kind, hold, booking = change.kind, change.hold, change.booking
        if kind is _HOLD:
            row, body = _hold_texts(change)
            # the TTL key lives as long as the hold, measured from its own start on the service's clock
            ttl = max(1, math.ceil((hold.expires_at - change.at) * 1000))
            lean = _LEAN_HOLDS.get(required_guards(change)) if change.payment is None else None
            if lean is not None:
                args = [lean, change.hold_id, hold.user, ttl, row, body, *ids]
                if change.expect_versions is not None:
                    args += change.expect_versions
                args += change.fencing_tokens
                result = self._run(self._hold, args)
                if result != redis_lua.HOLD_REAP_FIRST:
                    return _RESULTS[result]
        else:
            row, body = "", _body(change_record(change, 0, None))  # row: the booking a confirm writes
        spec: dict[str, Any] = {
            "k": kind.value, "at": _time(change.at), "s": ids, "to": change.to_status.value,
            "g": [_GUARD_CODES[g] for g in required_guards(change)], "req": change.require_status.value,
        }
        if change.hold_id is not None:
            spec["h"] = change.hold_id
        if booking is not None:
            spec["b"] = booking.booking_id
        if change.expect_versions is not None:
            spec["v"] = change.expect_versions
        if change.fencing_tokens:
            spec["t"] = change.fencing_tokens
        if kind is _HOLD:
            spec.update(user=hold.user, ttl=ttl)
        elif kind is RecordKind.CONFIRM:
            row = _booking_json(booking)
            spec["bs"] = booking.status.value
            if change.captured:
                spec["cap"] = [f"{RecordKind.PAYMENT_CAPTURED.value}|{booking.payment_id}",
                               _body(capture_record(change, 0))]
        if change.payment is not None:
            spec["p"] = _payment_spec(change.payment, change.at)
        return _RESULTS[self._run(self._apply, [_dumps(spec), body, row])]

    def move_payment(self, step: PaymentStep, at: float, live_hold: str | None = None) -> bool:
        spec: dict[str, Any] = {"p": _payment_spec(step, at), "at": _time(at)}
        if live_hold is not None:
            spec["lh"] = live_hold
        return bool(self._run(self._move, [_dumps(spec)]))

    def record(self, kind: RecordKind, at: float, **fields) -> int:
        record = Record(seq=0, kind=kind, at=at, **fields)
        spec: dict[str, Any] = {"rec": _body(record)}
        if record.payment_id is not None:  # a payment fact is recorded once, whoever learns it
            spec["f"] = f"{kind.value}|{record.payment_id}"
        if record.counters is not None:
            spec["cnt"] = ",".join(map(str, record.counters))
        return int(self._run(self._record, [_dumps(spec)]))

    # -- pessimistic locking ---------------------------------------------------------

    @contextmanager
    def seat_locks(self, seat_ids: Sequence[str], timeout: float) -> Iterator[None]:
        """A redis-py ``Lock`` per seat, taken in sorted order so two callers cannot deadlock.

        Raises :class:`LockTimeout` if one is not granted within ``timeout`` seconds (the ones
        already taken are given back). A lock whose lease ran out before it was given back is
        logged, not raised: the writes inside were guarded anyway.
        """
        import redis.lock

        taken: list[redis.lock.Lock] = []
        try:
            for seat_id in sorted(seat_ids):
                lock = redis.lock.Lock(self.client, f"{self.prefix}lock:{seat_id}", timeout=self.seat_lock_ttl,
                                       sleep=0.001, blocking_timeout=timeout, thread_local=False)
                if not self._call(lock.acquire):
                    raise LockTimeout(f"seat {seat_id}", timeout)
                taken.append(lock)
            yield
        finally:
            for lock in reversed(taken):
                try:
                    self._call(lock.release)
                except StoreUnavailable as error:
                    _log.warning("seat lock %s not given back, it ends by its TTL: %s", lock.name, error)
