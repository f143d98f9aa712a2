"""A store in PostgreSQL: row locks, one transaction per change, many processes and machines.

Invariant: every change is one transaction whose statements carry the guards of
:func:`~ticketlab.seatlock.stores.base.required_guards` as their ``WHERE``: ``UPDATE seats
... WHERE`` status, owner, ``version`` (the optimistic compare-and-set, which bumps the
version) and fencing bar, a conditional ``DELETE`` of the hold row (live; unexpired for a
confirm), a conditional ``UPDATE`` of the booking row (CONFIRMED for a cancel), and the
payment intent's expected state. Each guarded statement ends in ``must(count = n)``, which
raises when it touched fewer rows than it had to, so the server rolls the whole transaction
back: a refused change, like a dropped connection, leaves nothing half written. Which guard
refused is worked out after the rollback (:func:`~ticketlab.seatlock.stores.base.refusal_now`).

The common write, a guarded hold without a payment step (the conditional strategy's hold),
is one statement instead: a call of the schema's ``hold_seats`` function, which makes the same
checks and writes in the same order in one implicit transaction (autocommit; a savepoint
inside :meth:`PostgresStore.seat_locks`), moving the counters with the sequence in one update
of the tally row.

Locks are always taken in one order, so two writers never deadlock: the change's seats in
seat-id order (``SELECT ... ORDER BY seat_id FOR UPDATE``), then the one-row ``tally``
(history sequence and the seat counters), then hold, booking and payment rows. Holding the
tally row from the seat write to the commit serialises the history: sequence numbers are in
commit order, the counters move with the seats (a trigger, in the same transaction), and a
payment fact is appended once. Seat writes on different seats still run side by side up to
that point, and the pessimistic strategy's row locks (:meth:`PostgresStore.seat_locks`) are
real ``FOR UPDATE`` locks with ``SET LOCAL lock_timeout``.

An event's tables live in a schema of their own (``ticketlab_<event id>`` unless named), so
several events share one database. A change is sent as one message (its statements bound
client-side), so it costs one round trip whatever its size.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql

from ticketlab.core.errors import InputError
from ticketlab.seatlock.check.history import COUNTER_ORDER, Record, RecordKind
from ticketlab.seatlock.clock import seconds
from ticketlab.seatlock.errors import InvalidSeatRequest, LockTimeout, StoreNotFound, StoreUnavailable
from ticketlab.seatlock.model import Booking, BookingStatus, Event, Hold, PaymentIntent, PaymentState, Seat, SeatStatus
from ticketlab.seatlock.stores.base import (
    Change,
    Guard,
    PaymentStep,
    Store,
    WriteResult,
    capture_record,
    change_record,
    payment_kinds,
    payment_record,
    refusal_now,
    required_guards,
    seat_map,
)

__all__ = ["PostgresStore", "SCHEMA", "schema_for"]

_DSN_EXAMPLE = "postgresql://user@127.0.0.1:5432/ticketlab"

SCHEMA = """
CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE seats (
    seat_id text PRIMARY KEY, position integer NOT NULL, section text NOT NULL, "row" integer NOT NULL,
    number integer NOT NULL, price_cents bigint NOT NULL, status text NOT NULL,
    version bigint NOT NULL DEFAULT 0, hold_id text, booking_id text,
    fence bigint NOT NULL DEFAULT -1,  -- fencing bar: newest token accepted, or newest issued - 1
    issued bigint NOT NULL DEFAULT 0   -- newest fencing token issued for this seat
);
-- only AVAILABLE seats are indexed: find_available reads them in seat-map order
CREATE INDEX available_seats ON seats (position) WHERE status = 'AVAILABLE';
CREATE TABLE holds (
    hold_id text PRIMARY KEY, "user" text NOT NULL, seat_ids text[] NOT NULL, created_at float8 NOT NULL,
    expires_at float8 NOT NULL, amount_cents bigint NOT NULL, fencing_tokens bigint[] NOT NULL
);
CREATE TABLE bookings (
    booking_id text PRIMARY KEY, hold_id text NOT NULL, "user" text NOT NULL, seat_ids text[] NOT NULL,
    amount_cents bigint NOT NULL, status text NOT NULL, created_at float8 NOT NULL, payment_id text NOT NULL,
    confirmed_at float8, cancelled_at float8
);
CREATE INDEX bookings_by_hold ON bookings (hold_id);
CREATE TABLE payments (
    payment_id text PRIMARY KEY, hold_id text NOT NULL, "user" text NOT NULL, amount_cents bigint NOT NULL,
    state text NOT NULL, updated_at float8 NOT NULL, booking_id text
);
CREATE INDEX open_payments ON payments (state) WHERE state IN ('CHARGING', 'REFUNDING');
-- one row: the history's sequence and the seat counters; every write locks it until it commits
CREATE TABLE tally (
    one boolean PRIMARY KEY DEFAULT true CHECK (one), seq bigint NOT NULL,
    available integer NOT NULL, held integer NOT NULL, sold integer NOT NULL, blocked integer NOT NULL
);
CREATE TABLE history (
    seq bigint PRIMARY KEY, kind text NOT NULL, at float8 NOT NULL, seat_ids text[] NOT NULL,
    to_status text, "user" text, hold_id text, booking_id text, expires_at float8, fencing_tokens bigint[] NOT NULL,
    amount_cents bigint NOT NULL, payment_id text, counters integer[], skipped text[] NOT NULL,
    scan_seq bigint NOT NULL DEFAULT 0
);
-- a payment fact (captured, refunded, ...) is recorded once, whichever process learns it
CREATE UNIQUE INDEX payment_facts ON history (kind, payment_id) WHERE kind LIKE 'PAYMENT%' OR kind = 'REFUND_INTENT';
-- a guarded statement ends in must(count = n): fewer rows touched aborts the transaction
CREATE FUNCTION must(ok boolean) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    IF ok IS NOT TRUE THEN RAISE EXCEPTION 'a guard refused the change' USING ERRCODE = 'TL001'; END IF;
    RETURN true;
