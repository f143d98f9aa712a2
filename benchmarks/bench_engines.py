"""Single-seat holds per second on a real engine, through the seat-lock core and bare.

One row per engine. Each row holds every seat of a fresh event once, one seat per hold, on
one thread, two ways in the same run:

- core: ``BookingService.hold_seats`` with the optimistic strategy over the engine's store
  (read the seat, then one atomic step: every guard, the seat, the hold, the counters, the
  history record);
- bare: a client loop sending the one command that takes a seat and nothing else.

The ratio core/bare is what the core's guarantees cost on that engine; target >= 0.50.
Figures only: no test asserts a speed.

PostgreSQL: core is :class:`~ticketlab.seatlock.stores.postgres.PostgresStore` (read the seat,
then one transaction: the versioned conditional ``UPDATE``, the hold row, the counters and the
history record); bare is the same conditional ``UPDATE seats ... WHERE seat_id = ... AND status
= 'AVAILABLE'`` alone, one autocommit statement per hold. ``--dsn`` names a database to use (a
scratch schema is made and dropped); without it a throwaway server is started on 127.0.0.1
(Debian's ``postgresql`` package; ``--fsync off`` for a server that skips disk flushes, as the
tests run it).

Redis: core is :class:`~ticketlab.seatlock.stores.redis.RedisStore` (one ``EVALSHA`` to read
the seat, one to write the hold); bare is redis-py's ``SET seat token NX PX ttl``, one round
trip per hold. The core needs two round trips where the bare loop needs one, so 0.50 is its
ceiling when round trips dominate. A second row, ``redis-apply``, times the store's write
alone (one ``EVALSHA`` per hold, the seat's version already known) against the same loop.
``--redis`` names a server to use (the events are made under fresh key namespaces and
dropped); without it a throwaway ``redis-server`` is started on 127.0.0.1 and a free port.

    python benchmarks/bench_engines.py [--seats N] [--repeat R] [--engines postgres,redis]
                                       [--dsn DSN] [--fsync on|off] [--redis URL] [--json]
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


# --- PostgreSQL ------------------------------------------------------------------------


def postgres_row(dsn: str, seats: int, repeat: int) -> Row:
    """Holds per second through :class:`PostgresStore` beside a bare psycopg loop, same database."""
    import psycopg

    from ticketlab.seatlock.stores.postgres import PostgresStore

    ids = [s.seat_id for s in small_venue(seats).seats()]
    runs = iter(range(10**6))

    def core() -> float:
        store = PostgresStore.create(dsn, small_venue(seats).seats(), event_id=f"bench-core-{next(runs)}")
        service = BookingService(store, OptimisticStrategy(), RealClock())
        hold_seats = service.hold_seats
        started = time.perf_counter()
        for seat in ids:
            hold_seats("fan", [seat])
        rate = seats / (time.perf_counter() - started)
        store.drop()
        return rate

    def bare() -> float:
        schema = f"bench_bare_{next(runs)}"
        with psycopg.connect(dsn, autocommit=True, prepare_threshold=0) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
            conn.execute(f"CREATE TABLE {schema}.seats (seat_id text PRIMARY KEY, status text NOT NULL,"
                         " version bigint NOT NULL DEFAULT 0, hold_id text)")
            with conn.cursor() as cur:
                cur.executemany(f"INSERT INTO {schema}.seats (seat_id, status) VALUES (%s, 'AVAILABLE')",
                                [(s,) for s in ids])
            update = (f"UPDATE {schema}.seats SET status = 'HELD', version = version + 1, hold_id = %s"
                      " WHERE seat_id = %s AND status = 'AVAILABLE'")
            execute = conn.execute
            started = time.perf_counter()
            for k, seat in enumerate(ids):
                execute(update, (f"h{k}", seat))
            rate = seats / (time.perf_counter() - started)
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
        return rate

    c, b = _best(repeat, core, bare)
    return Row("postgres", c, b)


def _throwaway_postgres(fsync: bool):
    """A server started for this run (the tests' helper), stopped by the caller."""
    sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
    from support import PostgresServer

    return PostgresServer(fsync=fsync).start()


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


ENGINES = ("postgres", "redis")
_HOW = {"postgres": ("BookingService.hold_seats, optimistic", "one conditional UPDATE per hold"),
        "redis": ("BookingService.hold_seats, optimistic", "one SET NX PX per hold"),
        "redis-apply": ("RedisStore.apply of a guarded HOLD, no read", "one SET NX PX per hold")}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seats", type=int, default=2000, help="single-seat holds per measurement")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs per side")
    parser.add_argument("--engines", default=",".join(ENGINES), help="which engines (default: %(default)s)")
    parser.add_argument("--dsn", default=None, help="a PostgreSQL database to use (default: start a throwaway one)")
    parser.add_argument("--fsync", choices=("on", "off"), default="on",
                        help="the throwaway server's fsync (default on: every commit flushed, as in production)")
    parser.add_argument("--redis", default=None, metavar="URL",
                        help="a Redis server to use (default: start a throwaway one)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    engines = args.engines.split(",")
    if set(engines) - set(ENGINES):
        parser.error(f"--engines: choose from {', '.join(ENGINES)}")

    rows: list[Row] = []
    where = []
    if "postgres" in engines:
        server = None if args.dsn else _throwaway_postgres(args.fsync == "on")
        try:
            rows.append(postgres_row(args.dsn or server.dsn_for("postgres"), args.seats, args.repeat))
        finally:
            if server is not None:
                server.stop()
        where.append("the --dsn database" if args.dsn else f"a throwaway PostgreSQL, fsync={args.fsync}")
    if "redis" in engines:
        server = None if args.redis else _throwaway_redis()
        try:
            rows.append(redis_row(args.redis or server.url, args.seats, args.repeat))
            rows.append(redis_apply_row(args.redis or server.url, args.seats, args.repeat))
        finally:
            if server is not None:
                server.stop()
        where.append("the --redis server" if args.redis else "a throwaway redis-server")
    if args.json:
        print(json.dumps([{**r._asdict(), "ratio": r.ratio, "target": TARGET} for r in rows], indent=2))
        return 0
    print(f"single-seat holds per second, one thread, best of {args.repeat} ({args.seats} holds each; "
          f"{'; '.join(where)})")
    for r in rows:
        core, bare = _HOW[r.engine]
        print(f"  {r.engine:<11} core {r.core_holds_s:>8,.0f}/s  ({core})")
        print(f"  {r.engine:<11} bare {r.bare_holds_s:>8,.0f}/s  ({bare})")
        print(f"  {r.engine:<11} ratio {verdict(r.ratio)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
