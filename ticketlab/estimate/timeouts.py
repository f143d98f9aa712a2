"""The timeout cascade as a worksheet: each layer, and how many times each child fits in its parent.

The rule itself (whoever waits gives up later than the work it waits for:
``booking_hold > lock_ttl > http_call > db_statement``) lives in
:mod:`ticketlab.core.timing`, which the seat-lock core checks too.
"""

from __future__ import annotations

from ticketlab.core.timing import CASCADE, CASCADE_LAYERS, check_cascade
from ticketlab.core.uncertainty import DEFAULT_SAMPLES, DEFAULT_SEED

__all__ = ["CASCADE", "timeout_cascade", "timeout_steps"]


def timeout_cascade(booking_hold="10 min", lock_ttl="30s", http_call="10s", db_statement="5s", *,
                    samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED):
    """A worksheet of the cascade: each layer, and how many times each child fits in its parent.

    Raises :class:`~ticketlab.core.errors.CascadeError` when the cascade is upside down.
    """
    from ticketlab.estimate.inputs import start

    layers = [("booking_hold", booking_hold), ("lock_ttl", lock_ttl), ("http_call", http_call),
              ("db_statement", db_statement)]
    c = start("Timeout cascade", {**dict(layers), "samples": samples, "seed": seed})  # numbers, strings, arrays, ranges
    timeout_steps(c)  # validates the parsed cascade
    return c.worksheet()


def timeout_steps(c) -> None:
    """Append one headroom step per parent/child pair (needs the four layers declared and valid)."""
    names = CASCADE_LAYERS
    check_cascade([(n, c._exact[n]) for n in names])
    for p, ch in zip(names, names[1:]):
        c.step(f"{ch}_headroom", f"{ch} fits in {p}", f"{p} / {ch}",
               lambda v, K, p=p, ch=ch: getattr(v, p) / getattr(v, ch), unit="x")
