"""The instructor's side of a classroom rush: open a shared event on Redis, start it, referee it, close it.

Invariant: the learners' laptops cannot change anything but by asking. Redis 7 applies a
user's ACL to every command a script runs, so a learner allowed only ``EVALSHA`` could not
write at all, and one allowed the writes the scripts make could make them without the
scripts. So the ``learner`` ACL user :func:`open_room` creates may read the room's keys and
``RPUSH`` a request to one write-only list, and nothing else (no writes, no ``EVAL``, no
``SCRIPT``, ``CONFIG``, ``ACL`` or ``FLUSHALL``): every write is made by the room's referee
(:class:`Referee`, the instructor's process, connected as the admin user whose password is
the instructor's secret). The referee checks each request's token against the learner's
stored SHA-256 hash (tokens travel only on the list learners cannot read), acts as that
learner only (the booking service refuses a hold that is not the caller's:
:class:`~ticketlab.seatlock.errors.NotHoldOwner`), and handles requests concurrently, so the
room's strategy really races: with ``naive``, learners on different laptops buy the same
seat, and the history checker finds it.

Keys of room ``R`` (hash tag ``{classroom-R}``, one cluster slot): the event's store keys
``ticketlab:{classroom-R}:*`` and, beside them, ``...:room:settings`` (strategy, seats,
start time, state), ``...:room:learners`` (name -> token hash), ``...:room:scores``
(``name|counter`` -> n) and one reply stream per request ``...:room:reply:RID`` (kept a minute,
so forged requests cannot crowd out a learner's answers); the request list is
``ticketlab-requests:{classroom-R}``, outside the readable pattern. Nothing a learner pushes stops
the referee: a request that is not a JSON object of short strings is dropped.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from ticketlab.core.errors import InputError
from ticketlab.core.numbers import whole_number
from ticketlab.core.vocab import StrategyName
from ticketlab.seatlock.check.history import check_history
from ticketlab.seatlock.clock import RealClock
from ticketlab.seatlock.errors import SeatLockError, StoreUnavailable
from ticketlab.seatlock.model import BookingStatus, SeatStatus, small_venue
from ticketlab.seatlock.payments import FakePaymentGateway
from ticketlab.seatlock.redisconn import call, redis_client
from ticketlab.seatlock.service import BookingService
from ticketlab.seatlock.strategies.registry import REGISTRY, make_strategy, strategy_name

__all__ = ["RoomKeys", "RoomView", "Referee", "open_room", "start_room", "close_room", "room_view", "admin_url",
           "check_name", "token_hash", "LEARNER_USER", "DEFAULT_ROOM", "NAME_RULE"]

_log = logging.getLogger(__name__)

#: The ACL user every learner connects as (its password is the room password).
LEARNER_USER = "learner"
DEFAULT_ROOM = "classroom"
#: What a learner's (or a room's) name may be: 1 to 24 letters, digits, '_' or '-'.
NAME_RULE = re.compile(r"[A-Za-z0-9_-]{1,24}")


def check_name(what: str, name: object) -> str:
    """``name`` if it is 1 to 24 letters, digits, '_' or '-'; else :class:`InputError`."""
    if not isinstance(name, str) or not NAME_RULE.fullmatch(name):
        raise InputError(what, name, "1 to 24 letters, digits, '_' or '-', e.g. 'ada_l'")
    return name


def token_hash(token: str) -> str:
    """What the room stores of a learner's token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class RoomKeys:
    """The key names of room ``room`` (see the module docstring)."""

    room: str

    @property
    def namespace(self) -> str:
        return f"classroom-{self.room}"

    @property
    def prefix(self) -> str:
        return f"ticketlab:{{{self.namespace}}}:"

    @property
    def settings(self) -> str:
        return self.prefix + "room:settings"

    @property
    def learners(self) -> str:
        return self.prefix + "room:learners"

    @property
    def scores(self) -> str:
        return self.prefix + "room:scores"

    @property
    def requests(self) -> str:
        return f"ticketlab-requests:{{{self.namespace}}}"

    def reply(self, rid: str) -> str:
        """The stream the answer to request ``rid`` goes to (one per request: nobody can crowd out
        another learner's answers)."""
        return f"{self.prefix}room:reply:{rid}"


