"""The strategies at their edges: giving up, backing off, and what each one lets through.

Each test makes the strategy's one job visible: take it away (no compare-and-set, no row lock,
no fencing) and the test fails.
"""

from __future__ import annotations

import pytest

from ticketlab.seatlock import (
    BookingService,
    ConditionalStrategy,
    DistributedStrategy,
    HoldExpired,
    LockTimeout,
    LostRace,
    MemoryLockManager,
    MemoryStore,
    NaiveStrategy,
    OptimisticStrategy,
    PessimisticStrategy,
    RecordKind,
    SeatBlocked,
    SeatStatus,
    SeatUnavailable,
    SimulatedClock,
    StaleFencingToken,
    check_history,
    small_venue,
)
from ticketlab.seatlock.stores.base import Change, WriteResult

from .common import HookedStore, assert_clean, once


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


# --- conditional: write first, read only to say why ----------------------------------------


def _recording(store) -> tuple[list[Change], list[tuple[str, ...]]]:
    """Every change ``store`` is asked to apply, and every read of its seats, in order."""
    applied, reads = [], []
    apply, read = store.apply, store.read_seats
    store.apply = lambda change: (applied.append(change), apply(change))[1]
    store.read_seats = lambda seat_ids: (reads.append(tuple(seat_ids)), read(seat_ids))[1]
    return applied, reads


def test_conditional_writes_once_without_a_read_guarded_by_the_status_alone():
    store = MemoryStore(small_venue(2).seats(), event_id="gig")
    applied, reads = _recording(store)
    service = BookingService(store, ConditionalStrategy(), SimulatedClock())
    hold = service.hold_seats("a", ["GA-1-2", "GA-1-1"])
    assert len(applied) == 1 and reads == []  # one write, nothing read: one round trip on a server
    change = applied[0]
    assert change.guarded and change.expect_versions is None and change.fencing_tokens == ()
    assert hold.fencing_tokens == () and store.get_hold(hold.hold_id).fencing_tokens == ()  # no lease, no token
    assert hold.amount_cents == sum(s.price_cents for s in small_venue(2).seats())  # priced from the seat map
    assert (service.stats.holds, service.stats.retries, service.stats.conflicts) == (1, 0, 0)
    assert_clean(service)


def test_conditional_refuses_the_write_once_another_writer_took_the_seat_and_says_it_is_taken():
    alice, store = _two_writers_interleaved(ConditionalStrategy(), ConditionalStrategy())
    applied, reads = _recording(store)
    with pytest.raises(SeatUnavailable) as info:
        alice.hold_seats("alice", ["GA-1-1"])
    assert info.value.seat_statuses == {"GA-1-1": "HELD"} and info.value.retries == 0
    assert [c.user for c in applied] == ["bob", "alice"] and reads == [("GA-1-1",)]  # read after the refusal
    assert store.live_holds()[0].user == "bob" and len(store.live_holds()) == 1
    assert (alice.stats.holds, alice.stats.conflicts, alice.stats.retries) == (0, 1, 0)
    assert check_history(store.history(), store.snapshot()).ok


def test_conditional_says_a_blocked_seat_is_blocked():
    store = MemoryStore(small_venue(2).seats(), event_id="gig")
    service = BookingService(store, ConditionalStrategy(), SimulatedClock())
    service.block(["GA-1-2"])
    with pytest.raises(SeatBlocked):
        service.hold_seats("a", ["GA-1-1", "GA-1-2"])
    assert store.read_seats(["GA-1-1"])[0].status is SeatStatus.AVAILABLE  # all or nothing


def _beaten_then_freed(max_attempts: int, times: int):
    """Alice's conditional hold on the one seat: bob holds it just before each of her first
    ``times`` writes (so the store refuses them) and lets it go before she reads."""
    clock = SimulatedClock()
    store = HookedStore(small_venue(1).seats(), event_id="gig")
    bob = BookingService(store, ConditionalStrategy(), clock)
    bobs: list = []
    writes: list[int] = []

    def bob_cuts_in():
        writes.append(1)
        if len(writes) <= times:
            bobs.append(bob.hold_seats("bob", ["GA-1-1"]))

    store.before_read = lambda: bobs and bob.release(bobs.pop().hold_id, "bob")
    return BookingService(store, ConditionalStrategy(max_attempts=max_attempts, before_write=bob_cuts_in), clock), store


