"""A store in a SQLite file that several processes can book at once.

Invariant: every change is one write transaction (:meth:`SqliteFile.write
<ticketlab.seatlock.sqlitedb.SqliteFile.write>`) whose statements carry the guards of
:func:`~ticketlab.seatlock.stores.base.required_guards` as their conditions: a conditional
``DELETE`` of the hold row (live; unexpired for a confirm), a conditional ``UPDATE`` of the
booking row (CONFIRMED for a cancel), and ``UPDATE seats ... WHERE`` status, owner, version
and fencing token. The change counts only if each statement touched every row it had to;
otherwise the transaction is rolled back and nothing changed. The availability counters
are kept by a trigger in the same transaction, and the history row takes its sequence
number from ``AUTOINCREMENT`` inside it, so the history order is the commit order. A change
that carries a payment step reads the payment row first (its guard) and writes it, with its
records, in the same transaction.

Which guard refused is worked out after the rollback, by evaluating the same guard list
with :func:`~ticketlab.seatlock.stores.base.refusal_now` on the rows as they are then.
(Under a concurrent writer it may name another failing guard; it never turns a refusal
into a success.)

Tables are named after the values they hold: the columns of ``seats``, ``holds``,
``bookings`` and ``history`` are the fields of :class:`Seat`, :class:`Hold`,
:class:`Booking` and :class:`Record`, and rows are read back by those names.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import fields
from enum import Enum
from operator import attrgetter
from typing import Any, NamedTuple

from ticketlab.core.errors import InputError
from ticketlab.seatlock.check.history import COUNTER_ORDER, Record, RecordKind
from ticketlab.seatlock.errors import StoreNotFound
from ticketlab.seatlock.model import Booking, BookingStatus, Event, Hold, PaymentIntent, PaymentState, Seat, SeatStatus
from ticketlab.seatlock.sqlitedb import SqliteFile
from ticketlab.seatlock.stores.base import (
    OPERANDS,
    PER_SEAT,
    Change,
    Guard,
    PaymentStep,
    Store,
    WriteResult,
    capture_record,
    change_record,
    payment_kinds,
    payment_record,
    payment_refused,
    refusal_now,
    required_guards,
    seat_map,
)

__all__ = ["SqliteStore", "SCHEMA"]

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE seats (
    seat_id TEXT PRIMARY KEY, position INTEGER NOT NULL, section TEXT NOT NULL, row INTEGER NOT NULL,
    number INTEGER NOT NULL, price_cents INTEGER NOT NULL, status TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 0, hold_id TEXT, booking_id TEXT,
    fence INTEGER NOT NULL DEFAULT -1,  -- fencing bar: newest token accepted, or newest issued - 1
    issued INTEGER NOT NULL DEFAULT 0  -- newest fencing token issued for this seat
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
    amount_cents INTEGER NOT NULL, payment_id TEXT, counters TEXT, skipped TEXT NOT NULL,
    scan_seq INTEGER NOT NULL DEFAULT 0
);
-- a payment fact (captured, refunded, ...) is recorded once, whichever process learns it
CREATE UNIQUE INDEX payment_facts ON history (kind, payment_id)
    WHERE kind LIKE 'PAYMENT%' OR kind = 'REFUND_INTENT';
-- one row per payment intent, written before each gateway call; it outlives any process
CREATE TABLE payments (
    payment_id TEXT PRIMARY KEY, hold_id TEXT NOT NULL, user TEXT NOT NULL, amount_cents INTEGER NOT NULL,
    state TEXT NOT NULL, updated_at REAL NOT NULL, booking_id TEXT
) WITHOUT ROWID;
-- the reconciler reads only the open ones, a handful among every payment of the sale
CREATE INDEX open_payments ON payments (state) WHERE state IN ('CHARGING', 'REFUNDING');
"""

# the counters as "available,held,sold,blocked", read inside the writing transaction
_COUNTERS_NOW = ("SELECT group_concat(n, ',') FROM (SELECT n FROM counters ORDER BY CASE status"
                 " WHEN 'AVAILABLE' THEN 0 WHEN 'HELD' THEN 1 WHEN 'SOLD' THEN 2 ELSE 3 END)")


