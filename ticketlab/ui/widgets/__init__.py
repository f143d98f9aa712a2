"""Notebook panels: sliders and boxes driving plotly charts that update in place.

Thin by design: a panel calls the library and moves numbers into widgets. ipywidgets and
plotly are imported when a panel is built, never by ``import ticketlab``. One module per
chapter; :mod:`~ticketlab.ui.widgets.panel` and :mod:`~ticketlab.ui.widgets.controls` are
the frame they share.
"""

from __future__ import annotations

import importlib
from typing import Any

#: Every panel factory, and the module that holds it.
PANELS = {
    "dau_panel": "traffic",
    "traffic_panel": "traffic",
    "cascade_panel": "timeouts",
    "storage_panel": "storage",
    "seat_map_panel": "seatlock",
    "contention_panel": "contention",
    "race_panel": "contention",
    "dashboard_panel": "dashboard",
    "ritual_panel": "capstone",
    "rush_panel": "rush",
    "fairness_panel": "rush",
    "zeros_panel": "mental_math",
    "seconds_panel": "mental_math",
    "bandwidth_panel": "bandwidth_cache",
    "cache_panel": "bandwidth_cache",
    "funnel_panel": "funnel",
    "range_panel": "ranges",
    "failure_panel": "failures",
    "leaderboard_panel": "classroom",
}

__all__ = ["Panel", "Quantity", "Choice", "sweep", *PANELS]


def sweep(estimator, name: str, values, keys, **fixed) -> dict[str, dict[str, Any]]:
    """Run ``estimator`` once over an array of ``name`` values: ``{key: {"napkin": arr, "exact": arr}}``."""
    import numpy as np

    ws = estimator(**{name: np.asarray(values, dtype=float)}, **fixed)
    return {k: {"napkin": np.broadcast_to(ws.napkin(k), np.shape(values)).copy(),
                "exact": np.broadcast_to(ws.exact(k), np.shape(values)).copy()} for k in keys}


def __getattr__(name: str) -> Any:
    if name in PANELS:
        return getattr(importlib.import_module(f"ticketlab.ui.widgets.{PANELS[name]}"), name)
    if name == "Panel":
        from ticketlab.ui.widgets.panel import Panel

        return Panel
    if name in ("Quantity", "Choice"):
        return getattr(importlib.import_module("ticketlab.ui.widgets.controls"), name)
    raise AttributeError(f"module 'ticketlab.ui.widgets' has no attribute {name!r}")
