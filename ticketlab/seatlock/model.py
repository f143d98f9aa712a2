"""The domain model: events, seats, holds and bookings, and seat maps built from a venue.

Invariant: a seat is in exactly one status at a time. AVAILABLE seats have no hold and no
booking; a HELD seat names the one hold that owns it; a SOLD seat names its booking;
BLOCKED seats are kept off sale. ``version`` goes up by one on every change of a seat, so a
reader can later ask "is it still the seat I saw?" (the optimistic check).
Money is in integer cents so sums are exact.

The source's domain model keeps an unpaid order as a PENDING booking with an ``expiresAt``;
here that stage is its own value, the :class:`Hold`, and a :class:`Booking` is written once
the payment is captured (CONFIRMED), later perhaps CANCELLED with a refund. ``PENDING`` stays
in :class:`BookingStatus` for a store that wants to persist orders whose payment is in flight.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import NamedTuple

from ticketlab.core.errors import InputError
from ticketlab.core.numbers import whole_number

__all__ = [
    "SeatStatus",
    "BookingStatus",
    "Event",
    "Section",
    "Venue",
    "Seat",
    "Hold",
    "Booking",
    "PaymentState",
    "PaymentIntent",
    "payment_id_for",
    "stadium",
    "small_venue",
]


class SeatStatus(str, Enum):
    AVAILABLE = "AVAILABLE"
    HELD = "HELD"
    SOLD = "SOLD"
    BLOCKED = "BLOCKED"


class BookingStatus(str, Enum):
    PENDING = "PENDING"
    CONFIRMED = "CONFIRMED"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True, slots=True)
class Section:
    """A block of ``rows`` × ``seats_per_row`` seats sharing one price."""

    name: str
    rows: int
    seats_per_row: int
    price_cents: int

    def __post_init__(self) -> None:
        whole_number("rows", self.rows, what="rows")
        whole_number("seats_per_row", self.seats_per_row, what="seats")
        whole_number("price_cents", self.price_cents, low=0, what="cents")
        # '-' separates the parts of a seat id; any other character is stored as it is
        if not isinstance(self.name, str) or not self.name or "-" in self.name:
            raise InputError("name", self.name, "a non-empty section name without '-', e.g. 'A' or '101'")

    @property
    def capacity(self) -> int:
        return self.rows * self.seats_per_row


@dataclass(frozen=True, slots=True)
class Seat:
    """One seat of one event. Seat ids read ``section-row-number``, e.g. ``"101-7-12"``."""

    seat_id: str
    section: str
    row: int
    number: int
    price_cents: int
    status: SeatStatus = SeatStatus.AVAILABLE
    version: int = 0
    hold_id: str | None = None
    booking_id: str | None = None


@dataclass(frozen=True, slots=True)
class Venue:
    """A venue as sections; :meth:`seats` lays out the seat map, in a fixed order."""

    name: str
    sections: tuple[Section, ...]

    @property
    def capacity(self) -> int:
        return sum(s.capacity for s in self.sections)

    def seats(self) -> list[Seat]:
        return [
            Seat(f"{sec.name}-{row}-{num}", sec.name, row, num, sec.price_cents)
            for sec in self.sections
            for row in range(1, sec.rows + 1)
            for num in range(1, sec.seats_per_row + 1)
        ]


@dataclass(frozen=True, slots=True)
class Event:
    """A performance at a venue; the seat map is generated from the venue."""

    event_id: str
    name: str
    venue: Venue
    starts_at: str = ""

    @property
    def total_seats(self) -> int:
        return self.venue.capacity

    def seats(self) -> list[Seat]:
        return self.venue.seats()


@dataclass(frozen=True, slots=True)
class Hold:
    """A temporary claim on seats for one user, until ``expires_at`` (clock seconds).

    ``fencing_tokens`` holds the lease numbers the distributed strategy got for each seat
    (empty for the other strategies).
    """

    hold_id: str
    user: str
    seat_ids: tuple[str, ...]
    created_at: float
    expires_at: float
    amount_cents: int
    fencing_tokens: tuple[int, ...] = ()

    def expired(self, now: float) -> bool:
        return now >= self.expires_at


@dataclass(frozen=True, slots=True)
class Booking:
    """A paid order for the seats of one hold."""

    booking_id: str
    hold_id: str
    user: str
    seat_ids: tuple[str, ...]
    amount_cents: int
    status: BookingStatus
    created_at: float
    payment_id: str
    confirmed_at: float | None = None
    cancelled_at: float | None = None


class PaymentState(str, Enum):
    """Where one payment stands, as the store records it before and after each gateway call.

    ``CHARGING``: the charge was decided (or sent); the gateway may or may not have the money.
    ``BOOKED``: captured and held by the CONFIRMED booking. ``REFUNDING``: captured and owed
    back (a failed confirm, a late payment, a cancel); no booking may take it any more.
    ``REFUNDED`` and ``DECLINED`` (nothing moved, or the charge was voided) are final.
    """

    CHARGING = "CHARGING"
    BOOKED = "BOOKED"
    REFUNDING = "REFUNDING"
    REFUNDED = "REFUNDED"
    DECLINED = "DECLINED"

    @property
    def open(self) -> bool:
        """Money may still move: a reconciler must drive it to a final state."""
        return self is PaymentState.CHARGING or self is PaymentState.REFUNDING


class PaymentIntent(NamedTuple):
    """The store's record of one payment for one hold, written before each gateway call.

    ``payment_id`` is also the charge's idempotency key (:func:`payment_id_for`), so every
    retry and every service instance asks the gateway about the same charge. (Immutable; a
    NamedTuple rather than a frozen dataclass because every confirm builds two.)
    """

    payment_id: str
    hold_id: str
    user: str
    amount_cents: int
    state: PaymentState
    updated_at: float
    booking_id: str | None = None


def payment_id_for(hold_id: str) -> str:
    """The payment (and charge idempotency key) of a hold: one hold, one charge, at most."""
    return f"pay-{hold_id}"


def stadium(name: str = "Stadium", price_tiers: tuple[int, int, int] = (45000, 22500, 9500)) -> Venue:
    """A 50,000-seat stadium: 4 floor sections, 16 lower-bowl and 20 upper-bowl sections.

    Floor: 4 × 25 rows × 50 seats = 5,000; lower: 16 × 40 × 25 = 16,000;
    upper: 20 × 50 × 29 = 29,000; total 50,000. Prices in cents, floor first.
    """
    floor, lower, upper = price_tiers
    sections = (
        [Section(f"F{i}", 25, 50, floor) for i in range(1, 5)]
        + [Section(str(100 + i), 40, 25, lower) for i in range(1, 17)]
        + [Section(str(300 + i), 50, 29, upper) for i in range(1, 21)]
    )
    return Venue(name, tuple(sections))


def small_venue(seats: int, price_cents: int = 10000, per_row: int = 20) -> Venue:
    """A one-section venue with ``seats`` seats in rows of ``per_row`` (the last row may be short).

    Used by the race demo, where only the number of seats matters.
    """
    whole_number("seats", seats, what="seats")
    full, rest = divmod(seats, per_row)
    sections = [Section("GA", full, per_row, price_cents)] if full else []
    if rest:
        sections.append(Section("GB" if full else "GA", 1, rest, price_cents))
    return Venue(f"{seats}-seat hall", tuple(sections))