def _join(items: Iterable) -> str:
    return ",".join(map(str, items))


def _strings(items: Sequence[str]) -> str:
    """Seat ids as a JSON array: an id may contain any character, a comma included."""
    return json.dumps(items, ensure_ascii=False, separators=(",", ":"))


def _from_strings(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text))


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.split(",")) if text else ()


def _plain(value: Any) -> Any:
    """An enum member as its plain value: sqlite3 binds exact str quickly, but tries an
    adapter (an AttributeError raised and caught) for every str subclass it is given."""
    return value._value_ if isinstance(value, Enum) else value


class _Column(NamedTuple):
    """How one field is stored: ``encode`` to the column, ``decode`` back (None: as it is)."""

    encode: Callable[[Any], Any] | None
    decode: Callable[[Any], Any] | None


_STRS = _Column(_strings, _from_strings)
_INTS = _Column(_join, _ints)
_VALUE = attrgetter("_value_")  # an enum member's plain value (enum's .value is a Python-level property)


def _member(enum: type[Enum]) -> Callable[[str], Enum]:
    """The member of ``enum`` with a stored value (a dict lookup: calling the enum is slower)."""
    return {member.value: member for member in enum}.__getitem__


class _Rows:
    """A frozen value stored as a row whose columns are named after its fields.

    ``columns`` maps the fields that need converting; ``written`` are the fields an INSERT
    writes (default: all).
    """

    def __init__(self, cls: type, table: str, columns: dict[str, _Column], insert: str = "INSERT",
                 written: Sequence[str] | None = None) -> None:
        self.cls = cls
        self.names = tuple(getattr(cls, "_fields", None) or (f.name for f in fields(cls)))
        self.columns = ", ".join(self.names)
        self.written = tuple(written or self.names)
        marks = ", ".join("?" * len(self.written))
        self.insert = f"{insert} INTO {table} ({', '.join(self.written)}) VALUES ({marks})"
        self._get = attrgetter(*self.written)
        self._encoders = tuple((i, columns[n].encode) for i, n in enumerate(self.written)
                               if n in columns and columns[n].encode)
        self._decoders = tuple((i, columns[n].decode) for i, n in enumerate(self.names)
                               if n in columns and columns[n].decode)

    def decode(self, row: Sequence) -> Any:
        """The value from a row selected as ``self.columns`` (extra trailing columns ignored).

        Built positionally on purpose: the columns are the class's own fields in their own
        order (``dataclasses.fields``, or a NamedTuple's ``_fields``), so they cannot drift, and seats are read on every write.
        """
        values = list(row[:len(self.names)])
        for i, decode in self._decoders:
            if values[i] is not None:
                values[i] = decode(values[i])
        return self.cls(*values)

    def encode(self, value: Any) -> list:
        """The values of the ``written`` columns of ``value``, for the ``?`` marks of ``insert``."""
        values = list(self._get(value))
        for i, encode in self._encoders:
            if values[i] is not None:
                values[i] = encode(values[i])
        return values


_HOLDS = _Rows(Hold, "holds", {"seat_ids": _STRS, "fencing_tokens": _INTS})
# a blind (naive) confirm may write a booking again; like the memory store, the last write wins
_BOOKINGS = _Rows(Booking, "bookings", {"seat_ids": _STRS, "status": _Column(_VALUE, _member(BookingStatus))},
                  insert="INSERT OR REPLACE")
_PAYMENTS = _Rows(PaymentIntent, "payments", {"state": _Column(_VALUE, _member(PaymentState))},
                  insert="INSERT OR REPLACE")
_STATUS = _Column(_VALUE, _member(SeatStatus))
_SEATS = _Rows(Seat, "seats", {"status": _STATUS})
# seq comes from AUTOINCREMENT; counters are written apart (a change reads them in its transaction)
_HISTORY = _Rows(Record, "history", {"kind": _Column(_VALUE, _member(RecordKind)), "seat_ids": _STRS,
                                     "to_status": _STATUS, "fencing_tokens": _INTS, "skipped": _STRS,
                                     "counters": _Column(_join, lambda t: _ints(t) or None)},
                 written=[f.name for f in fields(Record) if f.name not in ("seq", "counters")])
