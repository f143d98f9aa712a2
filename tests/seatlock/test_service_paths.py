"""Every way a confirm, a release, a cancel and a sweep can end, and what each leaves behind.

For each path: what the caller is told (the outcome, or the error, what it names, and the cause it
carries), what the store holds afterwards (holds, seats, the payment intent), the records written
to the history, the counters, and the checkpoints a crash test can stop at. Another request acting
between two steps of this one is played by :func:`~common.cut_in` or by a checkpoint.
"""

from __future__ import annotations

import dataclasses

import pytest

from ticketlab.seatlock import (
    AlreadyConfirmed,
    Behaviour,
    BookingService,
    BookingStatus,
    ConfirmFailed,
    ConfirmInProgress,
    DistributedStrategy,
    FakePaymentGateway,
    Hold,
    HoldExpired,
    HoldNotFound,
    InvalidSeatRequest,
    LostRace,
    MemoryLockManager,
    NaiveStrategy,
    OptimisticStrategy,
    PaymentDeclined,
    PaymentGateway,
    PaymentIntent,
    PaymentOutcome,
    PaymentOutcomeUnknown,
    PaymentState,
    RecordKind,
    RefundPending,
    SeatStatus,
    SimulatedClock,
    payment_id_for,
    refund_key,
)
from ticketlab.seatlock.payments import PaymentResult
from ticketlab.seatlock.service import _END_HOLD_ATTEMPTS, _SETTLE_ROUNDS, ReconcileResult
from ticketlab.seatlock.stores.base import Change, PaymentStep, WriteResult

from .common import (
    Crash,
    LosesConfirm,
    WatchedGateway,
    crash_at,
    cut_in,
    lost_answer,
    once,
    records_of,
    seats,
)


def _second(service: BookingService) -> BookingService:
    """Another server on the same store, clock and gateway."""
    return BookingService(service.store, OptimisticStrategy(), service.clock, service.payments)


def _seat_records(store, hold_id: str) -> list[RecordKind]:
    """The kinds of the seat-changing records about one hold, oldest first."""
    return [r.kind for r in store.history() if r.hold_id == hold_id and r.to_status is not None]


# --- confirm: the usual path --------------------------------------------------------------------


def test_a_confirm_passes_its_checkpoints_and_writes_the_booking_its_payment_and_their_records(make):
    service, clock = make(latency=4)
    steps = []
    service.checkpoint = steps.append
    clock.advance(3)
    hold = service.hold_seats("alice", ["GA-1-2", "GA-1-1"])
    booking = service.confirm(hold.hold_id, "alice")
    paid_at = clock.now()  # the charge took the gateway's latency
    assert steps == ["charge-intent", "charged", "booked"] and paid_at > hold.created_at
    assert booking.payment_id == payment_id_for(hold.hold_id)
    assert (booking.hold_id, booking.user, booking.seat_ids, booking.amount_cents) == (
        hold.hold_id, "alice", hold.seat_ids, hold.amount_cents)
    assert (booking.created_at, booking.confirmed_at, booking.cancelled_at) == (hold.created_at, paid_at, None)
    assert service.store.get_payment(booking.payment_id) == PaymentIntent(
        booking.payment_id, hold.hold_id, "alice", hold.amount_cents, PaymentState.BOOKED, paid_at, booking.booking_id)
    held, = records_of(service.store, RecordKind.HOLD)
    assert (held.user, held.hold_id, held.seat_ids) == ("alice", hold.hold_id, hold.seat_ids)
    stats = service.stats.as_dict()
    assert (stats["holds"], stats["bookings"], stats["refunds"], stats["unknown_payments"]) == (1, 1, 0, 0)


def test_a_confirm_whose_lease_was_handed_on_is_refused_by_the_store_and_written_again_under_a_new_one(make):
    service, clock = make()
    locks = MemoryLockManager(clock)
    service.strategy = DistributedStrategy(locks, latency=1)
    hold = service.hold_seats("alice", ["GA-1-1", "GA-1-2"])
    # another client takes the seats' leases while this confirm is paused: its tokens are stale
    service.strategy.before_write = once(lambda: service.store.issue_fencing_tokens(hold.seat_ids))
    booking = service.confirm(hold.hold_id, "alice")
    assert booking.status is BookingStatus.CONFIRMED and seats(service.store)["GA-1-1"] is SeatStatus.SOLD
    assert (service.stats.stale_tokens, service.stats.bookings) == (1, 1)
    assert service.payments.held() == {booking.payment_id: hold.amount_cents}  # charged once


