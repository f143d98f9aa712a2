"""One big on-sale: a stadium's worth of seats and far more people than seats.

The Super Bowl practice problem and the Taylor Swift release are both this worksheet:
contention, the attempt rate the sale brings, the capacity that takes (with and without a
waiting room), the waiting room itself, contention judged by rate, the event's storage, and
what the seat locks could carry at most.

The attempt rate counts people, not seats: every user tries once in the window, so
attempt QPS = users ÷ window, which is the successful booking rate × users per *booking*
(not per seat: a group of four takes four seats with one attempt). Behind a waiting room the
booking path sees min(throttle, users ÷ window).

A general-admission sale (:data:`COUNTER_SALE`, the music festival) has no seats to lock: the
inventory is one counter of passes, a booking is one conditional decrement of it, and the
ceiling is counter rows ÷ the time one decrement takes.
"""

from __future__ import annotations

from ticketlab.core.uncertainty import DEFAULT_SAMPLES, DEFAULT_SEED
from ticketlab.estimate.capacity import LOCK_CAPACITY
from ticketlab.estimate.contention import CONTENTION, RATE_LEVEL, RATIOS
from ticketlab.estimate.inputs import new_calc
from ticketlab.estimate.waiting_room import WAITING_ROOM
from ticketlab.worksheet import Equation as E, Worksheet

__all__ = ["onsale", "counter_sale", "ONSALE", "COUNTER_SALE", "SUCCESS", "ATTEMPT", "CAPACITY", "BEHIND_ROOM",
           "RATE_CHECK", "COUNTER", "EVENT_STORAGE"]

#: What the sale can sell, and how fast over the window.
SUCCESS = (
    E("successful_bookings", "Successful bookings", "minimum(users, bookings_available)", "bookings"),
    E("booking_qps", "Successful booking QPS over the window", "successful_bookings / sale_window", "req/s"),
)
#: Every user tries once in the window.
ATTEMPT = E("attempt_qps", "Booking attempt QPS (each user tries once in the window)", "users / sale_window", "req/s",
            "= booking QPS × users per booking: people chase bookings, not seats")
#: Capacity with no waiting room: every attempt, with retry headroom.
CAPACITY = E("booking_qps_capacity", "Booking QPS capacity needed (no waiting room)", "attempt_qps * retry_factor",
             "req/s")
#: Capacity behind the room: the admitted rate, with retry headroom.
BEHIND_ROOM = E("room_qps_capacity", "Booking QPS capacity needed behind the waiting room",
                "effective_admit_rate * retry_factor", "req/s")
#: Contention by rate: whether writers meet, whether attempts outrun the path.
RATE_CHECK = (
    E("room_load", "Attempt rate ÷ the admit throttle", "attempt_qps / throttle_rate", "x",
      "above 1: the room holds people back"),
    E("writers_at_once", "Writers holding a lock at once (L = λ × W)", "effective_admit_rate * lock_hold_time",
      "writers", "admitted rate × lock hold time"),
    RATE_LEVEL,
)
EVENT_STORAGE = (
    E("event_storage", "Event record", "event_size", "B"),
    E("seats_storage", "Seat records", "seats * seat_size", "B"),
    E("bookings_storage", "Booking records", "successful_bookings * booking_size", "B"),
)

ONSALE = (*CONTENTION, *SUCCESS, ATTEMPT, CAPACITY, *WAITING_ROOM, BEHIND_ROOM, *RATE_CHECK, *EVENT_STORAGE,
          *LOCK_CAPACITY)

#: A counter of passes: its ceiling, and what the same counter would do under a seat lock's hold.
COUNTER = (
    E("counter_ceiling", "Bookings the counter rows take per second", "inventory_shards / counter_update_time",
      "req/s", "one booking = one conditional decrement: UPDATE inventory SET remaining = remaining - :n "
      "WHERE event = :e AND remaining >= :n (no row changed: sold out)"),
    E("counter_headroom", "Counter ceiling ÷ capacity needed behind the room", "counter_ceiling / room_qps_capacity",
      "x", "above 1: this many rows are enough; shard the counter for more"),
    E("held_counter_ceiling", "The counter under a seat lock's hold time", "inventory_shards / lock_hold_time",
      "req/s", "why a pass is not a seat: one counter held per booking serialises every buyer"),
    E("held_counter_sellout_seconds", "Time to sell every booking through that held counter",
      "successful_bookings / held_counter_ceiling", "s"),
)

COUNTER_SALE = (*RATIOS, *SUCCESS, ATTEMPT, CAPACITY, *WAITING_ROOM, BEHIND_ROOM, *COUNTER, *EVENT_STORAGE)


def onsale(users="500K", seats="50K", seats_per_booking=4, sale_window="30 min", retry_factor=2,
           throttle_rate="100/s", event_size="10 KB", seat_size="100 B", booking_size="500 B",
           lock_hold_time="5s", retry_rate=0.5, *,
           samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> Worksheet:
    """The whole on-sale worksheet. Defaults are the Super Bowl practice problem."""
    c = new_calc("On-sale rush", dict(
        users=users, seats=seats, seats_per_booking=seats_per_booking, sale_window=sale_window,
        retry_factor=retry_factor, throttle_rate=throttle_rate, event_size=event_size, seat_size=seat_size,
        booking_size=booking_size, lock_hold_time=lock_hold_time, retry_rate=retry_rate), samples=samples, seed=seed)
    c.derive(ONSALE)
    return c.worksheet()


def counter_sale(users="1M", seats="100K", seats_per_booking=2, sale_window="1 h", retry_factor=2,
                 throttle_rate="250/s", inventory_shards=1, counter_update_time="1 ms", lock_hold_time="5s",
                 event_size="10 KB", seat_size="100 B", booking_size="500 B", *,
                 samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> Worksheet:
    """A general-admission sale from one counter of passes. Defaults are the music festival."""
    c = new_calc("General-admission sale", dict(
        users=users, seats=seats, seats_per_booking=seats_per_booking, sale_window=sale_window,
        retry_factor=retry_factor, throttle_rate=throttle_rate, inventory_shards=inventory_shards,
        counter_update_time=counter_update_time, lock_hold_time=lock_hold_time, event_size=event_size,
        seat_size=seat_size, booking_size=booking_size), samples=samples, seed=seed)
    c.derive(COUNTER_SALE)
    return c.worksheet()
