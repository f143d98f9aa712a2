"""The learner's side of a classroom rush: join with one call, wait for the start, hold and pay.

Invariant: a learner's handle only reads the room and sends requests; the referee decides.
Its token (random, made here, never stored in the room but as a hash) is what proves a
request is this learner's, so nobody else can confirm or release its holds, and nothing it
sends can change another learner's holds or the room's settings (the Redis ACL refuses the
write before the referee ever sees it).

    from ticketlab import classroom
    me = classroom.join("redis://learner:ROOMPASS@10.0.0.5:6379/0", "ada")
    me.rush()               # waits for the instructor's start, then holds a seat and pays for it
"""

from __future__ import annotations

import json
import random
import secrets
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from ticketlab.core.errors import InputError
from ticketlab.core.numbers import whole_number
from ticketlab.seatlock.errors import SeatLockError, StoreUnavailable
from ticketlab.seatlock.redisconn import call, redis_client
from ticketlab.classroom.room import DEFAULT_ROOM, RoomKeys, check_name

__all__ = ["Learner", "join", "RequestRefused", "RushResult", "run_bots"]

#: Refusals a rushing learner shrugs off and tries the next seat after.
_CONTENTION = frozenset({"SeatUnavailable", "SeatBlocked", "LostRace", "LockTimeout", "StaleFencingToken"})


class RequestRefused(SeatLockError):
    """The referee refused a request; ``kind`` is the core's error class name (``LostRace``,
    ``NotHoldOwner``, ``SoldOut``, ...) and the message is the core's."""

    def __init__(self, kind: str, message: str) -> None:
        self.kind = kind
        super().__init__(f"{kind}: {message}")


@dataclass(frozen=True)
class RushResult:
    """What :meth:`Learner.rush` did: seats bought, holds refused by contention, requests sent."""

    name: str
    bought: tuple[str, ...]
    conflicts: int
    requests: int
    error: str = ""  # a bot that failed: what stopped it


class Learner:
    """One learner in room ``room`` at ``url`` (the room's learner URL). Use :func:`join`."""

    def __init__(self, url: str, name: str, room: str = DEFAULT_ROOM, timeout: float = 30.0) -> None:
        self.name = check_name("name", name)
        self.keys = RoomKeys(check_name("room", room))
        self.timeout = timeout
        self.client = redis_client(url, decode_responses=True, socket_timeout=max(5.0, timeout))
        self.where = f"{urlsplit(url).hostname}:{urlsplit(url).port}"
        self._token = secrets.token_urlsafe(24)
        if not self._call(self.client.exists, self.keys.settings):
            raise InputError("room", room, "a room the instructor opened with `ticketlab classroom open`")

    def _call(self, step, *args, **kwargs):
        return call(self.where, StoreUnavailable, step, *args, **kwargs)

    def ask(self, op: str, **fields) -> dict:
        """Send one request and wait (up to ``timeout`` s) for the referee's answer.

        Raises :class:`RequestRefused` with the core's reason, or
        :class:`~ticketlab.seatlock.errors.StoreUnavailable` if the room does not answer.
        """
        rid = uuid.uuid4().hex
        self._call(self.client.rpush, self.keys.requests,
                   json.dumps({"op": op, "name": self.name, "token": self._token, "rid": rid, **fields}))
        deadline = time.monotonic() + self.timeout
        reply_key, cursor = self.keys.reply(rid), "0-0"
        while time.monotonic() < deadline:
            batch = self._call(self.client.xread, {reply_key: cursor}, count=50, block=250)
            for _, entries in batch or ():
                for entry_id, reply in entries:
                    cursor = entry_id
                    if reply.get("rid") == rid:
                        if reply.get("ok") == "1":
                            return json.loads(reply["result"])
                        raise RequestRefused(reply.get("kind", "Error"), reply.get("error", ""))
        raise StoreUnavailable(self.where, f"no answer from the room's referee within {self.timeout:g} s "
                                           "(is `ticketlab classroom open` still running?)")

    def hold(self, *seat_ids: str) -> dict:
        """Hold these seats (all or none): ``{"hold_id", "seat_ids", "expires_at"}``."""
        return self.ask("hold", seats=json.dumps(list(seat_ids)))

    def hold_any(self, count: int = 1) -> dict:
        """Hold ``count`` seats, the first free ones."""
        return self.ask("hold_any", count=str(whole_number("count", count, what="seats")))

    def confirm(self, hold_id: str) -> dict:
        """Pay for one of your holds: ``{"booking_id", "seat_ids"}``."""
        return self.ask("confirm", hold=str(hold_id))

    def release(self, hold_id: str) -> dict:
        """Give one of your holds back."""
        return self.ask("release", hold=str(hold_id))

    def settings(self) -> dict:
        return self._call(self.client.hgetall, self.keys.settings)

    def seats(self) -> dict[str, str]:
        """Every seat's status now, by seat id."""
        return self._call(self.client.hgetall, self.keys.prefix + "status")

    def wait_for_start(self, poll: float = 0.05) -> None:
        """Block until the instructor's start time, read on the Redis server's clock."""
        while True:
            start_at = int(self.settings().get("start_at_ms") or 0)
            seconds, micros = self._call(self.client.time)
            now = seconds * 1000 + micros // 1000
            if start_at and now >= start_at:
                return
            time.sleep(min(poll, (start_at - now) / 1000.0) if start_at else poll)

    def rush(self, count: int = 1, wait: bool = True, attempts: int = 50) -> RushResult:
        """At the start, hold the first free seat and pay for it, until ``count`` are bought,
        the room is sold out, or ``attempts`` requests were refused."""
        whole_number("count", count, what="seats")
        if wait:
            self.wait_for_start()
        bought: list[str] = []
        conflicts = requests = 0
        while len(bought) < count and requests < attempts:
            requests += 1
            try:
                hold = self.hold_any(1)
                requests += 1
                bought += self.confirm(hold["hold_id"])["seat_ids"]
            except RequestRefused as refusal:
                if refusal.kind == "SoldOut":
                    break
                if refusal.kind not in _CONTENTION:
                    raise
                conflicts += 1
        return RushResult(self.name, tuple(bought), conflicts, requests)

    def close(self) -> None:
        self.client.close()


