"""The strategies at their edges: giving up, backing off, and what each one lets through.

Each test makes the strategy's one job visible: take it away (no compare-and-set, no row lock,
no fencing) and the test fails.
"""

from __future__ import annotations

import pytest

from ticketlab.seatlock import (
    BookingService,
    DistributedStrategy,
    LockTimeout,
    LostRace,
    MemoryLockManager,
    MemoryStore,
    NaiveStrategy,
    OptimisticStrategy,
    PessimisticStrategy,
    SeatStatus,
    SimulatedClock,
    StaleFencingToken,
    check_history,
    small_venue,
)
from ticketlab.seatlock.stores.base import Change, WriteResult


class _Fixed:
    """An rng whose every draw is ``value``: makes the jitter known."""

    def __init__(self, value: float) -> None:
        self.value = value

    def random(self) -> float:
        return self.value


@pytest.mark.parametrize("draw, factor", [(0.0, 0.5), (0.5, 1.0), (0.999, 1.499)])
def test_backoff_doubles_from_the_base_up_to_the_cap_times_the_jitter(draw, factor):
    strategy = OptimisticStrategy(base_backoff=0.001, max_backoff=0.006, rng=_Fixed(draw))
    expected = [0.001, 0.002, 0.004, 0.006, 0.006]  # 1, 2, 4 ms, then the 6 ms cap
    assert [strategy.backoff(n) for n in range(1, 6)] == pytest.approx([e * factor for e in expected])


def _always_beaten(max_attempts: int):
    """Alice's optimistic hold on the one seat, with bob holding and releasing it before each of her writes."""
    clock = SimulatedClock()
    store = MemoryStore(small_venue(1).seats())
    bob = BookingService(store, OptimisticStrategy(), clock)

    def bob_cuts_in():
        bob.release(bob.hold_seats("bob", ["GA-1-1"]).hold_id, "bob")

    strategy = OptimisticStrategy(max_attempts=max_attempts, base_backoff=0.01, max_backoff=1.0, rng=_Fixed(0.5),
                                  before_write=bob_cuts_in)
    return BookingService(store, strategy, clock), store, clock


@pytest.mark.parametrize("max_attempts", [1, 3])
def test_optimistic_gives_up_after_max_attempts_having_backed_off_between_them(max_attempts):
    alice, store, clock = _always_beaten(max_attempts)
    with pytest.raises(LostRace) as info:
        alice.hold_seats("alice", ["GA-1-1"])
    assert info.value.attempts == max_attempts and info.value.seat_ids == ("GA-1-1",)
    # backed off after every attempt but the last: 10 ms, 20 ms, ... (the jitter draw 0.5 is 1x)
    assert clock.now() == pytest.approx(sum(0.01 * 2 ** k for k in range(max_attempts - 1)))
    assert (alice.stats.holds, alice.stats.conflicts, alice.stats.retries) == (0, 1, max_attempts - 1)
    seat = store.read_seats(["GA-1-1"])[0]
    assert seat.status is SeatStatus.AVAILABLE and seat.version == 2 * max_attempts  # only bob's writes
    assert check_history(store.history(), store.snapshot()).ok


def _two_writers_interleaved(strategy_for_alice, strategy_for_bob=None):
    """Alice reads the seat, bob holds it, then alice writes: the classic lost update."""
    clock = SimulatedClock()
    store = MemoryStore(small_venue(1).seats(), event_id="gig")
    bob = BookingService(store, strategy_for_bob or OptimisticStrategy(), clock)
    strategy_for_alice.before_write = lambda: bob.hold_seats("bob", ["GA-1-1"])
    return BookingService(store, strategy_for_alice, clock), store


def test_naive_lets_the_second_writer_overwrite_the_first():
    alice, store = _two_writers_interleaved(NaiveStrategy())
    alice.hold_seats("alice", ["GA-1-1"])  # no error: the blind write wins over bob's hold
    assert "TWO_LIVE_HOLDS" in check_history(store.history()).kinds()


