"""A course panel: controls, a chart that updates in place, a table of numbers and a message line.

Every chapter's experiment is a :class:`Panel`. The panel owns the widgets; the chapter
module gives it two functions:

- ``draw(panel)`` once, to add the chart's traces (each with a name) and anything static;
- ``update(panel, values)`` on every change, which calls the library with ``values`` (a dict
  of the controls' values) and moves numbers into the traces and the table.

If ``update`` raises a ticketlab error (an upside-down cascade, a value the library refuses),
the message line says so in words and the chart keeps its last good state: a learner never
sees a traceback. A typed value the library cannot read is reported the same way.

A panel is driven from code exactly as by hand: ``panel.set(dau="100M")`` moves the slider,
recomputes and redraws; ``panel.press("run")`` clicks a button; ``panel.trace("you are here").y``
reads the chart back. Traces are found by name, never by position. ``panel.state`` holds what a
chapter keeps between updates (a sandbox, the last run).

Static snapshots: with the environment variable ``TICKETLAB_STATIC=1`` (the book build sets it),
displaying a panel emits plain HTML instead of widgets: the controls' values as text, the chart
as a plotly figure that needs only ``Plotly`` on the page (the book loads one local plotly.js),
the message and the table, as they stand at that moment. No widget manager is needed to read it.
"""

from __future__ import annotations

import html
import itertools
import os
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ticketlab.core.errors import InputError, TicketlabError
from ticketlab.ui.widgets.controls import Control

__all__ = ["Panel", "FIGURE_HEIGHT", "STATIC_ENV", "static_mode"]

FIGURE_HEIGHT = 360
_MARGIN = dict(l=60, r=20, t=50, b=40)
#: Set to 1 to display panels as static HTML snapshots (the book build does).
STATIC_ENV = "TICKETLAB_STATIC"
_CHART_IDS = itertools.count(1)  # chart ids that are the same on every build of a page


def static_mode() -> bool:
    """True when ``TICKETLAB_STATIC`` is set to anything but ``""`` or ``"0"``: panels display as snapshots."""
    return os.environ.get(STATIC_ENV, "") not in ("", "0")


