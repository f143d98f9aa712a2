"""Slider panels. Each returns a :class:`Panel` whose ``widget`` is what a notebook displays.

A panel keeps its slider, its ``FigureWidget`` and its table as attributes, so a test (or a
curious learner) can set ``panel.slider.value`` and read back what the chart now shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ticketlab.core.numbers import format_quantity
from ticketlab.worksheet import Worksheet

__all__ = ["Panel", "sweep", "dau_panel"]


def sweep(estimator: Callable[..., Worksheet], name: str, values: Any, keys: list[str], **fixed: Any) -> dict[str, dict[str, np.ndarray]]:
    """Run ``estimator`` once over an array of ``name`` values: ``{key: {"napkin": arr, "exact": arr}}``."""
    ws = estimator(**{name: np.asarray(values, dtype=float)}, **fixed)
    return {k: {"napkin": np.broadcast_to(ws.napkin(k), np.shape(values)).copy(),
                "exact": np.broadcast_to(ws.exact(k), np.shape(values)).copy()} for k in keys}


@dataclass
class Panel:
    """A slider, a chart and a table that follow it."""

    widget: Any
    slider: Any
    figure: Any
    table: Any
    update: Callable[[Any], None]

    def _ipython_display_(self) -> None:  # display(panel) shows the widget
        from IPython.display import display

        display(self.widget)


def dau_panel(dau: float = 10e6, searches_per_user: float = 5, peak_multiplier: float = 10) -> Panel:
    """Daily active users → search QPS (average, peak) with napkin and exact side by side."""
    import ipywidgets as w
    import plotly.graph_objects as go

    from ticketlab.estimate import traffic

    grid = np.logspace(5, 9, 200)  # 100K .. 1B DAU
    fixed = dict(searches_per_user=searches_per_user, peak_multiplier=peak_multiplier)
    curves = sweep(traffic, "dau", grid, ["search_qps", "peak_qps"], **fixed)

    fig = go.FigureWidget(layout=dict(
        title="Search QPS as daily active users grow", height=380, margin=dict(l=60, r=20, t=50, b=50),
        xaxis=dict(title="daily active users", type="log"), yaxis=dict(title="queries per second", type="log"),
        legend=dict(orientation="h", y=-0.25)))
    fig.add_scatter(x=grid, y=curves["search_qps"]["exact"], name="average QPS (exact, 86,400 s/day)")
    fig.add_scatter(x=grid, y=curves["search_qps"]["napkin"], name="average QPS (napkin, 100K s/day)",
                    line=dict(dash="dot"))
    fig.add_scatter(x=grid, y=curves["peak_qps"]["exact"], name=f"peak QPS (×{peak_multiplier:g})")
    fig.add_scatter(x=[dau], y=[0.0], mode="markers+text", name="you are here", marker=dict(size=12),
                    textposition="top center")

    slider = w.FloatLogSlider(value=dau, base=10, min=5, max=9, step=0.05, description="DAU",
                              continuous_update=False, readout_format=".2s", layout=w.Layout(width="60%"))
    table = w.HTML()

    def update(change: Any = None) -> None:
        ws = traffic(dau=slider.value, **fixed)
        marker = fig.data[3]
        with fig.batch_update():
            marker.x = [slider.value]
            marker.y = [ws.exact("search_qps")]
            marker.text = [format_quantity(ws.exact("search_qps"), "req/s")]
        table.value = ws.select(["dau", "searches_per_day", "search_qps", "peak_qps", "extreme_peak_qps"],
                                title=f"Traffic at {format_quantity(slider.value, 'users')}")._repr_html_()

    slider.observe(update, names="value")
    update()
    return Panel(w.VBox([slider, fig, table]), slider, fig, table, update)
