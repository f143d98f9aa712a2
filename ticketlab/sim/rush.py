"""The on-sale rush: a crowd, a waiting room, and every booking through the real seat-lock core.

Invariant: every seat changes hands only through :class:`~ticketlab.seatlock.BookingService`, on the
loop's clock, so the core's guards decide every race and the history checker can judge the whole
rush at the end. The simulation adds the people around the core:

1. **Arrive** (:mod:`~ticketlab.sim.crowd`) and join the waiting room, told an estimated wait:
   people ahead ÷ admission rate.
2. **Admitted** at the room's throttle while fewer than ``max_active`` are on the site; then
   **choose seats** (best available, or seats picked in a section by popularity from the map as it
   was when they looked) for ``think_time``.
3. **Hold** through the core; a conflict (someone else's write, a lost compare-and-set, a lock wait
   that timed out) is retried with a doubling backoff up to ``max_attempts``; sold out or out of
   attempts, the user joins the waitlist (or leaves).
4. With a hold, **abandon** (``abandon_rate``: the hold runs out and the sweeper returns its seats)
   or **pay** after ``pay_time``: the payment may be declined (seats released at once), or land after
   the hold expired (refunded by the core's compensation).
5. The **sweeper** runs every ``sweep_interval``; seats it returns, and seats a declined payment
   frees, are **offered to the waitlist** in order (one offer each). While no hold is live it has
   nothing to release and skips its scan: a long, slow sale records no empty sweeps.
6. Seats still free once the room is empty and nobody is on the site (left by a party too big for
   them, or by a shopper who gave up) are offered to the parties on the waitlist that fit them; one
   who gets none of them goes back to the front of the waitlist.
"""

from __future__ import annotations

import gc
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

import numpy as np

from ticketlab.core.vocab import SeatChoice, StrategyName
from ticketlab.seatlock import (Behaviour, BookingService, FakePaymentGateway, HoldExpired, HoldNotFound, LockTimeout,
                                LostRace,
                                MemoryLockManager, PaymentDeclined, PaymentOutcomeUnknown, SeatStatus,
                                SeatUnavailable, SoldOut, StaleFencingToken, check_history, make_strategy)
from ticketlab.sim.config import RushConfig
from ticketlab.sim.crowd import Crowd
from ticketlab.sim.loop import EventLoop
from ticketlab.sim.result import RushResult, summarise_rush
from ticketlab.sim.room import make_room
from ticketlab.sim.store import SimStore, rush_venue

__all__ = ["Rush", "simulate"]

_CONTENTION = (SeatUnavailable, LostRace, LockTimeout, StaleFencingToken)
#: Share of the seats sold at which a sale counts as sold out: whole parties leave a few seats no party fits.
SOLD_OUT = 0.99


