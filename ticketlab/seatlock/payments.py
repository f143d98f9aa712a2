"""Payments: a gateway interface and an in-process fake that can be slow, fail or time out.

Invariant: a charge is identified by its ``payment_id`` (the idempotency key), so asking
again never charges twice, and :meth:`PaymentGateway.status` tells the truth about a charge
whose answer was lost. Money the gateway captured must end up either in a confirmed
booking or refunded; the booking service does the compensating refunds.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import Enum

from ticketlab.seatlock.clock import Clock, seconds

__all__ = ["PaymentOutcome", "PaymentResult", "PaymentGateway", "FakePaymentGateway", "Behaviour"]


class PaymentOutcome(str, Enum):
    CAPTURED = "CAPTURED"
    DECLINED = "DECLINED"
    PENDING = "PENDING"  # still in flight at the gateway
    UNKNOWN = "UNKNOWN"  # the caller gave up waiting: the money may or may not move
    REFUNDED = "REFUNDED"
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


class PaymentGateway(ABC):
    @abstractmethod
    def charge(self, payment_id: str, user: str, amount_cents: int, timeout: float) -> PaymentResult:
        """Charge once per ``payment_id``; wait at most ``timeout`` s (then UNKNOWN)."""

    @abstractmethod
    def refund(self, payment_id: str) -> bool:
        """Give captured money back; True if money moved, False if nothing was captured."""

    @abstractmethod
    def status(self, payment_id: str) -> PaymentOutcome:
        """The gateway's own view of a charge."""


class FakePaymentGateway(PaymentGateway):
    """Charges in a dict; time passes on the injected clock.

    ``latency`` is how long a normal charge takes; ``behaviours`` maps a user to a
    :class:`Behaviour`; ``slow_seconds`` is how long a SLOW charge takes. :meth:`settle`
    turns PENDING charges into captures (as a real gateway eventually would).
    """

    def __init__(self, clock: Clock, latency: float = 0.0, behaviours: dict[str, Behaviour] | None = None,
                 slow_seconds: float = 900.0) -> None:
        self.clock = clock
        self.latency = seconds("latency", latency, allow_zero=True)
        self.behaviours = dict(behaviours or {})
        self.slow_seconds = seconds("slow_seconds", slow_seconds)
        self._lock = threading.Lock()
        self._state: dict[str, PaymentOutcome] = {}
        self._amount: dict[str, int] = {}

    def charge(self, payment_id, user, amount_cents, timeout):
        behaviour = self.behaviours.get(user, Behaviour.OK)
        with self._lock:
            known = self._state.get(payment_id)
            if known in (PaymentOutcome.CAPTURED, PaymentOutcome.DECLINED, PaymentOutcome.REFUNDED):
                return PaymentResult(payment_id, known, self._amount[payment_id])
            self._amount[payment_id] = amount_cents
            self._state[payment_id] = PaymentOutcome.PENDING
        if behaviour is Behaviour.TIMEOUT_PENDING:
            self.clock.sleep(timeout)
            return PaymentResult(payment_id, PaymentOutcome.UNKNOWN, amount_cents)
        if behaviour is Behaviour.TIMEOUT_CAPTURED:
            self._set(payment_id, PaymentOutcome.CAPTURED)
            self.clock.sleep(timeout)
            return PaymentResult(payment_id, PaymentOutcome.UNKNOWN, amount_cents)
        self.clock.sleep(self.slow_seconds if behaviour is Behaviour.SLOW else self.latency)
        outcome = PaymentOutcome.DECLINED if behaviour is Behaviour.DECLINE else PaymentOutcome.CAPTURED
        self._set(payment_id, outcome)
        return PaymentResult(payment_id, outcome, amount_cents)

    def _set(self, payment_id: str, outcome: PaymentOutcome) -> None:
        with self._lock:
            self._state[payment_id] = outcome

    def refund(self, payment_id):
        with self._lock:
            if self._state.get(payment_id) is not PaymentOutcome.CAPTURED:
                return False
            self._state[payment_id] = PaymentOutcome.REFUNDED
            return True

    def status(self, payment_id):
        with self._lock:
            return self._state.get(payment_id, PaymentOutcome.NONE)

    def settle(self) -> int:
        """Capture every PENDING charge; returns how many."""
        with self._lock:
            pending = [p for p, s in self._state.items() if s is PaymentOutcome.PENDING]
            for p in pending:
                self._state[p] = PaymentOutcome.CAPTURED
            return len(pending)

    def captured_cents(self) -> int:
        """Money the gateway holds now (captured and not refunded)."""
        with self._lock:
            return sum(self._amount[p] for p, s in self._state.items() if s is PaymentOutcome.CAPTURED)
