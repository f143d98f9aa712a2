"""The hot-path makers build the very values the classes' own constructors build."""

from __future__ import annotations

import dataclasses

import pytest

from ticketlab.seatlock import Booking, BookingStatus, Hold, Seat, SeatStatus
from ticketlab.seatlock.check.history import Record, RecordKind
from ticketlab.seatlock.model import Section
from ticketlab.seatlock.values import maker


@pytest.mark.parametrize("cls, values", [
    (Seat, ("A-1-1", "A", 1, 1, 9_500, SeatStatus.HELD, 3, "h-1", None)),
    (Hold, ("h-1", "ann", ("A-1-1",), 1.0, 601.0, 9_500, (7,))),
    (Booking, ("b-h-1", "h-1", "ann", ("A-1-1",), 9_500, BookingStatus.CONFIRMED, 1.0, "pay-h-1", 30.0, None)),
    (Record, (4, RecordKind.HOLD, 1.0, ("A-1-1",), SeatStatus.HELD, "ann", "h-1", None, 601.0, (), 9_500, None,
              (9, 1, 0, 0), (), 0)),
])
def test_a_maker_builds_the_same_frozen_value_as_the_class(cls, values):
    made = maker(cls)(*values)
    assert type(made) is cls and made == cls(*values)
    assert dataclasses.astuple(made) == values
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.__setattr__(dataclasses.fields(cls)[0].name, "changed")


def test_a_maker_keeps_the_defaults_of_the_class():
    assert maker(Seat)("A-1-1", "A", 1, 1, 100) == Seat("A-1-1", "A", 1, 1, 100)
    assert maker(Record)(1, RecordKind.SWEEP, 0.0) == Record(1, RecordKind.SWEEP, 0.0)


def test_a_maker_refuses_a_class_that_checks_its_fields():
    with pytest.raises(TypeError, match="__post_init__"):
        maker(Section)  # it would skip the check of rows and prices
    with pytest.raises(TypeError, match="not a dataclass"):
        maker(dict)
