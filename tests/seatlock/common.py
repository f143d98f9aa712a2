"""Plain functions the seat-lock tests share (fixtures live in ``conftest.py``)."""

from __future__ import annotations

from collections.abc import Callable

from ticketlab.seatlock import BookingService, Store, check_history


def once(action: Callable[[], None]) -> Callable[[], None]:
    """A ``before_write`` hook that runs ``action`` before the first write only."""
    done: list[bool] = []

    def hook() -> None:
        if not done:
            done.append(True)
            action()

    return hook


def store_state(store: Store) -> tuple:
    """Everything a refused change must leave as it was."""
    snapshot = store.snapshot()
    return (snapshot, sorted(store.live_holds(), key=lambda h: h.hold_id),
            sorted(store.bookings(), key=lambda b: b.booking_id), store.counters(), store.history(),
            {seat_id: store.newest_fencing_token(seat_id) for seat_id in snapshot})


def state(service: BookingService) -> tuple:
    return store_state(service.store)


def assert_store_clean(store: Store) -> None:
    """The history checker finds nothing wrong with everything ``store`` recorded."""
    report = check_history(store.history(), store.snapshot())
    assert report.ok, report.summary()


def assert_clean(service: BookingService) -> None:
    assert_store_clean(service.store)
