"""No money lost and no lie told: payments settled through the store's intent row.

Each test reproduces one way money went wrong (issue 13, items 1-3): a hold released while its
charge was captured, two requests or two servers confirming one hold, a cancel interrupted
between its refund and its commit. Every test runs on each store, and ends with the history
checker at rest, given the gateway's own books: the money it holds must be exactly what the
confirmed bookings hold.
"""

from __future__ import annotations

import pytest

from ticketlab.seatlock import (
    AlreadyConfirmed,
    Behaviour,
    BookingStatus,
    ConfirmInProgress,
    HoldExpired,
    PaymentOutcome,
    PaymentOutcomeUnknown,
    PaymentState,
    RecordKind,
    RefundPending,
    SeatStatus,
    SimulatedClock,
    check_history,
    payment_id_for,
)

from .common import Crash, crash_at, lost_answer, seats


# --- item 1: a hold whose payment outcome is unknown ----------------------------------


def test_releasing_a_hold_whose_lost_charge_was_captured_books_it_instead_of_freeing_the_seats(sale):
    s = sale({"alice": Behaviour.TIMEOUT_CAPTURED})
    service, hold = lost_answer(s)
    with pytest.raises(AlreadyConfirmed) as info:
        service.release(hold.hold_id, "alice")
    booking = s.store.get_booking(info.value.booking_id)
    assert booking.status is BookingStatus.CONFIRMED and booking.amount_cents == hold.amount_cents
    assert seats(s.store)["GA-1-1"] is SeatStatus.SOLD
    assert s.gateway.held() == {booking.payment_id: hold.amount_cents}
    s.assert_at_rest()


def test_releasing_a_hold_whose_charge_is_still_pending_keeps_the_seats(sale):
    s = sale({"alice": Behaviour.TIMEOUT_PENDING})
    service, hold = lost_answer(s)
    with pytest.raises(PaymentOutcomeUnknown):
        service.release(hold.hold_id, "alice")
    assert s.store.get_hold(hold.hold_id) is not None and seats(s.store)["GA-1-1"] is SeatStatus.HELD
    s.gateway.settle()  # the money lands after all
    s.clock.advance(601)
    assert service.sweep_expired().refunded == (hold.hold_id,)
    assert s.gateway.held() == {} and seats(s.store)["GA-1-1"] is SeatStatus.AVAILABLE
    s.assert_at_rest()


def test_releasing_a_hold_whose_charge_never_left_voids_it_so_it_can_never_land(sale):
    s = sale()
    hold = s.crashed_confirm("charge-intent")
    payment_id = payment_id_for(hold.hold_id)
    assert s.store.get_payment(payment_id).state is PaymentState.CHARGING
    s.server().release(hold.hold_id, "alice")
    assert seats(s.store)["GA-1-1"] is SeatStatus.AVAILABLE
    assert s.gateway.status(payment_id) is PaymentOutcome.VOIDED
    # the charge the crashed server meant to send arrives late: it moves no money
    assert s.gateway.charge(payment_id, "alice", hold.amount_cents, 10).outcome is PaymentOutcome.VOIDED
    assert s.gateway.held() == {}
    s.assert_at_rest()


def test_the_checker_catches_seats_freed_while_a_captured_charge_was_left_open(sale):
    """What the old release did: free the seats without asking the gateway."""
    s = sale({"alice": Behaviour.TIMEOUT_CAPTURED})
    service, hold = lost_answer(s)
    service._end_hold(hold, RecordKind.RELEASE)  # the old release: no question asked
    report = check_history(s.store.history(), s.store.snapshot(), at_rest=True, gateway_held=s.gateway.held())
    assert {"PAYMENT_OPEN_AT_RELEASE", "PAYMENT_UNRESOLVED", "GATEWAY_MISMATCH"} <= report.kinds()


# --- item 2: one hold, two requests, two servers ---------------------------------------


@pytest.mark.parametrize("step", ["charge-intent", "charged"])
def test_a_double_click_on_two_servers_charges_once_and_both_get_the_same_booking(sale, step):
    s = sale()
    hold = s.server().hold_seats("alice", ["GA-1-1", "GA-1-2"])
    second = s.server()
    answers = []

    def the_other_click(name: str) -> None:
        if name == step and not answers:
            answers.append(second.confirm(hold.hold_id, "alice"))

    first = s.server(checkpoint=the_other_click).confirm(hold.hold_id, "alice")
    assert answers == [first]
    assert first.status is BookingStatus.CONFIRMED
    assert s.gateway.held() == {first.payment_id: hold.amount_cents}  # charged once, never refunded
    assert [b.booking_id for b in s.store.bookings()] == [first.booking_id]
    s.assert_at_rest()


def test_a_second_request_while_the_first_charge_is_in_flight_is_told_so(sale):
    s = sale({"alice": Behaviour.TIMEOUT_PENDING})
    hold = s.server().hold_seats("alice", ["GA-1-1"])
    with pytest.raises(PaymentOutcomeUnknown):
        s.server().confirm(hold.hold_id, "alice")
    with pytest.raises(ConfirmInProgress):
        s.server().confirm(hold.hold_id, "alice")
    s.gateway.settle()
    booking = s.server().confirm(hold.hold_id, "alice")  # the retry books the money that landed
    assert s.gateway.held() == {booking.payment_id: hold.amount_cents}
    s.assert_at_rest()