_gc_lock = threading.Lock()
_gc_pauses: list[object] = []  # one token per rush paused now (several threads may run rushes)
_gc_was_on = [False]  # whether the collector was on before the first of them began


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a rush runs, and put it back as it was after.

    Why: a rush allocates millions of small objects (records, seats, holds) and keeps most of them,
    so the collector keeps re-scanning a growing heap for cycles the rush almost never makes: at
    50,000 people that was about a third of the run's time, for 5 MB less memory at its peak.
    Reference counting still frees everything else at once. Rushes in several threads share one pause.
    Each pause is a token in a list, added and removed in single steps, so an interrupt that lands
    anywhere while the pause begins still leaves the collector as it was (one inside the ``finally``
    that ends it can still leave it paused).
    """
    token = object()
    try:
        with _gc_lock:
            if not _gc_pauses:
                _gc_was_on[0] = gc.isenabled()
            _gc_pauses.append(token)
            gc.disable()
        yield
    finally:
        with _gc_lock:
            if token in _gc_pauses:
                _gc_pauses.remove(token)
            if not _gc_pauses and _gc_was_on[0]:
                gc.enable()


class Rush:
    """One simulated on-sale. Build it, :meth:`run` it, read :meth:`result`."""

    def __init__(self, config: RushConfig) -> None:
        self.config = c = config
        self.rng = np.random.default_rng(c.seed)
        self.loop = EventLoop(start=-c.early)  # time 0 is the on-sale; the room opens ``early`` before
        clock = self.loop.clock
        self.venue = rush_venue(c.seats, c.sections)
        self.store = SimStore(self.venue, clock)
        self.crowd = Crowd.draw(c, self.rng)
        decliners = self.crowd.decliners(c.payment_failure_rate, self.rng)
        self.payments = FakePaymentGateway(clock, latency=c.payment_latency,
                                           behaviours={f"u{u}": Behaviour.DECLINE for u in decliners})
        locks = MemoryLockManager(clock, sleep=0.001) if c.strategy is StrategyName.DISTRIBUTED else None
        self.service = BookingService(self.store, make_strategy(c.strategy, c.db_time, seed=c.seed, locks=locks),
                                      clock, self.payments)
        self.room = make_room(c.policy, self.rng, self.crowd.is_bot, c.seats / c.party_mean)
        n = c.users
        self.joined_at = [math.nan] * n
        self.estimated = [math.nan] * n
        self.admitted_at = [math.nan] * n
        # booked | abandoned | waitlisted | gave-up | sold-out | turned-away | failed | unfinished (at the horizon)
        self.outcome = [""] * n
        self.booked_seats = [0] * n
        self.holds: list[tuple[float, float]] = []  # (start, end) of every hold, for Little's law
        self.samples: list[tuple[float, int, int, int, int, int]] = []
        self.waitlist: deque[int] = deque()
        self.active = 0
        self.retries = 0
        self.sellout_at: float | None = None
        self.last_booking_at = 0.0
        self._admit_interval = 60.0 / c.admit_per_minute
        self._next_admit = 0.0
        self._gate_scheduled = False
        self._unclaimed_seen: tuple[int, int] | None = None  # (free seats, people waiting) last offered from
        self._second_chance: set[int] = set()  # offered seats nobody took: back on the waitlist if they get none
        self._done = 0
        self.wall_seconds = 0.0
        self._progress: Callable[[float], None] | None = None

    # -- the crowd and the room ------------------------------------------------------

    def _arrive(self, user: int) -> None:
        self.joined_at[user] = now = self.loop.now
        rate = 1.0 / self._admit_interval
        self.estimated[user] = max(0.0, -now) + len(self.room) / rate  # the wait the room announces
        if not self.room.join(user):
            self._turned_away(user)
        self._wake_gate()

    def _turned_away(self, user: int) -> None:
        self._finish(user, "turned-away")

    def _open(self) -> None:
        self.room.open(self._turned_away)
        self._wake_gate()

    def _wake_gate(self) -> None:
        if self.room.opened and not self._gate_scheduled and len(self.room) and self.active < self.config.max_active:
            self._gate_scheduled = True
            self.loop.call_at(max(self._next_admit, self.loop.now), self._gate)

    def _gate(self) -> None:
        """Admit one user, then come back after one admission interval if anyone is left."""
        self._gate_scheduled = False
        if self.active >= self.config.max_active:
            return  # a user leaving wakes the gate again
        user = self.room.admit()
        if user is None:
            return
        now = self.loop.now
        self.admitted_at[user] = now
        self._next_admit = now + self._admit_interval
        self.active += 1
        self._start_shopping(user, False)
        self._wake_gate()

    def _finish(self, user: int, outcome: str) -> None:
        self.outcome[user] = outcome
        self._done += 1

    def _leave(self, user: int, outcome: str) -> None:
        self.active -= 1
        self._finish(user, outcome)
        self._wake_gate()
        self._offer_unclaimed()

    def _offer_unclaimed(self) -> None:
        """Once the room is empty and nobody is on the site, seats still free are offered to the waitlist:
        in its order, to the parties that fit them (six people are not offered two seats). No release frees
        these seats (a party too big for what was left looked and went, a shopper gave up on contention), so
        no other offer would reach them, and the sale would end with seats unsold and people waiting."""
        if not self.waitlist or self.active or len(self.room):
            return
        free = self.store.available()
        if not free or (free, len(self.waitlist)) == self._unclaimed_seen:
            return  # nothing free, or nothing changed since these seats were last offered: no one could take them
        self._unclaimed_seen = (free, len(self.waitlist))
        waitlist, party, skipped, chosen = self.waitlist, self.crowd.party, [], []
        while waitlist and free:
            user = waitlist.popleft()
            if party[user] <= free:
                chosen.append(user)
                free -= party[user]
            else:
                skipped.append(user)
        waitlist.extendleft(reversed(skipped))  # the ones passed over keep their places
        for user in chosen:
            # a second chance: one who gets no seat (the others were quicker) goes back to the waitlist, so a
            # crowd offered the same seats at once does not empty the waitlist while seats stay unsold
            self._second_chance.add(user)
            self._back_on_site(user)

    def _back_on_site(self, user: int) -> None:
        """A waitlisted user offered seats: on the site again (no outcome until they are done), shopping."""
        self.outcome[user] = ""
        self.active += 1
        self._start_shopping(user, True)

    # -- one user on the site ------------------------------------------------------------

    def _start_shopping(self, user: int, offered: bool) -> None:
        """The user looks at the map for their think time (half as long for an offer), then shops."""
        think = self.crowd.think[user] / (2 if offered else 1)
        self.loop.call_at(self.loop.now + think, partial(self._look, user, offered))

    def _look(self, user: int, offered: bool) -> None:
        """Back from thinking: with too few seats left the user is done at once, with no process (most of
        a sold-out crowd); otherwise they shop, starting now, in this event."""
        party = self.crowd.party[user]
        if self.store.available() < party:
            self._no_hold(user, party, offered)
        else:
            self.loop.start(self._shop, user, offered)

    def _no_hold(self, user: int, party: int, offered: bool) -> None:
        """No hold: onto the waitlist (first time, or after a second chance at seats nobody took), else gone,
        sold out or out of attempts."""
        if user in self._second_chance:
            self._second_chance.discard(user)
            self.active -= 1
            self.outcome[user] = "waitlisted"
            self.waitlist.appendleft(user)  # back where they were: at the front
            self._wake_gate()
            self._offer_unclaimed()
        elif self.config.waitlist and not offered:
            self.active -= 1
            self.outcome[user] = "waitlisted"
            self.waitlist.append(user)
            self._wake_gate()
            self._offer_unclaimed()
        else:
            self._leave(user, "sold-out" if self.store.available() < party else "gave-up")

    def _shop(self, user: int, offered: bool = False) -> None:
        c, loop, crowd = self.config, self.loop, self.crowd
        party = crowd.party[user]
        hold = None
        for attempt in range(c.max_attempts):
            if self.store.available() < party:
                break
            try:
                hold = self._hold(user, party)
                break
            except SoldOut:
                break
            except _CONTENTION:
                if attempt + 1 < c.max_attempts:
                    self.retries += 1
                    loop.wait(c.retry_backoff * 2 ** attempt * (0.5 + self.rng.random()))
        if hold is None:
            self._no_hold(user, party, offered)
            return
        self.holds.append((hold.created_at, math.nan))
        self._live[hold.hold_id] = (len(self.holds) - 1, party)  # until paid, or released by the sweeper
        if not crowd.pays(user):
            self._leave(user, "abandoned")
            return
        loop.wait(crowd.pay_time[user])
        try:
            booking = self.service.confirm(hold.hold_id, f"u{user}")
        except (PaymentDeclined, HoldExpired, HoldNotFound, PaymentOutcomeUnknown):
            if self._end_hold(hold.hold_id):  # declined, or refunded at confirm: the seats are free now
                self._offer(party)
            self._leave(user, "failed")
            return
        self._end_hold(hold.hold_id)
        self.booked_seats[user] = len(booking.seat_ids)
        self.last_booking_at = loop.now
        if self.sellout_at is None and self.store.sold() >= SOLD_OUT * c.seats:
            self.sellout_at = loop.now
        self._leave(user, "booked")

    def _hold(self, user: int, party: int) -> Any:
        ttl = self.config.hold_ttl
        if self.config.seat_choice is SeatChoice.BEST_AVAILABLE:
            return self.service.hold_any(f"u{user}", party, ttl=ttl, attempts=1)
        seats = self.store.pick(party, self.crowd.section_order(user), self.rng)
        if seats is None:
            raise SoldOut(party, self.store.available())
        return self.service.hold_seats(f"u{user}", seats, ttl)

    # -- the sweeper, the waitlist, the samples -------------------------------------------

    def _end_hold(self, hold_id: str) -> int:
        """Close a hold's record (paid, declined or released now); its seats, 0 if already closed."""
        index, party = self._live.pop(hold_id, (None, 0))
        if index is not None:
            self.holds[index] = (self.holds[index][0], self.loop.now)
        return party

    def _sweep(self) -> None:
        # with no live hold in the store the scan could only record that it found nothing (it looks
        # at live holds only: a payment in flight belongs to one, and a refund owed is the confirm's)
        if self.store.hold_count():
            freed = sum(self._end_hold(hold_id) for hold_id in self.service.sweep_expired().released)
            if freed:
                self._offer(freed)
        if self._running():
            self.loop.call_at(self.loop.now + self.config.sweep_interval, self._sweep)

    def _offer(self, seats: int) -> None:
        """Offer ``seats`` freed seats to the waitlist: one user per mean party, each offered once."""
        offers = max(1, round(seats / self.config.party_mean))
        while offers and self.waitlist:
            user = self.waitlist.popleft()
            offers -= 1
            self._second_chance.discard(user)  # an offer of released seats is the last one
            self._back_on_site(user)

    def _sample(self) -> None:
        if self._progress is not None:
            self._progress(self._done / self.config.users)
        counts = self.store.counters()
        self.samples.append((self.loop.now, counts[SeatStatus.SOLD], counts[SeatStatus.HELD], len(self.room),
                             self.active, len(self.waitlist)))
        if self._running():
            self.loop.call_at(self.loop.now + self.config.sample_every, self._sample)

    def _running(self) -> bool:
        return self._done + len(self.waitlist) < self.config.users or self.store.held() > 0 or self.active > 0

    # -- running --------------------------------------------------------------------------

    def run(self, progress: Callable[[float], None] | None = None) -> "Rush":
        """Run the rush to its end; ``progress(share of users done)`` is called at every sample."""
        started = time.perf_counter()
        self._progress = progress
        c, loop = self.config, self.loop
        self._live: dict[str, tuple[int, int]] = {}  # live hold id -> (index in holds, seats)
        arrival = self.crowd.arrival
        loop.stream(sorted(zip(arrival, range(len(arrival)))), self._arrive)
        loop.call_at(0.0, self._open)
        loop.call_at(c.sweep_interval, self._sweep)
        loop.call_at(-c.early, self._sample)
        with _cyclic_gc_paused():
            try:
                loop.run(until=c.horizon)
            except BaseException:
                try:
                    loop.close()  # no greenlet keeps this rush alive once it is dropped...
                except Exception:  # noqa: BLE001 - ...and the run's own error is the one to see
                    pass
                raise
            loop.close()
        for user in self.waitlist:
            self.outcome[user] = "waitlisted"
        for user, outcome in enumerate(self.outcome):
            if not outcome:  # still in the room or on the site when the run stopped at its horizon
                self.outcome[user] = "unfinished"
        self.wall_seconds = time.perf_counter() - started
        return self

    def result(self) -> RushResult:
        """What happened, with the history checker's verdict (the collector paused as in :meth:`run`: the
        checker builds a model of every seat beside the rush's millions of objects)."""
        with _cyclic_gc_paused():
            report = check_history(self.store.history(), self.store.snapshot())
            return summarise_rush(self, report)


def simulate(config: RushConfig, progress: Callable[[float], None] | None = None) -> RushResult:
    """Run one rush and summarise it (building it, running it and judging it with the collector paused)."""
    with _cyclic_gc_paused():
        return Rush(config).run(progress).result()