def test_a_confirm_whose_first_seat_write_loses_books_on_the_second(make):
    service, _ = make(strategy=LosesConfirm(times=1))
    hold = service.hold_seats("alice", ["GA-1-1"])
    booking = service.confirm(hold.hold_id, "alice")
    assert service.store.get_payment(booking.payment_id).state is PaymentState.BOOKED
    assert (service.stats.conflicts, service.stats.retries, service.stats.bookings) == (
        1, LosesConfirm.attempts - 1, 1)
    assert service.payments.held() == {booking.payment_id: hold.amount_cents}


# --- confirm: the gateway does not answer -------------------------------------------------------


@pytest.mark.parametrize("behaviour", [Behaviour.TIMEOUT_CAPTURED, Behaviour.TIMEOUT_PENDING, None])
def test_a_charge_without_an_answer_is_recorded_counted_and_reported_as_unknown(make, behaviour):
    service, clock = make(behaviours={"alice": behaviour} if behaviour else None)
    if behaviour is None:
        service.payments.fail_next("charge")  # the request itself failed
    hold = service.hold_seats("alice", ["GA-1-1"])
    payment_id = payment_id_for(hold.hold_id)
    with pytest.raises(PaymentOutcomeUnknown) as info:
        service.confirm(hold.hold_id, "alice")
    assert type(info.value) is PaymentOutcomeUnknown  # no other request is at it: not ConfirmInProgress
    assert payment_id in str(info.value) and str(info.value).endswith("(the sweeper and reconcile() ask it)")
    unknown, = records_of(service.store, RecordKind.PAYMENT_UNKNOWN)
    assert (unknown.at, unknown.user, unknown.hold_id, unknown.payment_id, unknown.amount_cents) == (
        clock.now(), "alice", hold.hold_id, payment_id, hold.amount_cents)
    assert service.stats.unknown_payments == 1
    assert service.store.get_hold(hold.hold_id) == hold
    assert service.store.get_payment(payment_id).state is PaymentState.CHARGING


def test_a_second_confirm_while_the_charge_is_in_flight_is_told_so_and_counted(make):
    service, _ = make(behaviours={"alice": Behaviour.TIMEOUT_PENDING})
    hold = service.hold_seats("alice", ["GA-1-1"])
    with pytest.raises(PaymentOutcomeUnknown):
        service.confirm(hold.hold_id, "alice")
    with pytest.raises(ConfirmInProgress) as info:
        service.confirm(hold.hold_id, "alice")
    assert hold.hold_id in str(info.value) and payment_id_for(hold.hold_id) in str(info.value)
    assert service.stats.unknown_payments == 2
    assert len(records_of(service.store, RecordKind.PAYMENT_UNKNOWN)) == 1  # one fact about one payment


def test_a_retry_after_a_crash_whose_own_charge_fails_is_told_the_charge_may_be_in_flight(make):
    service, _ = make()
    hold = service.hold_seats("alice", ["GA-1-1"])
    service.checkpoint = crash_at("charge-intent")
    with pytest.raises(Crash):
        service.confirm(hold.hold_id, "alice")
    service.checkpoint = None
    service.payments.fail_next("charge")
    with pytest.raises(ConfirmInProgress) as info:  # the crashed request's charge may be on its way
        service.confirm(hold.hold_id, "alice")
    assert hold.hold_id in str(info.value)
    booking = service.confirm(hold.hold_id, "alice")
    assert service.payments.held() == {booking.payment_id: hold.amount_cents}


def test_a_charge_the_gateway_never_recorded_keeps_the_hold_for_a_retry(make):
    service, _ = make()
    hold = service.hold_seats("alice", ["GA-1-1"])
    service.payments.charge = lambda payment_id, user, amount, timeout: PaymentResult(
        payment_id, PaymentOutcome.NONE, amount)  # the request was dropped before the gateway kept it
    with pytest.raises(ConfirmInProgress) as info:
        service.confirm(hold.hold_id, "alice")
    assert hold.hold_id in str(info.value) and str(info.value).endswith("; ask again later")
    assert service.store.get_payment(payment_id_for(hold.hold_id)).state is PaymentState.CHARGING
    assert service.store.get_hold(hold.hold_id) == hold
    del service.payments.charge
    assert service.confirm(hold.hold_id, "alice").status is BookingStatus.CONFIRMED


# --- confirm: declined, refunded, refused -------------------------------------------------------