class Panel:
    """Controls + chart + table + message. See the module docstring for the contract."""

    def __init__(self, title: str, controls: Sequence[Control], update: Callable[["Panel", dict], None], *,
                 draw: Callable[["Panel"], None] | None = None, figure: bool = True,
                 layout: Mapping[str, Any] | None = None,
                 actions: Sequence[tuple[str, Callable[["Panel"], None]]] = ()) -> None:
        import ipywidgets as w

        self.title = title
        self.controls: dict[str, Control] = {c.name: c for c in controls}
        self._update = update
        self.state: dict[str, Any] = {}
        self.message = w.HTML()
        self.table = w.HTML()
        self.figure = None
        parts: list[Any] = [c.widget for c in controls]
        self.buttons: dict[str, Any] = {}
        self._actions = dict(actions)
        if actions:
            for label, _ in actions:
                button = w.Button(description=label, layout=w.Layout(width="auto"))
                button.on_click(lambda _button, label=label: self.press(label))
                self.buttons[label] = button
            parts.append(w.HBox(list(self.buttons.values()), layout=w.Layout(flex_flow="row wrap")))
        if figure:
            import plotly.graph_objects as go

            # no width: the chart takes the width of its output area (autosize), however wide the window is
            defaults = dict(title=title, height=FIGURE_HEIGHT, autosize=True, margin=_MARGIN,
                            legend=dict(orientation="h", y=-0.2))
            self.figure = go.FigureWidget(layout={**defaults, **(layout or {})})
            parts.append(self.figure)
        parts += [self.message, self.table]
        self.widget = w.VBox(parts, layout=w.Layout(width="100%"))
        self.last_update_s = 0.0
        self.updates = 0
        if draw is not None:
            draw(self)
        for control in controls:
            control.observe(lambda _control: self.refresh())
        self.refresh()

    # -- reading and driving --------------------------------------------------------
    def __getitem__(self, name: str) -> Control:
        try:
            return self.controls[name]
        except KeyError:
            raise KeyError(f"panel {self.title!r} has no control {name!r}; it has {', '.join(self.controls)}") from None

    def values(self) -> dict[str, Any]:
        return {name: c.value for name, c in self.controls.items()}

    def set(self, **values: Any) -> None:
        """Set several controls from code, then recompute once. Raises InputError for a bad value."""
        checked = [(self[name], self[name].check(value)) for name, value in values.items()]  # all or nothing
        for control, value in checked:
            control.assign(value, notify=False)  # one refresh at the end, not one per control
        self.refresh()

    def press(self, label: str) -> None:
        """Click the button ``label``: run its action, then recompute; an error becomes the message."""
        if label not in self._actions:
            raise KeyError(f"panel {self.title!r} has no button {label!r}; it has {', '.join(self._actions)}")
        try:
            self._actions[label](self)
        except (TicketlabError, InputError) as error:
            self.say(str(error))
            return
        self.refresh()

    def trace(self, name: str) -> Any:
        """The chart's trace called ``name``."""
        for trace in self.figure.data:
            if trace.name == name:
                return trace
        raise KeyError(f"panel {self.title!r} has no trace {name!r}; it has "
                       f"{', '.join(str(t.name) for t in self.figure.data)}")

    # -- recomputing ----------------------------------------------------------------
    def refresh(self) -> None:
        """Recompute from the controls and redraw; a ticketlab error becomes the message line."""
        started = time.perf_counter()
        typing_errors = [c.error for c in self.controls.values() if c.error]
        if typing_errors:
            self.say(typing_errors[0])
            return
        self.say("")  # update() may say something of its own (a warning that is not an error)
        try:
            if self.figure is not None:
                with self.figure.batch_update():
                    self._update(self, self.values())
            else:
                self._update(self, self.values())
        except (TicketlabError, InputError) as error:
            self.say(str(error))
        self.updates += 1
        self.last_update_s = time.perf_counter() - started

    def say(self, text: str) -> None:
        """Show ``text`` on the message line (empty clears it)."""
        self.message.value = (f"<div class='ticketlab-message' style='color:#b00020'>⚠ {html.escape(text)}</div>"
                              if text else "")

    # -- showing ----------------------------------------------------------------------
    def snapshot_html(self) -> str:
        """The panel as it stands, in plain HTML: controls as text, the chart, the message, the table.

        The chart is a ``<div class="plotly-graph-div">`` and a script calling ``Plotly.newPlot``;
        it draws wherever the page has loaded plotly.js, and loads nothing itself.
        """
        rows = "".join(f"<tr><th style='text-align:left;padding-right:1em'>{html.escape(c.label)}</th>"
                       f"<td style='text-align:left'><code>{html.escape(_shown(c))}</code></td></tr>"
                       for c in self.controls.values())
        parts = [f"<div class='ticketlab-panel ticketlab-snapshot'>",
                 f"<p class='ticketlab-snapshot-note'><b>{html.escape(self.title)}</b> — a snapshot of the "
                 f"panel; run the notebook to move its controls.</p>"]
        if rows:
            parts.append(f"<table class='ticketlab-controls'>{rows}</table>")
        if self.buttons:
            parts.append("<p class='ticketlab-buttons'>buttons: "
                         + ", ".join(f"<code>{html.escape(label)}</code>" for label in self.buttons) + "</p>")
        if self.figure is not None:
            import plotly.graph_objects as go
            import plotly.io as pio

            parts.append(pio.to_html(go.Figure(self.figure), include_plotlyjs=False, full_html=False,
                                     div_id=f"ticketlab-chart-{next(_CHART_IDS)}",
                                     config={"responsive": True, "displaylogo": False}))
        parts += [self.message.value, self.table.value, "</div>"]
        return "\n".join(part for part in parts if part)

    def _ipython_display_(self) -> None:  # display(panel) shows the widget, or its snapshot in static mode
        from IPython.display import display

        if static_mode():
            display({"text/html": self.snapshot_html(), "text/plain": f"{self.title} (snapshot)"}, raw=True)
        else:
            self.sync_chart()
            display(self.widget)

    def sync_chart(self) -> None:
        """Put the chart's whole current state in its widget state, as a FigureWidget shown on its own does.

        Inside a box, a FigureWidget's synced state keeps what it had when it was made (no traces); a
        new view then rebuilds the chart by replaying every change message, and a view that starts
        while the browser is still loading plotly's module misses them and draws an empty chart.
        """
        if self.figure is not None:
            from copy import deepcopy

            self.figure._widget_layout = deepcopy(self.figure._layout_obj._props)
            self.figure._widget_data = deepcopy(self.figure._data)


def _shown(control: Control) -> str:
    """A control's value as its box shows it (a Quantity) or as the option reads (a Choice)."""
    box = getattr(control, "box", None)
    return box.value if box is not None else str(control.value)
