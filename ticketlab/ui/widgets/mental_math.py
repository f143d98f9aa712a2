"""Chapter 1's panels: counting zeros on the power-of-ten ladder, and how long a day is on the napkin.

``zeros_panel`` puts a numerator, a denominator and their quotient on one log axis: a number's
length from 1 is its count of zeros, so dividing subtracts lengths. ``seconds_panel`` counts the
seconds in a span of days three napkin ways (by the day, the month, the year) against the
calendar: a constant ratio on the napkin is a gap in seconds that grows with the span.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np

from ticketlab.core.numbers import LADDER, divide_by_zeros, format_count, format_quantity, order_of_magnitude
from ticketlab.course.drills import seconds_in
from ticketlab.ui.widgets.controls import Quantity
from ticketlab.ui.widgets.panel import Panel

__all__ = ["zeros_panel", "seconds_panel", "ROWS", "SPANS"]

#: The rows of the zeros chart, top to bottom.
ROWS = ("numerator", "denominator", "quotient")
#: The lines of the seconds chart: worksheet step → how the legend names it.
SPANS = {"seconds": "napkin day (100K s)", "seconds_by_month": "napkin month (2.5M s)",
         "seconds_by_year": "napkin year (30M s)"}
_DAYS_GRID = np.linspace(1, 3_650, 80)
_LABEL_DECADES = 2.2  # the ladder runs on this far past the largest number, for its label
_RUNGS = ((1.0, "1"), *((size, f"1{symbol}") for _, symbol, size in LADDER))


def _scientific(x: float) -> str:
    e = order_of_magnitude(x)
    return f"{format_count(x)} = {x / 10.0 ** e:.3g} × 10^{e}"


def zeros_panel(numerator: Any = "500K", denominator: Any = "100K") -> Panel:
    """Two sliders (1 to 1T); the ladder chart shows each number's zeros and the quotient's."""
    controls = [Quantity("numerator", numerator, 1, 1e12, log=True),
                Quantity("denominator", denominator, 1, 1e12, log=True)]

    def draw(p: Panel) -> None:
        for row in ROWS:
            p.figure.add_scatter(x=[1, 1], y=[row, row], mode="lines+markers+text", name=row, text=["", ""],
                                 textposition="middle right", cliponaxis=False, line=dict(width=6),
                                 marker=dict(size=[0, 12]))

    def update(p: Panel, v: dict) -> None:
        d = divide_by_zeros(v["numerator"], v["denominator"])
        for row, value in zip(ROWS, (d.numerator, d.denominator, d.exact)):
            trace = p.trace(row)
            trace.x, trace.text = [1, value], ["", _scientific(value)]
        ends = np.log10([1.0, d.numerator, d.denominator, d.exact])
        p.figure.layout.xaxis.range = [ends.min() - 0.3, ends.max() + _LABEL_DECADES]  # room for the labels
        zeros = d.num_exponent - d.den_exponent
        p.table.value = (
            f"<p><b>Count the zeros:</b> {d.num_exponent} − {d.den_exponent} = {zeros}; "
            f"the leading digits give {d.num_mantissa:.3g} ÷ {d.den_mantissa:.3g} = "
            f"{d.num_mantissa / d.den_mantissa:.3g}.</p><p><code>{html.escape(d.explain())}</code></p>"
            f"<p>On the napkin: <b>{format_count(d.napkin, 1)}</b> (one significant figure); exactly "
            f"{format_count(d.exact)}.</p>")

    return Panel("Division is subtracting zeros", controls, update, draw=draw,
                 layout=dict(height=300, showlegend=False, yaxis=dict(autorange="reversed"),
                             xaxis=dict(title="the power-of-ten ladder (log scale)", type="log",
                                        tickvals=[r for r, _ in _RUNGS], ticktext=[t for _, t in _RUNGS])))


def seconds_panel(days: Any = 365) -> Panel:
    """One slider (1 day to 10 years); three napkin counts of the seconds against the calendar."""
    curves = seconds_in(_DAYS_GRID)

    def draw(p: Panel) -> None:
        p.figure.add_scatter(x=_DAYS_GRID, y=curves.exact("seconds"), name="calendar (86,400 s a day)",
                             line=dict(color="black", width=3))
        for key, name in SPANS.items():
            p.figure.add_scatter(x=_DAYS_GRID, y=curves.napkin(key), name=name, line=dict(dash="dot"))
        p.figure.add_scatter(x=[], y=[], mode="markers", name="your span", marker=dict(size=10, color="black"))

    def update(p: Panel, v: dict) -> None:
        ws = seconds_in(v["days"])
        exact = float(ws.exact("seconds"))
        here = p.trace("your span")
        here.x = [v["days"]] * (len(SPANS) + 1)
        here.y = [exact, *(float(ws.napkin(key)) for key in SPANS)]
        rows = "".join(f"<tr><td>{name}</td><td>{format_count(float(ws.napkin(key)))} s</td>"
                       f"<td>{float(ws.napkin(key)) / exact - 1:+.1%}</td></tr>" for key, name in SPANS.items())
        spread = float(ws.napkin("seconds")) / float(ws.napkin("seconds_by_year")) - 1
        p.table.value = (
            f"<p>{format_quantity(v['days'], 'days')}: <b>{format_count(exact)} s</b> on the calendar. "
            f"The napkin day says {spread:.0%} more than the napkin year.</p>"
            f"<table><tr><th>napkin</th><th>seconds</th><th>vs the calendar</th></tr>{rows}</table>")

    return Panel("Seconds in a span: three napkins and the calendar", [
        Quantity("days", days, 1, 3_650, label="days", log=True)], update, draw=draw,
        layout=dict(xaxis=dict(title="days"), yaxis=dict(title="seconds")))
