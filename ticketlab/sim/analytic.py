"""The simulated rush beside the napkin: the library's formulas for the same inputs.

Each :class:`Comparison` puts a simulated figure next to the figure a formula of the library gives
for the same inputs, says whether the formula's assumptions hold in this run, and what it ignores:

- **sale duration** vs users ÷ admit rate (the waiting-room formula): holds while the room's
  throttle is what limits admissions (not the cap on people on the site, not a crowd that arrives
  slower than the room admits);
- **bookings** vs seats ÷ party size: holds when the crowd is larger than the seats; integer
  parties leave a few seats no party fits;
- **booking throughput** vs the lock-capacity ceiling (seats ÷ (lock hold × seats per booking)):
  the simulated rate can only be below it; it is a burst ceiling, far above a throttled sale;
- **holds alive** vs Little's law (hold rate × time a hold lives): exact on any run; the napkin's
  time a hold lives is the time to pay, but abandoned holds live the whole TTL plus the wait for
  the sweeper, which is what keeps seats locked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ticketlab.estimate import littles_law, lock_capacity, waiting_room
from ticketlab.sim.result import RushResult

__all__ = ["Comparison", "compare"]


@dataclass(frozen=True)
class Comparison:
    quantity: str
    simulated: float
    analytic: float
    unit: str
    holds: bool  # the formula's assumptions hold in this run
    note: str

    @property
    def ratio(self) -> float:
        return self.simulated / self.analytic if self.analytic else math.nan


def compare(result: RushResult) -> tuple[Comparison, ...]:
    """Simulated against analytic for ``result``'s own inputs."""
    c = result.config
    spread = {"at-once": 1.0, "ramp": c.ramp, "fans-and-bots": c.early + c.ramp}[str(c.arrival)]
    room = waiting_room(users=c.users, seats=c.seats, seats_per_booking=c.party_mean, sale_window=max(spread, 1.0),
                        throttle_rate=c.admit_per_minute / 60)
    throttled = (c.max_active >= c.users or c.max_active > room.exact("effective_admit_rate") * c.think_time * 2) \
        and c.policy != "lottery"
    rows = [Comparison(
        "sale duration (last person let in)", result.last_admitted_seconds + 0.0,
        float(room.exact("sale_duration_seconds")), "s", throttled,
        "users ÷ the room's admit rate; breaks when the cap on people on the site, not the throttle, is what "
        "limits admissions, or in a lottery (only winners go in)")]
    bookings = float(room.exact("bookings_available"))
    rows.append(Comparison(
        "bookings made", float(result.bookings), bookings, "bookings", c.users * 0.9 > bookings,
        "seats ÷ mean party; whole parties leave a few seats no party fits, the last seats go to the small "
        "parties on the waitlist that fit them (a few more bookings), and the crowd must outnumber the seats"))
    end = result.sellout_seconds or result.last_booking_seconds
    locks = lock_capacity(seats=c.seats, lock_hold_time=max(c.db_time, 1e-6), seats_per_booking=c.party_mean,
                          retry_rate=0)
    rows.append(Comparison(
        "booking throughput (formula: a ceiling)", result.bookings / max(end, 1.0), float(locks.exact("lock_qps_ceiling")), "req/s",
        True, "the lock-capacity formula is a ceiling for one hold time (a burst), so a sale runs below it"))
    if result.holds and result.mean_hold_seconds == result.mean_hold_seconds:
        rate = result.holds / result.sale_seconds
        little = littles_law(arrival_rate=rate, time_in_system=result.mean_hold_seconds)
        rows.append(Comparison(
            "holds alive at once", result.holds_outstanding, float(little.exact("concurrency")), "holds", True,
            "Little's law, L = λ × W, with the simulated hold rate and the time a hold really lives"))
        naive = littles_law(arrival_rate=rate, time_in_system=c.pay_time + c.payment_latency)
        rows.append(Comparison(
            "holds alive, if a hold lived only until paid", result.holds_outstanding,
            float(naive.exact("concurrency")), "holds", c.abandon_rate == 0,
            "the napkin's W is the time to pay; abandoned holds live the whole TTL and wait for the sweeper"))
    return tuple(rows)