_INSERT_RECORD = (f"INSERT OR IGNORE INTO history ({', '.join(_HISTORY.written)}, counters)"
                  f" VALUES ({', '.join('?' * len(_HISTORY.written))}, ?)")
_INSERT_CHANGE_RECORD = (f"INSERT INTO history ({', '.join(_HISTORY.written)}, counters)"
                         f" VALUES ({', '.join('?' * len(_HISTORY.written))}, ({_COUNTERS_NOW}))")

# each seat guard as a condition of the seat UPDATE; FENCING is strict: an equal token is reused
_SEAT_CONDITION = {
    Guard.STATUS: "status = ?",
    Guard.HELD_BY: "hold_id = ?",
    Guard.BOOKED_BY: "booking_id = ?",
    Guard.VERSIONS: "version = ?",
    Guard.FENCING: "fence < ?",
}
_ENDS_HOLD = (RecordKind.CONFIRM, RecordKind.RELEASE, RecordKind.EXPIRE)


class _Plan(NamedTuple):
    """How a store writes one shape of change, its guards turned into statement conditions."""

    row_sql: str | None  # the DELETE of the hold or UPDATE of the booking, if the kind has one
    row_operands: tuple[Callable[[Change], Any], ...]  # what its WHERE takes after the row id
    row_checked: bool  # that statement must touch exactly one row
    seat_sql: str  # the UPDATE of each seat
    seat_operands: tuple[tuple[Callable[[Change], Any], bool], ...]  # after the seat id; True: one per seat


class _Refused(Exception):
    """A guarded statement touched fewer rows than it had to: roll the change back."""


def _event_id(path: str) -> str:
    """The event id stored at ``path``, read without creating or converting any file."""
    if not os.path.isfile(path):
        raise StoreNotFound(path)
    try:
        probe = sqlite3.connect(path)
        try:
            row = probe.execute("SELECT value FROM meta WHERE key = 'event_id'").fetchone()
        finally:
            probe.close()
    except sqlite3.DatabaseError:  # not a database, or one without our tables
        raise StoreNotFound(path) from None
    if row is None:
        raise StoreNotFound(path)
    return row[0]


def _new_file_path(path: Any) -> str:
    """``path`` as a string, if a database file can be made there."""
    if not isinstance(path, (str, os.PathLike)) or not str(path) or os.path.isdir(path):
        raise InputError("path", path, "a file path such as 'event.sqlite3'")
    path = str(path)
    if not os.path.isdir(os.path.dirname(os.path.abspath(path))):
        raise InputError("path", path, "a file path in an existing directory, e.g. 'event.sqlite3'")
    return path


def _remove_database(path: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)