def test_a_declined_charge_is_taken_at_its_word_and_releases_the_hold(make):
    service, clock = make(behaviours={"alice": Behaviour.DECLINE}, latency=2)
    hold = service.hold_seats("alice", ["GA-1-1"])
    payment_id = payment_id_for(hold.hold_id)
    service.payments.fail_next("status")  # not needed: the charge's own answer is enough
    with pytest.raises(PaymentDeclined) as info:
        service.confirm(hold.hold_id, "alice")
    assert payment_id in str(info.value) and hold.hold_id in str(info.value)
    assert service.stats.declined == 1 and service.store.get_hold(hold.hold_id) is None
    payment = service.store.get_payment(payment_id)
    assert (payment.state, payment.updated_at) == (PaymentState.DECLINED, clock.now())
    released, = records_of(service.store, RecordKind.RELEASE)
    assert (released.hold_id, released.seat_ids, released.at) == (hold.hold_id, hold.seat_ids, clock.now())


def test_a_charge_landing_after_expiry_is_refunded_step_by_step_and_the_hold_expires(make):
    service, clock = make(behaviours={"alice": Behaviour.SLOW}, gateway=WatchedGateway)
    steps = []
    service.checkpoint = steps.append
    hold = service.hold_seats("alice", ["GA-1-1"])
    payment_id = payment_id_for(hold.hold_id)
    with pytest.raises(HoldExpired) as info:
        service.confirm(hold.hold_id, "alice")
    now = clock.now()
    assert now > hold.expires_at
    assert (info.value.hold_id, info.value.expired_at, info.value.now, info.value.refunded) == (
        hold.hold_id, hold.expires_at, now, True)
    assert steps == ["charge-intent", "charged", "refund-intent", "refunded", "settled"]
    assert service.payments.refund_keys == [refund_key(payment_id)] and service.stats.refunds == 1
    decided, = records_of(service.store, RecordKind.REFUND_INTENT)
    assert (decided.at, decided.payment_id) == (now, payment_id)
    payment = service.store.get_payment(payment_id)
    assert (payment.state, payment.updated_at) == (PaymentState.REFUNDED, now)
    assert _seat_records(service.store, hold.hold_id) == [RecordKind.HOLD, RecordKind.EXPIRE]


def test_a_confirm_that_cannot_mark_its_seats_sold_refunds_and_says_what_refused_it(make):
    service, _ = make(strategy=LosesConfirm())
    hold = service.hold_seats("alice", ["GA-1-1"])
    with pytest.raises(ConfirmFailed) as info:
        service.confirm(hold.hold_id, "alice")
    cause = info.value.__cause__
    assert isinstance(cause, LostRace) and str(cause) in str(info.value)
    assert hold.hold_id in str(info.value) and payment_id_for(hold.hold_id) in str(info.value)
    # two seat writes were tried (the confirm's, then the settle's), each lost after its attempts
    assert (service.stats.conflicts, service.stats.retries, service.stats.bookings) == (
        2, 2 * (LosesConfirm.attempts - 1), 0)
    assert service.payments.held() == {} and seats(service.store)["GA-1-1"] is SeatStatus.AVAILABLE
    assert _seat_records(service.store, hold.hold_id) == [RecordKind.HOLD, RecordKind.RELEASE]


@pytest.mark.parametrize("settled_by", ["confirm", "reconcile"])
def test_a_charge_refunded_at_the_gateway_before_its_booking_was_written_is_never_booked(sale, settled_by):
    s = sale()
    hold = s.crashed_confirm("charged")  # captured, and the server died before writing the booking
    payment_id = payment_id_for(hold.hold_id)
    assert s.gateway.refund(payment_id)  # an operator gives the money back at the gateway
    if settled_by == "confirm":
        with pytest.raises(ConfirmFailed) as info:  # the retry finds nothing to book
            s.server().confirm(hold.hold_id, "alice")
        assert info.value.__cause__ is None  # no seat write was refused
        assert str(info.value).startswith(f"paid for hold {hold.hold_id} but could not mark its seats SOLD; ")
    else:
        assert s.server().reconcile().refunded == (payment_id,)
    assert s.store.bookings() == [] and s.store.get_payment(payment_id).state is PaymentState.REFUNDED
    assert seats(s.store)["GA-1-1"] is SeatStatus.AVAILABLE and s.gateway.held() == {}
    s.assert_at_rest()


def test_a_declined_payment_stays_open_while_its_seats_cannot_be_given_back(make):
    service, _ = make(behaviours={"alice": Behaviour.DECLINE})
    hold = service.hold_seats("alice", ["GA-1-1"])
    store, refused = service.store, []

    def refuse_to_end_holds(change):
        if change.kind in (RecordKind.RELEASE, RecordKind.EXPIRE):
            refused.append(change)
            return WriteResult.CONFLICT
        return apply(change)

    apply, store.apply = store.apply, refuse_to_end_holds
    with pytest.raises(PaymentOutcomeUnknown):  # not settled: ask again
        service.confirm(hold.hold_id, "alice")
    assert len(refused) == _SETTLE_ROUNDS * _END_HOLD_ATTEMPTS  # bounded: each try, then each settle round
    assert store.get_payment(payment_id_for(hold.hold_id)).state is PaymentState.CHARGING
    assert store.get_hold(hold.hold_id) == hold and seats(store)["GA-1-1"] is SeatStatus.HELD
    del store.apply  # the store takes writes again: a release finishes it
    service.release(hold.hold_id, "alice")
    assert store.get_payment(payment_id_for(hold.hold_id)).state is PaymentState.DECLINED
    assert seats(store)["GA-1-1"] is SeatStatus.AVAILABLE


