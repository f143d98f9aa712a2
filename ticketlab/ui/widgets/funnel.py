"""Chapter 5's panel: the booking funnel, search → try to book → pay, and the factor it asks the booking path for.

Three sliders (people who search, the share who try, the share of tries that end paid) drive
a funnel chart; the table gives conversion, abandonment, attempts per purchase (what the booking
path is sized for) and searchers per attempt (the factor the source mistakes for it), and sets
the purchases beside the template's bookings a day.
"""

from __future__ import annotations

import html
from typing import Any

from ticketlab.core.numbers import format_quantity, parse_quantity
from ticketlab.course.scenarios import SCENARIOS
from ticketlab.estimate import funnel
from ticketlab.ui.widgets.controls import Quantity
from ticketlab.ui.widgets.panel import Panel

__all__ = ["funnel_panel", "STAGES"]

#: The funnel's stages: worksheet step → how the chart names it.
STAGES = {"searchers": "search", "attempts": "try to book", "purchases": "pay"}


def _same(a: float, b: float) -> bool:
    """Two factors a learner would read as one (they print alike)."""
    return format_quantity(a, "x") == format_quantity(b, "x")


def funnel_panel(searchers: Any = "10M", attempt_rate: Any = "10%", booking_success_rate: Any = "30%") -> Panel:
    """Three sliders; the funnel's stages with their counts, and its sizing factors in the table."""
    template_bookings = float(parse_quantity(SCENARIOS["ticketmaster"].values()["bookings_per_day"]))
    controls = [
        Quantity("searchers", searchers, 100, 1e9, label="people who search", log=True),
        Quantity("attempt_rate", attempt_rate, 0.01, 1, label="share who try to book", unit="%", dimension="fraction"),
        Quantity("booking_success_rate", booking_success_rate, 0.01, 1, label="share of tries that pay", unit="%",
                 dimension="fraction"),
    ]

    def draw(p: Panel) -> None:
        p.figure.add_funnel(y=list(STAGES.values()), x=[1] * len(STAGES), name="people", textinfo="text",
                            text=[""] * len(STAGES), marker=dict(color=["#90a4ae", "#fb8c00", "#43a047"]))

    def update(p: Panel, v: dict) -> None:
        ws = funnel(**v)
        counts = [float(ws.exact(key)) for key in STAGES]
        stages = p.trace("people")
        stages.x = counts
        share = [format_quantity(c / counts[0], "%") for c in counts]
        stages.text = [format_quantity(counts[0], ""), *(f"{format_quantity(c, '')} ({s} of searchers)"
                                                          for c, s in zip(counts[1:], share[1:]))]
        per_purchase, per_attempt = float(ws.exact("attempts_per_purchase")), v["searchers"] / counts[1]
        same = _same(per_attempt, per_purchase)
        p.state["verdict"] = (
            f"Size the booking path for {format_quantity(per_purchase, 'x')} attempts per purchase "
            f"(1 ÷ {format_quantity(v['booking_success_rate'], '%')}); {format_quantity(per_attempt, 'x')} is "
            f"searchers per attempt, {'here the same figure' if same else 'a different factor'}. "
            f"{format_quantity(counts[2], 'purchases')} against the "
            f"template's {format_quantity(template_bookings, 'bookings')} a day: "
            f"{format_quantity(counts[2] / template_bookings, 'x')}.")
        p.table.value = f"<p>{html.escape(p.state['verdict'])}</p>" + ws.derived()._repr_html_()

    return Panel("The booking funnel", controls, update, draw=draw,
                 layout=dict(height=300, showlegend=False, margin=dict(l=100, r=20, t=50, b=30)))
