"""A payment-failure drill: buyers whose payments fail in every way a gateway can fail.

Invariant it demonstrates: whatever the gateway does (declines, answers that are lost, charges
that land after the hold expired), once the sale is quiet every captured payment is held by
exactly one confirmed booking or has been refunded, every seat is either sold to one booking
or back on sale, and the history checker agrees at rest (no payment left open, and the gateway's
own books match the bookings). Deterministic: the seed picks which buyer's
payment fails and how, and time runs on a simulated clock.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ticketlab.core.errors import InputError
from ticketlab.core.numbers import parse_fraction, whole_number
from ticketlab.core.vocab import StrategyName
from ticketlab.seatlock.check.history import CheckReport
from ticketlab.seatlock.clock import SimulatedClock, seconds
from ticketlab.seatlock.errors import HoldExpired, PaymentDeclined, PaymentOutcomeUnknown, SoldOut
from ticketlab.seatlock.model import BookingStatus, SeatStatus, small_venue
from ticketlab.seatlock.payments import Behaviour, FakePaymentGateway
from ticketlab.seatlock.service import BookingService
from ticketlab.seatlock.stores.memory import MemoryStore
from ticketlab.seatlock.strategies.registry import make_strategy

__all__ = ["Outcome", "DrillResult", "payment_drill"]


class Outcome(StrEnum):
    """How one buyer's attempt ended, as the buyer saw it at the time."""

    BOOKED = "booked"  # paid and confirmed
    DECLINED = "declined"  # the gateway said no: seats released at once
    NO_ANSWER = "no answer"  # the gateway's answer was lost: the hold is kept until the sweeper asks
    TOO_LATE = "too late"  # the money arrived after the hold expired: refunded, seats released
    SOLD_OUT = "sold out"  # nothing left to hold


@dataclass(frozen=True)
class DrillResult:
    """What happened. ``outcomes`` counts :class:`Outcome` per buyer; money is in cents."""

    buyers: int
    seats: int
    outcomes: dict[Outcome, int]
    refunds: int
    swept: int
    seats_sold: int
    seats_available: int
    seats_held: int
    captured_cents: int  # what the gateway holds once the sale is quiet
    booked_cents: int  # what the live confirmed bookings are worth
    report: CheckReport

    @property
    def money_balances(self) -> bool:
        """Every captured cent is in a confirmed booking, and every booking is paid."""
        return self.captured_cents == self.booked_cents

    def summary(self) -> str:
        counts = ", ".join(f"{n} {o.value}" for o, n in self.outcomes.items() if n)
        money = "balances" if self.money_balances else "DOES NOT BALANCE"
        return (f"{self.buyers} buyers for {self.seats} seats: {counts}\n"
                f"after the sweeper: {self.seats_sold} seats sold, {self.seats_available} back on sale, "
                f"{self.seats_held} still held; {self.refunds} refunds\n"
                f"money: gateway holds ${self.captured_cents / 100:,.2f}, confirmed bookings are worth "
                f"${self.booked_cents / 100:,.2f}: {money}\n"
                f"checker: {self.report.summary().splitlines()[0]}")


#: How long a slow payment takes (a bank's extra check, a buyer who wanders off mid-payment).
SLOW_PAYMENT = 300.0
#: Seconds between two buyers, and between two runs of the sweeper during the sale.
ARRIVAL_GAP, SWEEP_EVERY = 5.0, 60.0


