"""A store in a SQLite file that several processes can book at once.

Invariant: every change is one write transaction (``BEGIN IMMEDIATE`` … ``COMMIT``) whose
``UPDATE seats ... WHERE`` carries the guards (status, owner, version, fencing token); the
change counts only if ``rowcount`` equals the number of seats, otherwise the transaction
is rolled back and nothing changed. The availability counters are kept by a trigger in the
same transaction, and the history row takes its sequence number from ``AUTOINCREMENT``
inside it, so the history order is the commit order.

Python's ``sqlite3`` opens transactions implicitly before DML unless told otherwise; here
every connection is opened with ``isolation_level=None`` (autocommit) and the store writes
``BEGIN IMMEDIATE`` / ``COMMIT`` itself, so a transaction starts exactly where the code says
and takes the write lock up front (no read-then-upgrade deadlock). WAL mode lets readers
run beside the one writer. Waiting for the write lock longer than ``busy_timeout`` raises
:class:`~ticketlab.seatlock.errors.LockTimeout`.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from ticketlab.seatlock.clock import Clock
from ticketlab.seatlock.errors import LockTimeout
from ticketlab.seatlock.check.history import COUNTER_ORDER, Record, RecordKind
from ticketlab.seatlock.locks.base import LockGrant, LockManager
from ticketlab.seatlock.model import Booking, BookingStatus, Event, Hold, Seat, SeatStatus
from ticketlab.seatlock.stores.base import Change, Store, WriteResult

__all__ = ["SqliteStore", "SqliteLockManager", "connect"]

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE seats (
    seat_id TEXT PRIMARY KEY, position INTEGER NOT NULL, section TEXT NOT NULL, row INTEGER NOT NULL,
    number INTEGER NOT NULL, price_cents INTEGER NOT NULL, status TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 0, hold_id TEXT, booking_id TEXT,
    fence INTEGER NOT NULL DEFAULT -1  -- newest fencing token accepted for this seat
) WITHOUT ROWID;  -- rows stored in the primary-key tree: one page touched per seat write, not two
-- only AVAILABLE seats are indexed: a confirm (HELD -> SOLD) does not touch this index
CREATE INDEX available_seats ON seats (position) WHERE status = 'AVAILABLE';
CREATE TABLE holds (
    hold_id TEXT PRIMARY KEY, user TEXT NOT NULL, seat_ids TEXT NOT NULL, created_at REAL NOT NULL,
    expires_at REAL NOT NULL, amount_cents INTEGER NOT NULL, fencing_tokens TEXT NOT NULL
) WITHOUT ROWID;
-- no index on expires_at: the table holds only live holds, the sweeper scans it once a
-- minute, and every hold and confirm would otherwise write one more index page
-- looked up by hold_id only when a hold that is no longer live is confirmed (a rare error
-- path), so that column has no index: one page less to write per confirm
CREATE TABLE bookings (
    booking_id TEXT PRIMARY KEY, hold_id TEXT NOT NULL, user TEXT NOT NULL, seat_ids TEXT NOT NULL,
    amount_cents INTEGER NOT NULL, status TEXT NOT NULL, created_at REAL NOT NULL, payment_id TEXT NOT NULL,
    confirmed_at REAL, cancelled_at REAL
) WITHOUT ROWID;
CREATE TABLE counters (status TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
-- the counters move in the same transaction as the seat, so they cannot drift
CREATE TRIGGER seat_status_counts AFTER UPDATE OF status ON seats WHEN old.status != new.status
BEGIN
    UPDATE counters SET n = n - 1 WHERE status = old.status;
    UPDATE counters SET n = n + 1 WHERE status = new.status;
END;
CREATE TABLE history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, at REAL NOT NULL, seat_ids TEXT NOT NULL,
    to_status TEXT, user TEXT, hold_id TEXT, booking_id TEXT, expires_at REAL, fencing_tokens TEXT NOT NULL,
    amount_cents INTEGER NOT NULL, payment_id TEXT, counters TEXT, skipped TEXT NOT NULL
);
-- a payment fact (captured, refunded, ...) is recorded once, whichever process learns it
CREATE UNIQUE INDEX payment_facts ON history (kind, payment_id) WHERE kind LIKE 'PAYMENT%';
"""

