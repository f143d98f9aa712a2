"""Chapter 6's panel: inputs as 90% ranges, and the histogram of the headline they make.

Each input is a median and a width: a width of ×2 turns daily users of 10M into the range
5M..20M (a lognormal whose 5th and 95th percentiles are the ends). The headline is peak search
QPS = daily users × searches per user × peak multiplier ÷ 86,400 s, sampled. The chart is its
histogram with the median, the mean and the 90% interval marked; on a linear axis the long right
tail shows why the mean sits above the median. Inputs can vary independently or move together
(one ``group``: a busy day brings more users *and* more searches each), and the seed picks the draws.
"""

from __future__ import annotations

import html
import math
from typing import Any

import numpy as np

from ticketlab.core.numbers import format_quantity
from ticketlab.core.uncertainty import Range, summarise
from ticketlab.estimate import traffic
from ticketlab.ui.widgets.controls import Choice, Quantity
from ticketlab.ui.widgets.panel import Panel

__all__ = ["range_panel", "spread", "SAMPLES", "BINS", "MEDIANS"]

#: Samples per estimate: enough for steady percentiles, few enough to redraw at once.
SAMPLES = 10_000
#: Bars in the histogram.
BINS = 60
#: The other inputs' medians: the Ticketmaster baseline's.
MEDIANS = {"searches_per_user": 5.0, "peak_multiplier": 10.0}
_TOGETHER, _APART = "move together", "independent"
_TAIL = 99.5  # the linear chart stops at this percentile; where the tail ends is said in words


def spread(value: float, width: float, group: str | None = None) -> float | Range:
    """``value`` as the 90% range ``value ÷ width .. value × width`` (its median stays ``value``); a point at ×1."""
    return value if width == 1 else Range(value / width, value * width, group)


def _histogram(samples: np.ndarray, log: bool) -> tuple[np.ndarray, np.ndarray]:
    """Bin centres (log10 of the value on a log axis) and the share of all samples in each bin."""
    if log:
        counts, edges = np.histogram(np.log10(samples), bins=BINS)
    else:  # a linear axis to the very last sample would squeeze the body into a few bars
        counts, edges = np.histogram(samples, bins=BINS, range=(0.0, float(np.percentile(samples, _TAIL))))
    return (edges[:-1] + edges[1:]) / 2, counts / samples.size


def _ticks(low: float, high: float) -> dict[str, Any]:
    """Tick marks at 1, 2 and 5 × each power of ten between ``low`` and ``high``, said the human way."""
    values = [m * 10.0 ** e for e in range(int(np.floor(np.log10(low))), int(np.ceil(np.log10(high))) + 1)
              for m in (1, 2, 5) if low <= m * 10.0 ** e <= high]
    return dict(tickvals=list(np.log10(values)), ticktext=[format_quantity(v, "") for v in values])


