"""The store contract's own rules, apart from any store: which guards a change needs, which
seat maps a store may start with, and what a payment's records say."""

from __future__ import annotations

import pytest

from ticketlab.core.errors import InputError
from ticketlab.seatlock import Seat
from ticketlab.seatlock.check.history import RecordKind
from ticketlab.seatlock.model import PaymentIntent, PaymentState
from ticketlab.seatlock.stores.base import Guard, guards_for, payment_kinds, payment_record, PaymentStep, seat_map

G = Guard
#: Written out by hand: what a guarded change of each kind must find before it writes.
GUARDED = {
    RecordKind.HOLD: (G.STATUS,),
    RecordKind.CONFIRM: (G.HOLD_LIVE, G.HOLD_UNEXPIRED, G.STATUS, G.HELD_BY),
    RecordKind.RELEASE: (G.HOLD_LIVE, G.STATUS, G.HELD_BY),
    RecordKind.EXPIRE: (G.HOLD_LIVE, G.STATUS, G.HELD_BY),
    RecordKind.CANCEL: (G.BOOKING_CONFIRMED, G.STATUS, G.BOOKED_BY),
    RecordKind.BLOCK: (G.STATUS,),
    RecordKind.UNBLOCK: (G.STATUS,),
}


@pytest.mark.parametrize("kind", list(GUARDED))
@pytest.mark.parametrize("versioned", [False, True])
@pytest.mark.parametrize("fenced", [False, True])
def test_each_kind_of_change_needs_its_guards_in_order(kind, versioned, fenced):
    tail = ((G.VERSIONS,) if versioned else ()) + ((G.FENCING,) if fenced else ())
    assert guards_for(kind, True, versioned, fenced) == GUARDED[kind] + tail
    assert guards_for(kind, False, versioned, fenced) == tail  # a blind write checks only what it carries


def _seat(seat_id, price=100):
    return Seat(seat_id, "GA", 1, 1, price)


@pytest.mark.parametrize("seats, value, expected", [
    (None, None, "an iterable of Seat values"),
    (42, 42, "an iterable of Seat values"),
    ([], [], "at least one seat"),
    (["A"], "A", "Seat values with non-empty string ids"),
    ([_seat("")], _seat(""), "Seat values with non-empty string ids"),
    ([_seat(7)], _seat(7), "Seat values with non-empty string ids"),
    ([_seat("A"), _seat("B"), _seat("A"), _seat("B"), _seat("C")], ["A", "B"], "each seat id once"),
])
def test_a_seat_map_a_store_cannot_start_with_is_refused_by_name(seats, value, expected):
    with pytest.raises(InputError) as info:
        seat_map(seats)
    assert (info.value.name, info.value.value) == ("seats", value)
    assert expected in str(info.value) and str(info.value).endswith("e.g. small_venue(10).seats()")


def test_a_good_seat_map_is_kept_as_given():
    seats = (_seat("B"), _seat("A"))
    assert seat_map(iter(seats)) == list(seats)


def test_a_payment_record_says_everything_about_its_intent():
    intent = PaymentIntent("pay-h1", "h1", "ann", 4200, PaymentState.REFUNDING, 12.0, "b-h1")
    record = payment_record(RecordKind.REFUND_INTENT, intent, 13.0)
    assert (record.seq, record.kind, record.at, record.user, record.hold_id, record.booking_id, record.amount_cents,
            record.payment_id) == (0, RecordKind.REFUND_INTENT, 13.0, "ann", "h1", "b-h1", 4200, "pay-h1")
    assert payment_record(RecordKind.REFUND_INTENT, intent, 13.0, seq=9).seq == 9