def test_conditional_writes_again_when_the_read_after_a_refusal_finds_the_seat_free():
    alice, store = _beaten_then_freed(max_attempts=3, times=2)
    hold = alice.hold_seats("alice", ["GA-1-1"])
    assert store.get_hold(hold.hold_id) is hold
    assert store.read_seats(["GA-1-1"])[0].version == 5  # bob's two holds and releases, then alice's hold
    assert (alice.stats.holds, alice.stats.retries, alice.stats.conflicts) == (1, 2, 0)
    assert_clean(alice)


@pytest.mark.parametrize("max_attempts", [1, 2])
def test_conditional_gives_up_after_max_attempts_writes(max_attempts):
    alice, store = _beaten_then_freed(max_attempts, times=max_attempts)
    with pytest.raises(LostRace) as info:
        alice.hold_seats("alice", ["GA-1-1"])
    assert info.value.attempts == max_attempts and info.value.seat_ids == ("GA-1-1",)
    assert (alice.stats.holds, alice.stats.conflicts, alice.stats.retries) == (0, 1, max_attempts - 1)
    assert store.read_seats(["GA-1-1"])[0].version == 2 * max_attempts  # only bob's writes
    assert check_history(store.history(), store.snapshot()).ok


def test_conditional_confirms_a_live_hold_and_refuses_one_that_expired():
    clock = SimulatedClock()
    store = MemoryStore(small_venue(2).seats(), event_id="gig")
    service = BookingService(store, ConditionalStrategy(), clock, hold_ttl=60, http_timeout=2, db_timeout=1)
    applied, _ = _recording(store)
    booking = service.confirm(service.hold_seats("a", ["GA-1-1"]).hold_id, "a")
    confirm = [c for c in applied if c.kind is RecordKind.CONFIRM]
    assert len(confirm) == 1 and confirm[0].guarded and confirm[0].expect_versions is None
    assert store.read_seats(["GA-1-1"])[0].status is SeatStatus.SOLD and booking.seat_ids == ("GA-1-1",)

    late = service.hold_seats("b", ["GA-1-2"])
    service.strategy.before_write = once(lambda: clock.advance(61))  # the hold runs out before its write
    with pytest.raises(HoldExpired):
        service.confirm(late.hold_id, "b")
    assert store.read_seats(["GA-1-2"])[0].status is not SeatStatus.SOLD
    assert check_history(store.history(), store.snapshot()).ok


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


def test_each_strategy_starts_from_its_documented_defaults():
    locks = MemoryLockManager(SimulatedClock())
    for strategy in (NaiveStrategy(), OptimisticStrategy(), ConditionalStrategy(), PessimisticStrategy(),
                     DistributedStrategy(locks)):
        assert (strategy.latency, strategy.lock_ttl, strategy.before_write) == (0.0, 30.0, None), strategy
    assert ConditionalStrategy().max_attempts == 3
    optimistic = OptimisticStrategy()
    assert (optimistic.max_attempts, optimistic.base_backoff, optimistic.max_backoff) == (5, 0.001, 0.05)
    assert PessimisticStrategy().lock_wait == 5.0
    distributed = DistributedStrategy(locks)
    assert (distributed.lock_wait, distributed.fencing, distributed.conditional) == (5.0, True, True)
    seeded = OptimisticStrategy(seed=0)  # seed 0 is the default: the same jitter
    assert [OptimisticStrategy().backoff(2) for _ in range(1)] == [seeded.backoff(2)]
    from ticketlab.seatlock import make_strategy

    made = make_strategy("optimistic")
    assert made.latency == 0.0 and made.backoff(3) == OptimisticStrategy(seed=0).backoff(3)


