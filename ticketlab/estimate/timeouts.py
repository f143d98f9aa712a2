"""The timeout cascade as a worksheet: each layer, and how many times each child fits in its parent.

The rule itself (whoever waits gives up later than the work it waits for:
``booking_hold > lock_ttl > http_call > db_statement``) lives in
:mod:`ticketlab.core.timing`, which the seat-lock core checks too.
"""

from __future__ import annotations

from ticketlab.core.timing import CASCADE, CASCADE_LAYERS, check_cascade
from ticketlab.core.uncertainty import DEFAULT_SAMPLES, DEFAULT_SEED
from ticketlab.estimate.inputs import new_calc
from ticketlab.worksheet import Calc, Equation as E, Worksheet

__all__ = ["CASCADE", "timeout_cascade", "TIMEOUTS", "cascade_steps"]

#: One headroom step per parent/child pair of the cascade.
TIMEOUTS = tuple(E(f"{child}_headroom", f"{child} fits in {parent}", f"{parent} / {child}", "x")
                 for parent, child in zip(CASCADE_LAYERS, CASCADE_LAYERS[1:]))


def cascade_steps(c: Calc) -> None:
    """Check the four declared layers against the cascade rule, then add the headroom steps.

    Raises :class:`~ticketlab.core.errors.CascadeError` naming every pair that is upside down.
    """
    check_cascade([(name, c.exact(name)) for name in CASCADE_LAYERS])
    c.derive(TIMEOUTS)


def timeout_cascade(booking_hold="10 min", lock_ttl="30s", http_call="10s", db_statement="5s", *,
                    samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> Worksheet:
    """A worksheet of the cascade: each layer, and how many times each child fits in its parent.

    Raises :class:`~ticketlab.core.errors.CascadeError` when the cascade is upside down.
    """
    c = new_calc("Timeout cascade", dict(booking_hold=booking_hold, lock_ttl=lock_ttl, http_call=http_call,
                                         db_statement=db_statement), samples=samples, seed=seed)
    cascade_steps(c)
    return c.worksheet()
