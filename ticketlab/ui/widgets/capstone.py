"""Chapter 13's panel: the five-minute ritual on any scenario, and where it sits among the others.

Pick a scenario, scale its crowd, set the load one server takes; the table is the ritual answered
by the library, the chart every scenario's peak booking capacity on one log axis, the chosen one in
orange.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from ticketlab.core.numbers import format_quantity, parse_quantity
from ticketlab.course.ritual import PER_SERVER_QPS, five_minute_ritual
from ticketlab.course.scenarios import SCENARIOS
from ticketlab.ui.widgets.controls import Choice, Quantity
from ticketlab.ui.widgets.panel import Panel

__all__ = ["ritual_panel"]

_PLAIN, _CHOSEN = "#90a4ae", "#ef6c00"


def _ritual(name: str, crowd: float, per_server: float):
    users = float(parse_quantity(SCENARIOS[name].values()["users"]))
    return five_minute_ritual(name, {"users": users * crowd}, per_server)


def _peak_of(items) -> float:
    return items[2].figure or 0.0


@lru_cache(maxsize=256)
def _unscaled_peak(name: str, per_server: float) -> float:
    """A scenario's peak at its own crowd: the same for every move of another scenario's sliders."""
    return _peak_of(_ritual(name, 1.0, per_server))


def ritual_panel(scenario: str = "olympics", crowd: Any = 1, per_server_qps: Any = PER_SERVER_QPS) -> Panel:
    """A scenario, a crowd multiplier and a per-server load; the ritual and every scenario's peak."""
    names = list(SCENARIOS)
    controls = [Choice("scenario", scenario, names, label="scenario"),
                Quantity("crowd", crowd, 0.1, 10, label="crowd (× the scenario's people)", unit="x",
                         dimension="multiplier", log=True),
                Quantity("per_server_qps", per_server_qps, 5, 5_000, label="load one server takes (QPS)",
                         dimension="per_second", log=True)]

    def draw(p: Panel) -> None:
        p.figure.add_bar(x=[1] * len(names), y=names, orientation="h", name="peak QPS", text=[""] * len(names),
                         textposition="auto", marker=dict(color=[_PLAIN] * len(names)))

    def update(p: Panel, v: dict) -> None:
        items = _ritual(v["scenario"], v["crowd"], v["per_server_qps"])
        peaks = [_peak_of(items) if n == v["scenario"] else _unscaled_peak(n, v["per_server_qps"]) for n in names]
        bars = p.trace("peak QPS")
        bars.x = [max(peak, 1e-3) for peak in peaks]
        bars.text = [format_quantity(peak, "req/s") for peak in peaks]
        bars.marker.color = [_CHOSEN if n == v["scenario"] else _PLAIN for n in names]
        rows = "".join(f"<tr><td>{i.number}</td><td>{i.ask}</td><td>{i.answer}</td></tr>" for i in items)
        p.table.value = (f"<table class='ticketlab-ritual'><thead><tr><th>#</th><th>the ritual asks</th>"
                         f"<th>{v['scenario']}</th></tr></thead><tbody>{rows}</tbody></table>")

    return Panel("Peak booking capacity, every scenario", controls, update, draw=draw,
                 layout=dict(height=420, showlegend=False, xaxis=dict(title="queries per second (log)", type="log"),
                             yaxis=dict(autorange="reversed")))
