"""Plain functions and classes the seat-lock tests share (fixtures live in ``conftest.py``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from ticketlab.seatlock import (
    BookingService,
    Change,
    FakePaymentGateway,
    Hold,
    LostRace,
    MemoryStore,
    OptimisticStrategy,
    PaymentGatewayError,
    PaymentOutcomeUnknown,
    PessimisticStrategy,
    Record,
    RecordKind,
    Seat,
    SeatStatus,
    SimulatedClock,
    Store,
    WriteResult,
    check_history,
    small_venue,
)
from ticketlab.seatlock.stores.sqlite import SqliteStore


def once(action: Callable[[], None]) -> Callable[[], None]:
    """A ``before_write`` hook that runs ``action`` before the first write only."""
    done: list[bool] = []

    def hook() -> None:
        if not done:
            done.append(True)
            action()

    return hook


def cut_in(store: Store, method: str, action: Callable[[], None]) -> None:
    """Run ``action`` once, right before the next call of ``store.<method>``: another request
    acting between two steps of this one."""
    real, hook = getattr(store, method), once(action)

    def patched(*args, **kwargs):
        hook()
        return real(*args, **kwargs)

    setattr(store, method, patched)


class HookedStore(MemoryStore):
    """A memory store that runs ``before_read`` (when set) before each read of seats, but not
    within itself: how a test puts another writer between a refused write and the read after it."""

    before_read: Callable[[], None] | None = None

    def read_seats(self, seat_ids: Sequence[str]) -> list[Seat]:
        hook, self.before_read = self.before_read, None
        if hook is not None:
            try:
                hook()
            finally:
                self.before_read = hook
        return super().read_seats(seat_ids)


def hold_of(hold_id: str, seat_ids, at: float, user: str = "alice", ttl: float = 600.0, **guards) -> Change:
    """A HOLD change of ``seat_ids`` at ``at`` for ``ttl`` seconds, $100 a seat, with ``guards``."""
    hold = Hold(hold_id, user, tuple(seat_ids), at, at + ttl, 10000 * len(seat_ids))
    return Change(RecordKind.HOLD, tuple(seat_ids), at, user=user, hold_id=hold_id, hold=hold, **guards)


def assert_holds_match_the_memory_store(store: Store) -> None:
    """Guarded holds through ``store``'s own hold path (a lean script, a one-statement function)
    against the memory store, change for change, on six fresh GA seats: guards (status, versions,
    fencing, several seats), refusals (one taken seat of several undoes the others), a blind write
    through the general path, and names that need escaping; then the same seats, holds, counters
    and history."""
    twin = MemoryStore(small_venue(6).seats(), event_id="gig")
    zoe = 'zoë "z" \\ / ☂ \' ;'
    changes = [
        hold_of("h1", ["GA-1-1", "GA-1-2"], 1.0, user=zoe),
        hold_of("h2", ["GA-1-2"], 2.0),  # HELD: refused
        hold_of("h3", ["GA-1-3"], 3.0, expect_versions=(1,)),  # a stale version: refused
        hold_of("h3b", ["GA-1-3", "GA-1-2"], 3.5),  # the second seat is taken: the first stays free
        hold_of("h4", ["GA-1-3", "GA-1-4"], 4.0, expect_versions=(0, 0), fencing_tokens=(7, 3)),
        hold_of("h5", ["GA-1-5"], 5.0, fencing_tokens=(2,)),
        hold_of("h6", ["GA-1-5"], 5.5, user="bob", guarded=False),  # naive's blind write
        # one guard's values without the other's (a store may send the missing ones as nothing)
        hold_of("h6f", ["GA-1-6"], 5.7, fencing_tokens=(-1,)),  # not above a fresh seat's bar: stale
        hold_of("h6v", ["GA-1-6"], 5.8, expect_versions=(4,)),  # a version the seat never had
        hold_of("h7", ["GA-1-6"], 6.0, expect_versions=(0,), fencing_tokens=(0,)),
    ]
    results = [(store.apply(change), twin.apply(change)) for change in changes]
    assert [mine for mine, _ in results] == [theirs for _, theirs in results] == [
        WriteResult.OK, WriteResult.CONFLICT, WriteResult.CONFLICT, WriteResult.CONFLICT, WriteResult.OK,
        WriteResult.OK, WriteResult.OK, WriteResult.STALE_TOKEN, WriteResult.CONFLICT, WriteResult.OK]
    assert store_state(store) == store_state(twin)
    assert store.counters() == twin.counters()
    assert [(r.seq, r.kind, r.hold_id, r.counters, r.fencing_tokens) for r in store.history()] == [
        (r.seq, r.kind, r.hold_id, r.counters, r.fencing_tokens) for r in twin.history()]
    assert store.get_hold("h1").user == zoe and store.history()[1].user == zoe
    stale = hold_of("h8", ["GA-1-1"], 7.0, fencing_tokens=(1,))  # GA-1-1 is HELD: the status refuses first
    assert store.apply(stale) is twin.apply(stale) is WriteResult.CONFLICT


def store_state(store: Store) -> tuple:
    """Everything a refused change must leave as it was."""
    snapshot = store.snapshot()
    return (snapshot, sorted(store.live_holds(), key=lambda h: h.hold_id),
            sorted(store.bookings(), key=lambda b: b.booking_id), store.counters(), store.history(),
            {seat_id: store.newest_fencing_token(seat_id) for seat_id in snapshot})


def state(service: BookingService) -> tuple:
    return store_state(service.store)


def records_of(store: Store, kind: RecordKind) -> list[Record]:
    """The records of one kind in ``store``'s history, oldest first."""
    return [r for r in store.history() if r.kind is kind]