_STATUS = {s.value: s for s in SeatStatus}
# the counters as "available,held,sold,blocked", read inside the writing transaction
_COUNTERS_NOW = ("SELECT group_concat(n, ',') FROM (SELECT n FROM counters ORDER BY CASE status"
                 " WHEN 'AVAILABLE' THEN 0 WHEN 'HELD' THEN 1 WHEN 'SOLD' THEN 2 ELSE 3 END)")
_KIND = {k.value: k for k in RecordKind}


SYNCHRONOUS = ("FULL", "NORMAL")


def connect(path: str, busy_timeout: float = 5.0, synchronous: str = "FULL") -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit) with WAL and a busy timeout.

    ``synchronous="FULL"`` syncs the WAL on every commit, so a confirmed sale survives a power
    cut; ``"NORMAL"`` syncs only at checkpoints (faster; the last commits can be lost on power
    loss, never on a crash of the program).
    """
    if synchronous not in SYNCHRONOUS:
        from ticketlab.core.errors import InputError

        raise InputError("synchronous", synchronous, "'FULL' (durable commits) or 'NORMAL'")
    conn = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    return conn


def _join(items: Iterable) -> str:
    return ",".join(str(i) for i in items)


def _split(text: str | None) -> tuple[str, ...]:
    return tuple(text.split(",")) if text else ()


def _ints(text: str | None) -> tuple[int, ...]:
    return tuple(int(x) for x in text.split(",")) if text else ()


class _Rejected(Exception):
    def __init__(self, result: WriteResult) -> None:
        self.result = result


class SqliteStore(Store):
    """Seat state in the SQLite file at ``path``; one connection per thread.

    Build a new event with :meth:`create`; open an existing one (another process, say)
    with ``SqliteStore(path)``.
    """

    def __init__(self, path: str, busy_timeout: float = 5.0, synchronous: str = "FULL") -> None:
        self.path = str(path)
        self.busy_timeout = busy_timeout
        self.synchronous = synchronous
        self._local = threading.local()
        self._all_conns: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        row = self._conn().execute("SELECT value FROM meta WHERE key='event_id'").fetchone()
        if row is None:
            raise FileNotFoundError(f"{self.path} holds no ticketlab event; build one with SqliteStore.create()")
        self.event_id = row[0]
        # the seat map never changes after create(), so its ids can be checked without a query
        self._seat_ids = [r[0] for r in self._conn().execute("SELECT seat_id FROM seats ORDER BY position")]
        self._known = frozenset(self._seat_ids)

    @classmethod
    def create(cls, path: str, seats: Iterable[Seat], event_id: str = "event", at: float = 0.0,
               busy_timeout: float = 5.0, synchronous: str = "FULL") -> "SqliteStore":
        """Write a fresh database at ``path`` (replacing any file there) with these seats."""
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(str(path) + suffix):
                os.remove(str(path) + suffix)
        conn = connect(str(path), busy_timeout)
        conn.executescript(SCHEMA)
        seats = list(seats)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO meta VALUES ('event_id', ?)", (event_id,))
        conn.executemany(
            "INSERT INTO seats (seat_id, position, section, row, number, price_cents, status, version)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(s.seat_id, i, s.section, s.row, s.number, s.price_cents, s.status.value, s.version)
             for i, s in enumerate(seats)])
        counts = {st: 0 for st in COUNTER_ORDER}
        for s in seats:
            counts[s.status] += 1
        conn.executemany("INSERT INTO counters VALUES (?, ?)", [(st.value, n) for st, n in counts.items()])
        conn.execute(
            "INSERT INTO history (kind, at, seat_ids, to_status, fencing_tokens, amount_cents, counters, skipped)"
            " VALUES ('INIT', ?, ?, 'AVAILABLE', '', 0, ?, '')",
            (at, _join(s.seat_id for s in seats), _join(counts[st] for st in COUNTER_ORDER)))
        conn.execute("COMMIT")
        conn.close()
        return cls(path, busy_timeout, synchronous)

    @classmethod
    def for_event(cls, path: str, event: Event, **options) -> "SqliteStore":
        """A fresh database at ``path`` holding ``event``'s seat map."""
        return cls.create(path, event.seats(), event_id=event.event_id, **options)

    # -- connections and transactions ------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = connect(self.path, self.busy_timeout, self.synchronous)
            self._local.in_tx = False
            with self._all_lock:
                self._all_conns.append(conn)
        return conn

    @contextmanager
    def _write_tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction, or the one a pessimistic caller already opened."""
        conn = self._conn()
        if self._local.in_tx:  # inside seat_locks: a savepoint undoes a rejected change alone
            conn.execute("SAVEPOINT change")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK TO change")
                conn.execute("RELEASE change")
                raise
            conn.execute("RELEASE change")
            return
        self._begin(conn, "the database write lock")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def _begin(self, conn: sqlite3.Connection, what: str, timeout: float | None = None) -> None:
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if "locked" in str(error) or "busy" in str(error):
                raise LockTimeout(what, self.busy_timeout if timeout is None else timeout) from error
            raise

    @contextmanager
    def seat_locks(self, seat_ids: Sequence[str], timeout: float) -> Iterator[None]:
        """``BEGIN IMMEDIATE``: SQLite's write lock covers every row, so it covers these seats.

        Reads and writes on this thread join the transaction until it commits.
        """
        conn = self._conn()
        if timeout == self.busy_timeout:
            self._begin(conn, f"seats {list(seat_ids)} (BEGIN IMMEDIATE)")
        else:
            conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            try:
                self._begin(conn, f"seats {list(seat_ids)} (BEGIN IMMEDIATE)", timeout)
            finally:
                conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
        self._local.in_tx = True
        try:
            yield
        except BaseException:
            self._local.in_tx = False
            conn.execute("ROLLBACK")
            raise
        self._local.in_tx = False
        conn.execute("COMMIT")

    def close(self) -> None:
        """Close every thread's connection; call it once the threads using the store are done."""
        with self._all_lock:
            for conn in self._all_conns:
                conn.close()
            self._all_conns.clear()
        self._local = threading.local()

    # -- reads -----------------------------------------------------------------------

    def missing_seats(self, seat_ids: Iterable[str]) -> list[str]:
        return [s for s in seat_ids if s not in self._known]

    def example_seat_id(self) -> str:
        return self._seat_ids[0]

    _SEAT_COLUMNS = "seat_id, section, row, number, price_cents, status, version, hold_id, booking_id"

    @staticmethod
    def _seat(row: tuple) -> Seat:
        return Seat(row[0], row[1], row[2], row[3], row[4], _STATUS[row[5]], row[6], row[7], row[8])

    def read_seats(self, seat_ids: Sequence[str]) -> list[Seat]:
        conn = self._conn()
        if len(seat_ids) == 1:
            rows = conn.execute(f"SELECT {self._SEAT_COLUMNS} FROM seats WHERE seat_id = ?", (seat_ids[0],))
        else:
            marks = ",".join("?" * len(seat_ids))
            rows = conn.execute(f"SELECT {self._SEAT_COLUMNS} FROM seats WHERE seat_id IN ({marks})", list(seat_ids))
        by_id = {row[0]: self._seat(row) for row in rows}
        return [by_id[s] for s in seat_ids]

    def find_available(self, count: int) -> list[str]:
        rows = self._conn().execute(
            "SELECT seat_id FROM seats WHERE status = 'AVAILABLE' ORDER BY position LIMIT ?", (count,))
        return [r[0] for r in rows]

    @staticmethod
    def _hold(row: tuple | None) -> Hold | None:
        if row is None:
            return None
        return Hold(row[0], row[1], _split(row[2]), row[3], row[4], row[5], _ints(row[6]))

    _HOLD_COLUMNS = "hold_id, user, seat_ids, created_at, expires_at, amount_cents, fencing_tokens"
    _BOOKING_COLUMNS = ("booking_id, hold_id, user, seat_ids, amount_cents, status, created_at, payment_id,"
                        " confirmed_at, cancelled_at")

    @staticmethod
    def _booking(row: tuple | None) -> Booking | None:
        if row is None:
            return None
        return Booking(row[0], row[1], row[2], _split(row[3]), row[4], BookingStatus(row[5]), row[6], row[7],
                       row[8], row[9])

    def get_hold(self, hold_id: str) -> Hold | None:
        return self._hold(self._conn().execute(
            f"SELECT {self._HOLD_COLUMNS} FROM holds WHERE hold_id = ?", (hold_id,)).fetchone())

    def get_booking(self, booking_id: str) -> Booking | None:
        return self._booking(self._conn().execute(
            f"SELECT {self._BOOKING_COLUMNS} FROM bookings WHERE booking_id = ?", (booking_id,)).fetchone())

    def booking_for_hold(self, hold_id: str) -> Booking | None:
        return self._booking(self._conn().execute(
            f"SELECT {self._BOOKING_COLUMNS} FROM bookings WHERE hold_id = ?", (hold_id,)).fetchone())

    def expired_holds(self, now: float) -> list[Hold]:
        rows = self._conn().execute(f"SELECT {self._HOLD_COLUMNS} FROM holds WHERE expires_at <= ?", (now,))
        return [self._hold(r) for r in rows]

    def live_holds(self) -> list[Hold]:
        return [self._hold(r) for r in self._conn().execute(f"SELECT {self._HOLD_COLUMNS} FROM holds")]

    def bookings(self) -> list[Booking]:
        return [self._booking(r) for r in self._conn().execute(f"SELECT {self._BOOKING_COLUMNS} FROM bookings")]

    def newest_fencing_token(self, seat_id: str) -> int:
        row = self._conn().execute("SELECT fence FROM seats WHERE seat_id = ?", (seat_id,)).fetchone()
        return row[0] if row else -1

    def counters(self) -> dict[SeatStatus, int]:
        rows = dict(self._conn().execute("SELECT status, n FROM counters").fetchall())
        return {st: rows.get(st.value, 0) for st in COUNTER_ORDER}

    def snapshot(self) -> dict[str, Seat]:
        rows = self._conn().execute(f"SELECT {self._SEAT_COLUMNS} FROM seats ORDER BY position")
        return {r[0]: self._seat(r) for r in rows}

    def history(self) -> list[Record]:
        out = []
        for row in self._conn().execute("SELECT * FROM history ORDER BY seq"):
            (seq, kind, at, seats, to_status, user, hold_id, booking_id, expires_at, tokens, amount,
             payment_id, counters, skipped) = row
            out.append(Record(seq, _KIND[kind], at, _split(seats), _STATUS[to_status] if to_status else None,
                              user, hold_id, booking_id, expires_at, _ints(tokens), amount, payment_id,
                              _ints(counters) if counters else None, _split(skipped)))
        return out

    # -- writes ----------------------------------------------------------------------

    _UPDATE_CACHE: dict[tuple, str] = {}

    @classmethod
    def _update_sql(cls, guarded: bool, require: SeatStatus | None, versioned: bool, fenced: bool) -> str:
        key = (guarded, require, versioned, fenced)
        sql = cls._UPDATE_CACHE.get(key)
        if sql is None:
            where = ["seat_id = ?"]
            if guarded:
                where.append("status = ?")
                if require is SeatStatus.HELD:
                    where.append("hold_id = ?")
                elif require is SeatStatus.SOLD:
                    where.append("booking_id = ?")
            if versioned:
                where.append("version = ?")
            if fenced:
                where.append("fence <= ?")
            sql = cls._UPDATE_CACHE[key] = (
                "UPDATE seats SET status = ?, version = version + 1, hold_id = ?, booking_id = ?, fence = max(fence, ?)"
                " WHERE " + " AND ".join(where))
        return sql

    def apply(self, change: Change) -> WriteResult:
        try:
            with self._write_tx() as conn:
                self._apply_in(conn, change)
        except _Rejected as rejected:
            return rejected.result
        return WriteResult.OK

    def _apply_in(self, conn: sqlite3.Connection, change: Change) -> None:
        kind, to, at, guarded = change.kind, change.to_status, change.at, change.guarded
        booking = change.booking
        # the rows that are not seats first: a conditional DELETE/UPDATE is the guard on the hold
        if kind is RecordKind.CONFIRM or kind is RecordKind.RELEASE or kind is RecordKind.EXPIRE:
            if guarded and kind is RecordKind.CONFIRM:
                gone = conn.execute("DELETE FROM holds WHERE hold_id = ? AND expires_at > ?", (change.hold_id, at))
            else:
                gone = conn.execute("DELETE FROM holds WHERE hold_id = ?", (change.hold_id,))
            if guarded and gone.rowcount != 1:
                raise _Rejected(WriteResult.CONFLICT)
        elif kind is RecordKind.CANCEL:
            done = conn.execute("UPDATE bookings SET status = 'CANCELLED', cancelled_at = ?"
                                " WHERE booking_id = ? AND status = 'CONFIRMED'", (at, booking.booking_id))
            if guarded and done.rowcount != 1:
                raise _Rejected(WriteResult.CONFLICT)
        ids = change.seat_ids
        if ids:
            hold_id = change.hold_id if to is SeatStatus.HELD else None
            booking_id = booking.booking_id if (to is SeatStatus.SOLD and booking) else None
            require = change.require_status
            versions = change.expect_versions
            tokens = change.fencing_tokens
            sql = self._update_sql(guarded, require, versions is not None, bool(tokens))
            params = []
            for i, seat_id in enumerate(ids):
                token = tokens[i] if tokens else -1
                p = [to.value, hold_id, booking_id, token, seat_id]
                if guarded:
                    p.append(require.value)
                    if require is SeatStatus.HELD:
                        p.append(change.hold_id)
                    elif require is SeatStatus.SOLD:
                        p.append(booking.booking_id)
                if versions is not None:
                    p.append(versions[i])
                if tokens:
                    p.append(token)
                params.append(p)
            if len(params) == 1:
                changed = conn.execute(sql, params[0]).rowcount
            else:
                changed = conn.executemany(sql, params).rowcount
            if changed != len(ids):
                if tokens and any(t < self.newest_fencing_token(s) for s, t in zip(ids, tokens)):
                    raise _Rejected(WriteResult.STALE_TOKEN)
                raise _Rejected(WriteResult.CONFLICT)
        hold = change.hold
        expires_at = None
        if kind is RecordKind.HOLD:
            conn.execute(f"INSERT INTO holds ({self._HOLD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (hold.hold_id, hold.user, _join(hold.seat_ids), hold.created_at, hold.expires_at,
                          hold.amount_cents, _join(hold.fencing_tokens)))
            expires_at = hold.expires_at
        elif kind is RecordKind.CONFIRM:
            conn.execute(f"INSERT OR REPLACE INTO bookings ({self._BOOKING_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)",
                         (booking.booking_id, booking.hold_id, booking.user, _join(booking.seat_ids),
                          booking.amount_cents, booking.status.value, booking.created_at, booking.payment_id,
                          booking.confirmed_at, booking.cancelled_at))
            if change.captured:
                conn.execute(
                    "INSERT OR IGNORE INTO history (kind, at, seat_ids, user, hold_id, fencing_tokens, amount_cents,"
                    " payment_id, skipped) VALUES ('PAYMENT_CAPTURED', ?, '', ?, ?, '', ?, ?, '')",
                    (at, change.user, change.hold_id, booking.amount_cents, booking.payment_id))
        conn.execute(
            "INSERT INTO history (kind, at, seat_ids, to_status, user, hold_id, booking_id, expires_at,"
            " fencing_tokens, amount_cents, payment_id, counters, skipped)"
            f" VALUES (?,?,?,?,?,?,?,?,?,?,?,({_COUNTERS_NOW}),'')",
            (kind.value, at, _join(ids), to.value, change.user, change.hold_id,
             booking.booking_id if booking else None, expires_at, _join(change.fencing_tokens),
             booking.amount_cents if booking else (hold.amount_cents if hold else 0),
             booking.payment_id if booking else None))

    def record(self, kind: RecordKind, at: float, **fields) -> int:
        with self._write_tx() as conn:
            cur = conn.execute(
                "INSERT OR IGNORE INTO history (kind, at, seat_ids, user, hold_id, booking_id, fencing_tokens,"
                " amount_cents, payment_id, skipped) VALUES (?, ?, '', ?, ?, ?, '', ?, ?, ?)",
                (kind.value, at, fields.get("user"), fields.get("hold_id"), fields.get("booking_id"),
                 fields.get("amount_cents", 0), fields.get("payment_id"), _join(fields.get("skipped", ()))))
            return cur.lastrowid if cur.rowcount == 1 else 0