def _distributed(**kwargs):
    return DistributedStrategy(MemoryLockManager(SimulatedClock()), **kwargs)


@pytest.mark.parametrize("make, name, bad, expected", [
    (lambda v: OptimisticStrategy(max_attempts=v), "max_attempts", 0, "a whole number of attempts"),
    (lambda v: OptimisticStrategy(base_backoff=v), "base_backoff", -0.5, "duration"),
    (lambda v: OptimisticStrategy(max_backoff=v), "max_backoff", "soon", "duration"),
    (lambda v: ConditionalStrategy(max_attempts=v), "max_attempts", 1.5, "a whole number of attempts"),
    (lambda v: ConditionalStrategy(latency=v), "latency", -1, "duration"),
    (lambda v: NaiveStrategy(latency=v), "latency", -1, "duration"),
    (lambda v: PessimisticStrategy(lock_ttl=v), "lock_ttl", 0, "duration"),
    (lambda v: PessimisticStrategy(lock_wait=v), "lock_wait", 0, "duration"),
    (lambda v: _distributed(lock_wait=v), "lock_wait", -2, "duration"),
])
def test_a_bad_strategy_argument_is_named_in_its_error(make, name, bad, expected):
    from ticketlab.core.errors import InputError

    with pytest.raises(InputError) as info:
        make(bad)
    assert info.value.name == name and info.value.value == bad and expected in str(info.value)


def test_no_backoff_at_all_is_a_valid_optimistic_setting():
    strategy = OptimisticStrategy(base_backoff=0, max_backoff="0s")
    assert (strategy.base_backoff, strategy.max_backoff, strategy.backoff(3)) == (0.0, 0.0, 0.0)


def test_a_pessimistic_strategy_keeps_the_hook_it_was_given():
    calls = []
    strategy = PessimisticStrategy(before_write=lambda: calls.append(1))
    store = MemoryStore(small_venue(1).seats(), event_id="gig")
    BookingService(store, strategy, SimulatedClock()).hold_seats("ana", ["GA-1-1"])
    assert calls == [1]


def test_the_registry_names_what_was_wrong():
    from ticketlab.core.errors import InputError
    from ticketlab.seatlock import make_strategy

    with pytest.raises(InputError) as info:
        make_strategy("yolo")
    assert (info.value.name, info.value.value) == ("strategy", "yolo")
    with pytest.raises(InputError) as info:
        make_strategy("distributed")
    assert (info.value.name, info.value.value) == ("locks", None) and "distributed" in str(info.value)
    with pytest.raises(InputError) as info:
        DistributedStrategy("not a lock manager")
    assert (info.value.name, info.value.value) == ("locks", "not a lock manager")
    assert "MemoryLockManager" in str(info.value)


@pytest.mark.parametrize("make", [NaiveStrategy, OptimisticStrategy, ConditionalStrategy, PessimisticStrategy,
                                  lambda latency: DistributedStrategy(MemoryLockManager(SimulatedClock()),
                                                                      latency=latency)])
def test_every_strategy_waits_its_latency_between_check_and_write(make):
    clock = SimulatedClock()
    store = MemoryStore(small_venue(1).seats(), event_id="gig")
    strategy = make(latency=0.25)
    seen = []
    strategy.before_write = lambda: seen.append(clock.now())
    BookingService(store, strategy, clock).hold_seats("alice", ["GA-1-1"])
    assert seen == [0.25]  # the pause came first, then the hook, then the write
    assert store.live_holds()[0].created_at == 0.25
    assert repr(strategy).endswith("(latency=0.25)") and type(strategy).__name__ in repr(strategy)


def test_naive_writes_blind_and_carries_no_tokens():
    store = MemoryStore(small_venue(1).seats())
    applied: list[Change] = []
    apply = store.apply
    store.apply = lambda change: (applied.append(change), apply(change))[1]
    hold = BookingService(store, NaiveStrategy(), SimulatedClock()).hold_seats("a", ["GA-1-1"])
    assert hold.fencing_tokens == () and applied[0].guarded is False and applied[0].expect_versions is None