# --- confirm: another request acts between its steps --------------------------------------------


@pytest.mark.parametrize("operation, before", [("confirm", "move_payment"), ("release", "apply")])
def test_a_hold_another_request_released_between_two_steps_is_reported_gone_and_never_charged(
        make, operation, before):
    """A confirm between reading the hold and opening its charge; a release between reading its
    seats and writing them."""
    service, _ = make()
    hold = service.hold_seats("alice", ["GA-1-1"])
    cut_in(service.store, before, lambda: _second(service).release(hold.hold_id, "alice"))
    with pytest.raises(HoldNotFound) as info:
        getattr(service, operation)(hold.hold_id, "alice")
    payment_id = payment_id_for(hold.hold_id)
    assert info.value.hold_id == hold.hold_id and len(records_of(service.store, RecordKind.RELEASE)) == 1
    assert service.store.get_payment(payment_id) is None and service.payments.status(payment_id) is PaymentOutcome.NONE


def test_a_hold_swept_just_before_its_charge_opens_is_reported_expired_and_not_charged(make):
    service, clock = make()
    hold = service.hold_seats("alice", ["GA-1-1"], ttl=60)
    clock.advance(59)

    def the_hold_runs_out_and_is_swept():
        clock.advance(1)  # exactly at expires_at: expired
        assert _second(service).sweep_expired().released == (hold.hold_id,)

    cut_in(service.store, "move_payment", the_hold_runs_out_and_is_swept)
    with pytest.raises(HoldExpired) as info:
        service.confirm(hold.hold_id, "alice")
    assert (info.value.hold_id, info.value.expired_at, info.value.now, info.value.refunded) == (
        hold.hold_id, hold.expires_at, clock.now(), False)
    assert service.payments.status(payment_id_for(hold.hold_id)) is PaymentOutcome.NONE


def test_a_confirm_that_another_request_completes_first_returns_that_booking(make):
    service, _ = make()
    hold = service.hold_seats("alice", ["GA-1-1", "GA-1-2"])
    other = []
    cut_in(service.store, "move_payment", lambda: other.append(_second(service).confirm(hold.hold_id, "alice")))
    booking = service.confirm(hold.hold_id, "alice")
    assert booking == other[0] and booking.status is BookingStatus.CONFIRMED
    assert service.payments.held() == {booking.payment_id: hold.amount_cents}  # charged once
    assert service.stats.bookings == 0  # this request wrote nothing


def test_a_charge_voided_by_the_sweeper_before_it_went_out_is_reported_expired_not_declined(make):
    service, clock = make()
    hold = service.hold_seats("alice", ["GA-1-1"], ttl=60)
    payment_id = payment_id_for(hold.hold_id)
    swept = []

    def expire_and_sweep(step: str) -> None:
        if step == "charge-intent":
            clock.advance(60)
            swept.append(_second(service).sweep_expired())

    service.checkpoint = expire_and_sweep
    with pytest.raises(HoldExpired) as info:
        service.confirm(hold.hold_id, "alice")
    assert (info.value.hold_id, info.value.expired_at, info.value.now, info.value.refunded) == (
        hold.hold_id, hold.expires_at, clock.now(), False)
    assert swept[0].released == (hold.hold_id,) and swept[0].refunded == ()
    assert service.stats.declined == 0  # nothing was declined: the charge never went out
    assert service.payments.status(payment_id) is PaymentOutcome.VOIDED and service.payments.held() == {}
    assert service.store.get_payment(payment_id).state is PaymentState.DECLINED


def test_a_retry_after_a_crash_before_the_charge_is_declined_and_releases_the_hold(make):
    service, _ = make(behaviours={"alice": Behaviour.DECLINE})
    hold = service.hold_seats("alice", ["GA-1-1"])
    service.checkpoint = crash_at("charge-intent")
    with pytest.raises(Crash):
        service.confirm(hold.hold_id, "alice")
    service.checkpoint = None
    with pytest.raises(PaymentDeclined):
        service.confirm(hold.hold_id, "alice")
    assert service.store.get_hold(hold.hold_id) is None and seats(service.store)["GA-1-1"] is SeatStatus.AVAILABLE
    assert service.store.get_payment(payment_id_for(hold.hold_id)).state is PaymentState.DECLINED


