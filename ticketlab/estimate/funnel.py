"""The booking funnel: search → attempt → pay.

Of those who search, a share try to book (attempt rate); of those attempts, a share end
paid (success rate); the rest abandon or time out. Attempts per purchase = 1 / success rate
is the factor the booking path must be sized for over the purchases it completes.
"""

from __future__ import annotations

from ticketlab.core.uncertainty import DEFAULT_SAMPLES, DEFAULT_SEED
from ticketlab.estimate.inputs import new_calc
from ticketlab.worksheet import Equation as E, Worksheet

__all__ = ["funnel", "FUNNEL"]

FUNNEL = (
    E("attempts", "Booking attempts", "searchers * attempt_rate", "attempts"),
    E("purchases", "Completed purchases", "attempts * booking_success_rate", "purchases"),
    E("conversion_rate", "Conversion (search → pay)", "purchases / searchers", "%"),
    E("abandonment_rate", "Cart abandonment", "1 - booking_success_rate", "%"),
    E("attempts_per_purchase", "Attempts per purchase", "1 / booking_success_rate", "x",
      "size the booking path for this many attempts per sale"),
    E("searchers_per_purchase", "Searchers per purchase", "searchers / purchases", "x"),
)


def funnel(searchers=100, attempt_rate="10%", booking_success_rate="30%", *,
           samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> Worksheet:
    """Search → attempt → pay: attempts, purchases, conversion, abandonment, sizing factors."""
    c = new_calc("Booking funnel", dict(searchers=searchers, attempt_rate=attempt_rate,
                                        booking_success_rate=booking_success_rate), samples=samples, seed=seed)
    c.derive(FUNNEL)
    return c.worksheet()
