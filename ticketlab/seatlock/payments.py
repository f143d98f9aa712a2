"""Payments: a gateway interface and an in-process fake that can be slow, fail or time out.

Invariant: every request is identified by an idempotency key, so asking again never moves
money twice. A charge's key is its ``payment_id`` (one per hold); a refund's is its own key
(the service derives it from the payment). Repeating a request with the same key returns the
first answer; :meth:`PaymentGateway.status` tells the truth about a charge whose answer was
lost, and :meth:`PaymentGateway.void` closes a key the gateway never charged, so a charge
still on its way can no longer take money. Money the gateway captured must end up either in a
confirmed booking or refunded; the booking service records an intent before each call and its
reconciler finishes whatever a crash left half done.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum

from ticketlab.core.errors import InputError
from ticketlab.seatlock.clock import Clock, seconds
from ticketlab.seatlock.errors import PaymentGatewayError

__all__ = ["PaymentOutcome", "PaymentResult", "PaymentGateway", "FakePaymentGateway", "Behaviour",
           "refund_key"]


class PaymentOutcome(str, Enum):
    CAPTURED = "CAPTURED"
    DECLINED = "DECLINED"
    PENDING = "PENDING"  # still in flight at the gateway
    UNKNOWN = "UNKNOWN"  # the caller gave up waiting: the money may or may not move
    REFUNDED = "REFUNDED"
    VOIDED = "VOIDED"  # closed before any charge: a charge with this key will never take money
    NONE = "NONE"  # the gateway never saw this payment id


@dataclass(frozen=True, slots=True)
class PaymentResult:
    payment_id: str
    outcome: PaymentOutcome
    amount_cents: int


class Behaviour(str, Enum):
    """What the fake does with one user's charges."""

    OK = "ok"  # capture after ``latency``
    DECLINE = "decline"  # refuse after ``latency``
    TIMEOUT_CAPTURED = "timeout-captured"  # the answer is lost, but the money was taken
    TIMEOUT_PENDING = "timeout-pending"  # the answer is lost and the charge stays PENDING
    SLOW = "slow"  # capture, after ``slow_seconds`` (may outlive the hold)


def refund_key(payment_id: str) -> str:
    """The idempotency key of the (full) refund of a payment: one payment, one refund."""
    return f"refund-{payment_id}"


class PaymentGateway(ABC):
    @abstractmethod
    def charge(self, payment_id: str, user: str, amount_cents: int, timeout: float) -> PaymentResult:
        """Charge once per ``payment_id``; wait at most ``timeout`` s (then UNKNOWN).

        Raises :class:`~ticketlab.seatlock.errors.PaymentGatewayError` when the request failed
        (the outcome is then unknown: ask :meth:`status`).
        """

    @abstractmethod
    def refund(self, payment_id: str, key: str | None = None) -> bool:
        """Give captured money back, once per idempotency ``key`` (default :func:`refund_key`).

        True if this refund moved the money (also on a repeat with the same key), False if
        nothing was captured. Raises :class:`PaymentGatewayError` if the request failed.
        """

    @abstractmethod
    def status(self, payment_id: str) -> PaymentOutcome:
        """The gateway's own view of a charge. Raises :class:`PaymentGatewayError`."""

    @abstractmethod
    def void(self, payment_id: str) -> PaymentOutcome:
        """Close a key the gateway never charged (then VOIDED); otherwise its state as it is."""


