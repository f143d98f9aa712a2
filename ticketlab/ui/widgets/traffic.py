"""Panels of the traffic chapters: users become queries per second, and peaks multiply them.

``dau_panel`` is the start-here experiment (one slider); ``traffic_panel`` is chapter 2's
(daily users, searches per user, bookings per day, the peak multiplier).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ticketlab.core.numbers import format_quantity
from ticketlab.estimate import traffic
from ticketlab.ui.widgets.controls import Quantity
from ticketlab.ui.widgets.panel import Panel

__all__ = ["dau_panel", "traffic_panel", "DAU_GRID"]

#: The DAU axis of the traffic charts: 100K to 1B users.
DAU_GRID = np.logspace(5, 9, 120)

_AXES = dict(xaxis=dict(title="daily active users", type="log"), yaxis=dict(title="queries per second", type="log"))


def _dau(value: Any) -> Quantity:
    return Quantity("dau", value, 1e5, 1e9, label="daily active users", log=True)


def dau_panel(dau: Any = "10M", searches_per_user: float = 5, peak_multiplier: float = 10) -> Panel:
    """Daily active users → search QPS, average and peak, napkin and exact side by side."""
    fixed = dict(searches_per_user=searches_per_user, peak_multiplier=peak_multiplier)
    curve = traffic(dau=DAU_GRID, **fixed)

    def draw(p: Panel) -> None:
        p.figure.add_scatter(x=DAU_GRID, y=curve.exact("search_qps"), name="average QPS (exact, 86,400 s a day)")
        p.figure.add_scatter(x=DAU_GRID, y=curve.napkin("search_qps"), name="average QPS (napkin, 100K s a day)",
                             line=dict(dash="dot"))
        p.figure.add_scatter(x=DAU_GRID, y=curve.exact("peak_qps"), name=f"peak QPS (×{peak_multiplier:g})")
        p.figure.add_scatter(x=[], y=[], mode="markers+text", name="you are here", marker=dict(size=12),
                             textposition="top center")

    def update(p: Panel, v: dict) -> None:
        ws = traffic(dau=v["dau"], **fixed)
        here = p.trace("you are here")
        here.x, here.y = [v["dau"]], [ws.exact("search_qps")]
        here.text = [format_quantity(ws.exact("search_qps"), "req/s")]
        p.table.value = ws.select(["dau", "searches_per_day", "search_qps", "peak_qps", "extreme_peak_qps"],
                                  title=f"Traffic at {format_quantity(v['dau'], 'users')}")._repr_html_()

    return Panel("Search QPS as daily active users grow", [_dau(dau)], update, draw=draw, layout=_AXES)


def traffic_panel(dau: Any = "10M", searches_per_user: Any = 5, bookings_per_day: Any = "500K",
                  peak_multiplier: Any = 10) -> Panel:
    """Chapter 2: four sliders drive searches, bookings and their peaks across the DAU axis."""
    controls = [
        _dau(dau),
        Quantity("searches_per_user", searches_per_user, 1, 50, label="searches per user a day", log=True),
        Quantity("bookings_per_day", bookings_per_day, 1e4, 1e7, label="bookings a day", log=True),
        Quantity("peak_multiplier", peak_multiplier, 1, 100, label="peak multiplier", unit="x", log=True),
    ]

    def draw(p: Panel) -> None:
        for name, dash in (("average search QPS", None), ("peak search QPS", None), ("average booking QPS", "dot"),
                           ("peak booking QPS", "dot")):
            p.figure.add_scatter(x=DAU_GRID, y=np.ones_like(DAU_GRID), name=name, line=dict(dash=dash))
        p.figure.add_scatter(x=[], y=[], mode="markers+text", name="you are here", marker=dict(size=12),
                             textposition="top center")

    def update(p: Panel, v: dict) -> None:
        rest = {k: v[k] for k in ("searches_per_user", "bookings_per_day", "peak_multiplier")}
        curve = traffic(dau=DAU_GRID, **rest)
        p.trace("average search QPS").y = curve.exact("search_qps")
        p.trace("peak search QPS").y = curve.exact("peak_qps")
        p.trace("average booking QPS").y = np.broadcast_to(curve.exact("booking_qps"), DAU_GRID.shape)
        p.trace("peak booking QPS").y = np.broadcast_to(curve.exact("peak_booking_qps"), DAU_GRID.shape)
        ws = traffic(dau=v["dau"], **rest)
        here = p.trace("you are here")
        here.x, here.y = [v["dau"]], [ws.exact("peak_qps")]
        here.text = [f"peak {format_quantity(ws.exact('peak_qps'), 'req/s')}"]
        p.table.value = ws.derived().select(
            ["searches_per_day", "search_qps", "peak_qps", "extreme_peak_qps", "booking_qps", "peak_booking_qps",
             "read_write_ratio"], title="Traffic")._repr_html_()

    return Panel("Queries per second: average and peak", controls, update, draw=draw, layout=_AXES)