class SqliteLockManager(LockManager):
    """Leases in a SQLite table (its own file), so processes on one machine can share them.

    Same semantics as :class:`~ticketlab.seatlock.locks.base.MemoryLockManager`; the clock must be
    shared by the processes (``RealClock`` is: it is the system's monotonic clock).
    """

    def __init__(self, path: str, clock: Clock, sleep: float = 0.001, busy_timeout: float = 5.0) -> None:
        super().__init__(clock, sleep)
        self.path = str(path)
        self.busy_timeout = busy_timeout
        self._local = threading.local()
        self._conn().executescript(
            "CREATE TABLE IF NOT EXISTS leases (name TEXT PRIMARY KEY, token TEXT NOT NULL, expires_at REAL NOT NULL);"
            "CREATE TABLE IF NOT EXISTS fences (name TEXT PRIMARY KEY, n INTEGER NOT NULL);")

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:  # leases are short-lived; losing one to a power cut only frees a lock
            conn = self._local.conn = connect(self.path, self.busy_timeout, "NORMAL")
        return conn

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def _try_acquire(self, name: str, token: str, ttl: float) -> LockGrant | None:
        with self._tx() as conn:
            now = self.clock.now()
            taken = conn.execute("SELECT 1 FROM leases WHERE name = ? AND expires_at > ?", (name, now)).fetchone()
            if taken:
                return None
            conn.execute("INSERT OR REPLACE INTO leases VALUES (?, ?, ?)", (name, token, now + ttl))
            fencing = conn.execute("INSERT INTO fences VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET n = n + 1"
                                   " RETURNING n", (name,)).fetchone()[0]
            return LockGrant(name, token, fencing, now + ttl)

    def _release_if_owner(self, name: str, token: str) -> bool:
        with self._tx() as conn:
            return conn.execute("DELETE FROM leases WHERE name = ? AND token = ? AND expires_at > ?",
                                (name, token, self.clock.now())).rowcount == 1

    def _extend_if_owner(self, name: str, token: str, seconds: float, replace_ttl: bool) -> float | None:
        with self._tx() as conn:
            now = self.clock.now()
            row = conn.execute("SELECT expires_at FROM leases WHERE name = ? AND token = ? AND expires_at > ?",
                               (name, token, now)).fetchone()
            if row is None:
                return None
            expires_at = (now if replace_ttl else row[0]) + seconds
            conn.execute("UPDATE leases SET expires_at = ? WHERE name = ?", (expires_at, name))
            return expires_at

    def owner(self, name: str) -> str | None:
        row = self._conn().execute("SELECT token FROM leases WHERE name = ? AND expires_at > ?",
                                   (name, self.clock.now())).fetchone()
        return row[0] if row else None