END $$;
-- the counters move in the same transaction as the seat, so they cannot drift (hold_seats moves
-- them itself, in its one tally update, with ticketlab.counted set while it writes seats)
CREATE FUNCTION count_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tally SET available = available + (NEW.status = 'AVAILABLE')::int - (OLD.status = 'AVAILABLE')::int,
                     held = held + (NEW.status = 'HELD')::int - (OLD.status = 'HELD')::int,
                     sold = sold + (NEW.status = 'SOLD')::int - (OLD.status = 'SOLD')::int,
                     blocked = blocked + (NEW.status = 'BLOCKED')::int - (OLD.status = 'BLOCKED')::int;
    RETURN NULL;
END $$;
CREATE TRIGGER seat_status_counts AFTER UPDATE OF status ON seats
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status
                       AND current_setting('ticketlab.counted', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION count_status();
-- a guarded HOLD without a payment step as one statement (one implicit transaction): the same
-- guards, writes and lock order as the general transaction, without its round of statements.
-- per seat: its id, fencing token (checked if p_fenced) and expected version (checked if p_versioned);
-- an array the change has no values for is NULL (greatest() passes over a NULL token)
CREATE FUNCTION hold_seats(p_seat_ids text[], p_tokens bigint[], p_versions bigint[], p_versioned boolean,
                           p_fenced boolean, p_hold_id text, p_user text, p_created_at float8, p_expires_at float8,
                           p_amount_cents bigint, p_hold_tokens bigint[], p_at float8, p_record_user text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE n integer := cardinality(p_seat_ids); next_seq bigint; counts integer[];
BEGIN
    IF n > 1 THEN  -- in seat-id order, as every writer takes them
        PERFORM 1 FROM seats WHERE seat_id = ANY(p_seat_ids) ORDER BY seat_id FOR UPDATE;
    END IF;
    -- the trigger stands aside (transaction-local, undone with a refusal): the counters move below
    PERFORM set_config('ticketlab.counted', 'on', true);
    -- one primary-key UPDATE per seat: a join with the ids could scan every AVAILABLE seat
    FOR i IN 1 .. n LOOP
        UPDATE seats SET status = 'HELD', version = version + 1, hold_id = p_hold_id, booking_id = NULL,
                         fence = greatest(fence, p_tokens[i])
            WHERE seat_id = p_seat_ids[i] AND status = 'AVAILABLE'
              AND (NOT p_versioned OR version = p_versions[i]) AND (NOT p_fenced OR fence < p_tokens[i]);
        IF NOT FOUND THEN  -- as must() refuses: the seats written so far are undone
            RAISE EXCEPTION 'a guard refused the change' USING ERRCODE = 'TL001';
        END IF;
    END LOOP;
    PERFORM set_config('ticketlab.counted', 'off', true);
    -- then the tally row, as every writer takes it: n seats went from AVAILABLE to HELD
    UPDATE tally SET seq = seq + 1, available = available - n, held = held + n
        RETURNING seq, ARRAY[available, held, sold, blocked] INTO next_seq, counts;
    INSERT INTO holds VALUES (p_hold_id, p_user, p_seat_ids, p_created_at, p_expires_at, p_amount_cents,
                              p_hold_tokens);
    INSERT INTO history (seq, kind, at, seat_ids, to_status, "user", hold_id, booking_id, expires_at,
                         fencing_tokens, amount_cents, payment_id, counters, skipped, scan_seq)
    VALUES (next_seq, 'HOLD', p_at, p_seat_ids, 'HELD', p_record_user, p_hold_id, NULL, p_expires_at,
            CASE WHEN p_fenced THEN p_tokens ELSE '{}' END, p_amount_cents, NULL, counts, '{}', 0);
END $$;
"""

_REFUSED = "TL001"  # the SQLSTATE must() raises

_SEAT_COLUMNS = 'seat_id, section, "row", number, price_cents, status, version, hold_id, booking_id'
_HOLD_COLUMNS = 'hold_id, "user", seat_ids, created_at, expires_at, amount_cents, fencing_tokens'
_BOOKING_COLUMNS = ('booking_id, hold_id, "user", seat_ids, amount_cents, status, created_at, payment_id,'
                    ' confirmed_at, cancelled_at')
_PAYMENT_COLUMNS = 'payment_id, hold_id, "user", amount_cents, state, updated_at, booking_id'
_RECORD_FIELDS = ("kind", "at", "seat_ids", "to_status", "user", "hold_id", "booking_id", "expires_at",
                  "fencing_tokens", "amount_cents", "payment_id", "skipped", "scan_seq")
_RECORD_COLUMNS = ", ".join(f'"{f}"' for f in _RECORD_FIELDS)
_RECORD_VALUES = ("%s::text, %s::float8, %s::text[], %s::text, %s::text, %s::text, %s::text, %s::float8,"
                  " %s::bigint[], %s::bigint, %s::text, %s::text[], %s::bigint")
_HISTORY_COLUMNS = f"seq, {_RECORD_COLUMNS}, counters"

_LOCK_TALLY = "SELECT seq FROM tally FOR UPDATE"
# a change's record: the next seq, and the counters as they are after it
_APPEND_CHANGE = (f"WITH t AS (UPDATE tally SET seq = seq + 1 RETURNING seq, available, held, sold, blocked) "
                  f"INSERT INTO history (seq, {_RECORD_COLUMNS}, counters) "
                  f"SELECT t.seq, {_RECORD_VALUES}, ARRAY[t.available, t.held, t.sold, t.blocked] FROM t")
# any other record; a payment fact only if it is not recorded yet (no seq is used up by a repeat)
_APPEND_ONCE = (f"WITH t AS (UPDATE tally SET seq = seq + 1 WHERE NOT (%s::text LIKE 'PAYMENT%%' OR"
                f" %s::text = 'REFUND_INTENT') OR NOT EXISTS (SELECT 1 FROM history WHERE kind = %s::text"
                f" AND payment_id IS NOT DISTINCT FROM %s::text) RETURNING seq) "
                f"INSERT INTO history (seq, {_RECORD_COLUMNS}, counters) "
                f"SELECT t.seq, {_RECORD_VALUES}, %s::integer[] FROM t RETURNING seq")
_LOCK_SEATS = "SELECT seat_id FROM seats WHERE seat_id = ANY(%s::text[]) ORDER BY seat_id FOR UPDATE"
_PAYMENT_GUARD = ("SELECT must(coalesce((SELECT state FROM payments WHERE payment_id = %s::text), '')"
                  " = ANY(%s::text[]))")
_PAYMENT_WRITE = (f"INSERT INTO payments ({_PAYMENT_COLUMNS}) VALUES (%s::text, %s::text, %s::text, %s::bigint,"
                  f" %s::text, %s::float8, %s::text) ON CONFLICT (payment_id) DO UPDATE SET hold_id = EXCLUDED.hold_id,"
                  f' "user" = EXCLUDED."user", amount_cents = EXCLUDED.amount_cents, state = EXCLUDED.state,'
                  f" updated_at = EXCLUDED.updated_at, booking_id = EXCLUDED.booking_id")
_HOLD_INSERT = (f"INSERT INTO holds ({_HOLD_COLUMNS}) VALUES (%s::text, %s::text, %s::text[], %s::float8,"
                f" %s::float8, %s::bigint, %s::bigint[])")
# a blind (naive) confirm may write a booking again; like the other stores, the last write wins
_BOOKING_WRITE = (f"INSERT INTO bookings ({_BOOKING_COLUMNS}) VALUES (%s::text, %s::text, %s::text, %s::text[],"
                  f" %s::bigint, %s::text, %s::float8, %s::text, %s::float8, %s::float8) ON CONFLICT (booking_id)"
                  f' DO UPDATE SET hold_id = EXCLUDED.hold_id, "user" = EXCLUDED."user", seat_ids = EXCLUDED.seat_ids,'
                  f" amount_cents = EXCLUDED.amount_cents, status = EXCLUDED.status, created_at = EXCLUDED.created_at,"
                  f" payment_id = EXCLUDED.payment_id, confirmed_at = EXCLUDED.confirmed_at,"
                  f" cancelled_at = EXCLUDED.cancelled_at")

# each seat guard as a condition of the seat UPDATE (w: the per-seat operands); FENCING is
# strict: an equal token is a reused one
_SEAT_CONDITION = {
    Guard.STATUS: "seats.status = %s::text",
    Guard.HELD_BY: "seats.hold_id = %s::text",
    Guard.BOOKED_BY: "seats.booking_id = %s::text",
    Guard.VERSIONS: "seats.version = w.version",
    Guard.FENCING: "seats.fence < w.token",
}
_ENDS_HOLD = (RecordKind.CONFIRM, RecordKind.RELEASE, RecordKind.EXPIRE)


def schema_for(event_id: str) -> str:
    """The schema an event's tables live in: ``ticketlab_`` and the event id, lower case, other
    characters as ``_``. Two event ids never share a schema: when that spelling changed the id
    ("Gig", "gig-1") or is too long for PostgreSQL's 63 bytes, a hash of the exact id is added."""
    event_id = str(event_id)
    slug = re.sub(r"[^a-z0-9_]", "_", event_id.lower())
    if slug == event_id and len(slug) <= 53:
        return "ticketlab_" + slug
    return f"ticketlab_{slug[:43]}_{hashlib.sha256(event_id.encode()).hexdigest()[:8]}"


def _check_dsn(dsn: Any) -> str:
    """``dsn`` if libpq can parse it; else :class:`InputError` naming it."""
    if not isinstance(dsn, str) or not dsn.strip():
        raise InputError("dsn", dsn, f"a PostgreSQL connection string, e.g. {_DSN_EXAMPLE!r}")
    try:
        psycopg.conninfo.conninfo_to_dict(dsn)
    except psycopg.ProgrammingError as error:
        raise InputError("dsn", dsn, f"a PostgreSQL connection string, e.g. {_DSN_EXAMPLE!r} ({error})") from None
    return dsn


def _check_schema(schema: Any) -> str:
    if not isinstance(schema, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", schema):
        raise InputError("schema", schema, "a plain SQL name of at most 63 letters, digits and _, e.g. 'ticketlab_gig'")
    return schema


def _where(dsn: str) -> str:
    """The server a DSN names, without its password (for error messages)."""
    try:
        parts = psycopg.conninfo.conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return "?"
    return f"{parts.get('host', 'localhost')}:{parts.get('port', 5432)}/{parts.get('dbname', '')}"


def _seat(row: Sequence) -> Seat:
    return Seat(row[0], row[1], row[2], row[3], row[4], SeatStatus(row[5]), row[6], row[7], row[8])


def _hold(row: Sequence) -> Hold:
    return Hold(row[0], row[1], tuple(row[2]), row[3], row[4], row[5], tuple(row[6]))


def _booking(row: Sequence) -> Booking:
    return Booking(row[0], row[1], row[2], tuple(row[3]), row[4], BookingStatus(row[5]), row[6], row[7], row[8],
                   row[9])


def _payment(row: Sequence) -> PaymentIntent:
    return PaymentIntent(row[0], row[1], row[2], row[3], PaymentState(row[4]), row[5], row[6])


def _record(row: Sequence) -> Record:
    return Record(row[0], RecordKind(row[1]), row[2], tuple(row[3]), SeatStatus(row[4]) if row[4] else None,
                  row[5], row[6], row[7], row[8], tuple(row[9]), row[10], row[11],
                  tuple(row[14]) if row[14] is not None else None, tuple(row[12]), row[13])


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, (SeatStatus, RecordKind, BookingStatus, PaymentState)) else value


def _record_values(record: Record) -> list:
    return [_plain(getattr(record, f)) if f not in ("seat_ids", "fencing_tokens", "skipped")
            else list(getattr(record, f)) for f in _RECORD_FIELDS]


class _Refused(Exception):
    """A guarded statement touched fewer rows than it had to: the transaction was rolled back."""


class _Connections:
    """One autocommit connection per thread, with the event's schema on its search path and
    the statement timeout in force; :meth:`transaction` runs a batch of statements as one
    transaction (or a savepoint inside this thread's open one)."""

    def __init__(self, dsn: str, schema: str) -> None:
        self.dsn, self.schema = dsn, schema
        self.where = _where(dsn)
        self.statement_timeout_ms = 0  # 0: none (PostgreSQL's default)
        self._local = threading.local()
        self._all: list[psycopg.Connection] = []
        self._all_lock = threading.Lock()

    def conn(self) -> psycopg.Connection:
        local = self._local
        conn = getattr(local, "conn", None)
        if conn is None or conn.closed:
            try:
                # psycopg's own prepared statements are off: its cache sends DEALLOCATE ALL after a
                # ROLLBACK, which would drop the statements _prepared made
                conn = psycopg.connect(self.dsn, autocommit=True, prepare_threshold=None, connect_timeout=10,
                                       options=f"-c search_path={self.schema}")
            except psycopg.OperationalError as error:
                raise StoreUnavailable(self.where, str(error).strip().splitlines()[0]) from None
            local.conn, local.depth, local.timeout_ms, local.prepared = conn, 0, 0, {}
            local.client = psycopg.ClientCursor(conn)
            with self._all_lock:
                self._all.append(conn)
        if local.timeout_ms != self.statement_timeout_ms and not local.depth:
            conn.execute(f"SET statement_timeout = {int(self.statement_timeout_ms)}")
            local.timeout_ms = self.statement_timeout_ms
        return conn

    @property
    def depth(self) -> int:
        return getattr(self._local, "depth", 0)

    @contextmanager
    def errors(self, what: str, timeout: float) -> Iterator[None]:
        """psycopg's errors as the core's: a lock or statement timeout is :class:`LockTimeout`
        naming ``what``; a lost connection is :class:`StoreUnavailable` (the connection is
        dropped, the next call opens a new one); a guard's ``must`` is :class:`_Refused`."""
        try:
            yield
        except pg_errors.LockNotAvailable as error:
            raise LockTimeout(what, timeout) from error
        except pg_errors.QueryCanceled as error:
            raise LockTimeout(f"{what} (statement_timeout)", self.statement_timeout_ms / 1000.0) from error
        except (pg_errors.DeadlockDetected, pg_errors.SerializationFailure) as error:
            raise _Refused from error  # never by our own lock order; a concurrent DDL, say
        except psycopg.OperationalError as error:
            self._drop()
            raise StoreUnavailable(self.where, str(error).strip().splitlines()[0] if str(error) else
                                   type(error).__name__) from None
        except psycopg.Error as error:
            if error.sqlstate == _REFUSED:
                raise _Refused from None
            raise

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            with self._all_lock:
                if conn in self._all:
                    self._all.remove(conn)
            try:
                conn.close()
            except psycopg.Error:
                pass
        self._local.conn, self._local.depth = None, 0

    def run(self, statements: Sequence[tuple[str, Sequence]], what: str = "the tally row",
            timeout: float = 0.0) -> list[tuple] | None:
        """Run ``statements`` (SQL, params) as one transaction in one round trip; returns the
        last statement's rows. Inside this thread's open transaction, a savepoint instead, so
        a refused batch undoes itself alone. Raises :class:`_Refused` (rolled back) when a
        guard refused."""
        conn = self.conn()
        local = self._local
        nested = local.depth > 0
        head, tail = ("SAVEPOINT batch", "RELEASE SAVEPOINT batch") if nested else ("BEGIN", "COMMIT")
        with self.errors(what, timeout):  # a connection lost while preparing is the core's error too
            text = "; ".join([head, *(self._prepared(conn, s, nested) for s, _ in statements), tail])
        params = [p for _, ps in statements for p in ps]
        cursor = local.client
        try:
            with self.errors(what, timeout):
                cursor.execute(text, params)
                rows = None
                while True:  # the rows of the last statement that returned any
                    if cursor.description is not None:
                        rows = cursor.fetchall()
                    if not cursor.nextset():
                        break
                return rows
        except BaseException:
            self._undo(conn, nested)
            raise

    def one(self, statement: str, params: Sequence, what: str, timeout: float = 0.0) -> None:
        """Run one statement as its own transaction (autocommit: no ``BEGIN`` or ``COMMIT`` to
        send), or as :meth:`run` does inside this thread's open transaction. Raises
        :class:`_Refused` (rolled back) when a guard refused."""
        if self.depth:
            self.run([(statement, params)], what, timeout)
            return
        conn = self.conn()
        with self.errors(what, timeout):
            self._local.client.execute(self._prepared(conn, statement, False), params)

    def _prepared(self, conn: psycopg.Connection, text: str, nested: bool) -> str:
        """``EXECUTE`` of ``text`` prepared once on this connection (planned once, not per
        change), or ``text`` itself while it is not prepared yet inside an open transaction."""
        executes = self._local.__dict__.setdefault("prepared", {})
        execute = executes.get(text)  # every change passes here: the EXECUTE text is made once
        if execute is None:
            if nested:
                return text
            name = f"tl_{len(executes) + 1}"
            count = len(re.findall(r"(?<!%)%s", text))
            numbered = iter(range(1, count + 1))
            body = re.sub(r"(?<!%)%s", lambda _: f"${next(numbered)}", text).replace("%%", "%")
            conn.execute(f"PREPARE {name} AS {body}")
            execute = executes[text] = f"EXECUTE {name}({', '.join(['%s'] * count)})" if count else f"EXECUTE {name}"
        return execute

    def _undo(self, conn: psycopg.Connection, nested: bool) -> None:
        if conn.closed:
            return
        try:
            if nested:
                conn.execute("ROLLBACK TO SAVEPOINT batch")
                conn.execute("RELEASE SAVEPOINT batch")
            elif conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                conn.execute("ROLLBACK")
        except psycopg.Error:
            self._drop()

    def close(self) -> None:
        with self._all_lock:
            for conn in self._all:
                try:
                    conn.close()
                except psycopg.Error:
                    pass
            self._all.clear()
        self._local = threading.local()


class PostgresStore(Store):
    """Seat state in PostgreSQL at ``dsn``, in the schema of event ``event_id`` (or ``schema``);
    one connection per thread.

    Build an event with :meth:`create`; open it from another process with
    ``PostgresStore(dsn, event_id)``, which raises :class:`StoreNotFound` when the database
    has no such event, :class:`InputError` for a ``dsn`` that is not a connection string, and
    :class:`StoreUnavailable` when the server does not answer.
    """

    def __init__(self, dsn: str, event_id: str = "event", schema: str | None = None) -> None:
        self.dsn = _check_dsn(dsn)
        self.schema = _check_schema(schema if schema is not None else schema_for(event_id))
        self._db = _Connections(self.dsn, self.schema)
        with self._db.errors("the event's tables", 0.0):
            row = self._db.conn().execute(
                "SELECT value FROM meta WHERE key = 'event_id'").fetchone() if self._has_tables() else None
        if row is None:
            raise StoreNotFound(f"{_where(self.dsn)} schema {self.schema}",
                                f"an event written by PostgresStore.create(dsn, seats, event_id), e.g. in {_DSN_EXAMPLE}")
        self.event_id = row[0]
        with self._db.errors("the seat map", 0.0):  # ids and prices never change after create()
            self.prices = dict(self._db.conn().execute("SELECT seat_id, price_cents FROM seats ORDER BY position"))
        self._seat_ids = list(self.prices)
        self._known = frozenset(self._seat_ids)

    def _has_tables(self) -> bool:
        return self._db.conn().execute("SELECT to_regclass(%s) IS NOT NULL",
                                       (f"{self.schema}.meta",)).fetchone()[0]

    @classmethod
    def create(cls, dsn: str, seats: Iterable[Seat], event_id: str = "event", at: float = 0.0,
               schema: str | None = None) -> "PostgresStore":
        """Write event ``event_id`` with these seats into a fresh schema (replacing the event's
        schema if there is one) and open it.

        Raises :class:`InputError` for an empty or malformed seat map, a ``dsn`` libpq cannot
        parse or a ``schema`` that is not a plain name, before touching the database; the
        schema is written in one transaction, so a failure leaves none behind.
        """
        seats = seat_map(seats)
        dsn = _check_dsn(dsn)
        schema = _check_schema(schema if schema is not None else schema_for(event_id))
        counts = {st: 0 for st in COUNTER_ORDER}
        for s in seats:
            counts[s.status] += 1
        init = Record(seq=1, kind=RecordKind.INIT, at=at, seat_ids=tuple(s.seat_id for s in seats),
                      to_status=SeatStatus.AVAILABLE, counters=tuple(counts[st] for st in COUNTER_ORDER))
        try:
            with psycopg.connect(dsn, connect_timeout=10) as conn:  # one transaction: all or nothing
                name = sql.Identifier(schema)
                conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(name))
                conn.execute(sql.SQL("CREATE SCHEMA {}").format(name))
                conn.execute(sql.SQL("SET LOCAL search_path TO {}").format(name))
                conn.execute(SCHEMA)
                conn.execute("INSERT INTO meta VALUES ('event_id', %s)", (event_id,))
                with conn.cursor() as cur:
                    cur.executemany(
                        f'INSERT INTO seats (position, {_SEAT_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)',
                        [(i, s.seat_id, s.section, s.row, s.number, s.price_cents, s.status.value, s.version,
                          s.hold_id, s.booking_id) for i, s in enumerate(seats)])
                conn.execute("INSERT INTO tally (seq, available, held, sold, blocked) VALUES (1, %s, %s, %s, %s)",
                             list(init.counters))
                conn.execute(f"INSERT INTO history ({_HISTORY_COLUMNS}) VALUES (1, {_RECORD_VALUES}, %s::integer[])",
                             [*_record_values(init), list(init.counters)])
        except psycopg.OperationalError as error:
            raise StoreUnavailable(_where(dsn), str(error).strip().splitlines()[0]) from None
        return cls(dsn, event_id, schema)

    @classmethod
    def for_event(cls, dsn: str, event: Event, **options) -> "PostgresStore":
        """A fresh schema at ``dsn`` holding ``event``'s seat map."""
        return cls.create(dsn, event.seats(), event_id=event.event_id, **options)

    def drop(self) -> None:
        """Remove this event's schema and everything in it, then close the store."""
        self._db.close()
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(self.schema)))

    def close(self) -> None:
        """Close every thread's connection; call it once the threads using the store are done."""
        self._db.close()

    def set_db_timeout(self, seconds_: float) -> None:
        """``statement_timeout`` for every statement of every connection (from the next one on)."""
        self._db.statement_timeout_ms = max(1, round(seconds("db_timeout", seconds_) * 1000))

    # -- locks -----------------------------------------------------------------------

    @contextmanager
    def seat_locks(self, seat_ids: Sequence[str], timeout: float, nowait: bool = False) -> Iterator[None]:
        """``BEGIN; SET LOCAL lock_timeout; SELECT ... ORDER BY seat_id FOR UPDATE``: row locks on
        these seats, taken in seat-id order (two overlapping requests cannot deadlock), kept
        until the block ends (commit; rollback if it raises).

        Reads and writes on this thread join the transaction. Waiting more than ``timeout``
        seconds (``nowait``: any wait at all, ``FOR UPDATE NOWAIT``) raises :class:`LockTimeout`.
        """
        ids = self._check_ids(seat_ids)
        wait = seconds("timeout", timeout)
        db = self._db
        what = f"seats {sorted(ids)} (SELECT ... FOR UPDATE{' NOWAIT' if nowait else ''})"
        lock = _LOCK_SEATS + (" NOWAIT" if nowait else "")
        if db.depth:  # already in this thread's transaction: lock these rows too
            db.run([(lock, [ids])], what, wait)
            yield
            return
        conn = db.conn()
        local = db._local
        with db.errors(what, wait):
            try:
                local.client.execute(f"BEGIN; SET LOCAL lock_timeout = {max(1, round(wait * 1000))}; {lock}", [ids])
            except BaseException:
                db._undo(conn, False)
                raise
        local.depth = 1
        try:
            yield
        except BaseException:
            local.depth = 0
            db._undo(conn, False)
            raise
        local.depth = 0
        with db.errors(what, wait):
            try:
                conn.execute("COMMIT")
            except BaseException:
                db._undo(conn, False)
                raise

    # -- reads -----------------------------------------------------------------------

    def _check_ids(self, seat_ids: Sequence[str]) -> list[str]:
        if isinstance(seat_ids, str) or not isinstance(seat_ids, Sequence) or not seat_ids or not all(
                isinstance(s, str) for s in seat_ids):
            raise InvalidSeatRequest("seat_ids", seat_ids, f"a list of seat ids, e.g. [{self.example_seat_id()!r}]")
        return list(seat_ids)

    def _rows(self, query: str, params: Sequence = ()) -> list[tuple]:
        db = self._db
        with db.errors("a read", 0.0):
            conn = db.conn()
            cursor = db._local.client
            cursor.execute(db._prepared(conn, query, db.depth > 0), params)
            return cursor.fetchall()

    def missing_seats(self, seat_ids: Iterable[str]) -> list[str]:
        return [s for s in seat_ids if s not in self._known]

    def example_seat_id(self) -> str:
        return self._seat_ids[0]

    def read_seats(self, seat_ids: Sequence[str]) -> list[Seat]:
        by_id = {r[0]: _seat(r) for r in self._rows(
            f"SELECT {_SEAT_COLUMNS} FROM seats WHERE seat_id = ANY(%s)", (list(seat_ids),))}
        return [by_id[s] for s in seat_ids]

    def find_available(self, count: int) -> list[str]:
        """``FOR UPDATE SKIP LOCKED``: seats another transaction is writing right now are passed
        over rather than waited for, so a rush spreads over the free seats. Inside
        :meth:`seat_locks` the seats found stay locked until that block ends."""
        return [r[0] for r in self._rows(
            "SELECT seat_id FROM seats WHERE status = 'AVAILABLE' ORDER BY position LIMIT %s FOR UPDATE SKIP LOCKED",
            (min(count, len(self._seat_ids)),))]

    def get_hold(self, hold_id: str) -> Hold | None:
        rows = self._rows(f"SELECT {_HOLD_COLUMNS} FROM holds WHERE hold_id = %s", (hold_id,))
        return _hold(rows[0]) if rows else None

    def get_booking(self, booking_id: str) -> Booking | None:
        rows = self._rows(f"SELECT {_BOOKING_COLUMNS} FROM bookings WHERE booking_id = %s", (booking_id,))
        return _booking(rows[0]) if rows else None

    def booking_for_hold(self, hold_id: str) -> Booking | None:
        rows = self._rows(f"SELECT {_BOOKING_COLUMNS} FROM bookings WHERE hold_id = %s LIMIT 1", (hold_id,))
        return _booking(rows[0]) if rows else None

    def expired_holds(self, now: float) -> list[Hold]:
        return [_hold(r) for r in self._rows(f"SELECT {_HOLD_COLUMNS} FROM holds WHERE expires_at <= %s", (now,))]

    def live_holds(self) -> list[Hold]:
        return [_hold(r) for r in self._rows(f"SELECT {_HOLD_COLUMNS} FROM holds")]

    def bookings(self) -> list[Booking]:
        return [_booking(r) for r in self._rows(f"SELECT {_BOOKING_COLUMNS} FROM bookings")]

    def newest_fencing_token(self, seat_id: str) -> int:
        rows = self._rows("SELECT fence FROM seats WHERE seat_id = %s", (seat_id,))
        return rows[0][0] if rows else -1

    def issue_fencing_tokens(self, seat_ids: Sequence[str]) -> tuple[int, ...]:
        ids = list(seat_ids)
        # the right-hand sides read the row as it was: issued becomes bar + 1, fence the bar
        issued = dict(self._db.run([(_LOCK_SEATS, [ids]), (
            "UPDATE seats SET issued = greatest(issued, fence) + 1, fence = greatest(issued, fence)"
            " WHERE seat_id = ANY(%s::text[]) RETURNING seat_id, issued", [ids])], f"seats {sorted(ids)}", 0.0))
        return tuple(issued[s] for s in ids)

    def counters(self) -> dict[SeatStatus, int]:
        row = self._rows("SELECT available, held, sold, blocked FROM tally")[0]
        return dict(zip(COUNTER_ORDER, row))

    def snapshot(self) -> dict[str, Seat]:
        return {r[0]: _seat(r) for r in self._rows(f"SELECT {_SEAT_COLUMNS} FROM seats ORDER BY position")}

    def history(self) -> list[Record]:
        return [_record(r) for r in self._rows(f"SELECT {_HISTORY_COLUMNS} FROM history ORDER BY seq")]

    def last_seq(self) -> int:
        return self._rows("SELECT coalesce(max(seq), 0) FROM history")[0][0]

    def get_payment(self, payment_id: str) -> PaymentIntent | None:
        rows = self._rows(f"SELECT {_PAYMENT_COLUMNS} FROM payments WHERE payment_id = %s", (payment_id,))
        return _payment(rows[0]) if rows else None

    def open_payments(self) -> list[PaymentIntent]:
        return [_payment(r) for r in self._rows(
            f"SELECT {_PAYMENT_COLUMNS} FROM payments WHERE state IN ('CHARGING', 'REFUNDING')")]

    # -- writes ----------------------------------------------------------------------

    def apply(self, change: Change) -> WriteResult:
        try:
            if change.kind is RecordKind.HOLD and change.guarded and change.payment is None:
                self._db.one(_HOLD_SEATS, _hold_params(change), f"seats {list(change.seat_ids)}")
            else:
                self._db.run(self._change_statements(change), f"seats {list(change.seat_ids)}", 0.0)
        except _Refused:
            return refusal_now(self, change)
        return WriteResult.OK

    def _change_statements(self, change: Change) -> list[tuple[str, list]]:
        kind, to, at, ids = change.kind, change.to_status, change.at, change.seat_ids
        booking, guards = change.booking, required_guards(change)
        out: list[tuple[str, list]] = []
        if ids:
            if len(ids) > 1:  # in seat-id order: two multi-seat writers never wait on each other in a cycle
                out.append((_LOCK_SEATS, [list(ids)]))
            out.append(self._seat_update(change, guards))
        out.append((_LOCK_TALLY, []))  # after the seats: the order every writer takes them in
        if kind in _ENDS_HOLD:
            unexpired = Guard.HOLD_UNEXPIRED in guards
            delete = "DELETE FROM holds WHERE hold_id = %s::text" + (" AND expires_at > %s::float8" if unexpired else "")
            params = [change.hold_id, at] if unexpired else [change.hold_id]
            out.append((f"WITH d AS ({delete} RETURNING 1) SELECT must(count(*) = 1) FROM d", params)
                       if Guard.HOLD_LIVE in guards else (delete, params))
        elif kind is RecordKind.CANCEL:
            update = ("UPDATE bookings SET status = 'CANCELLED', cancelled_at = %s::float8 WHERE booking_id = %s::text"
                      + (" AND status = 'CONFIRMED'" if Guard.BOOKING_CONFIRMED in guards else ""))
            params = [at, booking.booking_id]
            out.append((f"WITH u AS ({update} RETURNING 1) SELECT must(count(*) = 1) FROM u", params)
                       if Guard.BOOKING_CONFIRMED in guards else (update, params))
        if change.payment is not None:
            out.append(_payment_guard(change.payment))
        if kind is RecordKind.HOLD:
            hold = change.hold
            out.append((_HOLD_INSERT, [hold.hold_id, hold.user, list(hold.seat_ids), hold.created_at, hold.expires_at,
                                       hold.amount_cents, list(hold.fencing_tokens)]))
        elif kind is RecordKind.CONFIRM:
            out.append((_BOOKING_WRITE, [booking.booking_id, booking.hold_id, booking.user, list(booking.seat_ids),
                                         booking.amount_cents, booking.status.value, booking.created_at,
                                         booking.payment_id, booking.confirmed_at, booking.cancelled_at]))
            if change.captured:  # once per payment
                out.append(_append_once(capture_record(change, 0)))
        if change.payment is not None:
            out += _payment_moves(change.payment, at)
        out.append((_APPEND_CHANGE, _record_values(change_record(change, 0, None))))
        return out

    _SEAT_SQL: dict[tuple[Guard, ...], str] = {}

    def _seat_update(self, change: Change, guards: tuple[Guard, ...]) -> tuple[str, list]:
        """``UPDATE seats ... WHERE`` the change's seat guards, then ``must`` it touched every seat."""
        seat_guards = tuple(g for g in guards if g in _SEAT_CONDITION)
        text = self._SEAT_SQL.get(seat_guards)
        if text is None:
            conditions = "".join(f" AND {_SEAT_CONDITION[g]}" for g in seat_guards)
            text = self._SEAT_SQL[seat_guards] = (
                "WITH changed AS (UPDATE seats SET status = %s::text, version = seats.version + 1,"
                " hold_id = %s::text, booking_id = %s::text, fence = greatest(seats.fence, w.token)"
                " FROM unnest(%s::text[], %s::bigint[], %s::bigint[]) AS w(seat_id, token, version)"
                f" WHERE seats.seat_id = w.seat_id{conditions} RETURNING 1)"
                " SELECT must(count(*) = %s) FROM changed")
        to, ids, booking = change.to_status, change.seat_ids, change.booking
        n = len(ids)
        params = [to.value, change.hold_id if to is SeatStatus.HELD else None,
                  booking.booking_id if (to is SeatStatus.SOLD and booking) else None, list(ids),
                  list(change.fencing_tokens) or [-1] * n, list(change.expect_versions or (0,) * n)]
        for guard in seat_guards:
            if guard is Guard.STATUS:
                params.append(change.require_status.value)
            elif guard is Guard.HELD_BY:
                params.append(change.hold_id)
            elif guard is Guard.BOOKED_BY:
                params.append(booking.booking_id)
        params.append(n)
        return text, params

    def move_payment(self, step: PaymentStep, at: float, live_hold: str | None = None) -> bool:
        statements = [(_LOCK_TALLY, []), _payment_guard(step)]
        if live_hold is not None:
            statements.append(("SELECT must(EXISTS (SELECT 1 FROM holds WHERE hold_id = %s::text"
                               " AND expires_at > %s::float8))", [live_hold, at]))
        statements += _payment_moves(step, at)
        try:
            self._db.run(statements)
        except _Refused:
            return False
        return True

    def record(self, kind: RecordKind, at: float, **fields) -> int:
        rows = self._db.run([(_LOCK_TALLY, []), _append_once(Record(seq=0, kind=kind, at=at, **fields))])
        return rows[0][0] if rows else 0


