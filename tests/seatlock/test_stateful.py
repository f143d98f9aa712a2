"""A stateful property test: the booking service against a model a child could check by hand.

Hypothesis drives random sequences of holds, confirms, releases, cancels, blocks, clock
jumps and sweeps; after every step the store must agree with the model seat by seat, the
counters must match, and the history checker must find nothing wrong.
"""

from __future__ import annotations

import os
import tempfile

from hypothesis import settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from ticketlab.seatlock import (
    AlreadyConfirmed,
    BookingNotFound,
    BookingService,
    FakePaymentGateway,
    HoldExpired,
    HoldNotFound,
    InvalidSeatRequest,
    MemoryLockManager,
    MemoryStore,
    STRATEGIES,
    NotHoldOwner,
    SeatBlocked,
    SeatStatus,
    SeatUnavailable,
    SimulatedClock,
    check_history,
    make_strategy,
    small_venue,
)
from ticketlab.seatlock.stores.sqlite import SqliteStore

SEATS = [f"GA-1-{n}" for n in range(1, 7)]
USERS = ["ann", "ben", "cat"]


class BookingMachine(RuleBasedStateMachine):
    backend = "memory"

    @initialize(strategy=st.sampled_from(STRATEGIES))
    def build(self, strategy):
        self.clock = SimulatedClock()
        if self.backend == "memory":
            self.store = MemoryStore(small_venue(6).seats())
        else:
            self.tmp = tempfile.TemporaryDirectory(prefix="ticketlab-stateful-")
            self.store = SqliteStore.create(os.path.join(self.tmp.name, "event.sqlite3"), small_venue(6).seats(),
                                            synchronous="NORMAL")
        locks = MemoryLockManager(self.clock)
        self.service = BookingService(self.store, make_strategy(strategy, locks=locks), self.clock,
                                      FakePaymentGateway(self.clock))
        self.status = {s: SeatStatus.AVAILABLE for s in SEATS}
        self.holds = {}  # hold_id -> (user, seats, expires_at), live ones only
        self.bookings = {}  # booking_id -> (user, seats, confirmed?)
        self.known_holds = []  # every hold id ever handed out, to replay stale ones

    @rule(user=st.sampled_from(USERS), seats=st.lists(st.sampled_from(SEATS), min_size=1, max_size=3, unique=True),
          ttl=st.sampled_from([30, 600]))
    def hold(self, user, seats, ttl):
        free = all(self.status[s] is SeatStatus.AVAILABLE for s in seats)
        try:
            hold = self.service.hold_seats(user, seats, ttl=ttl)
        except SeatUnavailable as error:
            assert not free
            assert isinstance(error, SeatBlocked) == any(self.status[s] is SeatStatus.BLOCKED for s in seats)
            return
        assert free
        for s in seats:
            self.status[s] = SeatStatus.HELD
        self.holds[hold.hold_id] = (user, tuple(sorted(seats)), self.clock.now() + ttl)
        self.known_holds.append(hold.hold_id)

    def _pick_hold(self, pick, user):
        """A hold this run has seen (live or not), and the acting user ("owner" = its holder)."""
        hold_id = self.known_holds[pick % len(self.known_holds)]
        live = self.holds.get(hold_id)
        if user == "owner" and live:
            user = live[0]
        return hold_id, live, user

    @rule(pick=st.integers(0, 20), user=st.sampled_from(USERS + ["owner"]))
    def confirm(self, pick, user):
        if not self.known_holds:
            return
        hold_id, live, user = self._pick_hold(pick, user)
        try:
            booking = self.service.confirm(hold_id, user)
        except AlreadyConfirmed:
            assert live is None and any(b == f"b-{hold_id}" for b in self.bookings)
            return
        except HoldNotFound:
            assert live is None and f"b-{hold_id}" not in self.bookings
            return
        except NotHoldOwner:
            assert live is not None and live[0] != user
            return
        except HoldExpired as error:
            assert live is not None and self.clock.now() >= live[2] and not error.refunded
            return
        assert live is not None and live[0] == user and self.clock.now() < live[2]
        del self.holds[hold_id]
        for s in live[1]:
            self.status[s] = SeatStatus.SOLD
        self.bookings[booking.booking_id] = (user, live[1], True)

    @rule(pick=st.integers(0, 20), user=st.sampled_from(USERS + ["owner"]))
    def release(self, pick, user):
        if not self.known_holds:
            return
        hold_id, live, user = self._pick_hold(pick, user)
        try:
            self.service.release(hold_id, user)
        except AlreadyConfirmed:  # a confirmed hold is not released: the booking stands
            assert live is None and f"b-{hold_id}" in self.bookings
            return
        except HoldNotFound:
            assert live is None and f"b-{hold_id}" not in self.bookings
            return
        except NotHoldOwner:
            assert live is not None and live[0] != user
            return
        assert live is not None
        del self.holds[hold_id]
        for s in live[1]:
            self.status[s] = SeatStatus.AVAILABLE

    @rule(pick=st.integers(0, 20))
    def cancel(self, pick):
        if not self.bookings:
            return
        booking_id = sorted(self.bookings)[pick % len(self.bookings)]
        user, seats, confirmed = self.bookings[booking_id]
        try:
            self.service.cancel(booking_id, user)
        except InvalidSeatRequest:
            assert not confirmed
            return
        assert confirmed
        self.bookings[booking_id] = (user, seats, False)
        for s in seats:
            self.status[s] = SeatStatus.AVAILABLE

    @rule()
    def cancel_unknown_booking(self):
        try:
            self.service.cancel("b-none", "ann")
        except BookingNotFound:
            return
        raise AssertionError("cancelling a booking that does not exist must fail")

    @rule(seat=st.sampled_from(SEATS))
    def block_or_unblock(self, seat):
        if self.status[seat] is SeatStatus.BLOCKED:
            self.service.unblock([seat])
            self.status[seat] = SeatStatus.AVAILABLE
            return
        try:
            self.service.block([seat])
        except SeatUnavailable:
            assert self.status[seat] is not SeatStatus.AVAILABLE
            return
        assert self.status[seat] is SeatStatus.AVAILABLE
        self.status[seat] = SeatStatus.BLOCKED

    @rule(seconds=st.sampled_from([1, 29, 31, 300, 601]))
    def time_passes(self, seconds):
        self.clock.advance(seconds)

    @rule()
    def sweep(self):
        now = self.clock.now()
        released = set(self.service.sweep_expired().released)
        expected = {h for h, (_, _, exp) in self.holds.items() if exp <= now}
        assert released == expected
        for hold_id in expected:
            for s in self.holds.pop(hold_id)[1]:
                self.status[s] = SeatStatus.AVAILABLE

    @invariant()
    def store_matches_model(self):
        snapshot = self.store.snapshot()
        assert {s: seat.status for s, seat in snapshot.items()} == self.status
        counts = self.store.counters()
        for status in SeatStatus:
            assert counts[status] == sum(1 for v in self.status.values() if v is status)
        assert {h.hold_id for h in self.store.live_holds()} == set(self.holds)

    @invariant()
    def history_is_clean(self):
        report = check_history(self.store.history(), self.store.snapshot())
        assert report.ok, report.summary()


    def teardown(self):
        if self.backend == "sqlite" and hasattr(self, "store"):
            self.store.close()
            self.tmp.cleanup()


class SqliteBookingMachine(BookingMachine):
    backend = "sqlite"


BookingMachine.TestCase.settings = settings(max_examples=80, stateful_step_count=40, deadline=None)
SqliteBookingMachine.TestCase.settings = settings(max_examples=30, stateful_step_count=30, deadline=None)
test_booking_service_matches_a_simple_model = BookingMachine.TestCase
test_booking_service_on_sqlite_matches_a_simple_model = SqliteBookingMachine.TestCase
