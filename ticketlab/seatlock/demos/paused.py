"""The paused client: Kleppmann's scenario, deterministic on a simulated clock.

Invariant it demonstrates: a lease alone cannot stop a client that stalls past its TTL and
then writes; the store must refuse that late write itself, by its fencing token (strictly
newer than any accepted for the seat) or by a conditional write that re-checks the seat.
"""

from __future__ import annotations

from dataclasses import dataclass

from ticketlab.core.errors import InputError
from ticketlab.core.vocab import PausedClientMode
from ticketlab.seatlock.check.history import CheckReport, check_history
from ticketlab.seatlock.clock import SimulatedClock, seconds
from ticketlab.seatlock.errors import LostRace, SeatUnavailable, StaleFencingToken
from ticketlab.seatlock.locks.memory import MemoryLockManager
from ticketlab.seatlock.model import BookingStatus, small_venue
from ticketlab.seatlock.service import BookingService
from ticketlab.seatlock.stores.memory import MemoryStore
from ticketlab.seatlock.strategies.distributed import DistributedStrategy

__all__ = ["PausedClientMode", "PAUSED_CLIENT_MODES", "PausedClientResult", "paused_client"]


PAUSED_CLIENT_MODES: tuple[PausedClientMode, ...] = tuple(PausedClientMode)


@dataclass(frozen=True)
class PausedClientResult:
    """``steps`` narrates the scenario; ``sold_to`` lists the users with a confirmed booking
    of the seat; ``a_error`` is how client A's late write ended (None if it went through)."""

    mode: PausedClientMode
    steps: tuple[str, ...]
    sold_to: tuple[str, ...]
    a_error: str | None
    report: CheckReport

    @property
    def sold_twice(self) -> bool:
        return len(self.sold_to) > 1

    def summary(self) -> str:
        verdict = (f"SOLD TWICE to {' and '.join(self.sold_to)}" if self.sold_twice
                   else f"sold once, to {self.sold_to[0] if self.sold_to else 'nobody'}")
        lines = [f"paused client ({self.mode}):"] + [f"  {i}. {s}" for i, s in enumerate(self.steps, 1)]
        lines += [f"  result: {verdict}", f"  checker: {self.report.summary().splitlines()[0]}"]
        return "\n".join(lines)


def paused_client(mode: str = PausedClientMode.FENCING, lock_ttl: float = 30.0,
                  pause: float = 45.0) -> PausedClientResult:
    """Client A leases the seat, checks it is free, then stalls for ``pause`` seconds (a GC
    pause, a slow network) — longer than its ``lock_ttl`` lease. Meanwhile client B takes
    the expired lease, holds and pays for the seat. Then A wakes up and writes.

    ``mode``: ``"lease-only"`` (the lease is the only guard: sold twice), ``"fencing"`` (the
    write carries A's old fencing token and the store rejects it), ``"conditional"`` (no
    fencing, but the store's conditional write sees the seat is no longer AVAILABLE).
    Raises :class:`InputError` for another mode, or a pause not longer than ``lock_ttl``.
    """
    if mode not in PAUSED_CLIENT_MODES:
        raise InputError("mode", mode, f"one of {', '.join(PAUSED_CLIENT_MODES)}")
    mode = PausedClientMode(mode)
    lock_ttl, pause = seconds("lock_ttl", lock_ttl), seconds("pause", pause)
    if not pause > lock_ttl:
        raise InputError("pause", pause, f"a pause longer than lock_ttl={lock_ttl:g} s")
    clock = SimulatedClock()
    store = MemoryStore(small_venue(1).seats(), event_id="paused")
    seat = store.example_seat_id()
    locks = MemoryLockManager(clock)
    fencing, conditional = mode is PausedClientMode.FENCING, mode is PausedClientMode.CONDITIONAL
    steps: list[str] = []
    paused = [False]

    def stall_a() -> None:
        if paused[0]:
            return
        paused[0] = True
        grant_a = locks.owner(f"seat:paused:{seat}")
        steps.append(f"t={clock.now():g}s A holds the lease on {seat} (token {grant_a[:6]}…, fencing token 1),"
                     f" sees it AVAILABLE, and stalls")
        clock.advance(pause)
        steps.append(f"t={clock.now():g}s A is still stalled; its {lock_ttl:g}s lease ran out")
        b_hold = svc_b.hold_seats("bob", [seat])
        steps.append(f"t={clock.now():g}s B takes the lease (fencing token {b_hold.fencing_tokens[0]}) and holds {seat}")
        svc_b.confirm(b_hold.hold_id, "bob")
        steps.append(f"t={clock.now():g}s B pays and confirms under a fresh lease (the next fencing token);"
                     f" {seat} is SOLD to bob")
        steps.append(f"t={clock.now():g}s A wakes up and writes its hold, believing it still holds the lock")

    def strategy(hook=None) -> DistributedStrategy:
        return DistributedStrategy(locks, lock_ttl=lock_ttl, fencing=fencing, conditional=conditional,
                                   before_write=hook)

    svc_a = BookingService(store, strategy(stall_a), clock)
    svc_b = BookingService(store, strategy(), clock)
    a_error = None
    try:
        hold_a = svc_a.hold_seats("alice", [seat])
        steps.append(f"t={clock.now():g}s A's write was accepted: {seat} is HELD for alice")
        svc_a.confirm(hold_a.hold_id, "alice")
        steps.append(f"t={clock.now():g}s A pays; {seat} is SOLD to alice as well")
    except StaleFencingToken as error:
        a_error = type(error).__name__
        steps.append(f"the store rejects A: {error}")
    except (LostRace, SeatUnavailable) as error:
        a_error = type(error).__name__
        steps.append(f"the store's conditional write rejects A: {seat} is no longer AVAILABLE ({a_error})")
    sold_to = tuple(sorted(b.user for b in store.bookings() if b.status is BookingStatus.CONFIRMED))
    return PausedClientResult(mode=mode, steps=tuple(steps), sold_to=sold_to, a_error=a_error,
                              report=check_history(store.history(), store.snapshot()))
