"""What a rush did, in numbers a learner can read, and the checker's verdict on it.

:class:`RushResult` is a frozen value: time series on a fixed grid (seats sold and held, people
waiting, on the site and on the waitlist), the outcome of every user, wait-time percentiles and
how far the room's announced waits were off, conflicts and retries, the bots' share of the seats,
and the history checker's report on every change the core made.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ticketlab.seatlock import CheckReport
from ticketlab.sim.config import RushConfig

if TYPE_CHECKING:  # pragma: no cover
    from ticketlab.sim.rush import Rush

__all__ = ["RushResult", "summarise_rush"]


@dataclass(frozen=True)
class RushResult:
    config: RushConfig
    times: tuple[float, ...]  # the sample grid, seconds after the on-sale
    sold: tuple[int, ...]  # seats SOLD at each sample
    held: tuple[int, ...]  # seats HELD
    waiting: tuple[int, ...]  # people in the waiting room
    active: tuple[int, ...]  # people on the site
    waitlisted: tuple[int, ...]  # people on the waitlist
    # booked, abandoned, waitlisted, gave-up, sold-out, turned-away, failed, and unfinished: still in the room
    # or on the site when the run stopped at its horizon
    outcomes: dict[str, int]
    seats_sold: int
    bookings: int
    bot_seats: int
    sellout_seconds: float | None  # when 99% of the seats were sold (parties leave a few); None if never
    last_admitted_seconds: float  # when the room let the last person in
    last_booking_seconds: float  # when the last booking was confirmed
    wait_p50: float
    wait_p95: float
    wait_p99: float
    wait_error_p50: float  # median |actual − announced| ÷ max(actual, 1 s)
    holds: int
    mean_hold_seconds: float  # from hold to its end: paid, released or swept
    holds_outstanding: float  # time-average of holds alive during the sale, Little's L
    sale_seconds: float  # the window those two are measured over
    conflicts: int
    retries: int
    lock_timeouts: int
    double_bookings: int
    violations: int
    checker: str
    events: int
    wall_seconds: float
    violation_kinds: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """The checker found nothing wrong."""
        return self.violations == 0

    @property
    def users_served(self) -> int:
        return self.outcomes.get("booked", 0)

    @property
    def empty_handed(self) -> int:
        return sum(n for k, n in self.outcomes.items() if k not in ("booked", "abandoned"))

    @property
    def bot_seat_share(self) -> float:
        return self.bot_seats / self.seats_sold if self.seats_sold else 0.0

    @property
    def events_per_second(self) -> float:
        return self.events / self.wall_seconds if self.wall_seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["config"] = {k: (str(v) if not isinstance(v, (int, float, bool)) else v)
                          for k, v in asdict(self.config).items()}
        for key in ("times", "sold", "held", "waiting", "active", "waitlisted"):
            data[key] = list(data[key])
        data.update(ok=self.ok, users_served=self.users_served, empty_handed=self.empty_handed,
                    bot_seat_share=self.bot_seat_share, events_per_second=self.events_per_second)
        return data


def _percentiles(values: list[float]) -> tuple[float, float, float]:
    if not values:
        return (math.nan,) * 3
    p50, p95, p99 = np.percentile(values, [50, 95, 99])
    return float(p50), float(p95), float(p99)


def summarise_rush(rush: "Rush", report: CheckReport) -> RushResult:
    c = rush.config
    admitted = [(a, j, e) for a, j, e in zip(rush.admitted_at, rush.joined_at, rush.estimated) if not math.isnan(a)]
    waits = [a - j for a, j, _ in admitted]
    errors = [abs((a - j) - e) / max(a - j, 1.0) for a, j, e in admitted]
    end = max((end for _, end in rush.holds if not math.isnan(end)), default=0.0)
    start = 0.0
    window = max(end - start, 1e-9)
    alive = sum(min(e, end) - max(s, start) for s, e in rush.holds if not math.isnan(e) and e > start)
    lived = [e - s for s, e in rush.holds if not math.isnan(e)]
    samples = list(zip(*rush.samples)) or [()] * 6
    stats = rush.service.stats.as_dict()
    bookings = rush.store.bookings()
    bot_users = {f"u{u}" for u, bot in enumerate(rush.crowd.bot) if bot}
    p50, p95, p99 = _percentiles(waits)
    return RushResult(
        config=c, times=tuple(samples[0]), sold=tuple(samples[1]), held=tuple(samples[2]), waiting=tuple(samples[3]),
        active=tuple(samples[4]), waitlisted=tuple(samples[5]), outcomes=dict(Counter(rush.outcome)),
        seats_sold=rush.store.sold(), bookings=len(bookings),
        bot_seats=sum(len(b.seat_ids) for b in bookings if b.user in bot_users),
        sellout_seconds=rush.sellout_at, last_admitted_seconds=max((a for a, _, _ in admitted), default=math.nan),
        last_booking_seconds=rush.last_booking_at,
        wait_p50=p50, wait_p95=p95, wait_p99=p99,
        wait_error_p50=float(np.median(errors)) if errors else math.nan,
        holds=len(rush.holds), mean_hold_seconds=float(np.mean(lived)) if lived else math.nan,
        holds_outstanding=alive / window, sale_seconds=window,
        conflicts=stats["conflicts"], retries=rush.retries + stats["retries"], lock_timeouts=stats["lock_timeouts"],
        double_bookings=report.double_bookings, violations=len(report.violations),
        checker=report.summary().splitlines()[0], events=rush.loop.events, wall_seconds=rush.wall_seconds,
        violation_kinds=report.counts(),
    )