def test_optimistic_compare_and_set_refuses_the_write_that_read_an_older_version():
    alice, store = _two_writers_interleaved(OptimisticStrategy(max_attempts=1))
    with pytest.raises(LostRace):
        alice.hold_seats("alice", ["GA-1-1"])
    assert store.live_holds()[0].user == "bob"
    assert check_history(store.history(), store.snapshot()).ok


def test_optimistic_writes_carry_the_versions_they_read():
    store = MemoryStore(small_venue(2).seats())
    applied: list[Change] = []
    apply = store.apply
    store.apply = lambda change: (applied.append(change), apply(change))[1]
    BookingService(store, OptimisticStrategy(), SimulatedClock()).hold_seats("a", ["GA-1-1", "GA-1-2"])
    assert applied[0].expect_versions == (0, 0) and applied[0].guarded


def test_pessimistic_reports_a_write_refused_under_its_lock_as_a_lost_race():
    store = MemoryStore(small_venue(1).seats())
    store.apply = lambda change: WriteResult.CONFLICT  # a path that went around the lock
    service = BookingService(store, PessimisticStrategy(), SimulatedClock())
    with pytest.raises(LostRace) as info:
        service.hold_seats("alice", ["GA-1-1"])
    assert info.value.attempts == 1 and service.stats.conflicts == 1


def test_pessimistic_times_out_when_another_writer_holds_the_seat_lock():
    store = MemoryStore(small_venue(1).seats())
    service = BookingService(store, PessimisticStrategy(lock_wait=0.05), SimulatedClock())
    with store.seat_locks(["GA-1-1"], 1.0):
        with pytest.raises(LockTimeout):
            service.hold_seats("alice", ["GA-1-1"])
    assert service.stats.lock_timeouts == 1 and store.read_seats(["GA-1-1"])[0].status is SeatStatus.AVAILABLE


def test_distributed_times_out_when_the_lease_is_taken():
    clock = SimulatedClock()
    store = MemoryStore(small_venue(1).seats(), event_id="gig")
    locks = MemoryLockManager(clock)  # waits on the simulated clock: the timeout costs no real time
    assert locks.acquire("seat:gig:GA-1-1", 30.0) is not None  # someone else's lease
    service = BookingService(store, DistributedStrategy(locks, lock_wait=1.0), clock)
    with pytest.raises(LockTimeout):
        service.hold_seats("alice", ["GA-1-1"])
    assert service.stats.lock_timeouts == 1 and store.live_holds() == []


def test_distributed_fencing_rejects_a_write_whose_token_was_superseded():
    clock = SimulatedClock()
    store = MemoryStore(small_venue(1).seats(), event_id="gig")
    # a newer token is issued for the seat between alice's token and her write: her lease was handed on
    strategy = DistributedStrategy(MemoryLockManager(clock), before_write=lambda: store.issue_fencing_tokens(["GA-1-1"]))
    service = BookingService(store, strategy, clock)
    with pytest.raises(StaleFencingToken) as info:
        service.hold_seats("alice", ["GA-1-1"])
    assert (info.value.seat_id, info.value.token) == ("GA-1-1", 1)
    assert service.stats.stale_tokens == 1 and store.live_holds() == []


def test_distributed_without_fencing_stamps_the_lock_managers_grant_numbers():
    clock = SimulatedClock()
    store = MemoryStore(small_venue(2).seats(), event_id="gig")
    locks = MemoryLockManager(clock)
    service = BookingService(store, DistributedStrategy(locks, fencing=False), clock)
    hold = service.hold_seats("alice", ["GA-1-2", "GA-1-1"])
    assert hold.fencing_tokens == (1, 1)  # each seat's first grant, in the order asked
    assert store.newest_fencing_token("GA-1-1") == -1  # the store issued none and checked none
