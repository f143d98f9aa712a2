"""The sweeper's recheck backoff: a payment still in flight is asked about again only once its
backoff has passed (doubling, capped), while reconcile and release ask at once and no hold
whose payment is open is ever released."""

from __future__ import annotations

import math

import pytest

from ticketlab.core.errors import InputError
from ticketlab.seatlock import (
    Behaviour,
    BookingService,
    FakePaymentGateway,
    MemoryStore,
    PaymentOutcomeUnknown,
    PaymentState,
    RecordKind,
    SeatStatus,
    SimulatedClock,
    check_history,
    payment_id_for,
    small_venue,
)
from ticketlab.seatlock.errors import InvalidTTL
from ticketlab.seatlock.service import DEFAULT_RECHECK_AFTER, DEFAULT_RECHECK_MAX

from .common import seats


class AskedGateway(FakePaymentGateway):
    """The fake gateway, keeping the payment id of every status question and refund request."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.asked: list[str] = []
        self.refunds_asked: list[str] = []

    def status(self, payment_id):
        self.asked.append(payment_id)
        return super().status(payment_id)

    def refund(self, payment_id, key=None):
        self.refunds_asked.append(payment_id)
        return super().refund(payment_id, key)


def _pending(service: BookingService, clock: SimulatedClock):
    """Alice pays for GA-1-1, the answer is lost and the charge stays pending; the hold expires."""
    hold = service.hold_seats("alice", ["GA-1-1"])
    with pytest.raises(PaymentOutcomeUnknown):
        service.confirm(hold.hold_id, "alice")
    clock.advance(600)
    return hold


def _memory_service(**backoff):
    clock = SimulatedClock()
    gateway = AskedGateway(clock, behaviours={"alice": Behaviour.TIMEOUT_PENDING})
    service = BookingService(MemoryStore(small_venue(4).seats()), clock=clock, payments=gateway, **backoff)
    return service, clock, gateway


def test_a_pending_payment_is_asked_about_once_then_not_until_its_backoff_has_passed(make):
    service, clock = make(behaviours={"alice": Behaviour.TIMEOUT_PENDING}, gateway=AskedGateway)
    gateway = service.payments
    hold = _pending(service, clock)
    payment_id = payment_id_for(hold.hold_id)

    first = service.sweep_expired()
    assert gateway.asked == [payment_id]
    assert (first.released, first.skipped, first.deferred) == ((), (hold.hold_id,), ())
    for step in (0, 30, 29):  # twice in a row, and up to a second before the backoff has passed
        clock.advance(step)
        again = service.sweep_expired()
        assert gateway.asked == [payment_id], "asked again before the backoff had passed"
        assert (again.released, again.skipped, again.deferred) == ((), (hold.hold_id,), (hold.hold_id,))
        assert service.store.history()[-1].skipped == (hold.hold_id,)  # the checker knows why it is kept
        assert seats(service.store)["GA-1-1"] is SeatStatus.HELD
    clock.advance(1)  # exactly recheck_after after the first question
    due = service.sweep_expired()
    assert gateway.asked == [payment_id] * 2
    assert (due.released, due.skipped, due.deferred) == ((), (hold.hold_id,), ())
    assert check_history(service.store.history(), service.store.snapshot()).ok


def _asked_at(sweeps: int, every: float, **backoff) -> list[float]:
    """Seconds after the first sweep at which the sweeper asked about one pending payment."""
    service, clock, gateway = _memory_service(**backoff)
    _pending(service, clock)
    start, asked_at = clock.now(), []
    for _ in range(sweeps):
        before = len(gateway.asked)
        service.sweep_expired()
        if len(gateway.asked) > before:
            asked_at.append(clock.now() - start)
        clock.advance(every)
    return asked_at


def test_a_deferred_hold_does_not_stop_the_sweep_of_the_holds_after_it():
    service, clock, gateway = _memory_service()
    pending = _pending(service, clock)
    service.sweep_expired()
    later = service.hold_seats("bob", ["GA-1-2"], ttl=5)  # scanned after alice's hold
    clock.advance(5)
    swept = service.sweep_expired()
    assert (swept.released, swept.skipped, swept.deferred) == ((later.hold_id,), (pending.hold_id,), (pending.hold_id,))
    assert seats(service.store) == {"GA-1-1": SeatStatus.HELD, "GA-1-2": SeatStatus.AVAILABLE,
                                    "GA-1-3": SeatStatus.AVAILABLE, "GA-1-4": SeatStatus.AVAILABLE}
    assert len(gateway.asked) == 1


def test_the_wait_doubles_after_each_answer_in_flight_up_to_its_ceiling():
    assert _asked_at(130, 1, recheck_after=10, recheck_max=35) == [0, 10, 30, 65, 100]


def test_the_default_backoff_starts_at_a_minute_and_stops_doubling_at_fifteen():
    service, _, _ = _memory_service()
    assert (service.recheck_after, service.recheck_max) == (DEFAULT_RECHECK_AFTER, DEFAULT_RECHECK_MAX) == (60, 900)
    assert _asked_at(60, 60) == [0, 60, 180, 420, 900, 1800, 2700]  # a sweep every minute for an hour


def test_without_a_backoff_the_sweeper_asks_on_every_sweep():
    assert _asked_at(3, 0, recheck_after=0, recheck_max=0) == [0, 0, 0]


def test_reconcile_and_release_ignore_the_backoff_and_ask_at_once(make):
    service, clock = make(behaviours={"alice": Behaviour.TIMEOUT_PENDING}, gateway=AskedGateway)
    gateway = service.payments
    hold = _pending(service, clock)
    payment_id = payment_id_for(hold.hold_id)
    service.sweep_expired()
    assert service.reconcile().pending == (payment_id,)
    with pytest.raises(PaymentOutcomeUnknown):
        service.release(hold.hold_id, "alice")
    assert gateway.asked == [payment_id] * 3
    assert service.sweep_expired().deferred == (hold.hold_id,)  # the sweeper's own pace is unchanged
    gateway.settle()
    assert service.reconcile().refunded == (payment_id,)  # at once, backoff or not
    assert gateway.asked == [payment_id] * 4
    assert seats(service.store)["GA-1-1"] is SeatStatus.AVAILABLE and gateway.held() == {}
    assert service.check(at_rest=True).ok
    service.sweep_expired()
    assert service._rechecks == {}  # a payment settled elsewhere is forgotten at the next sweep: memory stays bounded


def test_money_captured_during_the_backoff_is_refunded_once_it_has_passed(make):
    service, clock = make(behaviours={"alice": Behaviour.TIMEOUT_PENDING}, gateway=AskedGateway)
    gateway = service.payments
    hold = _pending(service, clock)
    service.sweep_expired()
    gateway.settle()  # the money lands while the sweeper is not asking
    clock.advance(DEFAULT_RECHECK_AFTER / 2)
    kept = service.sweep_expired()
    assert (kept.released, kept.refunded, kept.deferred) == ((), (), (hold.hold_id,))
    assert seats(service.store)["GA-1-1"] is SeatStatus.HELD  # never freed with the money captured
    assert gateway.held() == {payment_id_for(hold.hold_id): hold.amount_cents}
    assert check_history(service.store.history(), service.store.snapshot()).ok
    clock.advance(DEFAULT_RECHECK_AFTER / 2)
    done = service.sweep_expired()
    assert (done.released, done.refunded, done.deferred) == ((hold.hold_id,), (hold.hold_id,), ())
    assert seats(service.store)["GA-1-1"] is SeatStatus.AVAILABLE and gateway.held() == {}
    assert service.check(at_rest=True).ok
    assert service.sweep_expired() == type(done)((), (), (), ())  # nothing left to sweep or remember


def test_a_payment_another_request_moved_is_asked_about_at_once():
    """A reconcile moves the captured charge to REFUNDING and the gateway fails the refund: the
    sweeper's backoff was for a charge in flight, so it tries the refund at its next sweep."""
    service, clock, gateway = _memory_service()
    hold = _pending(service, clock)
    payment_id = payment_id_for(hold.hold_id)
    service.sweep_expired()
    gateway.settle()
    gateway.fail_next("refund")
    assert service.reconcile().pending == (payment_id,)
    assert service.store.get_payment(payment_id).state is PaymentState.REFUNDING
    swept = service.sweep_expired()
    assert (swept.refunded, swept.deferred) == ((hold.hold_id,), ())
    assert gateway.refunds_asked == [payment_id] * 2 and gateway.held() == {}
    assert service.check(at_rest=True).ok


