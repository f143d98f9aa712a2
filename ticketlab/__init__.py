"""ticketlab: the scale math and seat locking behind a Ticketmaster-scale ticketing system.

    import ticketlab as tl
    tl.estimate.traffic(dau="10M")           # a worked derivation, napkin and exact
    tl.solve("superbowl")                    # a named scenario's worksheet
    tl.audit()                               # where the source material slips
    tl.seatlock.BookingService(...)          # the seat-lock core
    tl.classroom.join(url, "ada")            # a whole room rushing one event on a shared Redis

``import ticketlab`` is cheap (numpy only): the subpackages load when first used, and sympy,
plotly and ipywidgets only where a function needs them.
"""

from __future__ import annotations

import importlib
from typing import Any

from ticketlab.core.errors import CascadeError, InputError, TicketlabError

__version__ = "0.1.0"

#: Subpackages reachable as attributes (``tl.estimate``), loaded on first use.
SUBPACKAGES = ("core", "worksheet", "estimate", "course", "seatlock", "sim", "classroom", "ui")
#: Names re-exported from deeper modules (module, attribute; None for the module itself), loaded on first use.
SHORTCUTS = {
    "Worksheet": ("ticketlab.worksheet", "Worksheet"),
    "Range": ("ticketlab.core.uncertainty", "Range"),
    "parse_quantity": ("ticketlab.core.numbers", "parse_quantity"),
    "format_quantity": ("ticketlab.core.numbers", "format_quantity"),
    "napkin_round": ("ticketlab.core.numbers", "napkin_round"),
    "solve": ("ticketlab.course.solve", "solve"),
    "audit": ("ticketlab.course.audit", "audit"),
    "scenarios": ("ticketlab.course.scenarios", None),
}

__all__ = ["__version__", "TicketlabError", "InputError", "CascadeError", *SUBPACKAGES, *SHORTCUTS]


def __getattr__(name: str) -> Any:
    if name in SUBPACKAGES:
        return importlib.import_module(f"ticketlab.{name}")
    if name in SHORTCUTS:
        module_name, attribute = SHORTCUTS[name]
        module = importlib.import_module(module_name)
        return module if attribute is None else getattr(module, attribute)
    raise AttributeError(f"module 'ticketlab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