def test_a_sweeper_that_refunds_a_confirms_charge_meanwhile_counts_the_refund_itself(sale):
    s = sale()
    hold = s.server().hold_seats("alice", ["GA-1-1"], ttl=60)
    sweeper, swept = s.server(), []

    def the_hold_runs_out_now(name: str) -> None:
        if name == "charged" and not swept:
            s.clock.advance(61)
            swept.append(sweeper.sweep_expired())

    confirming = s.server(checkpoint=the_hold_runs_out_now)
    with pytest.raises(HoldExpired) as info:
        confirming.confirm(hold.hold_id, "alice")
    assert info.value.refunded and swept[0].refunded == (hold.hold_id,)
    assert (sweeper.stats.refunds, confirming.stats.refunds) == (1, 0)  # one refund, counted where it was made


# --- release ----------------------------------------------------------------------------------


def test_a_release_the_store_refused_once_is_tried_again(make):
    service, _ = make()
    hold = service.hold_seats("alice", ["GA-1-1"])
    store, results = service.store, []
    apply = store.apply
    store.apply = lambda change: results.append(WriteResult.CONFLICT if not results else apply(change)) or results[-1]
    service.release(hold.hold_id, "alice")
    assert results == [WriteResult.CONFLICT, WriteResult.OK]
    assert store.get_hold(hold.hold_id) is None and seats(store)["GA-1-1"] is SeatStatus.AVAILABLE


def test_a_release_that_meets_a_charge_opened_under_it_voids_the_charge_and_frees_the_seats(sale):
    s = sale()
    service = s.server()
    hold = service.hold_seats("alice", ["GA-1-1"])
    crashing = s.server(checkpoint=crash_at("charge-intent"))

    def a_confirm_opens_its_charge_and_dies():
        with pytest.raises(Crash):
            crashing.confirm(hold.hold_id, "alice")

    cut_in(service.store, "apply", a_confirm_opens_its_charge_and_dies)
    results, apply = [], service.store.apply
    service.store.apply = lambda change: results.append(apply(change)) or results[-1]
    service.release(hold.hold_id, "alice")
    assert results == [WriteResult.CONFLICT, WriteResult.OK]  # the payment moved: no second try of the same write
    payment_id = payment_id_for(hold.hold_id)
    assert s.gateway.status(payment_id) is PaymentOutcome.VOIDED
    assert s.store.get_payment(payment_id).state is PaymentState.DECLINED
    assert seats(s.store)["GA-1-1"] is SeatStatus.AVAILABLE
    s.assert_at_rest()


def test_a_sweep_that_meets_a_charge_opened_under_it_voids_the_charge_and_frees_the_seats(sale):
    """The sweep read no payment for an expired hold, then a confirm that began before the expiry
    lands its charge intent: the sweep's no-money write is refused, and it settles the charge instead
    (never sent, so voided) rather than leaving an expired hold live."""
    s = sale()
    service = s.server()
    hold = service.hold_seats("alice", ["GA-1-1"], ttl=60)
    s.clock.advance(61)
    payment_id = payment_id_for(hold.hold_id)
    late = PaymentIntent(payment_id, hold.hold_id, "alice", hold.amount_cents, PaymentState.CHARGING, 59.0)

    def a_confirm_from_before_the_expiry_lands():
        assert s.store.move_payment(PaymentStep(payment_id, frozenset({None}), late), 59.0, live_hold=hold.hold_id)

    cut_in(service.store, "apply", a_confirm_from_before_the_expiry_lands)
    swept = service.sweep_expired()
    assert (swept.released, swept.skipped) == ((hold.hold_id,), ())
    assert s.gateway.status(payment_id) is PaymentOutcome.VOIDED
    assert s.store.get_payment(payment_id).state is PaymentState.DECLINED
    assert seats(s.store)["GA-1-1"] is SeatStatus.AVAILABLE
    s.assert_at_rest()


def test_releasing_a_hold_whose_seat_a_blind_write_took_leaves_the_seat_to_its_new_holder(make):
    bobs = []
    service, clock = make(strategy=NaiveStrategy())
    bob = _second(service)
    service.strategy.before_write = once(lambda: bobs.append(bob.hold_seats("bob", ["GA-1-1"])))
    alices = service.hold_seats("alice", ["GA-1-1"])  # overwrites bob's hold of the seat
    bob.release(bobs[0].hold_id, "bob")
    assert service.store.get_hold(bobs[0].hold_id) is None
    seat = service.store.read_seats(["GA-1-1"])[0]
    assert (seat.status, seat.hold_id) == (SeatStatus.HELD, alices.hold_id)