def test_distributed_counts_every_lease_that_ran_out_and_logs_one_it_could_not_give_back(caplog):
    from ticketlab.seatlock import LockServiceUnavailable

    clock = SimulatedClock()
    store = MemoryStore(small_venue(3).seats(), event_id="gig")
    locks = MemoryLockManager(clock)
    ran_out = DistributedStrategy(locks, lock_ttl=5, before_write=lambda: clock.advance(6))
    service = BookingService(store, ran_out, clock, hold_ttl=60, http_timeout=2, db_timeout=1)
    service.hold_seats("alice", ["GA-1-1", "GA-1-2"])
    assert service.stats.lost_leases == 2  # both leases, not one, and not one taken back

    class Down(MemoryLockManager):
        def release(self, grant):
            raise LockServiceUnavailable("redis://127.0.0.1:1/0", "connection refused")

    down = BookingService(store, DistributedStrategy(Down(clock)), clock)
    with caplog.at_level("WARNING"):
        down.hold_seats("bob", ["GA-1-3"])
    assert down.stats.lost_leases == 1
    [message] = [r.getMessage() for r in caplog.records]
    assert "seat:gig:GA-1-3" in message and "connection refused" in message


def test_distributed_names_the_seat_whose_lease_it_could_not_get():
    clock = SimulatedClock()
    store = MemoryStore(small_venue(2).seats(), event_id="gig")
    locks = MemoryLockManager(clock)
    locks.acquire("seat:gig:GA-1-2", 30.0)
    service = BookingService(store, DistributedStrategy(locks, lock_wait=0.5), clock)
    with pytest.raises(LockTimeout) as info:
        service.hold_seats("alice", ["GA-1-1", "GA-1-2"])
    assert (info.value.what, info.value.timeout) == ("lease on seat GA-1-2", 0.5)
    assert locks.owner("seat:gig:GA-1-1") is None  # the lease it did get was given back


def test_a_stale_token_names_the_seat_its_token_and_the_newest_the_store_knows():
    clock = SimulatedClock()
    store = MemoryStore(small_venue(2).seats(), event_id="gig")
    # between alice's tokens (1, 1) and her write, the store issues newer ones for the second seat only
    strategy = DistributedStrategy(MemoryLockManager(clock), before_write=lambda: store.issue_fencing_tokens(["GA-1-2"]))
    with pytest.raises(StaleFencingToken) as info:
        BookingService(store, strategy, clock).hold_seats("alice", ["GA-1-1", "GA-1-2"])
    assert (info.value.seat_id, info.value.token, info.value.newest) == ("GA-1-2", 1, 1)


def test_distributed_reports_a_guard_that_failed_under_its_leases_as_a_lost_race():
    store = MemoryStore(small_venue(2).seats(), event_id="gig")
    store.apply = lambda change: WriteResult.CONFLICT
    service = BookingService(store, DistributedStrategy(MemoryLockManager(SimulatedClock())), SimulatedClock())
    with pytest.raises(LostRace) as info:
        service.hold_seats("alice", ["GA-1-2", "GA-1-1"])
    assert (info.value.seat_ids, info.value.attempts) == (("GA-1-1", "GA-1-2"), 1)


def test_distributed_writes_guarded_unless_told_not_to():
    store = MemoryStore(small_venue(2).seats(), event_id="gig")
    applied: list[Change] = []
    apply = store.apply
    store.apply = lambda change: (applied.append(change), apply(change))[1]
    clock = SimulatedClock()
    BookingService(store, DistributedStrategy(MemoryLockManager(clock), conditional=False), clock).hold_seats("a", ["GA-1-1"])
    BookingService(store, DistributedStrategy(MemoryLockManager(clock)), clock).hold_seats("b", ["GA-1-2"])
    assert (applied[0].guarded, applied[0].fencing_tokens) == (False, (1,))
    assert (applied[1].guarded, applied[1].fencing_tokens) == (True, (1,))
