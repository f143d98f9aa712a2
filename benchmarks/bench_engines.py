"""Single-seat holds per second on a real engine, through the seat-lock core and bare.

One row per engine. Each row holds every seat of a fresh event once, one seat per hold, on
one thread, two ways in the same run:

- core: ``BookingService.hold_seats`` with the optimistic strategy over the engine's store
  (read the seat, then one transaction: the versioned conditional ``UPDATE``, the hold row,
  the counters and the history record);
- bare: a client loop sending the same conditional ``UPDATE seats ... WHERE seat_id = ...
  AND status = 'AVAILABLE'`` alone, one autocommit statement per hold.

The ratio core/bare is what the core's guarantees cost on that engine; target >= 0.50.
Figures only: no test asserts a speed.

PostgreSQL: ``--dsn`` names a database to use (a scratch schema is made and dropped);
without it a throwaway server is started on 127.0.0.1 (Debian's ``postgresql`` package;
``--fsync off`` for a server that skips disk flushes, as the tests run it).

    python benchmarks/bench_engines.py [--seats N] [--repeat R] [--dsn DSN] [--fsync on|off] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
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


# --- the table -------------------------------------------------------------------------


def verdict(ratio: float) -> str:
    met = ratio >= TARGET
    return f"{math.floor(ratio * 1000) / 1000:.3f} {'>=' if met else '<'} {TARGET:.2f} {'ok' if met else 'MISSED'}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seats", type=int, default=2000, help="single-seat holds per measurement")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs per side")
    parser.add_argument("--dsn", default=None, help="a PostgreSQL database to use (default: start a throwaway one)")
    parser.add_argument("--fsync", choices=("on", "off"), default="on",
                        help="the throwaway server's fsync (default on: every commit flushed, as in production)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    rows: list[Row] = []
    server = None if args.dsn else _throwaway_postgres(args.fsync == "on")
    try:
        rows.append(postgres_row(args.dsn or server.dsn_for("postgres"), args.seats, args.repeat))
    finally:
        if server is not None:
            server.stop()
    # another engine adds its row here: a function like postgres_row returning a Row
    if args.json:
        print(json.dumps([{**r._asdict(), "ratio": r.ratio, "target": TARGET} for r in rows], indent=2))
        return 0
    where = "the --dsn database" if args.dsn else f"a throwaway server, fsync={args.fsync}"
    print(f"single-seat holds per second, one thread, best of {args.repeat} ({args.seats} holds each; {where})")
    for r in rows:
        print(f"  {r.engine:<9} core {r.core_holds_s:>8,.0f}/s  (BookingService.hold_seats, optimistic)")
        print(f"  {r.engine:<9} bare {r.bare_holds_s:>8,.0f}/s  (one conditional UPDATE per hold)")
        print(f"  {r.engine:<9} ratio {verdict(r.ratio)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
