"""The booking funnel: search → attempt → pay.

Of those who search, a share try to book (attempt rate); of those attempts, a share end
paid (success rate); the rest abandon or time out. Attempts per purchase = 1 / success rate
is the factor the booking path must be sized for over the purchases it completes.
"""

from __future__ import annotations

from ticketlab.estimate.inputs import start
from ticketlab.core.uncertainty import DEFAULT_SAMPLES, DEFAULT_SEED
from ticketlab.worksheet import Calc, Worksheet

__all__ = ["funnel", "funnel_steps"]


def funnel_steps(c: Calc) -> None:
    c.step("attempts", "Booking attempts", "searchers * attempt_rate",
           lambda v, K: v.searchers * v.attempt_rate, unit="attempts")
    c.step("purchases", "Completed purchases", "attempts * booking_success_rate",
           lambda v, K: v.attempts * v.booking_success_rate, unit="purchases")
    c.step("conversion_rate", "Conversion (search → pay)", "purchases / searchers",
           lambda v, K: v.purchases / v.searchers, unit="%")
    c.step("abandonment_rate", "Cart abandonment", "1 - booking_success_rate",
           lambda v, K: 1 - v.booking_success_rate, unit="%")
    c.step("attempts_per_purchase", "Attempts per purchase", "1 / booking_success_rate",
           lambda v, K: 1 / v.booking_success_rate, unit="x",
           note="size the booking path for this many attempts per sale")
    c.step("searchers_per_purchase", "Searchers per purchase", "searchers / purchases",
           lambda v, K: v.searchers / v.purchases, unit="x")


def funnel(searchers=100, attempt_rate="10%", booking_success_rate="30%", *,
           samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> Worksheet:
    """Search → attempt → pay: attempts, purchases, conversion, abandonment, sizing factors."""
    c = start("Booking funnel", locals())
    funnel_steps(c)
    return c.worksheet()