#: A guarded HOLD without a payment step: one call of the schema's ``hold_seats`` (see SCHEMA).
_HOLD_SEATS = ("SELECT hold_seats(%s::text[], %s::bigint[], %s::bigint[], %s::boolean, %s::boolean, %s::text,"
               " %s::text, %s::float8, %s::float8, %s::bigint, %s::bigint[], %s::float8, %s::text)")


def _hold_params(change: Change) -> list:
    """:data:`_HOLD_SEATS`'s parameters for a guarded HOLD: its seats with their fencing tokens
    and expected versions (NULL where it carries none: the function checks them only when
    ``p_fenced`` / ``p_versioned`` say so), the hold row, the record's time and user. The
    arrays go as array literals: psycopg's adaptation of a list (a dumper chosen from its
    items, then quoted) costs more per hold than the rest of the call."""
    hold, versions, tokens = change.hold, change.expect_versions, change.fencing_tokens
    return [_text_array(change.seat_ids), _int_array(tokens) if tokens else None,
            _int_array(versions) if versions is not None else None, versions is not None, bool(tokens),
            change.hold_id, hold.user, hold.created_at, hold.expires_at, hold.amount_cents,
            _int_array(hold.fencing_tokens), change.at, change.user]


def _text_array(values: Sequence[str]) -> str:
    """A ``text[]`` literal: each item double-quoted, its backslashes and double quotes escaped
    (``['A-1-1', 'B"2']`` -> ``{"A-1-1","B\\"2"}``)."""
    return "{" + ",".join(['"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values]) + "}"


def _int_array(values: Sequence[int]) -> str:
    """A ``bigint[]`` literal, ``{1,2}``; whole numbers only (``int`` refuses anything else)."""
    return "{" + ",".join([str(int(v)) for v in values]) + "}"


def _payment_guard(step: PaymentStep) -> tuple[str, list]:
    """The payment intent is in one of the states ``step`` expects ('' stands for none yet)."""
    return _PAYMENT_GUARD, [step.payment_id, sorted("" if s is None else s.value for s in step.expect)]


def _payment_moves(step: PaymentStep, at: float) -> list[tuple[str, list]]:
    intent = step.intent
    if intent is None:
        return []
    out = [(_PAYMENT_WRITE, [intent.payment_id, intent.hold_id, intent.user, intent.amount_cents, intent.state.value,
                             intent.updated_at, intent.booking_id])]
    out += [_append_once(payment_record(kind, intent, at)) for kind in payment_kinds(step)]
    return out


def _append_once(record: Record) -> tuple[str, list]:
    kind = record.kind.value
    counters = list(record.counters) if record.counters is not None else None
    return _APPEND_ONCE, [kind, kind, kind, record.payment_id, *_record_values(record), counters]