@pytest.mark.parametrize("state, captured, kinds", [
    (PaymentState.CHARGING, False, (RecordKind.PAYMENT_INTENT,)),
    (PaymentState.BOOKED, False, ()),
    (PaymentState.BOOKED, True, (RecordKind.PAYMENT_CAPTURED,)),
    (PaymentState.REFUNDING, True, (RecordKind.PAYMENT_CAPTURED, RecordKind.REFUND_INTENT)),
    (PaymentState.REFUNDED, False, (RecordKind.PAYMENT_REFUNDED,)),
    (PaymentState.DECLINED, False, (RecordKind.PAYMENT_DECLINED,)),
])
def test_a_payment_step_appends_the_capture_first_then_its_own_record(state, captured, kinds):
    intent = PaymentIntent("pay-h1", "h1", "ann", 4200, state, 1.0)
    assert payment_kinds(PaymentStep("pay-h1", frozenset({None}), intent, captured)) == kinds
    assert payment_kinds(PaymentStep("pay-h1", frozenset({None}))) == ()  # a step that only checks


# --- the compiled guard lists judge as the rules say -------------------------------------------

from ticketlab.seatlock.model import Booking, BookingStatus, Hold, SeatStatus  # noqa: E402
from ticketlab.seatlock.stores.base import Change, WriteResult, first_refusal, required_guards  # noqa: E402

_TO = {RecordKind.HOLD: SeatStatus.AVAILABLE, RecordKind.CONFIRM: SeatStatus.HELD, RecordKind.RELEASE: SeatStatus.HELD,
       RecordKind.EXPIRE: SeatStatus.HELD, RecordKind.CANCEL: SeatStatus.SOLD, RecordKind.BLOCK: SeatStatus.AVAILABLE,
       RecordKind.UNBLOCK: SeatStatus.BLOCKED}


def _holds_by_hand(guard, change, seats, fences, holds, bookings):
    """Each guard's rule, written out again plainly (the reference the compiled code is judged by)."""
    if guard is G.HOLD_LIVE:
        return change.hold_id in holds
    if guard is G.HOLD_UNEXPIRED:
        return change.hold_id in holds and change.at < holds[change.hold_id].expires_at
    if guard is G.BOOKING_CONFIRMED:
        b = bookings.get(change.booking.booking_id)
        return b is not None and b.status is BookingStatus.CONFIRMED
    if guard is G.STATUS:
        return all(s.status is _TO[change.kind] for s in seats)
    if guard is G.HELD_BY:
        return all(s.hold_id == change.hold_id for s in seats)
    if guard is G.BOOKED_BY:
        return all(s.booking_id == change.booking.booking_id for s in seats)
    if guard is G.VERSIONS:
        return all(s.version == v for s, v in zip(seats, change.expect_versions))
    assert guard is G.FENCING
    return all(t > fences.get(s.seat_id, -1) for s, t in zip(seats, change.fencing_tokens))


def _world(kind, break_=frozenset()):
    """A change of ``kind`` (guarded, versioned, fenced) on two seats, and a state where exactly the
    guards in ``break_`` fail."""
    status = _TO[kind]
    if G.STATUS in break_:
        status = SeatStatus.SOLD if status is not SeatStatus.SOLD else SeatStatus.HELD
    hold_id = "h-1" if G.HELD_BY not in break_ else "h-other"
    booking_id = "b-1" if G.BOOKED_BY not in break_ else "b-other"
    seats = [Seat(sid, "GA", 1, n, 100, status, 3, hold_id if status is SeatStatus.HELD else None,
                  booking_id if status is SeatStatus.SOLD else None) for n, sid in enumerate(("A", "B"), 1)]
    seats[1] = Seat("B", "GA", 1, 2, 100, status, 3, "h-1" if status is SeatStatus.HELD else None,
                    "b-1" if status is SeatStatus.SOLD else None)  # only the first seat breaks a per-seat rule
    hold = Hold("h-1", "u", ("A", "B"), 0.0, 5.0 if G.HOLD_UNEXPIRED in break_ else 50.0, 200)
    holds = {} if G.HOLD_LIVE in break_ else {"h-1": hold}
    booking = Booking("b-1", "h-1", "u", ("A", "B"), 200, BookingStatus.CONFIRMED, 0.0, "pay-h-1")
    stored = Booking("b-1", "h-1", "u", ("A", "B"), 200, BookingStatus.CANCELLED if G.BOOKING_CONFIRMED in break_
                     else BookingStatus.CONFIRMED, 0.0, "pay-h-1")
    change = Change(kind, ("A", "B"), 10.0, user="u", hold_id="h-1", booking=booking,
                    expect_versions=(2 if G.VERSIONS in break_ else 3, 3), fencing_tokens=(7, 7))
    fences = {"A": 7 if G.FENCING in break_ else 6, "B": 6}
    return change, seats, fences, holds, {"b-1": stored}