class _Ledger:
    """The fake's books in dicts: charges (state, amount) and refunds by key."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.charges: dict[str, tuple[PaymentOutcome, int]] = {}
        self.refunds: dict[str, bool] = {}

    def books(self) -> _Ledger:
        """The books, as a context manager that holds the lock (a class, not a generator:
        every charge enters it twice)."""
        return self

    def __enter__(self) -> _Ledger:
        self._lock.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self._lock.release()

    def charge(self, payment_id: str) -> tuple[PaymentOutcome, int] | None:
        return self.charges.get(payment_id)

    def set_charge(self, payment_id: str, outcome: PaymentOutcome, amount: int) -> None:
        self.charges[payment_id] = (outcome, amount)

    def refund(self, key: str) -> bool | None:
        return self.refunds.get(key)

    def set_refund(self, key: str, moved: bool) -> None:
        self.refunds[key] = moved

    def all_charges(self) -> dict[str, tuple[PaymentOutcome, int]]:
        return dict(self.charges)

    # a charge's two steps, each one call under the lock (a charge is the hot path of every confirm)
    def begin_charge(self, payment_id: str, amount: int) -> tuple[PaymentOutcome, int] | None:
        """The charge already known under ``payment_id``, or None after recording it PENDING."""
        with self._lock:
            known = self.charges.get(payment_id)
            if known is None:
                self.charges[payment_id] = (PaymentOutcome.PENDING, amount)
            return known

    def finish_charge(self, payment_id: str, outcome: PaymentOutcome, amount: int) -> None:
        with self._lock:
            self.charges[payment_id] = (outcome, amount)


class _FileBooks:
    """The books of a :class:`_FileLedger` inside one write transaction."""

    def __init__(self, conn) -> None:
        self._conn = conn

    def charge(self, payment_id: str) -> tuple[PaymentOutcome, int] | None:
        row = self._conn.execute("SELECT outcome, amount FROM charges WHERE payment_id = ?", (payment_id,)).fetchone()
        return (PaymentOutcome(row[0]), row[1]) if row else None

    def set_charge(self, payment_id: str, outcome: PaymentOutcome, amount: int) -> None:
        self._conn.execute("INSERT OR REPLACE INTO charges VALUES (?, ?, ?)", (payment_id, outcome.value, amount))

    def refund(self, key: str) -> bool | None:
        row = self._conn.execute("SELECT moved FROM refunds WHERE key = ?", (key,)).fetchone()
        return bool(row[0]) if row else None

    def set_refund(self, key: str, moved: bool) -> None:
        self._conn.execute("INSERT INTO refunds VALUES (?, ?)", (key, int(moved)))

    def all_charges(self) -> dict[str, tuple[PaymentOutcome, int]]:
        rows = self._conn.execute("SELECT payment_id, outcome, amount FROM charges")
        return {p: (PaymentOutcome(o), a) for p, o, a in rows}


class _FileLedger:
    """The same books in a SQLite file, so they outlive a service process that is killed."""

    _SCHEMA = ("CREATE TABLE IF NOT EXISTS charges (payment_id TEXT PRIMARY KEY, outcome TEXT NOT NULL,"
               " amount INTEGER NOT NULL);"
               "CREATE TABLE IF NOT EXISTS refunds (key TEXT PRIMARY KEY, moved INTEGER NOT NULL);")

    def __init__(self, path: str) -> None:
        from ticketlab.seatlock.sqlitedb import SqliteFile

        self.file = SqliteFile(path)
        self.file.conn().executescript(self._SCHEMA)

    @contextmanager
    def books(self) -> Iterator[_FileBooks]:
        with self.file.write("the gateway's ledger") as conn:
            yield _FileBooks(conn)

    def all_charges(self) -> dict[str, tuple[PaymentOutcome, int]]:
        return _FileBooks(self.file.conn()).all_charges()

    def begin_charge(self, payment_id: str, amount: int) -> tuple[PaymentOutcome, int] | None:
        """As :meth:`_Ledger.begin_charge`, in one write transaction."""
        with self.books() as books:
            known = books.charge(payment_id)
            if known is None:
                books.set_charge(payment_id, PaymentOutcome.PENDING, amount)
            return known

    def finish_charge(self, payment_id: str, outcome: PaymentOutcome, amount: int) -> None:
        with self.books() as books:
            books.set_charge(payment_id, outcome, amount)


class FakePaymentGateway(PaymentGateway):
    """Charges in a ledger; time passes on the injected clock.

    ``latency`` is how long a normal charge takes; ``behaviours`` maps a user to a
    :class:`Behaviour`; ``slow_seconds`` is how long a SLOW charge takes. :meth:`settle`
    turns PENDING charges into captures (as a real gateway eventually would);
    :meth:`fail_next` makes the next requests of one kind fail. ``path``: keep the ledger in
    that SQLite file, so the gateway (like a real bank) outlives a service that crashes.
    A second charge under one key with another amount raises
    :class:`~ticketlab.core.errors.InputError`.
    """

    def __init__(self, clock: Clock, latency: float = 0.0, behaviours: dict[str, Behaviour] | None = None,
                 slow_seconds: float = 900.0, path: str | None = None) -> None:
        self.clock = clock
        self.latency = seconds("latency", latency, allow_zero=True)
        self.behaviours = dict(behaviours or {})
        self.slow_seconds = seconds("slow_seconds", slow_seconds)
        self._ledger: _Ledger | _FileLedger = _FileLedger(str(path)) if path is not None else _Ledger()
        self._faults: dict[str, int] = {}
        self._faults_lock = threading.Lock()

    def fail_next(self, request: str, times: int = 1) -> None:
        """Make the next ``times`` requests of ``request`` ("charge", "refund", "status") fail
        with :class:`PaymentGatewayError` before they reach the ledger."""
        if request not in ("charge", "refund", "status"):
            raise InputError("request", request, "'charge', 'refund' or 'status'")
        with self._faults_lock:
            self._faults[request] = self._faults.get(request, 0) + times

    def _maybe_fail(self, request: str, payment_id: str) -> None:
        with self._faults_lock:
            if self._faults.get(request, 0) > 0:
                self._faults[request] -= 1
                raise PaymentGatewayError(f"the gateway failed the {request} of {payment_id}; nothing changed there")

    def charge(self, payment_id, user, amount_cents, timeout):
        if self._faults:  # read without the lock: its keys are never removed, and _maybe_fail counts under it
            self._maybe_fail("charge", payment_id)
        behaviour = self.behaviours.get(user, Behaviour.OK)
        known = self._ledger.begin_charge(payment_id, amount_cents)
        if known is not None:  # the same key again: the first answer, money moved at most once
            outcome, amount = known
            if outcome is PaymentOutcome.VOIDED:
                return PaymentResult(payment_id, outcome, 0)
            if amount != amount_cents:
                raise InputError("amount_cents", amount_cents,
                                 f"the amount first charged under {payment_id!r} ({amount} cents)")
            return PaymentResult(payment_id, outcome, amount)
        if behaviour is Behaviour.TIMEOUT_PENDING:
            self.clock.sleep(timeout)
            return PaymentResult(payment_id, PaymentOutcome.UNKNOWN, amount_cents)
        if behaviour is Behaviour.TIMEOUT_CAPTURED:
            self._ledger.finish_charge(payment_id, PaymentOutcome.CAPTURED, amount_cents)
            self.clock.sleep(timeout)
            return PaymentResult(payment_id, PaymentOutcome.UNKNOWN, amount_cents)
        wait = self.slow_seconds if behaviour is Behaviour.SLOW else self.latency
        if wait:
            self.clock.sleep(wait)
        outcome = PaymentOutcome.DECLINED if behaviour is Behaviour.DECLINE else PaymentOutcome.CAPTURED
        self._ledger.finish_charge(payment_id, outcome, amount_cents)
        return PaymentResult(payment_id, outcome, amount_cents)

    def refund(self, payment_id, key=None):
        self._maybe_fail("refund", payment_id)
        key = key or refund_key(payment_id)
        with self._ledger.books() as books:
            done = books.refund(key)
            if done is not None:
                return done
            known = books.charge(payment_id)
            moved = known is not None and known[0] is PaymentOutcome.CAPTURED
            if moved:
                books.set_charge(payment_id, PaymentOutcome.REFUNDED, known[1])
            books.set_refund(key, moved)
            return moved

    def status(self, payment_id):
        self._maybe_fail("status", payment_id)
        with self._ledger.books() as books:
            known = books.charge(payment_id)
        return known[0] if known is not None else PaymentOutcome.NONE

    def void(self, payment_id):
        with self._ledger.books() as books:
            known = books.charge(payment_id)
            if known is None:
                books.set_charge(payment_id, PaymentOutcome.VOIDED, 0)
                return PaymentOutcome.VOIDED
            return known[0]

    def settle(self) -> int:
        """Capture every PENDING charge; returns how many."""
        with self._ledger.books() as books:
            pending = {p: a for p, (o, a) in books.all_charges().items() if o is PaymentOutcome.PENDING}
            for p, amount in pending.items():
                books.set_charge(p, PaymentOutcome.CAPTURED, amount)
            return len(pending)

    def held(self) -> dict[str, int]:
        """Cents the gateway holds now, by payment id (captured and not refunded)."""
        return {p: a for p, (o, a) in self._ledger.all_charges().items() if o is PaymentOutcome.CAPTURED}

    def captured_cents(self) -> int:
        """Money the gateway holds now (captured and not refunded)."""
        return sum(self.held().values())

    def close(self) -> None:
        """Close the ledger file's connections (a no-op in memory)."""
        if isinstance(self._ledger, _FileLedger):
            self._ledger.file.close()
