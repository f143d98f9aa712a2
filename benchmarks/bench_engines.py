"""Single-seat holds per second on a real engine, through the seat-lock core and bare.

One row per engine. Each row holds every seat of a fresh event once, one seat per hold, on
one thread, two ways in the same run:

- core: ``BookingService.hold_seats`` with the conditional strategy over the engine's store
  (nothing read first: one atomic step that checks the seat is AVAILABLE, then writes the
  seat, the hold, the counters and the history record; the seat is read only if that step
  refuses);
- bare: a client loop sending the one command that takes a seat and nothing else.

A second row per engine, ``<engine>-optimistic``, is the same core with the optimistic
strategy (read the seat's version, then the compare-and-set): its gap to the first row is
what that read costs. The two sides of a row take turns every 100 holds (``CHUNK``), so
other work on a shared machine slows both alike; of ``--repeat`` such runs the quickest is
reported. The ratio core/bare is what the core's guarantees cost on that engine; target >=
0.50 for the conditional row. Figures only: no test asserts a speed.

PostgreSQL: core is :class:`~ticketlab.seatlock.stores.postgres.PostgresStore` (a
conditional hold is one statement, a call of the schema's ``hold_seats`` function: the
guarded ``UPDATE``, the hold row, the counters and the history record in one implicit
transaction); bare is the same conditional ``UPDATE seats ... WHERE seat_id = ... AND status
= 'AVAILABLE'`` alone, one autocommit statement per hold. ``--dsn`` names a database to use
(a scratch schema is made and dropped); without it a throwaway server is started on
127.0.0.1 (Debian's ``postgresql`` package; ``--fsync off`` for a server that skips disk
flushes, as the tests run it).

Redis: core is :class:`~ticketlab.seatlock.stores.redis.RedisStore` (one ``EVALSHA`` of its
lean hold script per hold); bare is redis-py's ``SET seat token NX PX ttl``, one round trip
per hold. Both make one round trip; what separates them is the work on each side of it (the
script's dozen server calls against one, and the core's Python). A third row,
``redis-apply``, times the store's write alone (``RedisStore.apply`` of the change the core
sends) against the same loop: the gap to the ``redis`` row is the service's and the
strategy's own time. ``--redis`` names a server to use (the events are made under fresh key
namespaces and dropped); without it a throwaway ``redis-server`` is started on 127.0.0.1 and
a free port.

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

from ticketlab.seatlock import BookingService, RealClock, make_strategy, small_venue  # noqa: E402
from ticketlab.core.vocab import StrategyName  # noqa: E402

TARGET = 0.50


class Row(NamedTuple):
    engine: str
    core_holds_s: float
    bare_holds_s: float

    @property
    def ratio(self) -> float:
        return self.core_holds_s / self.bare_holds_s


#: Holds each side makes before the other takes its turn.
CHUNK = 100

#: One side of a measurement: ``prepare()`` returns ``(hold_one, clean_up)``; ``hold_one(k, seat)``
#: holds seat number ``k`` of the event, ``clean_up()`` drops what ``prepare`` made.
Side = Callable[[], tuple[Callable[[int, str], None], Callable[[], None]]]


def _paired(repeat: int, ids: list[str], core: Side, bare: Side) -> tuple[float, float]:
    """Holds per second, core and bare, from the quickest of ``repeat`` paired runs. In a run the
    two sides take turns every :data:`CHUNK` holds, bare first, so a change in the machine's
    speed (other work on a shared machine) hits both alike; the run that took least time in all
    is the one least disturbed."""
    best: tuple[float, float] | None = None
    for _ in range(repeat):
        (hold_core, done_core), (hold_bare, done_bare) = core(), bare()
        core_s = bare_s = 0.0
        for start in range(0, len(ids), CHUNK):
            chunk = range(start, min(start + CHUNK, len(ids)))
            began = time.perf_counter()
            for k in chunk:
                hold_bare(k, ids[k])
            middle = time.perf_counter()
            for k in chunk:
                hold_core(k, ids[k])
            core_s, bare_s = core_s + time.perf_counter() - middle, bare_s + middle - began
        done_core()
        done_bare()
        if best is None or core_s + bare_s < sum(best):
            best = (core_s, bare_s)
    return len(ids) / best[0], len(ids) / best[1]


# --- PostgreSQL ------------------------------------------------------------------------


def _engine(engine: str, strategy: StrategyName) -> str:
    """A row's name: the engine alone for the conditional strategy, else ``<engine>-<strategy>``."""
    return engine if strategy is StrategyName.CONDITIONAL else f"{engine}-{strategy}"


def postgres_row(dsn: str, seats: int, repeat: int, strategy: StrategyName = StrategyName.CONDITIONAL) -> Row:
    """Holds per second through :class:`PostgresStore` with ``strategy`` beside a bare psycopg loop,
    same database."""
    import psycopg

    from ticketlab.seatlock.stores.postgres import PostgresStore

    ids = [s.seat_id for s in small_venue(seats).seats()]
    runs = iter(range(10**6))

    def core():
        store = PostgresStore.create(dsn, small_venue(seats).seats(), event_id=f"bench-core-{next(runs)}")
        hold_seats = BookingService(store, make_strategy(strategy), RealClock()).hold_seats
        return (lambda k, seat: hold_seats("fan", [seat])), store.drop

    def bare():
        schema = f"bench_bare_{next(runs)}"
        conn = psycopg.connect(dsn, autocommit=True, prepare_threshold=0)
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(f"CREATE TABLE {schema}.seats (seat_id text PRIMARY KEY, status text NOT NULL,"
                     " version bigint NOT NULL DEFAULT 0, hold_id text)")
        with conn.cursor() as cur:
            cur.executemany(f"INSERT INTO {schema}.seats (seat_id, status) VALUES (%s, 'AVAILABLE')",
                            [(s,) for s in ids])
        update = (f"UPDATE {schema}.seats SET status = 'HELD', version = version + 1, hold_id = %s"
                  " WHERE seat_id = %s AND status = 'AVAILABLE'")
        execute = conn.execute

        def clean_up() -> None:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
            conn.close()
        return (lambda k, seat: execute(update, (f"h{k}", seat))), clean_up

    c, b = _paired(repeat, ids, core, bare)
    return Row(_engine("postgres", strategy), c, b)


