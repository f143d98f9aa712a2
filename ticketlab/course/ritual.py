"""The five-minute ritual: the source's whiteboard checklist, answered from a scenario's worksheet.

The source's cheat sheet closes with eight steps to run on any ticketing question (write the
givens down, QPS, peak, storage, cache, a concurrency check, the timeout design, a smell test).
:func:`five_minute_ritual` answers each from the library for one scenario; a step the scenario's
model does not cover says so instead of inventing a number. The smell test turns the peak into a
number of servers at a stated load per server (the source uses both 5 and 500 QPS per server in
different places: finding ``servers-per-qps``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ticketlab.core.errors import InputError
from ticketlab.core.numbers import format_quantity
from ticketlab.core.timing import CASCADE, CASCADE_LAYERS, check_cascade
from ticketlab.core.vocab import StrategyName
from ticketlab.course.scenarios import get
from ticketlab.course.solve import solve
from ticketlab.estimate.contention import ContentionLevel
from ticketlab.worksheet import Worksheet

__all__ = ["RitualItem", "five_minute_ritual", "PER_SERVER_QPS"]

#: The smell test's load per server: the source's "100 servers handle 50K QPS".
PER_SERVER_QPS = 500.0


@dataclass(frozen=True)
class RitualItem:
    """One step of the ritual: what it asks, the answer in words, and its figure (None: not a number)."""

    number: int
    ask: str
    answer: str
    figure: float | None = None
    unit: str = ""


def _first(ws: Worksheet, *keys: str) -> str | None:
    return next((k for k in keys if k in ws), None)


def _said(ws: Worksheet, key: str) -> str:
    step = ws[key]
    return step.show(step.exact) if step.show else format_quantity(float(step.exact), step.unit)


def five_minute_ritual(scenario: str, overrides: Mapping[str, Any] | None = None,
                       per_server_qps: float = PER_SERVER_QPS) -> tuple[RitualItem, ...]:
    """The eight steps for ``scenario`` (givens replaced from ``overrides``), answered by the library.

    Raises :class:`~ticketlab.core.errors.InputError` for an unknown scenario or input, or a
    load per server that is not a positive number.
    """
    if isinstance(per_server_qps, bool) or not isinstance(per_server_qps, (int, float)) \
            or not math.isfinite(per_server_qps) or per_server_qps <= 0:
        raise InputError("per_server_qps", per_server_qps, "a positive load per server, such as 500")
    s = get(scenario)
    ws = solve(s.name, overrides)
    seats = "seats" if "seats" in ws else "seats_per_show"
    givens = ", ".join(f"{ws[k].label}: {_said(ws, k)}" for k in ("dau", "users", seats, "events") if k in ws)
    items = [RitualItem(1, "Write down the givens: users, events, seats", givens)]

    qps = _first(ws, "search_qps", "attempt_qps", "peak_booking_qps")
    how = {"search_qps": "searches a day ÷ seconds a day", "attempt_qps": "people ÷ the sale window",
           "peak_booking_qps": "people at once ÷ the time one booking takes (Little's law)"}
    no_rate = "this model has no rate: the sale is spread over weeks"
    items.append(RitualItem(2, "QPS: operations a day ÷ 100K", f"{_said(ws, qps)} ({how[qps]})" if qps else no_rate,
                            float(ws.exact(qps)) if qps else None, "req/s"))
    peak = _first(ws, "extreme_peak_qps", "booking_qps_capacity")
    items.append(RitualItem(3, "Peak QPS: normal × 10, or × 100 for an on-sale",
                            f"{_said(ws, peak)} ({ws[peak].label})" if peak else no_rate,
                            float(ws.exact(peak)) if peak else None, "req/s"))
    storage = _first(ws, "total_storage")
    if storage:
        items.append(RitualItem(4, "Storage: events + seats + bookings + users (+ logs)", _said(ws, storage),
                                float(ws.exact(storage)), "B"))
    else:
        kept = [k for k in ("event_storage", "seats_storage", "bookings_storage") if k in ws]
        total = sum(float(ws.exact(k)) for k in kept)
        items.append(RitualItem(4, "Storage: events + seats + bookings + users (+ logs)",
                                f"{format_quantity(total, 'B')} for this sale's records", total, "B"))
    cache = _first(ws, "total_cache", "seats_storage")
    items.append(RitualItem(5, "Cache: hot events + session data", f"{_said(ws, cache)} ({ws[cache].label})"
                            if cache else "nothing this model sizes", float(ws.exact(cache)) if cache else None, "B"))
    items.append(RitualItem(6, "Concurrency: more users than seats? which lock?", _concurrency(ws)))
    items.append(RitualItem(7, "Timeouts: booking > lock > request > statement", _cascade(ws)))
    servers = max(1, math.ceil(float(ws.exact(peak)) / per_server_qps)) if peak else 1
    items.append(RitualItem(8, "Smell test: how many servers does the peak need?",
                            f"{servers:,} at {format_quantity(per_server_qps, 'req/s')} each" if peak
                            else "one, and a spare: there is no peak to size for", float(servers), "servers"))
    return tuple(items)


def _concurrency(ws: Worksheet) -> str:
    if "counter_ceiling" in ws:
        return (f"{_said(ws, 'users_per_booking')} people per booking, but a pass is a counter: one conditional "
                f"decrement per booking, {_said(ws, 'counter_ceiling')} from the counter rows")
    if "contention_level" not in ws:
        return "no contention in this model"
    by_ratio = ContentionLevel(int(ws.exact("contention_level")))
    said = f"{_said(ws, 'users_per_booking')} people per booking: {by_ratio.label} by ratio"
    level = by_ratio
    if "rate_level" in ws:
        level = ContentionLevel(int(ws.exact("rate_level")))
        said += f", {level.label} by rate"
    strategy: StrategyName = level.strategy
    queue = "behind a waiting room" if level.needs_queue else "no waiting room needed"
    return f"{said} → {strategy} locking, {queue}"


def _cascade(ws: Worksheet) -> str:
    layers = [(name, ws.exact(name) if name in ws else seconds) for name, seconds in CASCADE]
    pairs = check_cascade(layers)
    own = all(name in ws for name in CASCADE_LAYERS)
    return (" > ".join(format_quantity(float(seconds), "s") for _, seconds in layers)
            + f" ({'this scenario' if own else 'the course default'}; each layer fits "
            + ", ".join(f"{float(p.headroom):.3g}×" for p in pairs) + ")")
