"""Chapter 12's panel: payments that fail in every way, and whether the money still balances.

Sliders set how often a buyer's payment is declined, loses its answer, or takes five minutes,
and how long a hold lasts; every move runs the payment drill on the real
seat-lock core (a simulated clock, a fake gateway) and the sweeper after it. The chart shows
how the buyers' attempts ended and where the seats are once the sale is quiet; the table
sets the money the gateway holds beside what the confirmed bookings are worth, and the
history checker's verdict.
"""

from __future__ import annotations

import html
from typing import Any

from ticketlab.seatlock.demos.failures import Outcome, payment_drill
from ticketlab.ui.widgets.controls import Quantity
from ticketlab.ui.widgets.panel import Panel

__all__ = ["failure_panel"]

_COLOURS = {Outcome.BOOKED: "#43a047", Outcome.DECLINED: "#e53935", Outcome.NO_ANSWER: "#fb8c00",
            Outcome.TOO_LATE: "#8e24aa", Outcome.SOLD_OUT: "#90a4ae"}
_SEATS = ("sold", "back on sale", "still held")


def failure_panel(decline: Any = "5%", lost_answer: Any = "5%", slow: Any = "2%", hold_ttl: Any = "10 min",
                  buyers: Any = 200, seats: Any = 150) -> Panel:
    """Failure shares, the hold's length and the crowd; outcomes, seats and money after the sweeper."""
    controls = [
        Quantity("decline", decline, 0, 0.5, label="payments declined", unit="%", dimension="fraction"),
        Quantity("lost_answer", lost_answer, 0, 0.5, label="answers lost (timeout)", unit="%", dimension="fraction"),
        Quantity("slow", slow, 0, 0.5, label="slow payments (5 min)", unit="%", dimension="fraction"),
        Quantity("hold_ttl", hold_ttl, 60, 3600, label="hold lasts", unit="s", dimension="seconds", log=True),
        Quantity("buyers", buyers, 10, 2_000, label="buyers", log=True, integer=True),
        Quantity("seats", seats, 10, 2_000, label="seats", log=True, integer=True),
    ]

    def draw(p: Panel) -> None:
        p.figure.add_bar(x=[o.value for o in Outcome], y=[0] * len(Outcome), name="buyers", text=[""] * len(Outcome),
                         textposition="auto", marker=dict(color=[_COLOURS[o] for o in Outcome]))
        p.figure.add_bar(x=list(_SEATS), y=[0] * len(_SEATS), name="seats", text=[""] * len(_SEATS),
                         textposition="auto", marker=dict(color=["#43a047", "#90a4ae", "#fb8c00"]),
                         xaxis="x2", yaxis="y2")

    def update(p: Panel, v: dict) -> None:
        shares = {k: v[k] for k in ("decline", "lost_answer", "slow")}
        if sum(shares.values()) > 1:
            p.say("the three failure shares add up to more than 100%: lower one of them")
            return
        result = payment_drill(int(v["buyers"]), int(v["seats"]), hold_ttl=v["hold_ttl"], **shares)
        p.state["result"] = result
        outcomes = p.trace("buyers")
        outcomes.y = [result.outcomes[o] for o in Outcome]
        outcomes.text = [str(result.outcomes[o]) for o in Outcome]
        seats = [result.seats_sold, result.seats_available, result.seats_held]
        where = p.trace("seats")
        where.y = seats
        where.text = [str(n) for n in seats]  # not where.y: inside a batch update it still reads the old values
        p.state["verdict"] = (
            f"gateway holds ${result.captured_cents / 100:,.2f}; confirmed bookings are worth "
            f"${result.booked_cents / 100:,.2f}: {'the money balances' if result.money_balances else 'MONEY LOST'}. "
            f"{result.refunds} refunds. Checker: {result.report.summary().splitlines()[0]}")
        p.table.value = f"<p>{html.escape(p.state['verdict'])}</p>"

    return Panel("Buyers' outcomes (left); the seats after the sweeper (right)",
                 controls, update, draw=draw,
                 layout=dict(height=340, showlegend=False, xaxis=dict(domain=[0, 0.62]),
                             xaxis2=dict(domain=[0.7, 1], anchor="y2"), yaxis=dict(title="buyers"),
                             yaxis2=dict(title="seats", anchor="x2")))
