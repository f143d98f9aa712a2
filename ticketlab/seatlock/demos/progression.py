"""The progression of fixes: status column, reserved-until, sweeper, TTL lock, conditional write.

Invariant it demonstrates: each stage fixes one failure of the stage before and names the
one it still has; only the last (the store's conditional write as the real guard, the lock
merely saving wasted work) sells every seat once, even to a paused client. Every stage runs
on a simulated clock, so the result is the same on every run.
"""

from __future__ import annotations

from dataclasses import dataclass

from ticketlab.seatlock.check.history import check_history
from ticketlab.seatlock.clock import SimulatedClock
from ticketlab.seatlock.demos.paused import PausedClientMode, paused_client
from ticketlab.seatlock.errors import LockTimeout, LostRace, SeatUnavailable, StaleFencingToken
from ticketlab.seatlock.locks.memory import MemoryLockManager
from ticketlab.seatlock.model import small_venue
from ticketlab.seatlock.service import BookingService
from ticketlab.seatlock.stores.memory import MemoryStore
from ticketlab.seatlock.strategies.distributed import DistributedStrategy
from ticketlab.seatlock.strategies.naive import NaiveStrategy

__all__ = ["ProgressionStep", "progression"]


@dataclass(frozen=True)
class ProgressionStep:
    """One stage of the source's progression: what it adds, what happened, what is left."""

    number: int
    name: str
    adds: str
    observed: str
    still_wrong: str
    sold_twice: bool


def _interleaved_sale(clock: SimulatedClock, strategy) -> tuple[bool, str]:
    """A checks the seat; before A writes, B tries to buy it; then A writes.

    ``strategy(hook)`` builds the strategy for a client (``hook`` runs between its check and
    its write). Returns (sold twice?, what happened to B).
    """
    store = MemoryStore(small_venue(1).seats(), event_id="progression")
    seat = store.example_seat_id()
    b_outcome = ["B did not run"]

    def b_buys() -> None:
        if b_outcome[0] == "B did not run":
            b_outcome[0] = "B bought it"
            try:
                hold = svc_b.hold_seats("bob", [seat])
                svc_b.confirm(hold.hold_id, "bob")
            except (LockTimeout, SeatUnavailable, LostRace) as error:
                b_outcome[0] = f"B was refused ({type(error).__name__})"

    svc_a = BookingService(store, strategy(b_buys), clock)
    svc_b = BookingService(store, strategy(None), clock)
    try:
        hold = svc_a.hold_seats("alice", [seat])
        svc_a.confirm(hold.hold_id, "alice")
    except (SeatUnavailable, LostRace, StaleFencingToken):
        pass
    return check_history(store.history()).double_bookings > 0, b_outcome[0]


def progression() -> list[ProgressionStep]:
    """The five stages, each run on a simulated clock, so the result is the same every time."""
    clock = SimulatedClock()
    steps = []

    def naive(hook):
        return NaiveStrategy(before_write=hook)

    twice, b = _interleaved_sale(clock, naive)
    steps.append(ProgressionStep(
        1, "status column only", "seats.status: AVAILABLE → SOLD, checked then written",
        f"A reads AVAILABLE; {b} in between; A writes anyway: " + ("sold twice" if twice else "sold once"),
        "the check and the write are two steps; anyone can slip between them", twice))

    store = MemoryStore(small_venue(1).seats(), event_id="progression")
    seat = store.example_seat_id()
    svc = BookingService(store, NaiveStrategy(), clock)
    svc.hold_seats("alice", [seat])  # alice walks away without paying
    clock.advance(11 * 60)
    try:
        svc.hold_seats("bob", [seat])
        observed = "bob got the seat"
    except SeatUnavailable:
        observed = "11 min after alice walked away the seat is still HELD; bob is refused"
    steps.append(ProgressionStep(
        2, "reserved-until timestamp", "a hold with expires_at = now + 10 min", observed,
        "an expired hold still blocks the seat until something releases it", False))

    released = svc.sweep_expired().released
    bob = svc.hold_seats("bob", [seat])
    svc.confirm(bob.hold_id, "bob")
    twice, _ = _interleaved_sale(clock, naive)
    steps.append(ProgressionStep(
        3, "expiry sweeper", "a background job releases holds past expires_at",
        f"the sweep released {len(released)} hold; bob bought the seat",
        "two buyers can still pass the check at once: " + ("sold twice again" if twice else "sold once"), twice))

    locks = MemoryLockManager(clock)

    def lease_only(hook):
        return DistributedStrategy(locks, fencing=False, conditional=False, before_write=hook)

    twice, b = _interleaved_sale(clock, lease_only)
    lease = paused_client(PausedClientMode.LEASE_ONLY)
    steps.append(ProgressionStep(
        4, "TTL lock", "a lease per seat (SET NX PX 30000) around the read-check-write",
        f"while A holds the lease {b}" + (" and the seat sold twice" if twice else "")
        + "; but when A stalls past its lease: " + ("sold twice" if lease.sold_twice else "sold once"),
        "a lease expires while its owner still acts on it", lease.sold_twice or twice))

    guarded = paused_client(PausedClientMode.CONDITIONAL)
    fenced = paused_client(PausedClientMode.FENCING)
    steps.append(ProgressionStep(
        5, "conditional update as the real guard",
        "UPDATE ... WHERE status = 'AVAILABLE' (and fencing tokens), checked by rowcount",
        f"the paused client's write is rejected ({guarded.a_error}; with fencing: {fenced.a_error})",
        "nothing for correctness: the lock only saves wasted work", guarded.sold_twice or fenced.sold_twice))
    return steps
