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
