"""The dashboard: the whole Ticketmaster template on one page, every headline at once.

Sliders for the inputs that move the answer most (traffic, storage, the hot event, the locks,
the waiting room and all four timeouts), plus an *uncertainty* slider: at ×1 every input is a
point; above it, every slider's value becomes a 90% range from value ÷ u to value × u, sampled,
and the chart shows the median with its 5th–95th percentile band.

The chart puts every headline on one axis by dividing it by its value in the source's baseline
(log scale): 1× is the baseline, 10× is ten times it. The bar's text is the figure itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ticketlab.core.numbers import format_quantity
from ticketlab.core.timing import CASCADE_LAYERS, check_cascade
from ticketlab.core.uncertainty import Range
from ticketlab.course.scenarios import SCENARIOS
from ticketlab.estimate.inputs import INPUTS
from ticketlab.estimate.template import ticketmaster_template
from ticketlab.ui.widgets.controls import Quantity
from ticketlab.ui.widgets.panel import Panel

__all__ = ["dashboard_panel", "HEADLINES", "SLIDERS"]

#: The figures the chart shows, with the words it uses for each.
HEADLINES = {
    "peak_qps": "peak search QPS", "extreme_peak_qps": "on-sale search QPS", "peak_booking_qps": "peak booking QPS",
    "total_storage": "storage", "peak_bandwidth": "peak bandwidth", "total_cache": "cache",
    "users_per_booking": "people per booking", "lock_qps_ceiling": "lock burst ceiling",
    "sale_duration_seconds": "sale duration", "sellout_seconds": "time to the last booking",
    "db_statement_headroom": "statement fits in request",
}
#: Each slider: (input, low, high, log scale).
SLIDERS = (
    ("dau", 1e5, 1e9, True), ("searches_per_user", 1, 50, True), ("bookings_per_day", 1e4, 1e7, True),
    ("booking_success_rate", 0.05, 1.0, False), ("peak_multiplier", 1, 100, True), ("events", 1e3, 1e7, True),
    ("seats_per_event", 100, 1e5, True), ("retention_years", 1, 20, False), ("users", 1e3, 1e7, True),
    ("seats", 100, 1e6, True), ("seats_per_booking", 1, 10, False), ("lock_hold_time", 0.001, 30, True),
    ("throttle_rate", 0.1, 1e4, True), ("booking_hold", 60, 3_600, True), ("lock_ttl", 1, 900, True),
    ("http_call", 0.5, 120, True), ("db_statement", 0.1, 60, True),
)
_UNITS = {"seconds": "s", "fraction": "%"}
_SAMPLES = 2_000


def _ranged(values: dict[str, Any], spread: float) -> dict[str, Any]:
    """Each value as the 90% range value ÷ spread .. value × spread (a fraction capped at 1).

    The four timeouts move together (one group, shared draws), so a cascade that holds at its
    points holds in every sample: the uncertainty is in how slow things are, not in their order.
    """
    out = {}
    for name, value in values.items():
        high = value * spread
        if INPUTS[name].dimension == "fraction":
            high = min(high, 1.0)
        out[name] = Range(value / spread, high, group="timeouts" if name in CASCADE_LAYERS else None)
    return out


def dashboard_panel(uncertainty: float = 1.0, **overrides: Any) -> Panel:
    """Every template slider and an uncertainty slider; headlines relative to the baseline."""
    baseline = SCENARIOS["ticketmaster"]
    givens = {**baseline.values(), **overrides}
    reference = ticketmaster_template(baseline.values())
    controls = [Quantity(name, givens[name], low, high, label=INPUTS[name].label,
                         unit=_UNITS.get(INPUTS[name].dimension or "", ""), dimension=INPUTS[name].dimension,
                         log=log) for name, low, high, log in SLIDERS]
    controls.append(Quantity("uncertainty", uncertainty, 1, 4, label="uncertainty (× either way)", unit="x",
                             dimension="multiplier"))
    names = list(HEADLINES.values())

    def draw(p: Panel) -> None:
        p.figure.add_bar(x=[1] * len(names), y=names, orientation="h", name="× the baseline", text=[""] * len(names),
                         textposition="auto", error_x=dict(type="data", symmetric=False, array=[0] * len(names),
                                                           arrayminus=[0] * len(names), visible=False))

    def update(p: Panel, v: dict) -> None:
        spread = v.pop("uncertainty")
        inputs = {**givens, **v}
        check_cascade([(name, inputs[name]) for name in CASCADE_LAYERS])  # said with the slider values
        if spread > 1:
            inputs.update(_ranged(v, spread))
        ws = ticketmaster_template(inputs, samples=_SAMPLES)
        middle, low, high, words = [], [], [], []
        for key in HEADLINES:
            base = float(reference.exact(key))
            values = np.asarray(ws.exact(key), dtype=float)
            p5, p50, p95 = np.percentile(values, [5, 50, 95]) if values.ndim else (values,) * 3
            middle.append(p50 / base)
            low.append((p50 - p5) / base)
            high.append((p95 - p50) / base)
            words.append(format_quantity(float(p50), ws[key].unit))
        bars = p.trace("× the baseline")
        bars.x, bars.text = middle, words
        bars.error_x.array, bars.error_x.arrayminus, bars.error_x.visible = high, low, spread > 1
        p.table.value = ws.select(list(HEADLINES), title="The headlines" + (" (median [p5 – p95])" if spread > 1
                                                                            else ""))._repr_html_()

    return Panel("Every headline against the source's baseline", controls, update, draw=draw,
                 layout=dict(height=460, showlegend=False, xaxis=dict(title="× the Ticketmaster baseline (log)",
                                                                       type="log", range=[-2, 2]),
                             yaxis=dict(autorange="reversed")))