def admin_url(url: str, secret_file: str | None = None) -> str:
    """``url`` with the password read from ``secret_file`` (its first line), if one is given.

    The instructor's URL names the admin user (``redis://admin@host:6379/0``); keeping the
    password in a file keeps it out of the shell's history and the process list.
    """
    if secret_file is None:
        return url
    try:
        with open(secret_file, encoding="utf-8") as handle:
            secret = handle.readline().strip()
    except OSError as error:
        raise InputError("secret_file", secret_file, f"a readable file holding the admin password ({error})") from None
    if not secret:
        raise InputError("secret_file", secret_file, "a file whose first line is the admin password")
    parts = urlsplit(url)
    user = parts.username or "default"
    netloc = f"{user}:{secret}@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _learner_url(url: str, password: str) -> str:
    parts = urlsplit(url)
    netloc = f"{LEARNER_USER}:{password}@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


# what a learner may run: reads of the room's keys, blocking reads of its reply stream, RPUSH of a request
# (a list, not a stream: XADD's own arguments, MAXLEN 0 or a last-possible id, would let one learner
# wipe or close the queue for everyone)
_LEARNER_COMMANDS = ("ping", "time", "auth", "hello", "multi", "exec", "discard", "get", "hget", "hmget", "hgetall", "hvals",
                     "hexists", "lrange", "llen", "zrange", "zscore", "zcard", "smembers", "exists", "xread",
                     "xrange", "xrevrange", "rpush")
#: A request id as the learner makes it (uuid4 hex): anything else names no reply stream.
_RID = re.compile(r"[0-9a-f]{32}")
#: The request fields a referee reads, each a short string.
_FIELDS = ("op", "name", "token", "rid", "seats", "count", "hold")


def open_room(url: str, seats: int = 50, strategy: str = StrategyName.OPTIMISTIC, room: str = DEFAULT_ROOM,
              latency_ms: float = 20.0, hold_ttl: float = 120.0, password: str | None = None,
              socket_timeout: float = 2.0):
    """Create room ``room``: a fresh event of ``seats`` seats on the Redis at ``url`` (an admin's
    URL), the room's settings, and the ``learner`` ACL user (password: ``password``, default a
    new random one). Returns ``(store, learner_url)``; run a :class:`Referee` to serve it.

    Raises :class:`InputError` for a bad room name, seat count, strategy or URL, and
    :class:`~ticketlab.seatlock.errors.StoreUnavailable` if the server refuses (an ``url``
    without the admin's rights is refused at ``ACL SETUSER``).
    """
    from ticketlab.seatlock.stores.redis import RedisStore

    keys = RoomKeys(check_name("room", room))
    seats = whole_number("seats", seats, what="seats")
    strategy = strategy_name(strategy)
    password = password or secrets.token_urlsafe(12)
    client = redis_client(url, socket_timeout, decode_responses=True)
    where = f"{urlsplit(url).hostname}:{urlsplit(url).port}"

    def set_up() -> None:
        # the learner user first: a URL without the admin's rights stops here, before any key is written
        client.execute_command("ACL", "SETUSER", LEARNER_USER, "reset", "on", f">{password}", "-@all",
                               *(f"+{c}" for c in _LEARNER_COMMANDS), f"%R~{keys.prefix}*", f"%W~{keys.requests}",
                               "resetchannels")
        client.delete(keys.requests)  # a list of JSON requests; only learners push, only the referee pops

    call(where, StoreUnavailable, set_up)
    store = RedisStore.create(url, small_venue(seats).seats(), event_id=keys.namespace, namespace=keys.namespace,
                              client=client)
    call(where, StoreUnavailable, client.hset, keys.settings, mapping={
        "strategy": strategy.value, "seats": seats, "latency_ms": latency_ms, "hold_ttl": hold_ttl,
        "state": "open", "start_at_ms": 0})
    return store, _learner_url(url, password)