def payment_drill(buyers: int = 200, seats: int = 150, decline: float = 0.05, lost_answer: float = 0.05,
                  slow: float = 0.02, hold_ttl: Any = "10 min", seed: int = 0) -> DrillResult:
    """Run ``buyers`` one-seat purchases on a ``seats``-seat venue with a sweeper, then check.

    A buyer arrives every 5 s and pays 1 s after holding a seat. Each payment is declined with
    probability ``decline``, loses its answer with probability ``lost_answer`` (half of those
    charges were captured, half stay pending until the gateway settles them), and takes
    5 minutes (:data:`SLOW_PAYMENT`, too late if the hold is shorter) with probability
    ``slow``; the rest succeed. The sweeper runs every minute of the sale (asking the gateway
    about a payment still in flight no more often than the service's recheck backoff allows);
    after the last buyer the clock moves past ``hold_ttl`` and that backoff's ceiling, the
    gateway settles its pending charges and the sweeper runs once more. Raises :class:`InputError`
    for a count that is not a positive whole number, a share outside 0..1, shares that add up
    to more than 1, or a hold that is not a positive duration.
    """
    buyers = whole_number("buyers", buyers, high=100_000, what="buyers")
    seats = whole_number("seats", seats, high=100_000, what="seats")
    seed = whole_number("seed", seed, low=0)
    shares = {name: float(parse_fraction(value, name=name))
              for name, value in (("decline", decline), ("lost_answer", lost_answer), ("slow", slow))}
    decline, lost_answer, slow = shares.values()
    if sum(shares.values()) > 1 + 1e-12:
        raise InputError("decline + lost_answer + slow", round(sum(shares.values()), 6), "shares adding up to 1 at most")
    ttl = seconds("hold_ttl", hold_ttl)

    rng = random.Random(seed)
    behaviours: dict[str, Behaviour] = {}
    for i in range(buyers):
        u = rng.random()
        if u < decline:
            behaviours[f"buyer{i}"] = Behaviour.DECLINE
        elif u < decline + lost_answer:
            behaviours[f"buyer{i}"] = Behaviour.TIMEOUT_CAPTURED if rng.random() < 0.5 else Behaviour.TIMEOUT_PENDING
        elif u < decline + lost_answer + slow:
            behaviours[f"buyer{i}"] = Behaviour.SLOW

    clock = SimulatedClock()
    store = MemoryStore(small_venue(seats).seats())
    gateway = FakePaymentGateway(clock, latency=1.0, behaviours=behaviours, slow_seconds=SLOW_PAYMENT)
    # one buyer at a time, so no write races: the conditional strategy's single guarded write (nothing
    # read first) gives the optimistic strategy's outcomes for less work per hold and confirm
    service = BookingService(store, make_strategy(StrategyName.CONDITIONAL), clock=clock, payments=gateway,
                             hold_ttl=ttl)
    outcomes: Counter[Outcome] = Counter({o: 0 for o in Outcome})
    swept, next_sweep = 0, SWEEP_EVERY
    for i in range(buyers):
        user = f"buyer{i}"
        try:
            hold = service.hold_any(user, 1)
        except SoldOut:
            outcomes[Outcome.SOLD_OUT] += 1
            continue
        try:
            service.confirm(hold.hold_id, user)
            outcomes[Outcome.BOOKED] += 1
        except PaymentDeclined:
            outcomes[Outcome.DECLINED] += 1
        except PaymentOutcomeUnknown:
            outcomes[Outcome.NO_ANSWER] += 1
        except HoldExpired:
            outcomes[Outcome.TOO_LATE] += 1
        clock.advance(ARRIVAL_GAP)
        if clock.now() >= next_sweep:  # a real service sweeps on a timer, during the sale too
            swept += len(service.sweep_expired().released)
            next_sweep = clock.now() + SWEEP_EVERY
    clock.advance(max(ttl, service.recheck_max) + 1)  # past every hold, and every pause between two questions
    gateway.settle()  # charges left pending are captured, as a real gateway eventually does
    swept += len(service.sweep_expired().released)
    service.reconcile()  # nothing should be left open; if something were, the check at rest says so
    counters = service.availability()
    booked = sum(b.amount_cents for b in store.bookings() if b.status is BookingStatus.CONFIRMED)
    return DrillResult(buyers, seats, dict(outcomes), service.stats.as_dict().get("refunds", 0),
                       swept, counters[SeatStatus.SOLD], counters[SeatStatus.AVAILABLE],
                       counters[SeatStatus.HELD], gateway.captured_cents(), booked, service.check(at_rest=True))