def test_a_refund_the_gateway_failed_is_tried_again_after_the_backoff_and_starts_at_the_first_wait():
    service, clock, gateway = _memory_service(recheck_after=10, recheck_max=1000)
    hold = _pending(service, clock)
    payment_id, start = payment_id_for(hold.hold_id), clock.now()
    for _ in range(3):  # pending at t=0, 10 and 30: the next question would wait 40 s
        service.sweep_expired()
        clock.advance(service._rechecks[payment_id].due - clock.now())
    assert clock.now() - start == 70 and len(gateway.asked) == 3
    gateway.settle()
    gateway.fail_next("refund", times=2)
    assert service.sweep_expired().skipped == (hold.hold_id,)  # captured, refund failed: REFUNDING
    assert service.store.get_payment(payment_id).state is PaymentState.REFUNDING
    clock.advance(9)
    assert service.sweep_expired().deferred == (hold.hold_id,)
    clock.advance(1)  # the refund's own backoff starts at recheck_after, not at the charge's 80 s
    assert service.sweep_expired().skipped == (hold.hold_id,)
    assert gateway.refunds_asked == [payment_id] * 2
    clock.advance(19)
    assert service.sweep_expired().deferred == (hold.hold_id,)
    clock.advance(1)
    assert service.sweep_expired().refunded == (hold.hold_id,)
    assert gateway.refunds_asked == [payment_id] * 3 and gateway.held() == {}
    assert service.check(at_rest=True).ok