def start_room(url: str, room: str = DEFAULT_ROOM, delay: float = 5.0) -> int:
    """Set the room's start ``delay`` seconds from now on the Redis server's clock; returns that time in ms.

    Every learner's :meth:`~ticketlab.classroom.learner.Learner.wait_for_start` waits for it,
    reading the same clock, so the laptops' own clocks do not matter.
    """
    keys = RoomKeys(check_name("room", room))
    client = redis_client(url, decode_responses=True)
    where = f"{urlsplit(url).hostname}:{urlsplit(url).port}"
    if not call(where, StoreUnavailable, client.exists, keys.settings):
        raise InputError("room", room, "a room opened with `ticketlab classroom open`")
    seconds, micros = call(where, StoreUnavailable, client.time)
    start_at = int(seconds * 1000 + micros // 1000 + delay * 1000)
    call(where, StoreUnavailable, client.hset, keys.settings, mapping={"start_at_ms": start_at, "state": "started"})
    client.close()
    return start_at


def _request(raw: bytes) -> dict | None:
    """A request as the referee reads it: a JSON object whose known fields are short strings
    (bytes that are not UTF-8 are replaced, never raised), or None."""
    try:
        data = json.loads(raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    fields = {k: data[k] for k in _FIELDS if k in data}
    if not all(isinstance(v, str) and len(v) <= 4096 for v in fields.values()):
        return None
    return fields


class Referee:
    """Serves room ``room``'s requests on ``store`` (an admin's :class:`RedisStore`) until it is closed.

    Each request is checked (a known learner, the right token) and run, as that learner, on a
    booking service with the room's strategy, by one of ``workers`` threads, so requests from
    different laptops run at the same time. A sweeper pass runs every ``sweep_every`` seconds.
    """

    def __init__(self, store, room: str = DEFAULT_ROOM, workers: int = 32, sweep_every: float = 1.0) -> None:
        self.store, self.keys = store, RoomKeys(check_name("room", room))
        self.client = store.client
        self.raw = redis_client(store.url)  # requests read as bytes: a learner's bad bytes are replaced, never raised
        settings = self.client.hgetall(self.keys.settings)
        if not settings:
            raise InputError("room", room, "a room opened with open_room(url, ...)")
        clock = RealClock()
        strategy = strategy_name(settings["strategy"])
        locks = None
        if REGISTRY[strategy].needs_locks:
            from ticketlab.seatlock.locks.redis import RedisLockManager

            locks = RedisLockManager(url=store.url, clock=clock, prefix=f"ticketlab:{{{self.keys.namespace}}}:lease:")
        latency = float(settings["latency_ms"]) / 1000.0
        hold_ttl = float(settings["hold_ttl"])
        self.service = BookingService(store, make_strategy(strategy, latency, locks=locks, lock_ttl=min(30.0, hold_ttl / 2)),
                                      clock, FakePaymentGateway(clock), hold_ttl=hold_ttl,
                                      http_timeout=min(10.0, hold_ttl / 4), db_timeout=min(5.0, hold_ttl / 8))
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="referee")
        self.sweep_every = sweep_every
        self._stop = threading.Event()

    def closed(self) -> bool:
        return self.client.hget(self.keys.settings, "state") == "closed"

    def serve(self, until=None) -> None:
        """Handle requests until the room is closed (or ``until()`` is true, or :meth:`stop`).

        Nothing a learner sends stops it: a request that is not a JSON object of short strings is
        dropped (and logged); a server that fails for a moment is retried after half a second."""
        from redis.exceptions import RedisError

        swept = time.monotonic()
        while not self._stop.is_set() and not (until and until()):
            try:
                popped = self.raw.blpop([self.keys.requests], timeout=0.2)
                if popped is not None:
                    more = self.raw.lpop(self.keys.requests, 255) or []
                    for raw in (popped[1], *more):
                        fields = _request(raw)
                        if fields is None:
                            _log.warning("dropped a request that is not a JSON object of strings: %.80r", raw)
                        else:
                            self.pool.submit(self._handle, fields)
                if time.monotonic() - swept >= self.sweep_every:
                    swept = time.monotonic()
                    self.pool.submit(self.service.sweep_expired)
                    if self.closed():
                        break
            except (RedisError, StoreUnavailable) as error:  # the server, not a learner: wait and go on
                _log.warning("the room's server failed (%s); retrying", error)
                time.sleep(0.5)
        self.pool.shutdown(wait=True)

    def stop(self) -> None:
        self._stop.set()

    def _handle(self, fields: dict) -> None:
        name, rid = fields.get("name", ""), fields.get("rid", "")
        try:
            check_name("name", name)
            result = self._run(name, fields)
            reply = {"rid": rid, "ok": "1", "result": json.dumps(result)}
        except SeatLockError as error:
            self._score(name, "refused")
            reply = {"rid": rid, "ok": "0", "kind": type(error).__name__, "error": str(error)}
        except InputError as error:
            reply = {"rid": rid, "ok": "0", "kind": type(error).__name__, "error": str(error)}
        except Exception as error:  # noqa: BLE001  (a learner's request never stops the room)
            _log.exception("request %s from %s failed", rid, name)
            reply = {"rid": rid, "ok": "0", "kind": type(error).__name__, "error": str(error)}
        if _RID.fullmatch(rid):  # one stream per request, gone a minute after its answer
            pipe = self.client.pipeline()
            pipe.xadd(self.keys.reply(rid), reply)
            pipe.expire(self.keys.reply(rid), 60)
            pipe.execute()

    def _score(self, name: str, counter: str, n: int = 1) -> None:
        if NAME_RULE.fullmatch(name):
            self.client.hincrby(self.keys.scores, f"{name}|{counter}", n)

    def _run(self, name: str, fields: dict):
        from ticketlab.seatlock.errors import LockTimeout, LostRace, SeatUnavailable, StaleFencingToken

        op, token = fields.get("op"), fields.get("token", "")
        if op == "join":
            if not self.client.hsetnx(self.keys.learners, name, token_hash(token)):
                raise InputError("name", name, "a name nobody in the room has taken yet")
            self._score(name, "holds", 0)
            return {"joined": name}
        stored = self.client.hget(self.keys.learners, name)
        if stored is None or not secrets.compare_digest(stored, token_hash(token)):
            raise InputError("token", "(hidden)", f"the token join() gave {name}")
        service = self.service
        try:
            if op == "hold":
                hold = service.hold_seats(name, json.loads(fields["seats"]))
            elif op == "hold_any":
                hold = service.hold_any(name, int(fields.get("count", "1")), attempts=1)
            elif op == "confirm":
                booking = service.confirm(fields["hold"], name)
                self._score(name, "bookings", len(booking.seat_ids))
                return {"booking_id": booking.booking_id, "seat_ids": list(booking.seat_ids)}
            elif op == "release":
                service.release(fields["hold"], name)
                return {"released": fields["hold"]}
            else:
                raise InputError("op", op, "hold, hold_any, confirm or release")
        except (SeatUnavailable, LostRace, LockTimeout, StaleFencingToken):
            self._score(name, "conflicts")
            raise
        self._score(name, "holds")
        return {"hold_id": hold.hold_id, "seat_ids": list(hold.seat_ids), "expires_at": hold.expires_at}


def close_room(url: str, room: str = DEFAULT_ROOM) -> "RoomView":
    """Close the room (its referee stops; the ``learner`` user is switched off) and return the final view."""
    keys = RoomKeys(check_name("room", room))
    client = redis_client(url, decode_responses=True)
    where = f"{urlsplit(url).hostname}:{urlsplit(url).port}"
    if not call(where, StoreUnavailable, client.exists, keys.settings):
        raise InputError("room", room, "a room opened with `ticketlab classroom open`")
    call(where, StoreUnavailable, client.hset, keys.settings, "state", "closed")
    call(where, StoreUnavailable, client.execute_command, "ACL", "SETUSER", LEARNER_USER, "off")
    client.close()
    return room_view(url, room)


@dataclass(frozen=True)
class RoomView:
    """The room as it stands: who holds and owns what, each learner's counts, and the checker's verdict.

    ``double_bookings`` are the seats the history checker found sold more than once, across
    every laptop; ``violations`` counts every rule it found broken.
    """

    room: str
    strategy: str
    state: str
    seats: int
    sold: int
    held: int
    holders: dict = field(default_factory=dict)  # learner -> seats held now
    owners: dict = field(default_factory=dict)  # learner -> seats in confirmed bookings
    scores: dict = field(default_factory=dict)  # learner -> {counter: n}
    double_bookings: tuple = ()
    violations: int = 0
    verdict: str = ""

    def report(self) -> str:
        """The final report, as ``ticketlab classroom close`` prints it."""
        lines = [f"room {self.room}: {self.strategy}, {self.seats} seats, {self.state}",
                 f"  sold {self.sold}, held {self.held}, learners {len(self.scores)}",
                 f"  {'learner':<24} {'holds':>6} {'bookings':>9} {'conflicts':>10} {'refused':>8}"]
        ranked = sorted(self.scores.items(), key=lambda item: (-item[1].get("bookings", 0), item[0]))
        for name, counts in ranked:
            lines.append(f"  {name:<24} {counts.get('holds', 0):>6} {counts.get('bookings', 0):>9} "
                         f"{counts.get('conflicts', 0):>10} {counts.get('refused', 0):>8}")
        if self.double_bookings:
            lines.append(f"  DOUBLE BOOKINGS: {len(self.double_bookings)} seats sold more than once: "
                         f"{', '.join(self.double_bookings[:10])}")
        lines.append(f"  checker: {self.verdict}")
        return "\n".join(lines)


def room_view(url: str, room: str = DEFAULT_ROOM) -> RoomView:
    """Read the room (a learner's URL is enough: only reads) and run the history checker on it."""
    from ticketlab.seatlock.stores.redis import RedisStore

    keys = RoomKeys(check_name("room", room))
    client = redis_client(url, decode_responses=True)
    where = f"{urlsplit(url).hostname}:{urlsplit(url).port}"
    settings = call(where, StoreUnavailable, client.hgetall, keys.settings)
    if not settings:
        client.close()
        raise InputError("room", room, "a room opened with `ticketlab classroom open`")
    store = RedisStore(url, keys.namespace, client=client)
    snapshot, history = store.raw_snapshot(), store.history()
    holds, bookings = store.raw_holds(), store.bookings()
    report = check_history(history, snapshot)
    holders: Counter = Counter()
    for hold in holds:
        holders[hold.user] += len(hold.seat_ids)
    owners: Counter = Counter()
    for booking in bookings:
        if booking.status is BookingStatus.CONFIRMED:
            owners[booking.user] += len(booking.seat_ids)
    scores: dict[str, dict[str, int]] = {}
    for key, n in call(where, StoreUnavailable, client.hgetall, keys.scores).items():
        name, counter = key.split("|", 1)
        scores.setdefault(name, {})[counter] = int(n)
    statuses = Counter(seat.status for seat in snapshot.values())
    client.close()
    return RoomView(room=room, strategy=settings["strategy"], state=settings["state"], seats=len(snapshot),
                    sold=statuses[SeatStatus.SOLD], held=statuses[SeatStatus.HELD], holders=dict(holders),
                    owners=dict(owners), scores=scores, double_bookings=tuple(report.seats_sold_twice),
                    violations=len(report.violations), verdict=report.summary())

