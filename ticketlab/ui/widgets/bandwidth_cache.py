"""Chapter 4's panels: bytes on the wire at each peak, and what must sit in memory against one cache node.

``bandwidth_panel`` multiplies search, booking and payment traffic by their sizes and shows the
average, the normal peak and the on-sale spike against the link you buy: the source buys for
the ×10 peak while it sizes QPS for the ×100 spike. ``cache_panel`` stacks hot events with
their seat maps, popular searches and booking sessions (Little's law) beside one node's memory
and says how many nodes the total needs.
"""

from __future__ import annotations

import html
import math
from typing import Any

from ticketlab.core.numbers import format_quantity, plural
from ticketlab.estimate import bandwidth, cache
from ticketlab.ui.widgets.controls import Quantity
from ticketlab.ui.widgets.panel import Panel

__all__ = ["bandwidth_panel", "cache_panel", "PEAKS", "PARTS", "NODE", "LINK"]

#: The bandwidth bars: worksheet step → how the chart names it.
PEAKS = {"average_bandwidth": "average", "peak_bandwidth": "normal peak", "extreme_peak_bandwidth": "on-sale spike"}
#: The cache segments: worksheet step → how the chart names it.
PARTS = {"hot_events_cache": "hot events + seat maps", "popular_searches_cache": "popular searches",
         "sessions_cache": "booking sessions"}
_FLOWS = ("search_bandwidth", "booking_bandwidth", "payment_bandwidth")
#: The bar for the link, and the one for the cache node.
LINK, NODE = "your link", "one node"
_FITS, _OVER, _CAPACITY = "#43a047", "#e53935", "#1e88e5"
_PART_COLOURS = ("#fb8c00", "#8e24aa", "#00897b")
_GB = 1e9


def bandwidth_panel(searches_per_day: Any = "50M", search_response_size: Any = "50 KB", peak_multiplier: Any = 10,
                    extreme_multiplier: Any = 100, link: Any = "2 Gbps") -> Panel:
    """Five sliders; bars for the average, the normal peak and the spike, red where they outgrow the link."""
    controls = [
        Quantity("searches_per_day", searches_per_day, 1e6, 1e9, label="searches a day", log=True),
        Quantity("search_response_size", search_response_size, 1e3, 1e6, label="bytes per search response",
                 unit="B", dimension="bytes", log=True),
        Quantity("peak_multiplier", peak_multiplier, 1, 100, label="normal peak", unit="x", dimension="multiplier",
                 log=True),
        Quantity("extreme_multiplier", extreme_multiplier, 1, 1_000, label="on-sale spike", unit="x",
                 dimension="multiplier", log=True),
        Quantity("link", link, 1.25e7, 1.25e11, label="link you buy", unit="B/s", dimension="bytes/s", log=True),
    ]
    names = [*PEAKS.values(), LINK]

    def draw(p: Panel) -> None:
        p.figure.add_bar(x=[1] * len(names), y=names, orientation="h", name="bytes per second",
                         text=[""] * len(names), textposition="auto", marker=dict(color=[_CAPACITY] * len(names)))

    def update(p: Panel, v: dict) -> None:
        ws = bandwidth(**{k: v[k] for k in ("searches_per_day", "search_response_size", "peak_multiplier",
                                            "extreme_multiplier")})
        sizes = [float(ws.exact(key)) for key in PEAKS] + [v["link"]]
        bars = p.trace("bytes per second")
        bars.x = sizes
        bars.text = [format_quantity(s, "B/s") for s in sizes]
        bars.marker.color = [_OVER if s > v["link"] else _FITS for s in sizes[:-1]] + [_CAPACITY]
        p.state["verdict"] = (f"The on-sale spike needs {format_quantity(sizes[2] / v['link'], 'x')} the link, "
                              f"the normal peak {format_quantity(sizes[1] / v['link'], 'x')}.")
        p.table.value = (f"<p>{html.escape(p.state['verdict'])}</p>"
                         + ws.select([*_FLOWS, *PEAKS], title="Bandwidth")._repr_html_())

    return Panel("Bandwidth at each peak, against the link", controls, update, draw=draw,
                 layout=dict(height=300, showlegend=False, yaxis=dict(autorange="reversed"),
                             xaxis=dict(title="bytes per second (log scale)", type="log")))


def cache_panel(hot_event_fraction: Any = "1%", seats_per_event: Any = "10K", popular_queries: Any = "10K",
                peak_bookings_per_minute: Any = "10K", booking_attempt_time: Any = "10 min",
                node_memory: Any = "16 GB", events: Any = "500K") -> Panel:
    """Six sliders and the node size; the stacked total against one node, and the nodes it needs."""
    controls = [
        Quantity("hot_event_fraction", hot_event_fraction, 0.001, 0.2, label="share of events hot", unit="%",
                 dimension="fraction", log=True),
        Quantity("seats_per_event", seats_per_event, 100, 1e5, label="seats per event (seat map)", log=True),
        Quantity("popular_queries", popular_queries, 100, 1e6, label="popular searches cached", log=True),
        Quantity("peak_bookings_per_minute", peak_bookings_per_minute, 100, 1e5, label="sessions started a minute",
                 log=True, dimension="per_minute"),
        Quantity("booking_attempt_time", booking_attempt_time, 60, 3_600, label="minutes a session stays",
                 unit="s", dimension="seconds", log=True),
        Quantity("node_memory", node_memory, 1e9, 1e12, label="memory of one node", unit="B", dimension="bytes",
                 log=True),
    ]

    def draw(p: Panel) -> None:
        for name, colour in zip(PARTS.values(), _PART_COLOURS):
            p.figure.add_bar(x=[0], y=["needed"], orientation="h", name=name, text=[""], textposition="inside",
                             textangle=0, marker=dict(color=colour))
        p.figure.add_bar(x=[0], y=[NODE], orientation="h", name=NODE, text=[""], textposition="inside",
                         textangle=0, marker=dict(color=_CAPACITY), showlegend=False)

    def update(p: Panel, v: dict) -> None:
        ws = cache(events=events, **{k: v[k] for k in ("hot_event_fraction", "seats_per_event", "popular_queries",
                                                          "peak_bookings_per_minute", "booking_attempt_time")})
        for key, name in PARTS.items():
            size = float(ws.exact(key))
            p.trace(name).x, p.trace(name).text = [size / _GB], [format_quantity(size, "B")]
        node = p.trace(NODE)
        node.x, node.text = [v["node_memory"] / _GB], [format_quantity(v["node_memory"], "B")]
        total = float(ws.exact("total_cache"))
        nodes = math.ceil(total / v["node_memory"])
        verdict = "fits in one node" if nodes == 1 else f"needs {plural(str(nodes), 'nodes')} of this size"
        share = total / v["node_memory"]
        p.state["verdict"] = f"Total {format_quantity(total, 'B')}: it {verdict} ({share:.0%} of one)."
        p.table.value = f"<p>{html.escape(p.state['verdict'])}</p>" + ws.derived()._repr_html_()

    return Panel("What must sit in memory, against one node", controls, update, draw=draw,
                 layout=dict(height=300, barmode="stack", yaxis=dict(autorange="reversed"),
                             xaxis=dict(title="memory (GB)", rangemode="tozero"),
                             legend=dict(orientation="h", y=-0.35, traceorder="normal")))