def seats(store: Store) -> dict[str, SeatStatus]:
    return {seat_id: seat.status for seat_id, seat in store.snapshot().items()}


def assert_store_clean(store: Store) -> None:
    """The history checker finds nothing wrong with everything ``store`` recorded."""
    report = check_history(store.history(), store.snapshot())
    assert report.ok, report.summary()


def assert_clean(service: BookingService) -> None:
    assert_store_clean(service.store)


class Crash(BaseException):
    """The process dies here: nothing after this point of the operation runs."""


def crash_at(step: str):
    def checkpoint(name: str) -> None:
        if name == step:
            raise Crash(step)
    return checkpoint


class WatchedGateway(FakePaymentGateway):
    """The fake gateway, keeping each error it raised and the key of each refund it was asked for."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.errors: list[PaymentGatewayError] = []
        self.refund_keys: list[str | None] = []

    def _maybe_fail(self, request: str, payment_id: str) -> None:
        try:
            super()._maybe_fail(request, payment_id)
        except PaymentGatewayError as error:
            self.errors.append(error)
            raise

    def refund(self, payment_id, key=None):
        self.refund_keys.append(key)
        return super().refund(payment_id, key)


class LosesConfirm(OptimisticStrategy):
    """Takes holds normally but loses the race (after ``attempts`` tries) when confirming: the
    first ``times`` confirm writes, or every one if ``times`` is None."""

    attempts = 3

    def __init__(self, times: int | None = None) -> None:
        super().__init__()
        self.left = times

    def write(self, store, seat_ids, check, build, clock):
        if store.read_seats(seat_ids)[0].status is SeatStatus.HELD and self.left != 0:
            if self.left is not None:
                self.left -= 1
            raise LostRace(seat_ids, self.attempts)
        return super().write(store, seat_ids, check, build, clock)


class Sale:
    """One store, one gateway, and service instances on it (each a server of its own)."""

    def __init__(self, new_store, behaviours=None, gateway: type[FakePaymentGateway] = FakePaymentGateway,
                 latency: float = 0.0):
        self.clock = SimulatedClock()
        self.store = new_store(small_venue(4).seats())
        self.gateway = gateway(self.clock, latency=latency, behaviours=behaviours)
        self.views = []

    def server(self, clock=None, checkpoint=None) -> BookingService:
        """A service instance; a SQLite one opens the file itself, as another process would."""
        store = SqliteStore(self.store.path) if isinstance(self.store, SqliteStore) else self.store
        if store is not self.store:
            self.views.append(store)
        return BookingService(store, PessimisticStrategy(), clock or self.clock, self.gateway, checkpoint=checkpoint)

    def crashed_confirm(self, step: str, ttl: float = 600):
        """Alice holds GA-1-1 and a server dies at ``step`` of confirming it; returns the hold."""
        hold = self.server().hold_seats("alice", ["GA-1-1"], ttl=ttl)
        with pytest.raises(Crash):
            self.server(checkpoint=crash_at(step)).confirm(hold.hold_id, "alice")
        return hold

    def assert_at_rest(self) -> None:
        report = check_history(self.store.history(), self.store.snapshot(), at_rest=True,
                               gateway_held=self.gateway.held())
        assert report.ok, report.summary()

    def close(self) -> None:
        for view in self.views:
            view.close()


def lost_answer(s: Sale):
    """Alice holds GA-1-1 and pays; the gateway's answer never comes back."""
    service = s.server()
    hold = service.hold_seats("alice", ["GA-1-1"])
    with pytest.raises(PaymentOutcomeUnknown):
        service.confirm(hold.hold_id, "alice")
    return service, hold
