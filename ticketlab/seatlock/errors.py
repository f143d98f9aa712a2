"""Errors of the seat-lock core.

Invariant: every error the core raises on purpose is a :class:`SeatLockError`, and each
failure a caller can act on has its own class, so code can tell "pick another seat"
(:class:`SeatUnavailable`) from "try again" (:class:`LostRace`, :class:`LockTimeout`) from
"your hold is gone" (:class:`HoldExpired`). Errors about what the caller passed in also
derive from :class:`ValueError` through :class:`~ticketlab.core.errors.InputError`.
"""

from __future__ import annotations

from collections.abc import Sequence

from ticketlab.core.errors import InputError, TicketlabError

__all__ = [
    "SeatLockError",
    "SeatNotFound",
    "InvalidSeatRequest",
    "InvalidTTL",
    "SeatUnavailable",
    "SeatBlocked",
    "SoldOut",
    "HoldNotFound",
    "HoldExpired",
    "NotHoldOwner",
    "AlreadyConfirmed",
    "BookingNotFound",
    "StoreNotFound",
    "StoreUnavailable",
    "LostRace",
    "LockTimeout",
    "LockError",
    "LockNotOwnedError",
    "LockServiceUnavailable",
    "StoreUnavailable",
    "StaleFencingToken",
    "PaymentDeclined",
    "PaymentOutcomeUnknown",
    "ConfirmFailed",
    "ConfirmInProgress",
    "PaymentGatewayError",
    "RefundPending",
]


class SeatLockError(TicketlabError):
    """Root of the errors raised by :mod:`ticketlab.seatlock`."""


# --- bad input -----------------------------------------------------------------------


class SeatNotFound(SeatLockError, InputError):
    """A seat id does not exist in this event's seat map."""

    def __init__(self, seat_ids: Sequence[str], example: str | None = None) -> None:
        self.seat_ids = tuple(seat_ids)
        hint = f"an id from the seat map such as {example!r}" if example else "an id from the seat map"
        InputError.__init__(self, "seat_ids", list(self.seat_ids), hint)


class InvalidSeatRequest(SeatLockError, InputError):
    """The seat request is empty, repeats a seat, or asks for zero or fewer seats."""


class InvalidTTL(SeatLockError, InputError):
    """A time-to-live is zero, negative or not finite."""


class HoldNotFound(SeatLockError, InputError):
    """No live hold has that id (it never existed, or it was released or expired)."""

    def __init__(self, hold_id: str) -> None:
        self.hold_id = hold_id
        InputError.__init__(self, "hold_id", hold_id, "the id of a live hold returned by hold_seats()")


class BookingNotFound(SeatLockError, InputError):
    """No booking has that id."""

    def __init__(self, booking_id: str) -> None:
        self.booking_id = booking_id
        InputError.__init__(self, "booking_id", booking_id, "the id of a booking returned by confirm()")


class StoreNotFound(SeatLockError, InputError):
    """A path holds no ticketlab event (no file, or a file some other program wrote).

    Build one first with ``SqliteStore.create(path, seats)`` or ``SqliteStore.for_event``.
    """

    def __init__(self, path: str, expected: str | None = None) -> None:
        self.path = path
        InputError.__init__(self, "path", path, expected or
                            "a SQLite file written by SqliteStore.create(path, seats), e.g. 'event.sqlite3'")


class NotHoldOwner(SeatLockError, InputError):
    """A user tried to confirm or release a hold that belongs to someone else."""

    def __init__(self, hold_id: str, user: str, owner: str) -> None:
        self.hold_id, self.user, self.owner = hold_id, user, owner
        InputError.__init__(self, "user", user, f"the user who took hold {hold_id!r} ({owner!r})")


class AlreadyConfirmed(SeatLockError, InputError):
    """The hold was already turned into a booking; confirming it again would charge twice."""

    def __init__(self, hold_id: str, booking_id: str) -> None:
        self.hold_id, self.booking_id = hold_id, booking_id
        InputError.__init__(
            self, "hold_id", hold_id, f"a hold not yet confirmed (this one is booking {booking_id!r})"
        )


# --- the seat is not yours -----------------------------------------------------------


class SeatUnavailable(SeatLockError):
    """At least one requested seat is not AVAILABLE (held, sold or blocked).

    ``retries`` counts the optimistic retries spent before the seat was found taken (a
    retry that ends in "taken" still cost a retry); the strategy that retried sets it.
    """

    def __init__(self, seat_statuses: dict[str, str], retries: int = 0) -> None:
        self.seat_statuses = dict(seat_statuses)
        self.retries = retries
        listed = ", ".join(f"{s} is {st}" for s, st in sorted(self.seat_statuses.items()))
        super().__init__(f"seats not available: {listed}; only AVAILABLE seats can be held")


class SeatBlocked(SeatUnavailable):
    """At least one requested seat is BLOCKED (kept off sale by the venue)."""


