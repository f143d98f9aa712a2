"""Shared fixtures of the seat-lock tests: one factory per store, and services built on them.

A new store (PostgreSQL, Redis) joins every store-level and service-level test by adding
one entry to :data:`STORE_FACTORIES`: a function ``(seats, directory) -> Store``. A factory
that needs a server starts it itself on 127.0.0.1 (see ``tests/support.py``).
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from ticketlab.seatlock import (
    BookingService,
    FakePaymentGateway,
    MemoryStore,
    OptimisticStrategy,
    Seat,
    SimulatedClock,
    Store,
    Strategy,
    small_venue,
)
from ticketlab.seatlock.stores.sqlite import SqliteStore

from .common import Sale


def memory_store(seats: Sequence[Seat], directory: Path) -> Store:
    return MemoryStore(seats, event_id="gig")


def sqlite_store(seats: Sequence[Seat], directory: Path) -> Store:
    return SqliteStore.create(str(directory / "event.sqlite3"), seats, event_id="gig")


_POSTGRES_DSN: list[str] = []


def postgres_store(seats: Sequence[Seat], directory: Path) -> Store:
    """A fresh schema per store in one database per test process, on the process's own server."""
    from support import shared_postgres

    from ticketlab.seatlock.stores.postgres import PostgresStore

    if not _POSTGRES_DSN:
        _POSTGRES_DSN.append(shared_postgres().new_database())
    _POSTGRES_DSN.append(_POSTGRES_DSN[0])  # the count names the schema
    return PostgresStore.create(_POSTGRES_DSN[0], seats, event_id="gig", schema=f"gig_{len(_POSTGRES_DSN)}")


_REDIS: list = []  # one redis-server per test process, started by the first test that needs it


def redis_store(seats: Sequence[Seat], directory: Path) -> Store:
    """A fresh event under its own key namespace on this process's redis-server (event id ``gig``)."""
    from support import RedisServer

    from ticketlab.seatlock.stores.redis import RedisStore

    if not _REDIS:
        _REDIS.append(RedisServer(tempfile.mkdtemp(prefix="ticketlab-redis-")).start())
    return RedisStore.create(_REDIS[0].url, seats, event_id="gig", namespace=f"gig-{uuid.uuid4().hex[:12]}")


@pytest.fixture(autouse=True)
def _cold_memos():
    """Each test starts with the stores' memos empty, as a fresh process does: a guard list or an
    SQL plan built wrong on first use cannot hide behind one an earlier test built right."""
    import sys

    from ticketlab.seatlock.stores import base

    base._GUARDS.clear()
    base._REFUSALS.clear()
    SqliteStore._PLANS.clear()
    postgres = sys.modules.get("ticketlab.seatlock.stores.postgres")
    if postgres is not None:
        postgres.PostgresStore._SEAT_SQL.clear()


@pytest.fixture(scope="session", autouse=True)
def _stop_the_test_redis():
    yield
    for server in _REDIS:
        server.stop()
    _REDIS.clear()  # a later session in the same process (the mutation run's) starts its own


#: Every store the core has, by name: each must pass the store contract and the service tests.
STORE_FACTORIES: dict[str, Callable[[Sequence[Seat], Path], Store]] = {
    "memory": memory_store,
    "sqlite": sqlite_store,
    "postgres": postgres_store,
    "redis": redis_store,
}


def chosen_stores() -> list[str]:
    """Every store, or only those named in ``TICKETLAB_TEST_STORES`` (comma-separated): the mutation
    run (``tools/mutation.py``) judges the core's own code on the memory and SQLite stores without a
    server per mutant. Under ``CI=true`` every store runs, whatever the variable says."""
    only = os.environ.get("TICKETLAB_TEST_STORES", "")
    if not only or os.environ.get("CI") == "true":
        return sorted(STORE_FACTORIES)
    unknown = set(only.split(",")) - set(STORE_FACTORIES)
    if unknown:
        raise pytest.UsageError(f"TICKETLAB_TEST_STORES names unknown stores {sorted(unknown)}; known: "
                                f"{', '.join(sorted(STORE_FACTORIES))}")
    return sorted(set(only.split(",")))


@pytest.fixture(params=chosen_stores())
def new_store(request, tmp_path):
    """``new_store(seats=None)``: a fresh store of each kind (six GA seats by default), closed after the test."""
    made: list[Store] = []

    def build(seats: Sequence[Seat] | None = None) -> Store:
        directory = tmp_path / f"store-{len(made)}"
        directory.mkdir()
        store = STORE_FACTORIES[request.param](list(seats or small_venue(6).seats()), directory)
        made.append(store)
        return store

    yield build
    for store in made:
        store.close()


@pytest.fixture
def make(new_store):
    """``make(seats, strategy, behaviours, latency, gateway)``: a service on a simulated clock over each
    store, paying through a ``gateway`` (a :class:`FakePaymentGateway` class)."""

    def build(seats: int = 6, strategy: Strategy | None = None, behaviours=None, latency: float = 0.0,
              gateway: type[FakePaymentGateway] = FakePaymentGateway):
        clock = SimulatedClock()
        store = new_store(small_venue(seats).seats())
        payments = gateway(clock, latency=latency, behaviours=behaviours)
        return BookingService(store, strategy or OptimisticStrategy(), clock, payments), clock

    return build


@pytest.fixture
def sale(new_store):
    """``sale(behaviours, gateway, latency)``: a :class:`Sale` on each store, its SQLite views closed after."""
    made = []

    def build(behaviours=None, **gateway) -> Sale:
        made.append(Sale(new_store, behaviours, **gateway))
        return made[-1]

    yield build
    for s in made:
        s.close()
