"""Chapter 7's panels: where a sale sits on the contention map, and a live race on the core.

``contention_panel``: sliders for users, seats, seats per booking, the lock hold time and the
waiting room's throttle; the chart is the Low / Medium / High map of users against seats (log
scales) with the sale as a point, and the table the figures that decide the locking strategy:
by ratio, by rate, and what the seat locks can carry.

``race_panel``: a button that rushes a few seats with real threads through the seat-lock core,
under the chosen strategy, and plots bookings made against seats sold for every run so far.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ticketlab.core.numbers import format_quantity
from ticketlab.core.vocab import StrategyName
from ticketlab.estimate import onsale
from ticketlab.estimate.contention import LOW_THRESHOLD
from ticketlab.ui.widgets.controls import Choice, Quantity
from ticketlab.ui.widgets.panel import Panel

__all__ = ["contention_panel", "race_panel", "SEATS_AXIS"]

#: The seats axis of the map: 100 to 1M seats.
SEATS_AXIS = (1e2, 1e6)
_USERS_AXIS = (1e1, 1e8)
_REGIONS = (("Low: optimistic", 0.0, LOW_THRESHOLD, "rgba(102,187,106,0.25)"),
            ("Medium: pessimistic", LOW_THRESHOLD, 1.0, "rgba(255,179,0,0.25)"),
            ("High: distributed + queue", 1.0, None, "rgba(198,40,40,0.18)"))
_SHOWN = ["contention_ratio", "users_per_booking", "contention_level", "attempt_qps", "effective_admit_rate",
          "writers_at_once", "rate_level", "lock_qps_ceiling", "stock_lock_seconds", "sellout_seconds"]


def _region(low: float, high: float | None) -> tuple[list[float], list[float]]:
    """The polygon of users between ``low × seats`` and ``high × seats`` across the seats axis."""
    s0, s1 = SEATS_AXIS
    top = _USERS_AXIS[1]
    lower = [max(low * s0, _USERS_AXIS[0]), max(low * s1, _USERS_AXIS[0])]
    upper = [min(high * s1, top), min(high * s0, top)] if high else [top, top]
    return [s0, s1, s1, s0, s0], [lower[0], lower[1], upper[0], upper[1], lower[0]]


def contention_panel(users: Any = "100K", seats: Any = "50K", seats_per_booking: Any = 2.5,
                     lock_hold_time: Any = "5s", throttle_rate: Any = "1K/min", sale_window: Any = "30 min") -> Panel:
    """Five sliders; the contention map with the sale marked; ratio, rate and lock-capacity figures."""
    controls = [
        Quantity("users", users, 10, 1e8, label="people who want tickets", log=True),
        Quantity("seats", seats, 100, 1e6, label="seats on sale", log=True),
        Quantity("seats_per_booking", seats_per_booking, 1, 10, label="seats per booking"),
        Quantity("lock_hold_time", lock_hold_time, 0.001, 30, label="lock hold time", unit="s",
                 dimension="seconds", log=True),
        Quantity("throttle_rate", throttle_rate, 0.1, 1e4, label="waiting room admits (per s)",
                 dimension="per_second", log=True),
    ]

    def draw(p: Panel) -> None:
        for name, low, high, colour in _REGIONS:
            x, y = _region(low, high)
            p.figure.add_scatter(x=x, y=y, fill="toself", fillcolor=colour, line=dict(width=0), name=name,
                                 mode="lines", hoverinfo="name")
        p.figure.add_scatter(x=[], y=[], mode="markers+text", name="this sale", marker=dict(size=14, color="black"),
                             textposition="top center")

    def update(p: Panel, v: dict) -> None:
        ws = onsale(users=v["users"], seats=v["seats"], seats_per_booking=v["seats_per_booking"],
                    lock_hold_time=v["lock_hold_time"], throttle_rate=v["throttle_rate"], sale_window=sale_window)
        here = p.trace("this sale")
        here.x, here.y = [v["seats"]], [v["users"]]
        here.text = [f"{ws['contention_level'].show(ws.exact('contention_level'))} by ratio, "
                     f"{ws['rate_level'].show(ws.exact('rate_level'))} by rate"]
        p.table.value = ws.select(_SHOWN, title="What decides the locking strategy")._repr_html_()

    return Panel("Users against seats: the contention map", controls, update, draw=draw,
                 layout=dict(xaxis=dict(title="seats on sale", type="log", range=np.log10(SEATS_AXIS).tolist()),
                             yaxis=dict(title="people who want tickets", type="log",
                                        range=np.log10(_USERS_AXIS).tolist())))


def race_panel(strategy: Any = StrategyName.NAIVE, users: Any = 20, seats: Any = 5) -> Panel:
    """A button that runs a real race; a bar pair (bookings, seats sold) per run so far."""
    from ticketlab.seatlock import race

    controls = [Choice("strategy", StrategyName(strategy), list(StrategyName), label="locking strategy"),
                Quantity("users", users, 2, 200, label="users rushing", integer=True, log=True),
                Quantity("seats", seats, 1, 50, label="seats on sale", integer=True, log=True)]

    def draw(p: Panel) -> None:
        p.figure.add_bar(x=[], y=[], name="bookings made")
        p.figure.add_bar(x=[], y=[], name="seats sold")
        p.state["runs"] = []

    def run(p: Panel) -> None:
        v = p.values()
        result = race(v["strategy"], int(v["users"]), int(v["seats"]))
        p.state["runs"].append(result)

    def update(p: Panel, v: dict) -> None:
        runs = p.state["runs"]
        labels = [f"{i}. {r.strategy}" for i, r in enumerate(runs, 1)]
        p.trace("bookings made").x, p.trace("bookings made").y = labels, [r.bookings for r in runs]
        p.trace("seats sold").x, p.trace("seats sold").y = labels, [r.seats_sold for r in runs]
        if runs:
            last = runs[-1]
            verdict = "no seat sold twice" if last.ok else (
                f"{last.double_bookings} seat{'s' if last.double_bookings != 1 else ''} sold more than once, "
                f"{last.violations} violations found by the checker")
            p.table.value = (f"<p>Run {len(runs)}: <b>{last.strategy}</b>, {last.users} users on {last.seats} seats: "
                             f"{last.bookings} bookings for {last.seats_sold} seats sold — <b>{verdict}</b>. "
                             f"{last.conflicts} conflicts, {last.retries} retries, "
                             f"{format_quantity(last.wall_s, 's')}.</p>")

    return Panel("Bookings made and seats sold, run by run", controls, update, draw=draw,
                 actions=[("run the race", run), ("clear", lambda p: p.state["runs"].clear())],
                 layout=dict(barmode="group", yaxis=dict(title="count")))