class SoldOut(SeatLockError):
    """Fewer AVAILABLE seats remain than were asked for."""

    def __init__(self, wanted: int, available: int) -> None:
        self.wanted, self.available = wanted, available
        asked = f"{wanted} seat" if wanted == 1 else f"{wanted} seats"
        left = "none is" if available == 0 else ("only 1 is" if available == 1 else f"only {available} are")
        super().__init__(f"asked for {asked} but {left} AVAILABLE")


class HoldExpired(SeatLockError):
    """The hold's time ran out before it was confirmed. ``refunded`` says if money went back."""

    def __init__(self, hold_id: str, expired_at: float, now: float, refunded: bool = False) -> None:
        self.hold_id, self.expired_at, self.now, self.refunded = hold_id, expired_at, now, refunded
        note = "; the payment was refunded and the seats released" if refunded else ""
        super().__init__(
            f"hold {hold_id!r} expired at t={expired_at:g} s (now t={now:g} s){note}; "
            "confirm a hold before its expires_at"
        )


# --- contention ----------------------------------------------------------------------


class LostRace(SeatLockError):
    """Every optimistic attempt found the seats changed under it; the caller may try others."""

    def __init__(self, seat_ids: Sequence[str], attempts: int) -> None:
        self.seat_ids, self.attempts = tuple(seat_ids), attempts
        super().__init__(
            f"lost the race for {list(self.seat_ids)} after {attempts} attempts: another writer "
            "changed them each time; pick other seats or raise max_attempts"
        )


class LockTimeout(SeatLockError):
    """A lock (row lock, seat lock or lease) could not be taken within the wait timeout."""

    def __init__(self, what: str, timeout: float) -> None:
        self.what, self.timeout = what, timeout
        super().__init__(f"could not lock {what} within {timeout:g} s; retry later or wait longer")


class LockError(SeatLockError):
    """A lease was used in a way its semantics forbid (mirrors redis-py's ``LockError``)."""


class LockNotOwnedError(LockError):
    """Releasing or extending a lease whose token no longer owns the key (it expired or moved on)."""


class LockServiceUnavailable(SeatLockError):
    """The lock service (a Redis server) did not answer: refused, timed out, or still loading.

    An operational error, not bad input: the request changed nothing it had not already
    committed, and the caller may retry once the service is back.
    """

    def __init__(self, where: str, reason: str) -> None:
        self.where, self.reason = where, reason
        super().__init__(f"the lock service at {where} is unavailable ({reason}); "
                         "no seat was changed by this request; retry when it is back")


class StoreUnavailable(SeatLockError):
    """The store's server (PostgreSQL, Redis) did not answer, or the connection dropped mid-request.

    An operational error, not bad input. A read changed nothing; a change is all-or-nothing (one
    transaction, one script), but a write whose answer was lost may or may not have been applied,
    so read the state back (the booking, the hold, the payment intent) before retrying, and let
    ``BookingService.reconcile`` settle any payment left open.
    """

    def __init__(self, where: str, reason: str) -> None:
        self.where, self.reason = where, reason
        super().__init__(f"the store at {where} is unavailable ({reason}); a write in flight may or may not "
                         "have been applied: read it back before retrying")


class StaleFencingToken(SeatLockError):
    """The store has, since this write's fencing token was issued, issued or accepted a newer
    one for the seat: another client took the seat's lease after this one (the lease ran out
    while its owner was paused, or the lock service lost it). Take a fresh lease and retry."""

    def __init__(self, seat_id: str, token: int, newest: int) -> None:
        self.seat_id, self.token, self.newest = seat_id, token, newest
        super().__init__(
            f"write to seat {seat_id!r} carries fencing token {token}, but the store now accepts only tokens "
            f"newer than {newest} for it: another client took this seat's lease after this one; "
            "take a fresh lease and retry"
        )


# --- payments ------------------------------------------------------------------------


class PaymentDeclined(SeatLockError):
    """The gateway refused the charge; the hold was released."""


class PaymentOutcomeUnknown(SeatLockError):
    """The gateway did not answer in time: the money may or may not have moved.

    The hold is kept; the expiry sweeper asks the gateway before it releases the seats.
    """


class ConfirmFailed(SeatLockError):
    """Payment went through but the seats could not be marked SOLD; the payment was refunded."""


class ConfirmInProgress(PaymentOutcomeUnknown):
    """Another request (a double click, a retry, another server) is confirming this hold and
    its charge is still in flight. Ask again later: the answer will be its booking or its error."""


class PaymentGatewayError(SeatLockError):
    """The gateway failed a request (unreachable, an error reply). Nothing is known to have
    changed there; the same request may be repeated with the same idempotency key."""


class RefundPending(SeatLockError):
    """Money is owed back and its refund is recorded, but the gateway failed it this time.

    The seats stay as they were (held, or sold to the booking being cancelled) until the money
    is back: retry the call, or let ``BookingService.reconcile`` (the sweeper does it too for
    expired holds) finish it. ``payment_id`` names the payment.
    """

    def __init__(self, payment_id: str, what: str, cause: Exception | None = None) -> None:
        self.payment_id = payment_id
        why = f" ({cause})" if cause else ""
        super().__init__(f"{what}; the refund of {payment_id} is recorded but the gateway failed it{why}: "
                         "retry, or run reconcile(), to finish it")
