"""Chapter 8's panel: the timeout cascade as nested timelines, one slider per layer.

Each layer is a bar from the moment the work starts to the moment that layer gives up. A bar
that fits inside the one above it is drawn in green; one that outlives the layer waiting for
it is drawn in red, and the message line says what breaks. An upside-down cascade is the
lesson here, so the panel draws it instead of refusing it.
"""

from __future__ import annotations

from typing import Any

from ticketlab.core.numbers import format_quantity
from ticketlab.core.timing import CASCADE_LAYERS, CONSEQUENCES, cascade_pairs, upside_down
from ticketlab.estimate.inputs import INPUTS
from ticketlab.ui.widgets.controls import Quantity
from ticketlab.ui.widgets.panel import Panel

__all__ = ["cascade_panel", "SLIDER_RANGES"]

#: Slider range of each layer, in seconds.
SLIDER_RANGES = {"booking_hold": (60, 3_600), "lock_ttl": (1, 900), "http_call": (0.5, 120), "db_statement": (0.1, 60)}
_GOOD, _BAD = "#2e7d32", "#c62828"


def cascade_panel(booking_hold: Any = "10 min", lock_ttl: Any = "30s", http_call: Any = "10s",
                  db_statement: Any = "5s") -> Panel:
    """Four sliders, one per layer (outermost first); bars turn red where a child outlives its parent."""
    given = dict(booking_hold=booking_hold, lock_ttl=lock_ttl, http_call=http_call, db_statement=db_statement)
    controls = [Quantity(name, given[name], *SLIDER_RANGES[name], label=INPUTS[name].label, unit="s",
                         dimension="seconds", log=True) for name in CASCADE_LAYERS]
    labels = [INPUTS[name].label for name in CASCADE_LAYERS]

    def draw(p: Panel) -> None:
        p.figure.add_bar(x=[1] * 4, y=labels, orientation="h", name="gives up after", text=[""] * 4,
                         textposition="auto", marker=dict(color=[_GOOD] * 4))

    def update(p: Panel, v: dict) -> None:
        pairs = cascade_pairs([(name, v[name]) for name in CASCADE_LAYERS])
        bad = [upside_down(pair) for pair in pairs]
        colours = [_GOOD] + [_BAD if b else _GOOD for b in bad]
        bars = p.trace("gives up after")
        bars.x = [v[name] for name in CASCADE_LAYERS]
        bars.text = [format_quantity(v[name], "s") for name in CASCADE_LAYERS]
        bars.marker.color = colours
        rows = "".join(
            f"<tr><td>{INPUTS[pair.child].label}</td><td>{INPUTS[pair.parent].label}</td>"
            f"<td>{float(pair.headroom):.3g}×</td><td>{'upside down' if b else 'fits'}</td></tr>"
            for pair, b in zip(pairs, bad))
        p.table.value = ("<table class='ticketlab-cascade'><thead><tr><th>layer</th><th>waited for by</th>"
                         f"<th>fits this many times</th><th>verdict</th></tr></thead><tbody>{rows}</tbody></table>")
        wrong = [f"{INPUTS[pair.child].label} outlives the layer waiting for it ({INPUTS[pair.parent].label}): "
                 f"{CONSEQUENCES[(pair.parent, pair.child)]}" for pair, b in zip(pairs, bad) if b]
        p.say(" · ".join(wrong))

    return Panel("Each layer gives up inside the one above it", controls, update,
              draw=draw, layout=dict(xaxis=dict(title="seconds after the work starts (log scale)", type="log", range=[-1.3, 3.8]),
                                     yaxis=dict(autorange="reversed"), showlegend=False))
