"""The classroom's live leaderboard: who holds what, who bought what, the conflicts, and the checker.

:func:`leaderboard_panel` reads a room (a learner's URL is enough: it only reads) through
:func:`ticketlab.classroom.room_view` and draws it in place: a bar per learner (seats bought,
seats held now), a table ranked by seats bought with each learner's conflicts, and a message
line with the history checker's verdict, which names the seats sold twice when the room
runs ``naive``. With ``live`` a background thread redraws it every ``every`` seconds until
the room closes (or ``panel.state["stop"]()``); the ``refresh`` button redraws it at once.
"""

from __future__ import annotations

import html
import threading

from ticketlab.classroom import DEFAULT_ROOM, RoomView, room_view
from ticketlab.ui.widgets.panel import Panel

__all__ = ["leaderboard_panel", "leaderboard_html"]

_TOP = 30  # learners shown in the chart and the table (a room with bots has hundreds)


def leaderboard_html(view: RoomView, top: int = _TOP) -> str:
    """The leaderboard table: learners ranked by seats bought, then by name."""
    ranked = sorted(view.scores, key=lambda name: (-view.owners.get(name, 0), name))[:top]
    rows = "".join(
        f"<tr><td>{html.escape(name)}</td><td>{view.owners.get(name, 0)}</td><td>{view.holders.get(name, 0)}</td>"
        f"<td>{view.scores[name].get('conflicts', 0)}</td><td>{view.scores[name].get('refused', 0)}</td></tr>"
        for name in ranked)
    more = f"<p>and {len(view.scores) - top} more</p>" if len(view.scores) > top else ""
    return (f"<p>room <b>{html.escape(view.room)}</b>: {html.escape(view.strategy)}, {view.state}; "
            f"{view.sold} of {view.seats} seats sold, {view.held} held</p>"
            "<table><tr><th>learner</th><th>bought</th><th>holding</th><th>conflicts</th><th>refused</th></tr>"
            f"{rows}</table>{more}")


def leaderboard_panel(url: str, room: str = DEFAULT_ROOM, live: bool = True, every: float = 1.0) -> Panel:
    """A panel that shows room ``room`` at ``url`` and (``live``) keeps itself up to date."""

    def draw(p: Panel) -> None:
        p.figure.add_bar(x=[], y=[], name="bought", marker=dict(color="#78909c"))
        p.figure.add_bar(x=[], y=[], name="holding", marker=dict(color="#ffb300"))

    def update(p: Panel, values: dict) -> None:
        view = room_view(url, room)
        p.state["view"] = view
        ranked = sorted(view.scores, key=lambda name: (-view.owners.get(name, 0), name))[:_TOP]
        p.trace("bought").x = p.trace("holding").x = ranked
        p.trace("bought").y = [view.owners.get(name, 0) for name in ranked]
        p.trace("holding").y = [view.holders.get(name, 0) for name in ranked]
        p.table.value = leaderboard_html(view)
        if view.double_bookings:
            p.say(f"{len(view.double_bookings)} seats sold more than once: {', '.join(view.double_bookings[:8])}")
        p.state["verdict"] = view.verdict

    panel = Panel("The room: seats bought and held, per learner", [], update, draw=draw,
                  layout=dict(barmode="group"), actions=[("refresh", lambda p: None)])
    stop = threading.Event()
    panel.state["stop"] = stop.set

    def keep_up() -> None:
        while not stop.wait(every):
            panel.refresh()
            view = panel.state.get("view")
            if view is not None and view.state == "closed":
                return

    if live:
        panel.state["thread"] = threading.Thread(target=keep_up, daemon=True, name="leaderboard")
        panel.state["thread"].start()
    return panel
