"""What only the SQLite files do: opening an existing event, and the shared write transaction."""

from __future__ import annotations

import sqlite3

import pytest

from ticketlab.seatlock import (
    BookingService,
    LockTimeout,
    OptimisticStrategy,
    SeatStatus,
    SimulatedClock,
    StoreNotFound,
    small_venue,
)
from ticketlab.seatlock.locks.sqlite import SqliteLockManager
from ticketlab.seatlock.sqlitedb import SqliteFile, connect
from ticketlab.seatlock.stores.sqlite import SqliteStore


def test_opening_a_path_with_no_event_says_so_and_leaves_no_file(tmp_path):
    path = tmp_path / "nothing.sqlite3"
    with pytest.raises(StoreNotFound) as info:
        SqliteStore(str(path))
    assert isinstance(info.value, ValueError) and "SqliteStore.create" in str(info.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("content", [b"", b"not a database at all", "foreign"])
def test_opening_a_file_that_is_not_an_event_says_so_and_leaves_the_file_alone(tmp_path, content):
    path = tmp_path / "other.sqlite3"
    if content == "foreign":
        other = sqlite3.connect(path)
        other.execute("CREATE TABLE notes (text TEXT)")
        other.commit()
        other.close()
    else:
        path.write_bytes(content)
    before = path.read_bytes()
    with pytest.raises(StoreNotFound):
        SqliteStore(str(path))
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.sqlite3"]  # no -wal or -shm either


def test_a_second_opening_of_the_file_shares_the_seats(tmp_path):
    path = str(tmp_path / "event.sqlite3")
    first = SqliteStore.create(path, small_venue(3).seats(), event_id="gig")
    service = BookingService(first, OptimisticStrategy(), SimulatedClock())
    hold = service.hold_seats("alice", ["GA-1-2"])
    second = SqliteStore(path)  # another process would open it this way
    assert second.event_id == "gig"
    assert second.get_hold(hold.hold_id) == hold
    assert second.read_seats(["GA-1-2"])[0].status is SeatStatus.HELD
    assert second.history() == first.history()
    first.close()
    second.close()


def test_create_replaces_whatever_was_at_the_path(tmp_path):
    path = tmp_path / "event.sqlite3"
    path.write_bytes(b"old junk")
    store = SqliteStore.create(str(path), small_venue(2).seats())
    assert len(store.snapshot()) == 2 and len(store.history()) == 1
    store.close()


def test_the_lease_table_waits_for_the_write_lock_then_raises_lock_timeout(tmp_path):
    path = str(tmp_path / "leases.sqlite3")
    manager = SqliteLockManager(path, SimulatedClock(), busy_timeout=0.05)
    other = connect(path)
    other.execute("BEGIN IMMEDIATE")  # another process is writing the lease table
    try:
        with pytest.raises(LockTimeout):
            manager.acquire("seat:A-1-1", ttl=5, blocking=False)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert manager.acquire("seat:A-1-1", ttl=5, blocking=False) is not None
    manager.close()


def test_a_nested_write_is_a_savepoint_that_undoes_itself_alone(tmp_path):
    db = SqliteFile(str(tmp_path / "t.sqlite3"))
    db.conn().execute("CREATE TABLE t (n INTEGER)")
    with db.write("t") as conn:
        conn.execute("INSERT INTO t VALUES (1)")
        with pytest.raises(RuntimeError):
            with db.write("t") as inner:
                inner.execute("INSERT INTO t VALUES (2)")
                raise RuntimeError("refused")
        with db.write("t") as inner:
            inner.execute("INSERT INTO t VALUES (3)")
    assert [r[0] for r in db.conn().execute("SELECT n FROM t ORDER BY n")] == [1, 3]
    with pytest.raises(RuntimeError):
        with db.write("t") as conn:
            conn.execute("INSERT INTO t VALUES (4)")
            raise RuntimeError("the whole transaction goes")
    assert [r[0] for r in db.conn().execute("SELECT n FROM t ORDER BY n")] == [1, 3]
    db.close()