def range_panel(dau: Any = "10M", dau_width: Any = 2, searches_width: Any = 1, peak_width: Any = 1,
                inputs: str = _APART, axis: str = "linear", seed: Any = 1) -> Panel:
    """Widths for three inputs, how they vary, the axis and the seed; the histogram of peak search QPS."""
    controls = [
        Quantity("dau", dau, 1e6, 1e8, label="daily users (median)", log=True),
        Quantity("dau_width", dau_width, 1, 10, label="users: × either way", unit="x", dimension="multiplier"),
        Quantity("searches_width", searches_width, 1, 5, label="searches: × either way", unit="x",
                 dimension="multiplier"),
        Quantity("peak_width", peak_width, 1, 5, label="peak: × either way", unit="x",
                 dimension="multiplier"),
        Choice("inputs", inputs, (_APART, _TOGETHER), label="users and searches"),
        Choice("axis", axis, ("linear", "log"), label="axis"),
        Quantity("seed", seed, 1, 100, label="seed", integer=True),
    ]

    def draw(p: Panel) -> None:
        p.figure.add_bar(x=[], y=[], name="samples", marker=dict(color="#90caf9", line=dict(width=0)))
        p.figure.add_scatter(x=[], y=[], mode="lines", name="5th and 95th percentiles",
                             line=dict(color="#546e7a", dash="dot"))
        p.figure.add_scatter(x=[], y=[], mode="lines+text", name="median", textposition="top right",
                             line=dict(color="black", width=3))
        p.figure.add_scatter(x=[], y=[], mode="lines+text", name="mean", textposition="top right",
                             line=dict(color="#d32f2f", width=3, dash="dash"))

    def update(p: Panel, v: dict) -> None:
        group = "demand" if v["inputs"] == _TOGETHER else None
        ws = traffic(dau=spread(v["dau"], v["dau_width"], group),
                     searches_per_user=spread(MEDIANS["searches_per_user"], v["searches_width"], group),
                     peak_multiplier=spread(MEDIANS["peak_multiplier"], v["peak_width"]),
                     samples=SAMPLES, seed=int(v["seed"]))
        samples = np.broadcast_to(np.asarray(ws.exact("peak_qps"), dtype=float), (SAMPLES,))
        stats = summarise(samples)
        log = v["axis"] == "log"
        where = (lambda x: np.log10(x)) if log else (lambda x: x)
        centres, shares = _histogram(samples, log)
        bars = p.trace("samples")
        bars.x, bars.y = centres, shares
        top = float(shares.max()) * 1.15
        p.figure.layout.yaxis.range = [0, top * 1.12]  # room above the lines for their labels
        p5, p95 = where(stats["p5"]), where(stats["p95"])
        p.trace("5th and 95th percentiles").x = [p5, p5, None, p95, p95]
        p.trace("5th and 95th percentiles").y = [0, top, None, 0, top]
        for name, key in (("median", "p50"), ("mean", "mean")):
            line = p.trace(name)
            line.x, line.y = [where(stats[key])] * 2, [0, top * (1.0 if name == "median" else 0.9)]
            line.text = ["", f"{name} {format_quantity(stats[key], 'req/s')}"]
        p.figure.layout.xaxis.update(_ticks(float(samples.min()), float(samples.max())) if log else
                                     dict(tickvals=None, ticktext=None))
        p.figure.layout.xaxis.title.text = "peak search QPS" + (" (log scale)" if log else "")
        widths = [v[k] for k in ("dau_width", "searches_width", "peak_width")]
        p.state["stats"] = stats
        p.state["verdict"] = _summary(stats, None if log else float(samples.max()), widths)
        p.table.value = "".join(f"<p>{html.escape(line)}</p>" for line in p.state["verdict"].split("\n"))

    return Panel("Peak search QPS from ranged inputs", controls, update, draw=draw,
                 layout=dict(bargap=0, legend=dict(orientation="h", y=-0.25), yaxis=dict(title="share of samples",
                                                                                      tickformat=".0%")))


def _summary(stats: dict[str, float], tail_end: float | None, widths: list[float]) -> str:
    """The headline to quote (median and 90% range), the mean beside it, and how wide the range came out."""
    q = lambda x: format_quantity(x, "req/s")
    if stats["p95"] == stats["p5"]:
        return f"Every input is a point (×1): one value, {q(stats['p50'])}, and no histogram to speak of."
    cut = f" The chart stops at the {_TAIL:g}th percentile; the tail runs on to {q(tail_end)}." if tail_end else ""
    either_way = math.sqrt(stats["p95"] / stats["p5"])
    return (f"Quote {q(stats['p50'])}, 90% between {q(stats['p5'])} and {q(stats['p95'])}. "
            f"The mean, {q(stats['mean'])}, is {stats['mean'] / stats['p50'] - 1:.0%} above the median: "
            f"the long right tail pulls it up.{cut}\n"
            f"Daily users ×{widths[0]:.3g}, searches ×{widths[1]:.3g}, peak ×{widths[2]:.3g} either way; "
            f"the headline ×{either_way:.3g} either way.")