def test_releasing_a_hold_whose_lost_charge_was_captured_names_the_booking_it_became(sale):
    s = sale({"alice": Behaviour.TIMEOUT_CAPTURED})
    service, hold = lost_answer(s)
    with pytest.raises(AlreadyConfirmed) as info:
        service.release(hold.hold_id, "alice")
    assert (info.value.hold_id, info.value.booking_id) == (
        hold.hold_id, s.store.booking_for_hold(hold.hold_id).booking_id)


@pytest.mark.parametrize("status_fails", [False, True])
def test_releasing_a_hold_whose_charge_is_unsettled_keeps_it_and_says_why(sale, status_fails):
    s = sale({"alice": Behaviour.TIMEOUT_PENDING})
    service, hold = lost_answer(s)
    if status_fails:
        s.gateway.fail_next("status")
    with pytest.raises(PaymentOutcomeUnknown) as info:
        service.release(hold.hold_id, "alice")
    payment_id = payment_id_for(hold.hold_id)
    assert hold.hold_id in str(info.value) and payment_id in str(info.value)
    assert str(info.value).endswith("; the hold is kept until the gateway answers")
    assert s.store.get_hold(hold.hold_id) == hold and s.store.get_payment(payment_id).state is PaymentState.CHARGING


def test_releasing_an_expired_hold_whose_charge_was_captured_refunds_it_first_even_if_that_takes_two_tries(sale):
    s = sale({"alice": Behaviour.TIMEOUT_CAPTURED}, gateway=WatchedGateway)
    service, hold = lost_answer(s)
    payment_id = payment_id_for(hold.hold_id)
    s.clock.advance(600)  # past expiry, not swept yet
    s.gateway.fail_next("refund")
    with pytest.raises(RefundPending) as info:
        service.release(hold.hold_id, "alice")
    assert info.value.payment_id == payment_id and str(info.value).startswith(f"hold {hold.hold_id} is being released;")
    assert str(s.gateway.errors[-1]) in str(info.value)  # the gateway's own words
    assert seats(s.store)["GA-1-1"] is SeatStatus.HELD  # the seats wait for the money
    service.release(hold.hold_id, "alice")
    assert s.store.get_payment(payment_id).state is PaymentState.REFUNDED and s.gateway.held() == {}
    assert seats(s.store)["GA-1-1"] is SeatStatus.AVAILABLE
    s.assert_at_rest()


# --- the sweeper and the reconciler -------------------------------------------------------------


def test_a_sweep_frees_each_expired_hold_and_records_what_it_had_seen(make):
    service, clock = make()
    first = service.hold_seats("alice", ["GA-1-1"], ttl=60)
    second = service.hold_seats("bob", ["GA-1-2", "GA-1-3"], ttl=60)
    kept = service.hold_seats("cat", ["GA-1-4"], ttl=61)
    clock.advance(60)
    seen = service.store.last_seq()
    result = service.sweep_expired()
    assert sorted(result.released) == sorted([first.hold_id, second.hold_id])
    assert (result.skipped, result.refunded, service.stats.expired) == ((), (), 2)
    sweep = service.store.history()[-1]
    assert (sweep.kind, sweep.at, sweep.scan_seq, sweep.skipped) == (RecordKind.SWEEP, clock.now(), seen, ())
    assert service.store.live_holds() == [kept]


def test_a_sweep_goes_on_past_a_hold_that_ended_after_its_scan(make):
    service, clock = make()
    service.hold_seats("alice", ["GA-1-1"], ttl=60)
    service.hold_seats("bob", ["GA-1-2"], ttl=60)
    clock.advance(60)
    scanned = service.store.expired_holds(clock.now())  # the sweep's order
    service.checkpoint = lambda step: (step == "swept-scan" and _second(service).release(
        scanned[0].hold_id, scanned[0].user))
    result = service.sweep_expired()
    assert result.released == (scanned[1].hold_id,) and service.stats.expired == 1
    assert service.store.live_holds() == []


def test_a_reconcile_that_finds_the_charge_booked_under_it_reports_it_booked(sale):
    """The reconciler's clock runs ahead: it sees the hold expired while its owner's retry still books it."""
    s = sale()
    hold = s.crashed_confirm("charged", ttl=60)
    payment_id = payment_id_for(hold.hold_id)
    reconciler = s.server(clock=SimulatedClock(61.0))
    cut_in(reconciler.store, "move_payment", lambda: s.server().confirm(hold.hold_id, "alice"))
    assert reconciler.reconcile() == ReconcileResult((payment_id,), (), (), ())
    assert s.store.get_payment(payment_id).state is PaymentState.BOOKED and seats(s.store)["GA-1-1"] is SeatStatus.SOLD
    s.assert_at_rest()