def test_a_sweeper_on_another_server_never_refunds_a_confirm_that_committed(sale):
    """Server B's clock runs two seconds ahead: it sees the hold expired while A still may confirm it."""
    s = sale()
    a_clock, b_clock = SimulatedClock(), SimulatedClock(2.0)
    a = s.server(clock=a_clock)
    hold = a.hold_seats("alice", ["GA-1-1"], ttl=600)
    a_clock.set(599.0)
    b_clock.set(601.0)
    confirmed = []

    def a_confirms_now(name: str) -> None:
        if name == "swept-scan" and not confirmed:
            confirmed.append(a.confirm(hold.hold_id, "alice"))

    sweep = s.server(clock=b_clock, checkpoint=a_confirms_now).sweep_expired()
    assert sweep.released == () and sweep.refunded == ()
    booking = s.store.get_booking(confirmed[0].booking_id)
    assert booking.status is BookingStatus.CONFIRMED
    assert s.gateway.held() == {booking.payment_id: hold.amount_cents}
    s.assert_at_rest()


def test_a_confirm_whose_hold_a_sweeper_refunded_meanwhile_says_so_and_books_nothing(sale):
    s = sale()
    hold = s.server().hold_seats("alice", ["GA-1-1"], ttl=60)
    sweeper = s.server()
    swept = []

    def the_hold_runs_out_now(name: str) -> None:
        if name == "charged" and not swept:
            s.clock.advance(61)
            swept.append(sweeper.sweep_expired())

    with pytest.raises(HoldExpired) as info:
        s.server(checkpoint=the_hold_runs_out_now).confirm(hold.hold_id, "alice")
    assert info.value.refunded
    assert swept[0].refunded == (hold.hold_id,)
    assert s.store.bookings() == [] and s.gateway.held() == {}
    assert seats(s.store)["GA-1-1"] is SeatStatus.AVAILABLE
    s.assert_at_rest()


# --- item 3: cancel ---------------------------------------------------------------------


def test_a_refund_error_during_cancel_keeps_the_booking_and_a_retry_finishes_it(sale):
    s = sale()
    service = s.server()
    booking = service.confirm(service.hold_seats("alice", ["GA-1-1"]).hold_id, "alice")
    s.gateway.fail_next("refund")
    with pytest.raises(RefundPending):
        service.cancel(booking.booking_id, "alice")
    assert s.store.get_booking(booking.booking_id).status is BookingStatus.CONFIRMED
    assert seats(s.store)["GA-1-1"] is SeatStatus.SOLD  # the seats wait for the money
    assert s.store.get_payment(booking.payment_id).state is PaymentState.REFUNDING
    assert check_history(s.store.history(), s.store.snapshot()).ok
    cancelled = service.cancel(booking.booking_id, "alice")
    assert cancelled.status is BookingStatus.CANCELLED
    assert seats(s.store)["GA-1-1"] is SeatStatus.AVAILABLE and s.gateway.held() == {}
    s.assert_at_rest()


@pytest.mark.parametrize("step", ["refund-intent", "refunded"])
def test_a_cancel_cut_short_is_finished_by_a_retry_or_by_reconcile(sale, step):
    s = sale()
    service = s.server()
    booking = service.confirm(service.hold_seats("alice", ["GA-1-1"]).hold_id, "alice")
    with pytest.raises(Crash):
        s.server(checkpoint=crash_at(step)).cancel(booking.booking_id, "alice")
    assert s.store.get_booking(booking.booking_id).status is BookingStatus.CONFIRMED
    assert s.server().reconcile().refunded == (booking.payment_id,)
    assert s.store.get_booking(booking.booking_id).status is BookingStatus.CANCELLED
    assert s.server().reconcile().refunded == ()  # nothing left to do, and nothing done twice
    s.assert_at_rest()


# --- the reconciler ---------------------------------------------------------------------


@pytest.mark.parametrize("late, expect", [(False, "booked"), (True, "refunded")])
def test_reconcile_books_a_captured_charge_while_the_hold_is_live_and_refunds_it_after(sale, late, expect):
    s = sale()
    hold = s.crashed_confirm("charged", ttl=60)
    if late:
        s.clock.advance(61)
    result = s.server().reconcile()
    assert getattr(result, expect) == (payment_id_for(hold.hold_id),)
    assert seats(s.store)["GA-1-1"] is (SeatStatus.AVAILABLE if late else SeatStatus.SOLD)
    s.assert_at_rest()


def test_reconcile_leaves_a_charge_never_sent_to_a_retry_which_charges_once(sale):
    s = sale()
    hold = s.crashed_confirm("charge-intent")
    assert s.server().reconcile().pending == (payment_id_for(hold.hold_id),)
    assert s.store.get_hold(hold.hold_id) is not None  # still the user's: nothing was charged
    booking = s.server().confirm(hold.hold_id, "alice")
    assert s.gateway.held() == {booking.payment_id: hold.amount_cents}
    s.assert_at_rest()


def test_a_refund_the_gateway_keeps_failing_keeps_the_seats_until_it_goes_through(sale):
    s = sale({"alice": Behaviour.SLOW})  # the money lands after the hold expired
    service = s.server()
    hold = service.hold_seats("alice", ["GA-1-1"])
    s.gateway.fail_next("refund", 2)
    with pytest.raises(RefundPending):
        service.confirm(hold.hold_id, "alice")
    assert seats(s.store)["GA-1-1"] is SeatStatus.HELD
    assert service.sweep_expired().skipped == (hold.hold_id,)  # the refund failed again: keep the seats
    assert check_history(s.store.history(), s.store.snapshot()).ok
    assert service.reconcile().refunded == (payment_id_for(hold.hold_id),)
    assert seats(s.store)["GA-1-1"] is SeatStatus.AVAILABLE
    s.assert_at_rest()