class SqliteStore(Store):
    """Seat state in the SQLite file at ``path``; one connection per thread.

    Build a new event with :meth:`create`; open an existing one (another process, say)
    with ``SqliteStore(path)``, which raises :class:`StoreNotFound` (and creates no file)
    when ``path`` holds no event.
    """

    def __init__(self, path: str, busy_timeout: float = 5.0, synchronous: str = "FULL") -> None:
        self.path = str(path)
        self.event_id = _event_id(self.path)
        self.busy_timeout = busy_timeout
        self.synchronous = synchronous
        self._db = SqliteFile(self.path, busy_timeout, synchronous)
        # the seat map never changes after create(), so its ids and prices are known without a query
        self.prices = dict(self._db.conn().execute("SELECT seat_id, price_cents FROM seats ORDER BY position"))
        self._seat_ids = list(self.prices)
        self._known = frozenset(self._seat_ids)

    @classmethod
    def create(cls, path: str, seats: Iterable[Seat], event_id: str = "event", at: float = 0.0,
               busy_timeout: float = 5.0, synchronous: str = "FULL") -> "SqliteStore":
        """Write a fresh database at ``path`` (replacing any file there) with these seats.

        Raises :class:`~ticketlab.core.errors.InputError` for an empty or malformed seat map,
        or a ``path`` that is not a file path in an existing directory (before touching
        ``path``); if writing fails, no half-written file is left.
        """
        seats = seat_map(seats)
        path = _new_file_path(path)
        _remove_database(path)
        db = SqliteFile(path, busy_timeout, synchronous)
        try:
            db.conn().executescript(SCHEMA)
            counts = {st: 0 for st in COUNTER_ORDER}
            for s in seats:
                counts[s.status] += 1
            with db.write("a new database") as conn:
                conn.execute("INSERT INTO meta VALUES ('event_id', ?)", (event_id,))
                conn.executemany(
                    f"INSERT INTO seats (position, {_SEATS.columns}) VALUES (?, {', '.join('?' * len(_SEATS.names))})",
                    [(i, *_SEATS.encode(s)) for i, s in enumerate(seats)])
                conn.executemany("INSERT INTO counters VALUES (?, ?)", [(st.value, n) for st, n in counts.items()])
                init = Record(seq=0, kind=RecordKind.INIT, at=at, seat_ids=tuple(s.seat_id for s in seats),
                              to_status=SeatStatus.AVAILABLE, counters=tuple(counts[st] for st in COUNTER_ORDER))
                conn.execute(_INSERT_RECORD, [*_HISTORY.encode(init), _join(init.counters)])
        except BaseException:
            db.close()
            _remove_database(path)
            raise
        db.close()
        return cls(path, busy_timeout, synchronous)

    @classmethod
    def for_event(cls, path: str, event: Event, **options) -> "SqliteStore":
        """A fresh database at ``path`` holding ``event``'s seat map."""
        return cls.create(path, event.seats(), event_id=event.event_id, **options)

    def seat_locks(self, seat_ids: Sequence[str], timeout: float) -> AbstractContextManager:
        """``BEGIN IMMEDIATE``: SQLite's write lock covers every row, so it covers these seats.

        Reads and writes on this thread join the transaction until it commits.
        """
        return self._db.write(f"seats {list(seat_ids)} (BEGIN IMMEDIATE)", timeout)

    def close(self) -> None:
        """Close every thread's connection; call it once the threads using the store are done."""
        self._db.close()

    # -- reads -----------------------------------------------------------------------

    def missing_seats(self, seat_ids: Iterable[str]) -> list[str]:
        return [s for s in seat_ids if s not in self._known]

    def example_seat_id(self) -> str:
        return self._seat_ids[0]

    def read_seats(self, seat_ids: Sequence[str]) -> list[Seat]:
        by_id = {row[0]: _SEATS.decode(row) for row in self._seat_rows(_SEATS.columns, seat_ids)}
        return [by_id[s] for s in seat_ids]

    def _seat_rows(self, columns: str, seat_ids: Sequence[str]) -> Iterable[tuple]:
        conn = self._db.conn()
        if len(seat_ids) == 1:
            return conn.execute(f"SELECT {columns} FROM seats WHERE seat_id = ?", (seat_ids[0],))
        marks = ",".join("?" * len(seat_ids))
        return conn.execute(f"SELECT {columns} FROM seats WHERE seat_id IN ({marks})", list(seat_ids))

    def find_available(self, count: int) -> list[str]:
        rows = self._db.conn().execute(
            "SELECT seat_id FROM seats WHERE status = 'AVAILABLE' ORDER BY position LIMIT ?",
            (min(count, len(self._seat_ids)),))  # SQLite integers stop at 2**63 - 1
        return [r[0] for r in rows]

    def get_hold(self, hold_id: str) -> Hold | None:
        row = self._db.conn().execute(f"SELECT {_HOLDS.columns} FROM holds WHERE hold_id = ?", (hold_id,)).fetchone()
        return _HOLDS.decode(row) if row else None

    def get_booking(self, booking_id: str) -> Booking | None:
        row = self._db.conn().execute(
            f"SELECT {_BOOKINGS.columns} FROM bookings WHERE booking_id = ?", (booking_id,)).fetchone()
        return _BOOKINGS.decode(row) if row else None

    def booking_for_hold(self, hold_id: str) -> Booking | None:
        row = self._db.conn().execute(
            f"SELECT {_BOOKINGS.columns} FROM bookings WHERE hold_id = ?", (hold_id,)).fetchone()
        return _BOOKINGS.decode(row) if row else None

    def expired_holds(self, now: float) -> list[Hold]:
        rows = self._db.conn().execute(f"SELECT {_HOLDS.columns} FROM holds WHERE expires_at <= ?", (now,))
        return [_HOLDS.decode(r) for r in rows]

    def live_holds(self) -> list[Hold]:
        return [_HOLDS.decode(r) for r in self._db.conn().execute(f"SELECT {_HOLDS.columns} FROM holds")]

    def bookings(self) -> list[Booking]:
        return [_BOOKINGS.decode(r) for r in self._db.conn().execute(f"SELECT {_BOOKINGS.columns} FROM bookings")]

    def newest_fencing_token(self, seat_id: str) -> int:
        row = self._db.conn().execute("SELECT fence FROM seats WHERE seat_id = ?", (seat_id,)).fetchone()
        return row[0] if row else -1

    def issue_fencing_tokens(self, seat_ids: Sequence[str]) -> tuple[int, ...]:
        marks = ",".join("?" * len(seat_ids))
        with self._db.write("the database write lock") as conn:
            # the right-hand sides read the row as it was: issued becomes bar + 1, fence the bar
            issued = dict(conn.execute(
                f"UPDATE seats SET issued = max(issued, fence) + 1, fence = max(issued, fence)"
                f" WHERE seat_id IN ({marks}) RETURNING seat_id, issued", list(seat_ids)).fetchall())
        return tuple(issued[s] for s in seat_ids)

    def counters(self) -> dict[SeatStatus, int]:
        rows = dict(self._db.conn().execute("SELECT status, n FROM counters").fetchall())
        return {st: rows[st.value] for st in COUNTER_ORDER}  # create() writes one row per status

    def snapshot(self) -> dict[str, Seat]:
        rows = self._db.conn().execute(f"SELECT {_SEATS.columns} FROM seats ORDER BY position")
        return {r[0]: _SEATS.decode(r) for r in rows}

    def history(self) -> list[Record]:
        rows = self._db.conn().execute(f"SELECT {_HISTORY.columns} FROM history ORDER BY seq")
        return [_HISTORY.decode(r) for r in rows]

    def last_seq(self) -> int:
        return self._db.conn().execute("SELECT coalesce(max(seq), 0) FROM history").fetchone()[0]

    def get_payment(self, payment_id: str) -> PaymentIntent | None:
        return self._payment_in(self._db.conn(), payment_id)

    @staticmethod
    def _payment_in(conn: sqlite3.Connection, payment_id: str) -> PaymentIntent | None:
        row = conn.execute(f"SELECT {_PAYMENTS.columns} FROM payments WHERE payment_id = ?", (payment_id,)).fetchone()
        return _PAYMENTS.decode(row) if row else None

    def open_payments(self) -> list[PaymentIntent]:
        rows = self._db.conn().execute(
            f"SELECT {_PAYMENTS.columns} FROM payments WHERE state IN ('CHARGING', 'REFUNDING')")
        return [_PAYMENTS.decode(r) for r in rows]

    def move_payment(self, step: PaymentStep, at: float, live_hold: str | None = None) -> bool:
        with self._db.write("the database write lock") as conn:
            if payment_refused(step, self._payment_in(conn, step.payment_id)):
                return False
            if live_hold is not None and conn.execute(
                    "SELECT 1 FROM holds WHERE hold_id = ? AND expires_at > ?", (live_hold, at)).fetchone() is None:
                return False
            self._move_in(conn, step, at)
            return True

    @staticmethod
    def _move_in(conn: sqlite3.Connection, step: PaymentStep, at: float) -> None:
        intent = step.intent
        if intent is None:
            return
        conn.execute(_PAYMENTS.insert, _PAYMENTS.encode(intent))
        for kind in payment_kinds(step):  # once per payment: the unique index ignores a repeat
            conn.execute(_INSERT_RECORD, [*_HISTORY.encode(payment_record(kind, intent, at)), None])

    # -- writes ----------------------------------------------------------------------

    _PLANS: dict[tuple[RecordKind, tuple[Guard, ...]], _Plan] = {}

    @classmethod
    def _plan(cls, kind: RecordKind, guards: tuple[Guard, ...]) -> _Plan:
        """The statements that write a change of ``kind`` with ``guards`` as their conditions."""
        plan = cls._PLANS.get((kind, guards))
        if plan is None:
            row_sql, row_guards, row_checked = None, [], False
            if kind in _ENDS_HOLD:
                row_sql = "DELETE FROM holds WHERE hold_id = ?"
                if Guard.HOLD_UNEXPIRED in guards:
                    row_sql += " AND expires_at > ?"
                    row_guards.append(Guard.HOLD_UNEXPIRED)
                row_checked = Guard.HOLD_LIVE in guards
            elif kind is RecordKind.CANCEL:
                row_sql = "UPDATE bookings SET status = 'CANCELLED', cancelled_at = ? WHERE booking_id = ?"
                if Guard.BOOKING_CONFIRMED in guards:
                    row_sql += " AND status = 'CONFIRMED'"
                    row_checked = True
            seat_guards = tuple(g for g in guards if g in _SEAT_CONDITION)
            seat_sql = ("UPDATE seats SET status = ?, version = version + 1, hold_id = ?, booking_id = ?,"
                        " fence = max(fence, ?) WHERE " + " AND ".join(
                            ["seat_id = ?"] + [_SEAT_CONDITION[g] for g in seat_guards]))
            plan = cls._PLANS[(kind, guards)] = _Plan(
                row_sql, tuple(OPERANDS[g] for g in row_guards), row_checked, seat_sql,
                tuple((OPERANDS[g], g in PER_SEAT) for g in seat_guards))
        return plan

    def apply(self, change: Change) -> WriteResult:
        try:
            with self._db.write("the database write lock") as conn:
                self._apply_in(conn, change)
        except _Refused:
            return refusal_now(self, change)
        return WriteResult.OK

    def _apply_in(self, conn: sqlite3.Connection, change: Change) -> None:
        kind, to, at = change.kind, change.to_status, change.at
        booking = change.booking
        plan = self._plan(kind, required_guards(change))
        payment = change.payment
        if payment is not None and payment_refused(payment, self._payment_in(conn, payment.payment_id)):
            raise _Refused
        # the rows that are not seats first: a conditional DELETE/UPDATE is the guard on the hold
        if plan.row_sql is not None:
            target = [at, booking.booking_id] if kind is RecordKind.CANCEL else [change.hold_id]
            params = target + [operand(change) for operand in plan.row_operands]
            if conn.execute(plan.row_sql, params).rowcount != 1 and plan.row_checked:
                raise _Refused
        ids = change.seat_ids
        if ids:
            hold_id = change.hold_id if to is SeatStatus.HELD else None
            booking_id = booking.booking_id if (to is SeatStatus.SOLD and booking) else None
            tokens = change.fencing_tokens
            operands = [(_plain(operand(change)), per_seat) for operand, per_seat in plan.seat_operands]
            params = []
            status = to._value_
            for i, seat_id in enumerate(ids):
                p = [status, hold_id, booking_id, tokens[i] if tokens else -1, seat_id]
                for operand, per_seat in operands:
                    p.append(operand[i] if per_seat else operand)
                params.append(p)
            if len(params) == 1:
                changed = conn.execute(plan.seat_sql, params[0]).rowcount
            else:
                changed = conn.executemany(plan.seat_sql, params).rowcount
            if changed != len(ids):
                raise _Refused
        if kind is RecordKind.HOLD:
            conn.execute(_HOLDS.insert, _HOLDS.encode(change.hold))
        elif kind is RecordKind.CONFIRM:
            conn.execute(_BOOKINGS.insert, _BOOKINGS.encode(booking))
            if change.captured:  # once per payment: the unique index ignores a repeat
                conn.execute(_INSERT_RECORD, [*_HISTORY.encode(capture_record(change, 0)), None])
        if payment is not None:
            self._move_in(conn, payment, at)
        conn.execute(_INSERT_CHANGE_RECORD, _HISTORY.encode(change_record(change, 0, None)))

    def record(self, kind: RecordKind, at: float, **fields) -> int:
        record = Record(seq=0, kind=kind, at=at, **fields)
        with self._db.write("the database write lock") as conn:
            counters = _join(record.counters) if record.counters is not None else None
            cur = conn.execute(_INSERT_RECORD, [*_HISTORY.encode(record), counters])
            return cur.lastrowid if cur.rowcount == 1 else 0
