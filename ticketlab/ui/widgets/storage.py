"""Chapter 3's panel: what a ticketing system stores, and which line of the total dominates.

Sliders for the number of events, venue size, bookings per day, how long bookings and logs are
kept, and daily users (searches, hence log records, follow them). The chart shows each line of
the storage estimate on a log scale, the largest one highlighted; the table is the worksheet.
"""

from __future__ import annotations

from typing import Any

from ticketlab.core.numbers import format_quantity
from ticketlab.estimate import storage
from ticketlab.ui.widgets.controls import Quantity
from ticketlab.ui.widgets.panel import Panel

__all__ = ["storage_panel", "LINES"]

#: The lines of the total, in the order the source lists them, with how the chart names them.
LINES = {"events_storage": "events", "seats_storage": "seats", "bookings_storage": "bookings",
         "users_storage": "users", "logs_storage": "logs"}
_PLAIN, _TOP = "#90a4ae", "#ef6c00"


def storage_panel(events: Any = "500K", seats_per_event: Any = "10K", bookings_per_day: Any = "500K",
                  retention_years: Any = 5, log_retention_years: Any = 1, dau: Any = "10M",
                  searches_per_user: float = 5) -> Panel:
    """Six sliders; bars for events, seats, bookings, users and logs; the largest in orange."""
    controls = [
        Quantity("events", events, 1e3, 1e7, label="events in the system", log=True),
        Quantity("seats_per_event", seats_per_event, 100, 1e5, label="seats per event", log=True),
        Quantity("bookings_per_day", bookings_per_day, 1e4, 1e7, label="bookings a day", log=True),
        Quantity("retention_years", retention_years, 1, 20, label="years bookings are kept", integer=True),
        Quantity("log_retention_years", log_retention_years, 1, 10, label="years logs are kept", integer=True),
        Quantity("dau", dau, 1e5, 1e9, label="daily active users", log=True),
    ]

    def draw(p: Panel) -> None:
        p.figure.add_bar(x=[1] * len(LINES), y=list(LINES.values()), orientation="h", name="bytes",
                         text=[""] * len(LINES), textposition="auto", marker=dict(color=[_PLAIN] * len(LINES)))

    def update(p: Panel, v: dict) -> None:
        ws = storage(events=v["events"], seats_per_event=v["seats_per_event"],
                     bookings_per_day=v["bookings_per_day"], retention_years=v["retention_years"],
                     log_retention_years=v["log_retention_years"], searches_per_day=v["dau"] * searches_per_user)
        sizes = [ws.exact(key) for key in LINES]
        top = max(range(len(sizes)), key=sizes.__getitem__)
        bars = p.trace("bytes")
        bars.x = sizes
        bars.text = [format_quantity(s, "B") for s in sizes]
        bars.marker.color = [_TOP if i == top else _PLAIN for i in range(len(sizes))]
        total = ws.exact("total_storage")
        p.table.value = (f"<p><b>Total {format_quantity(total, 'B')}</b>; the largest line, "
                         f"<b>{list(LINES.values())[top]}</b>, is {sizes[top] / total:.0%} of it.</p>"
                         + ws.derived()._repr_html_())

    return Panel("What is stored, line by line", controls, update, draw=draw,
                 layout=dict(xaxis=dict(title="bytes (log scale)", type="log"), yaxis=dict(autorange="reversed"),
                             showlegend=False))