def join(url: str, name: str, room: str = DEFAULT_ROOM, timeout: float = 30.0) -> Learner:
    """Join room ``room`` at ``url`` (the learner URL the instructor gives out) as ``name``.

    Raises :class:`InputError` for a name that is not 1 to 24 letters, digits, '_' or '-', or
    one already taken, and for a room that is not open; :class:`StoreUnavailable` if the
    server or the referee does not answer.
    """
    learner = Learner(url, name, room, timeout)
    try:
        learner.ask("join")
    except RequestRefused as refusal:
        learner.close()
        if refusal.kind == "InputError":
            raise InputError("name", name, "a name nobody in the room has taken yet") from None
        raise
    return learner


def _bot(url: str, room: str, name: str, seed: int) -> RushResult:
    bot = join(url, name, room)
    try:
        time.sleep(random.Random(seed).uniform(0, 0.05))  # fans do not all press at the same microsecond
        return bot.rush(1)
    finally:
        bot.close()


#: Fans per bot process: more threads than this in one interpreter spend their time on its lock, and
#: their requests wait past the referee's answer.
BOTS_PER_PROCESS = 100


def _bot_or_failure(url: str, room: str, name: str, seed: int) -> tuple:
    """One fan's (name, bought, conflicts, error): a fan that fails is counted, never lost with its batch."""
    try:
        r = _bot(url, room, name, seed)
        return r.name, r.bought, r.conflicts, ""
    except Exception as error:  # noqa: BLE001  (one fan's failure is reported, the others go on)
        return name, (), 0, f"{type(error).__name__}: {error}"


def _bot_process(url: str, room: str, names: list[str], seed: int, results) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=len(names)) as pool:
        done = list(pool.map(lambda k: _bot_or_failure(url, room, names[k], seed + k), range(len(names))))
    results.put(done)


def run_bots(url: str, users: int = 100, room: str = DEFAULT_ROOM, processes: int | None = None,
             prefix: str = "bot") -> list[RushResult]:
    """``users`` simulated fans, threads spread over ``processes`` processes (default: one per
    :data:`BOTS_PER_PROCESS` fans): each joins as ``{prefix}-N``, waits for the start and rushes
    for one seat. Returns what each did; a fan that failed (the referee never answered) has
    ``error`` set. Raises :class:`InputError` for a count that is not a whole number >= 1."""
    import multiprocessing as mp

    users = whole_number("users", users, what="fans")
    if processes is None:
        processes = -(-users // BOTS_PER_PROCESS)
    processes = max(1, min(users, whole_number("processes", processes, what="processes")))
    check_name("prefix", f"{prefix}-{users}")
    names = [f"{prefix}-{k}" for k in range(users)]
    ctx = mp.get_context("spawn")
    results = ctx.Queue()
    workers = [ctx.Process(target=_bot_process, args=(url, room, names[k::processes], 1000 * k, results))
               for k in range(processes)]
    for w in workers:
        w.start()
    collected = [row for _ in workers for row in results.get(timeout=600)]
    for w in workers:
        w.join()
    return [RushResult(name, tuple(bought), conflicts, 0, error) for name, bought, conflicts, error in collected]
