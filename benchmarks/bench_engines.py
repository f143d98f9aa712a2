"""Single-seat holds per second on a real engine, through the seat-lock core and bare.

One row per engine. Each row holds every seat of a fresh event once, one seat per hold, on
one thread, two ways in the same run:

- core: ``BookingService.hold_seats`` with the optimistic strategy over the engine's store
  (read the seat, then one atomic step: every guard, the seat, the hold, the counters, the
  history record);
- bare: a client loop sending the one command that takes a seat and nothing else.

The ratio core/bare is what the core's guarantees cost on that engine; target >= 0.50.
Figures only: no test asserts a speed.

Redis: core is :class:`~ticketlab.seatlock.stores.redis.RedisStore` (one ``EVALSHA`` to read
the seat, one to write the hold); bare is redis-py's ``SET seat token NX PX ttl``, one round
trip per hold. The core needs two round trips where the bare loop needs one, so 0.50 is its
ceiling when round trips dominate. A second row, ``redis-apply``, times the store's write
alone (one ``EVALSHA`` per hold, the seat's version already known) against the same loop. ``--redis`` names a server to use (the events are made
under fresh key namespaces and dropped); without it a throwaway ``redis-server`` is started
on 127.0.0.1 and a free port.

    python benchmarks/bench_engines.py [--seats N] [--repeat R] [--redis URL] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable
from typing import NamedTuple

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from ticketlab.seatlock import BookingService, OptimisticStrategy, RealClock, small_venue  # noqa: E402

TARGET = 0.50


class Row(NamedTuple):
    engine: str
    core_holds_s: float
    bare_holds_s: float

    @property
    def ratio(self) -> float:
        return self.core_holds_s / self.bare_holds_s


def _best(repeat: int, core: Callable[[], float], bare: Callable[[], float]) -> tuple[float, float]:
    """Best of ``repeat`` runs each, bare and core interleaved so drift in machine speed hits both."""
    c = b = 0.0
    for _ in range(repeat):
        b = max(b, bare())
        c = max(c, core())
    return c, b


# --- Redis -------------------------------------------------------------------------------


def redis_row(url: str, seats: int, repeat: int) -> Row:
    """Holds per second through :class:`RedisStore` beside a bare redis-py ``SET NX PX`` loop, same server."""

    def holds(store):
        hold_seats = BookingService(store, OptimisticStrategy(), RealClock()).hold_seats
        return lambda k, seat: hold_seats("fan", [seat])

    return _redis_rows("redis", url, seats, repeat, holds)


def redis_apply_row(url: str, seats: int, repeat: int) -> Row:
    """The store's write path alone: one ``RedisStore.apply`` of a guarded single-seat HOLD per hold
    (one ``EVALSHA``: reap, guards, seat, hold record and TTL key, counters, history), beside the
    same bare loop. What a client that already knows the seat's version pays per hold."""
    from ticketlab.seatlock import Change, Hold, RecordKind

    def holds(store):
        apply, now = store.apply, RealClock().now

        def hold_one(k: int, seat: str) -> None:
            at = now()
            hold = Hold(f"h{k}", "fan", (seat,), at, at + 600, 10000)
            apply(Change(RecordKind.HOLD, (seat,), at, user="fan", hold_id=hold.hold_id, hold=hold,
                         expect_versions=(0,)))
        return hold_one

    return _redis_rows("redis-apply", url, seats, repeat, holds)


def _redis_rows(engine: str, url: str, seats: int, repeat: int, holds) -> Row:
    """Best of ``repeat``: ``holds(store)(k, seat)`` once per seat of a fresh event, beside the bare loop."""
    from ticketlab.seatlock.stores.redis import RedisStore

    ids = [s.seat_id for s in small_venue(seats).seats()]
    runs = iter(range(10**6))

    def core() -> float:
        store = RedisStore.create(url, small_venue(seats).seats(), event_id=f"bench-{engine}-{os.getpid()}-{next(runs)}")
        hold_one = holds(store)
        started = time.perf_counter()
        for k, seat in enumerate(ids):
            hold_one(k, seat)
        rate = seats / (time.perf_counter() - started)
        store.drop()
        store.close()
        return rate

    c, b = _best(repeat, core, _bare_set_nx_px(url, ids, runs))
    return Row(engine, c, b)


def _bare_set_nx_px(url: str, ids: list[str], runs) -> Callable[[], float]:
    """The bare loop: one redis-py ``SET seat token NX PX ttl`` per hold, nothing else."""
    from ticketlab.seatlock.redisconn import redis_client

    def bare() -> float:
        client = redis_client(url)
        prefix = f"ticketlab:{{bench-bare-{os.getpid()}-{next(runs)}}}:"
        keys = [prefix + seat for seat in ids]
        set_key = client.set
        started = time.perf_counter()
        for k, key in enumerate(keys):
            set_key(key, f"h{k}", nx=True, px=600_000)  # the hold's 10 minutes
        rate = len(ids) / (time.perf_counter() - started)
        client.delete(*keys)
        client.close()
        return rate

    return bare


def _throwaway_redis():
    """A ``redis-server`` started for this run (the tests' helper), stopped by the caller."""
    sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
    from support import RedisServer

    return RedisServer(tempfile.mkdtemp(prefix="ticketlab-bench-redis-")).start()


# --- the table -------------------------------------------------------------------------


def verdict(ratio: float) -> str:
    met = ratio >= TARGET
    return f"{math.floor(ratio * 1000) / 1000:.3f} {'>=' if met else '<'} {TARGET:.2f} {'ok' if met else 'MISSED'}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seats", type=int, default=2000, help="single-seat holds per measurement")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs per side")
    parser.add_argument("--redis", default=None, metavar="URL",
                        help="a Redis server to use (default: start a throwaway one)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    rows: list[Row] = []
    server = None if args.redis else _throwaway_redis()
    try:
        rows.append(redis_row(args.redis or server.url, args.seats, args.repeat))
        rows.append(redis_apply_row(args.redis or server.url, args.seats, args.repeat))
    finally:
        if server is not None:
            server.stop()
    if args.json:
        print(json.dumps([{**r._asdict(), "ratio": r.ratio, "target": TARGET} for r in rows], indent=2))
        return 0
    where = "the --redis server" if args.redis else "a throwaway redis-server"
    print(f"single-seat holds per second, one thread, best of {args.repeat} ({args.seats} holds each; {where})")
    how = {"redis-apply": "RedisStore.apply of a guarded HOLD, no read"}
    for r in rows:
        print(f"  {r.engine:<11} core {r.core_holds_s:>8,.0f}/s  ({how.get(r.engine, 'BookingService.hold_seats, optimistic')})")
        print(f"  {r.engine:<11} bare {r.bare_holds_s:>8,.0f}/s  (one SET NX PX per hold)")
        print(f"  {r.engine:<11} ratio {verdict(r.ratio)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
