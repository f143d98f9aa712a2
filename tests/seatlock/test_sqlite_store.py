"""What only the SQLite files do: opening an existing event, and the shared write transaction."""

from __future__ import annotations

import sqlite3

import pytest

from ticketlab.core.errors import InputError
from ticketlab.seatlock import (
    BookingService,
    Change,
    RecordKind,
    LockTimeout,
    OptimisticStrategy,
    SeatStatus,
    SimulatedClock,
    StoreNotFound,
    small_venue,
)
from ticketlab.seatlock.locks.sqlite import SqliteLockManager
from ticketlab.seatlock.sqlitedb import SqliteFile, connect
from ticketlab.seatlock.stores.base import PaymentStep
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


# --- a new file: where it may go, what it starts with -----------------------------------


@pytest.mark.parametrize("path", [123, "", None, b"event.sqlite3"])
def test_a_path_that_is_not_a_file_path_is_refused_before_anything_is_written(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as info:
        SqliteStore.create(path, small_venue(2).seats())
    assert (info.value.name, info.value.value) == ("path", path)
    assert "a file path such as 'event.sqlite3'" in str(info.value)
    assert list(tmp_path.iterdir()) == []  # no file named "123", no database in the working directory


def test_a_directory_or_a_file_in_a_missing_directory_is_refused_by_name(tmp_path):
    with pytest.raises(InputError) as info:
        SqliteStore.create(tmp_path, small_venue(2).seats())
    assert (info.value.name, info.value.value) == ("path", tmp_path)
    missing = str(tmp_path / "no-such-folder" / "event.sqlite3")
    with pytest.raises(InputError) as info:
        SqliteStore.create(missing, small_venue(2).seats())
    assert (info.value.name, info.value.value) == ("path", missing)
    assert "a file path in an existing directory" in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_a_new_event_starts_with_one_init_record_at_time_zero_under_the_default_id(tmp_path):
    path = tmp_path / "event.sqlite3"
    store = SqliteStore.create(path, small_venue(3).seats(), synchronous="NORMAL")
    assert store.event_id == SqliteStore(str(path)).event_id == "event"
    assert store.path == str(path) and store.synchronous == "NORMAL"
    (init,) = store.history()
    assert (init.seq, init.kind, init.at, init.to_status) == (1, RecordKind.INIT, 0.0, SeatStatus.AVAILABLE)
    assert store.last_seq() == 1 and store.counters()[SeatStatus.AVAILABLE] == 3
    store.close()


def test_no_event_at_a_path_names_the_path(tmp_path):
    (tmp_path / "junk.sqlite3").write_bytes(b"not a database at all, just bytes" * 40)
    sqlite3.connect(tmp_path / "empty.sqlite3").execute("CREATE TABLE meta (key TEXT, value TEXT)").connection.close()
    for path in (tmp_path / "absent.sqlite3", tmp_path / "empty.sqlite3", tmp_path / "junk.sqlite3"):
        with pytest.raises(StoreNotFound) as info:
            SqliteStore(str(path))
        assert str(path) in str(info.value)


def test_a_holds_seat_ids_are_stored_as_readable_compact_json(tmp_path):
    """A learner can read the file with the sqlite3 shell: ["Bühne-1","Bühne-2"], not \\u escapes."""
    from ticketlab.seatlock import Seat

    seats = [Seat("Bühne-1", "Bühne", 1, 1, 5000), Seat("Bühne-2", "Bühne", 1, 2, 5000)]
    store = SqliteStore.create(str(tmp_path / "event.sqlite3"), seats)
    service = BookingService(store, OptimisticStrategy(), SimulatedClock())
    hold = service.hold_seats("ana", ["Bühne-1", "Bühne-2"])
    raw = connect(store.path).execute("SELECT seat_ids FROM holds WHERE hold_id = ?", (hold.hold_id,)).fetchone()[0]
    assert raw == '["Bühne-1","Bühne-2"]'
    assert store.get_hold(hold.hold_id).seat_ids == ("Bühne-1", "Bühne-2")
    store.close()


# --- waiting for the write lock ----------------------------------------------------------


def _blocked(store, call):
    """Run ``call(store)`` while another connection holds the file's write lock."""
    other = connect(store.path)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(LockTimeout) as info:
            call(store)
    finally:
        other.execute("ROLLBACK")
        other.close()
    return info.value


@pytest.mark.parametrize("call", [
    lambda s: s.record(RecordKind.SWEEP, 1.0),
    lambda s: s.issue_fencing_tokens(["GA-1-1"]),
    lambda s: s.move_payment(PaymentStep("pay-x", frozenset({None})), 1.0),
    lambda s: s.apply(Change(RecordKind.BLOCK, ("GA-1-1",), 1.0, user="admin")),
], ids=["record", "fencing", "payment", "apply"])
def test_a_write_that_cannot_get_the_lock_names_it_and_the_wait(call, tmp_path):
    store = SqliteStore.create(str(tmp_path / "event.sqlite3"), small_venue(2).seats(), busy_timeout=0.05)
    error = _blocked(store, call)
    assert (error.what, error.timeout) == ("the database write lock", 0.05)
    assert store.history()[-1].kind is RecordKind.INIT  # nothing was written
    store.close()


def test_seat_locks_wait_as_long_as_asked_and_name_the_seats(tmp_path):
    store = SqliteStore.create(str(tmp_path / "event.sqlite3"), small_venue(2).seats(), busy_timeout=5.0)

    def lock(s):
        with s.seat_locks(["GA-1-1", "GA-1-2"], 0.05):
            pass

    error = _blocked(store, lock)
    assert (error.what, error.timeout) == ("seats ['GA-1-1', 'GA-1-2'] (BEGIN IMMEDIATE)", 0.05)
    store.close()