def test_reconcile_refunds_and_closes_a_captured_payment_whose_hold_was_freed_without_it(sale):
    s = sale({"alice": Behaviour.TIMEOUT_CAPTURED})
    service, hold = lost_answer(s)
    payment_id = payment_id_for(hold.hold_id)
    service._end_hold(hold, RecordKind.RELEASE)  # the old release: the seats freed, no question asked
    s.clock.advance(5)
    assert s.server().reconcile().refunded == (payment_id,)
    closed, = records_of(s.store, RecordKind.PAYMENT_REFUNDED)
    assert (closed.at, closed.payment_id) == (s.clock.now(), payment_id)
    assert s.store.get_payment(payment_id).state is PaymentState.REFUNDED and s.gateway.held() == {}


def test_reconcile_never_reports_refunded_a_cancel_whose_seats_it_cannot_give_back(sale):
    s = sale()
    booking = _booked(s)
    with pytest.raises(Crash):
        s.server(checkpoint=crash_at("refund-intent")).cancel(booking.booking_id, "alice")
    # one of its seats was taken from it behind the service's back (the venue blocked it by hand)
    assert s.store.apply(Change(RecordKind.BLOCK, ("GA-1-2",), s.clock.now(), user="venue",
                                guarded=False)) is WriteResult.OK
    assert s.server().reconcile() == ReconcileResult((), (), (), (booking.payment_id,))
    assert s.store.get_payment(booking.payment_id).state is PaymentState.REFUNDING  # still owed: a retry sees it
    assert s.store.get_booking(booking.booking_id).status is BookingStatus.CONFIRMED


def test_reconcile_voids_a_charge_never_sent_for_a_hold_that_expired(sale):
    s = sale()
    hold = s.crashed_confirm("charge-intent", ttl=60)
    s.clock.advance(60)
    payment_id = payment_id_for(hold.hold_id)
    assert s.server().reconcile() == ReconcileResult((), (), (payment_id,), ())
    assert s.gateway.status(payment_id) is PaymentOutcome.VOIDED
    assert seats(s.store)["GA-1-1"] is SeatStatus.AVAILABLE
    s.assert_at_rest()


# --- cancel -----------------------------------------------------------------------------------


def _booked(s):
    service = s.server()
    return service.confirm(service.hold_seats("alice", ["GA-1-1", "GA-1-2"]).hold_id, "alice")


def test_a_cancel_passes_its_checkpoints_and_records_the_refund_and_the_cancel(sale):
    s = sale(gateway=WatchedGateway)
    booking = _booked(s)
    s.clock.advance(30)
    steps = []
    canceller = s.server(checkpoint=steps.append)
    cancelled = canceller.cancel(booking.booking_id, "alice")
    now = s.clock.now()
    assert steps == ["refund-intent", "refunded", "settled"]
    assert cancelled == dataclasses.replace(booking, status=BookingStatus.CANCELLED, cancelled_at=now)
    assert s.gateway.refund_keys == [refund_key(booking.payment_id)] and canceller.stats.refunds == 1
    assert s.store.get_payment(booking.payment_id) == PaymentIntent(
        booking.payment_id, booking.hold_id, "alice", booking.amount_cents, PaymentState.REFUNDED, now,
        booking.booking_id)
    decided, = records_of(s.store, RecordKind.REFUND_INTENT)
    assert (decided.at, decided.booking_id, decided.payment_id) == (now, booking.booking_id, booking.payment_id)
    done, = records_of(s.store, RecordKind.CANCEL)
    assert (done.at, done.user, done.hold_id, done.booking_id, done.seat_ids) == (
        now, "alice", booking.hold_id, booking.booking_id, booking.seat_ids)
    s.assert_at_rest()


def test_a_cancel_cut_short_after_its_intent_leaves_the_refund_owed_to_the_booking(sale):
    s = sale()
    booking = _booked(s)
    s.clock.advance(30)
    with pytest.raises(Crash):
        s.server(checkpoint=crash_at("refund-intent")).cancel(booking.booking_id, "alice")
    assert s.store.get_payment(booking.payment_id) == PaymentIntent(
        booking.payment_id, booking.hold_id, "alice", booking.amount_cents, PaymentState.REFUNDING, s.clock.now(),
        booking.booking_id)
    assert s.server().cancel(booking.booking_id, "alice").status is BookingStatus.CANCELLED
    assert s.gateway.held() == {}
    s.assert_at_rest()


