"""Chapter 9's panel: a small seat map on the real seat-lock core, driven by buttons.

:class:`SeatLab` is the sandbox: a 40-seat hall, a booking service with the chosen strategy on
a simulated clock, and the actions a learner takes (two fans hold and pay, time passes, the
sweeper runs). Every action goes through :class:`~ticketlab.seatlock.BookingService`, so the
history checker can judge the sandbox at any moment. :func:`seat_map_panel` draws it: the seat
map as a grid coloured by status, the live holds and bookings, and the checker's verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ticketlab.core.numbers import format_quantity, plural
from ticketlab.core.vocab import StrategyName
from ticketlab.seatlock import (BookingService, Hold, MemoryLockManager, MemoryStore, SeatLockError, SeatStatus,
                                SimulatedClock, make_strategy, small_venue)
from ticketlab.ui.widgets.controls import Choice, Quantity
from ticketlab.ui.widgets.panel import Panel

__all__ = ["SeatLab", "seat_map_panel", "STATUS_CODES", "COLOURS"]

#: Each status as a number (for tests and tables), and the colour the seat map gives it.
STATUS_CODES = {SeatStatus.AVAILABLE: 0, SeatStatus.HELD: 1, SeatStatus.SOLD: 2, SeatStatus.BLOCKED: 3}
COLOURS = {SeatStatus.AVAILABLE: "#66bb6a", SeatStatus.HELD: "#ffb300", SeatStatus.SOLD: "#78909c",
           SeatStatus.BLOCKED: "#212121"}
ROWS, PER_ROW = 4, 10


@dataclass
class SeatLab:
    """A 40-seat hall on the real core, on a simulated clock. ``log`` narrates what happened."""

    strategy: StrategyName = StrategyName.OPTIMISTIC
    hold_ttl: float = 600.0
    log: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.clock = SimulatedClock()
        self.store = MemoryStore(small_venue(ROWS * PER_ROW, per_row=PER_ROW).seats(), event_id="lab")
        locks = MemoryLockManager(self.clock) if self.strategy is StrategyName.DISTRIBUTED else None
        self.service = BookingService(self.store, make_strategy(self.strategy, locks=locks), self.clock)
        self.holds: dict[str, Hold] = {}

    def hold(self, user: str, count: int = 2) -> None:
        """``user`` holds ``count`` seats (the first free ones) for ``hold_ttl`` seconds."""
        try:
            hold = self.service.hold_any(user, count, ttl=self.hold_ttl)
        except SeatLockError as error:
            self.log.append(f"{self._at()} {user} could not hold {count} seats: {error}")
            return
        self.holds[user] = hold
        self.log.append(f"{self._at()} {user} holds {', '.join(hold.seat_ids)} until t={hold.expires_at:g} s")

    def pay(self, user: str) -> None:
        """``user`` pays for their latest hold."""
        hold = self.holds.pop(user, None)
        if hold is None:
            self.log.append(f"{self._at()} {user} has no hold to pay for")
            return
        try:
            booking = self.service.confirm(hold.hold_id, user)
        except SeatLockError as error:
            self.log.append(f"{self._at()} {user}'s payment failed: {error}")
            return
        self.log.append(f"{self._at()} {user} paid: booking {booking.booking_id} for {', '.join(booking.seat_ids)}")

    def wait(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.log.append(f"{self._at()} {format_quantity(seconds, 's')} passed")

    def sweep(self) -> None:
        result = self.service.sweep_expired()
        self.log.append(f"{self._at()} the sweeper released {plural(str(len(result.released)), 'expired holds')}")

    def grid(self) -> list[list[int]]:
        """Seat statuses as numbers, one list per row (front row first)."""
        seats = list(self.store.snapshot().values())
        return [[STATUS_CODES[s.status] for s in seats[r * PER_ROW:(r + 1) * PER_ROW]] for r in range(ROWS)]

    def seats(self) -> list[tuple[int, int, SeatStatus, str]]:
        """(row, number, status, hover text) for every seat, in seat-map order."""
        out = []
        for seat in self.store.snapshot().values():
            owner = f" · hold {seat.hold_id}" if seat.hold_id else f" · booking {seat.booking_id}" if seat.booking_id else ""
            out.append((seat.row, seat.number, seat.status, f"{seat.seat_id}: {seat.status.value}{owner}"))
        return out

    def _at(self) -> str:
        return f"t={self.clock.now():g} s:"


def seat_map_panel(strategy: Any = StrategyName.OPTIMISTIC, hold_ttl: Any = "10 min") -> Panel:
    """The sandbox with buttons; changing the strategy starts a fresh hall (``panel.state["lab"]``)."""
    controls = [Choice("strategy", StrategyName(strategy), list(StrategyName), label="locking strategy"),
                Quantity("hold_ttl", hold_ttl, 60, 3_600, label="hold lasts", unit="s", dimension="seconds",
                         log=True)]

    def draw(p: Panel) -> None:
        p.figure.add_scatter(x=[], y=[], mode="markers", name="seats", hoverinfo="text",
                             marker=dict(symbol="square", size=22, line=dict(width=1, color="white")))

    def update(p: Panel, v: dict) -> None:
        lab = p.state.get("lab")
        if lab is None or lab.strategy is not v["strategy"]:
            lab = p.state["lab"] = SeatLab(v["strategy"], v["hold_ttl"])
        lab.hold_ttl = v["hold_ttl"]
        rows, numbers, statuses, texts = zip(*lab.seats())
        seats = p.trace("seats")
        seats.x, seats.y, seats.hovertext = numbers, rows, texts
        seats.marker.color = [COLOURS[status] for status in statuses]
        counts = " · ".join(f"{status.value.lower()} {n}" for status, n in lab.service.availability().items())
        verdict = lab.service.check().summary().splitlines()[0]
        log = "".join(f"<li>{line}</li>" for line in lab.log[-6:])
        p.table.value = f"<p><b>t = {lab.clock.now():g} s</b> · {counts}</p><p>checker: {verdict}</p><ul>{log}</ul>"

    def on_lab(action: Any) -> Any:
        return lambda p: action(p.state["lab"])

    actions = [("alice holds 2", on_lab(lambda lab: lab.hold("alice"))),
               ("bob holds 2", on_lab(lambda lab: lab.hold("bob"))),
               ("alice pays", on_lab(lambda lab: lab.pay("alice"))),
               ("bob pays", on_lab(lambda lab: lab.pay("bob"))),
               ("+5 min", on_lab(lambda lab: lab.wait(300))),
               ("sweep", on_lab(lambda lab: lab.sweep()))]
    return Panel("The seat map (green free, amber held, grey sold)", controls, update, draw=draw, actions=actions,
                 layout=dict(height=260, showlegend=False, xaxis=dict(title="seat", dtick=1, range=[0.4, PER_ROW + 0.6]),
                             yaxis=dict(title="row", dtick=1, autorange="reversed")))