def _throwaway_postgres(fsync: bool):
    """A server started for this run (the tests' helper), stopped by the caller."""
    sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
    from support import PostgresServer

    return PostgresServer(fsync=fsync).start()


# --- Redis -------------------------------------------------------------------------------


def redis_row(url: str, seats: int, repeat: int, strategy: StrategyName = StrategyName.CONDITIONAL) -> Row:
    """Holds per second through :class:`RedisStore` with ``strategy`` beside a bare redis-py
    ``SET NX PX`` loop, same server."""

    def holds(store):
        hold_seats = BookingService(store, make_strategy(strategy), RealClock()).hold_seats
        return lambda k, seat: hold_seats("fan", [seat])

    return _redis_rows(_engine("redis", strategy), url, seats, repeat, holds)


def redis_apply_row(url: str, seats: int, repeat: int) -> Row:
    """The store's write alone: one ``RedisStore.apply`` of the change the core sends for a hold
    (a guarded single-seat HOLD, nothing read first: one ``EVALSHA`` of the lean hold script),
    beside the same bare loop. The gap to the ``redis`` row is the service's and the strategy's
    own time."""
    from ticketlab.seatlock import Change, Hold, RecordKind

    def holds(store):
        apply, now = store.apply, RealClock().now

        def hold_one(k: int, seat: str) -> None:
            at = now()
            hold = Hold(f"h{k}", "fan", (seat,), at, at + 600, 10000)
            apply(Change(RecordKind.HOLD, (seat,), at, user="fan", hold_id=hold.hold_id, hold=hold))
        return hold_one

    return _redis_rows("redis-apply", url, seats, repeat, holds)


def _redis_rows(engine: str, url: str, seats: int, repeat: int, holds) -> Row:
    """``holds(store)(k, seat)`` once per seat of a fresh event, paired with the bare loop (:func:`_paired`)."""
    from ticketlab.seatlock.redisconn import redis_client
    from ticketlab.seatlock.stores.redis import RedisStore

    ids = [s.seat_id for s in small_venue(seats).seats()]
    runs = iter(range(10**6))

    def core():
        store = RedisStore.create(url, small_venue(seats).seats(),
                                  event_id=f"bench-{engine}-{os.getpid()}-{next(runs)}")

        def clean_up() -> None:
            store.drop()
            store.close()
        return holds(store), clean_up

    def bare():
        # the bare loop: one redis-py ``SET seat token NX PX ttl`` per hold, nothing else
        client = redis_client(url)
        prefix = f"ticketlab:{{bench-bare-{os.getpid()}-{next(runs)}}}:"
        keys = [prefix + seat for seat in ids]
        set_key = client.set

        def clean_up() -> None:
            client.delete(*keys)
            client.close()
        return (lambda k, seat: set_key(keys[k], f"h{k}", nx=True, px=600_000)), clean_up  # the hold's 10 minutes

    c, b = _paired(repeat, ids, core, bare)
    return Row(engine, c, b)


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
_HOW = {"postgres": ("BookingService.hold_seats, conditional", "one conditional UPDATE per hold"),
        "postgres-optimistic": ("BookingService.hold_seats, optimistic", "one conditional UPDATE per hold"),
        "redis": ("BookingService.hold_seats, conditional", "one SET NX PX per hold"),
        "redis-optimistic": ("BookingService.hold_seats, optimistic", "one SET NX PX per hold"),
        "redis-apply": ("RedisStore.apply of the core's HOLD, no service", "one SET NX PX per hold")}


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
            dsn = args.dsn or server.dsn_for("postgres")
            rows.append(postgres_row(dsn, args.seats, args.repeat))
            rows.append(postgres_row(dsn, args.seats, args.repeat, StrategyName.OPTIMISTIC))
        finally:
            if server is not None:
                server.stop()
        where.append("the --dsn database" if args.dsn else f"a throwaway PostgreSQL, fsync={args.fsync}")
    if "redis" in engines:
        server = None if args.redis else _throwaway_redis()
        try:
            url = args.redis or server.url
            rows.append(redis_row(url, args.seats, args.repeat))
            rows.append(redis_row(url, args.seats, args.repeat, StrategyName.OPTIMISTIC))
            rows.append(redis_apply_row(url, args.seats, args.repeat))
        finally:
            if server is not None:
                server.stop()
        where.append("the --redis server" if args.redis else "a throwaway redis-server")
    if args.json:
        print(json.dumps([{**r._asdict(), "ratio": r.ratio, "target": TARGET if r.engine in ENGINES else None}
                          for r in rows], indent=2))
        return 0
    print(f"single-seat holds per second, one thread, best of {args.repeat} ({args.seats} holds each; "
          f"{'; '.join(where)})")
    for r in rows:
        core, bare = _HOW[r.engine]
        print(f"  {r.engine:<19} core {r.core_holds_s:>8,.0f}/s  ({core})")
        print(f"  {r.engine:<19} bare {r.bare_holds_s:>8,.0f}/s  ({bare})")
        judged = verdict(r.ratio) if r.engine in ENGINES else f"{r.ratio:.3f} (beside the row above; no target)"
        print(f"  {r.engine:<19} ratio {judged}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