def test_a_cancel_whose_refund_another_server_finished_meanwhile_still_reports_it_settled(sale):
    s = sale()
    booking = _booked(s)
    steps, others = [], []

    def reconcile_cuts_in(step: str) -> None:
        steps.append(step)
        if step == "refunded":
            others.append(s.server().reconcile())

    cancelled = s.server(checkpoint=reconcile_cuts_in).cancel(booking.booking_id, "alice")
    assert steps == ["refund-intent", "refunded", "settled"]
    assert others[0].refunded == (booking.payment_id,)
    assert cancelled.status is BookingStatus.CANCELLED and s.gateway.held() == {}
    s.assert_at_rest()


def test_a_cancel_the_gateway_fails_carries_the_gateways_words(sale):
    s = sale(gateway=WatchedGateway)
    booking = _booked(s)
    s.gateway.fail_next("refund")
    with pytest.raises(RefundPending) as info:
        s.server().cancel(booking.booking_id, "alice")
    assert str(s.gateway.errors[-1]) in str(info.value) and booking.booking_id in str(info.value)


def test_a_confirm_whose_refund_the_gateway_fails_says_so_and_keeps_the_seats(sale):
    s = sale({"alice": Behaviour.SLOW}, gateway=WatchedGateway)
    service = s.server()
    hold = service.hold_seats("alice", ["GA-1-1"])
    s.gateway.fail_next("refund")
    with pytest.raises(RefundPending) as info:
        service.confirm(hold.hold_id, "alice")
    assert info.value.payment_id == payment_id_for(hold.hold_id)
    assert str(info.value).startswith(f"hold {hold.hold_id} could not be confirmed;")
    assert str(s.gateway.errors[-1]) in str(info.value)
    assert seats(s.store)["GA-1-1"] is SeatStatus.HELD


def test_cancel_refuses_a_booking_whose_payment_is_no_longer_held_by_it(sale):
    s = sale()
    booking = _booked(s)
    paid = s.store.get_payment(booking.payment_id)
    # the payment was moved by hand (a repair at the gateway's request), the booking left as it was
    assert s.store.move_payment(PaymentStep(paid.payment_id, frozenset({PaymentState.BOOKED}),
                                            paid._replace(state=PaymentState.DECLINED)), s.clock.now())
    with pytest.raises(InvalidSeatRequest) as info:
        s.server().cancel(booking.booking_id, "alice")
    assert (info.value.name, info.value.value) == ("booking_id", booking.booking_id)
    assert info.value.expected.startswith("a booking whose payment is held by it")
    assert PaymentState.DECLINED.value in info.value.expected
    assert s.store.get_booking(booking.booking_id) == booking
    assert s.gateway.held() == {booking.payment_id: booking.amount_cents}


# --- the history checker, through the service ---------------------------------------------------


class _GatewayWithoutBooks(PaymentGateway):
    """A gateway that cannot list the money it holds (no ``held``)."""

    def __init__(self, fake: FakePaymentGateway) -> None:
        self.fake = fake

    def charge(self, payment_id, user, amount_cents, timeout):
        return self.fake.charge(payment_id, user, amount_cents, timeout)

    def refund(self, payment_id, key=None):
        return self.fake.refund(payment_id, key)

    def status(self, payment_id):
        return self.fake.status(payment_id)

    def void(self, payment_id):
        return self.fake.void(payment_id)


def test_check_at_rest_wants_every_payment_settled_and_the_gateways_money_in_bookings(make):
    service, _ = make(behaviours={"alice": Behaviour.TIMEOUT_PENDING})
    hold = service.hold_seats("alice", ["GA-1-1"])
    with pytest.raises(PaymentOutcomeUnknown):
        service.confirm(hold.hold_id, "alice")
    assert service.check().ok and service.check().maybe == (payment_id_for(hold.hold_id),)
    assert "PAYMENT_UNRESOLVED" in service.check(at_rest=True).kinds()
    service.payments.settle()
    assert service.reconcile().booked == (payment_id_for(hold.hold_id),)
    assert service.check(at_rest=True).ok
    service.payments.charge("pay-stray", "eve", 500, 1.0)  # money taken outside any booking
    assert service.check().ok and service.check(at_rest=True).kinds() == {"GATEWAY_MISMATCH"}
    blind = BookingService(service.store, clock=service.clock, payments=_GatewayWithoutBooks(service.payments))
    assert blind.check(at_rest=True).ok  # a gateway that cannot list its money is not asked
    # a hold written straight to the store at a price that is not its seat's: only the seat map tells
    price = service.store.read_seats(["GA-1-2"])[0].price_cents
    cheap = Hold("h-cheap", "mallory", ("GA-1-2",), 0.0, 600.0, price - 1)
    assert service.store.apply(Change(RecordKind.HOLD, cheap.seat_ids, 0.0, user="mallory", hold_id=cheap.hold_id,
                                      hold=cheap)) is WriteResult.OK
    assert service.check().kinds() == {"AMOUNT_MISMATCH"}