def test_each_service_paces_its_own_questions():
    """The backoff lives in one service's memory: a second server on the same store asks at once,
    and either may settle the payment; the seats stay held until one of them does."""
    service, clock, gateway = _memory_service()
    hold = _pending(service, clock)
    other = BookingService(service.store, clock=clock, payments=gateway)
    service.sweep_expired()
    assert other.sweep_expired().deferred == ()
    assert service.sweep_expired().deferred == (hold.hold_id,)
    assert len(gateway.asked) == 2
    assert seats(service.store)["GA-1-1"] is SeatStatus.HELD


def test_the_sweep_record_lists_deferred_holds_as_skipped_or_the_checker_objects():
    service, clock, _ = _memory_service()
    hold = _pending(service, clock)
    service.sweep_expired()
    service.sweep_expired()
    records = service.store.history()
    assert [r.skipped for r in records if r.kind is RecordKind.SWEEP] == [(hold.hold_id,)] * 2
    unexplained = [r if r.kind is not RecordKind.SWEEP else type(r)(**{**_fields(r), "skipped": ()}) for r in records]
    assert not check_history(unexplained).ok  # the exemption is what keeps a deferred hold legal


def _fields(record) -> dict:
    return {name: getattr(record, name) for name in record.__slots__}


@pytest.mark.parametrize(("kwargs", "name"), [
    (dict(recheck_after=-1), "recheck_after"), (dict(recheck_after=math.nan), "recheck_after"),
    (dict(recheck_after="soon"), "recheck_after"), (dict(recheck_after=[60]), "recheck_after"),
    (dict(recheck_max=-1), "recheck_max"), (dict(recheck_max=math.inf), "recheck_max"),
    (dict(recheck_after=120, recheck_max=60), "recheck_max"), (dict(recheck_after="20 min"), "recheck_max"),
])
def test_bad_backoff_arguments_name_the_argument(kwargs, name):
    store = MemoryStore(small_venue(4).seats())
    with pytest.raises(InputError) as info:
        BookingService(store, **kwargs)
    assert info.value.name == name
    if name == "recheck_max" and not isinstance(info.value, InvalidTTL):
        assert info.value.value == kwargs.get("recheck_max", DEFAULT_RECHECK_MAX)
        assert "at least recheck_after" in str(info.value)


def test_backoff_arguments_take_durations_and_zero():
    store = MemoryStore(small_venue(4).seats())
    service = BookingService(store, recheck_after="30s", recheck_max="30s")
    assert (service.recheck_after, service.recheck_max) == (30.0, 30.0)
    assert BookingService(store, recheck_after=0, recheck_max=0).recheck_max == 0.0