@pytest.mark.parametrize("kind", list(GUARDED))
def test_a_compiled_guard_list_refuses_with_the_first_rule_broken_and_only_then(kind):
    guards = required_guards(_world(kind)[0])
    assert first_refusal(*_world(kind)) is WriteResult.OK
    for i, guard in enumerate(guards):
        world = _world(kind, {guard})
        broken = [g for g in guards if not _holds_by_hand(g, *world)]
        assert broken[:1] == [guard] or (guard is G.HOLD_LIVE and broken[0] is G.HOLD_LIVE)
        assert first_refusal(*world) is guard.refusal, (kind, guard)
        for later in guards[i + 1:]:  # two rules broken: the earlier one names the refusal
            world = _world(kind, {guard, later})
            if not _holds_by_hand(later, *world):
                assert first_refusal(*world) is guard.refusal, (kind, guard, later)


def test_the_compiled_guard_list_is_readable_source_in_the_guards_order():
    change = Change(RecordKind.CONFIRM, ("A",), 1.0, hold_id="h", expect_versions=(1,), fencing_tokens=(2,))
    required_guards(change)
    from ticketlab.seatlock.stores import base

    source = base._REFUSALS[(RecordKind.CONFIRM, True, True, True)].source
    names = [line.strip()[2:] for line in source.splitlines() if line.strip().startswith("# ")]
    assert names == [g.name for g in guards_for(RecordKind.CONFIRM, True, True, True)]
    assert source.count("return REFUSED") == 6 and source.rstrip().endswith("return OK")


def test_a_confirm_at_the_very_moment_its_hold_expires_is_refused():
    change, seats, fences, holds, bookings = _world(RecordKind.CONFIRM)
    holds = {"h-1": Hold("h-1", "u", ("A", "B"), 0.0, change.at, 200)}
    assert first_refusal(change, seats, fences, holds, bookings) is WriteResult.CONFLICT
    holds = {"h-1": Hold("h-1", "u", ("A", "B"), 0.0, change.at + 1e-9, 200)}
    assert first_refusal(change, seats, fences, holds, bookings) is WriteResult.OK


def test_a_fencing_token_equal_to_the_bar_is_stale():
    change, seats, fences, holds, bookings = _world(RecordKind.HOLD)
    assert first_refusal(change, seats, {"A": 6, "B": 7}, holds, bookings) is WriteResult.STALE_TOKEN


def test_stores_in_threads_writing_a_new_shape_at_once_all_find_its_compiled_guards():
    """The memos are shared by every store: a thread that finds a shape's guard list must find its
    compiled guards too, however the threads interleave (a tiny switch interval makes them interleave)."""
    import sys
    import threading

    from ticketlab.seatlock import BookingService, MemoryStore, SimulatedClock, make_strategy, small_venue
    from ticketlab.seatlock.stores import base

    errors: list[BaseException] = []
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for _ in range(40):
            base._GUARDS.clear()
            base._REFUSALS.clear()
            services = [BookingService(MemoryStore(small_venue(4).seats()), make_strategy("optimistic"),
                                       SimulatedClock()) for _ in range(4)]

            def first_hold(service):
                try:
                    service.hold_any("fan", 1)
                except BaseException as error:  # noqa: BLE001 - any error fails the test below
                    errors.append(error)

            threads = [threading.Thread(target=first_hold, args=(s,)) for s in services]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert all(s.store.counters()[SeatStatus.HELD] == 1 for s in services)
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
