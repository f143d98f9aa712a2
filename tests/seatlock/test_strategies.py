"""The strategies: one registry, and what a protected write reports back (its WriteOutcome)."""

from __future__ import annotations


import pytest

from ticketlab.core.errors import InputError
from ticketlab.core.vocab import StrategyName
from ticketlab.seatlock import (
    BookingService,
    DistributedStrategy,
    MemoryLockManager,
    MemoryStore,
    OptimisticStrategy,
    SeatStatus,
    SeatUnavailable,
    SimulatedClock,
    make_strategy,
    small_venue,
)
from ticketlab.seatlock.strategies import REGISTRY, STRATEGIES, Strategy, WriteOutcome
from ticketlab.ui.cli import build_parser

from .common import assert_clean, once


def test_the_registry_names_every_strategy_once_and_make_strategy_builds_each():
    assert STRATEGIES == tuple(StrategyName) == tuple(REGISTRY)
    locks = MemoryLockManager(SimulatedClock())
    for name, cls in REGISTRY.items():
        strategy = make_strategy(str(name), latency=0.002, locks=locks)
        assert type(strategy) is cls and strategy.name is name and strategy.latency == 0.002
        assert name.description and cls.needs_locks == (name is StrategyName.DISTRIBUTED)
        assert cls.seeded == (name is StrategyName.OPTIMISTIC)


def test_a_strategy_class_without_its_name_is_refused_when_it_is_defined():
    with pytest.raises(TypeError, match="must set name"):
        type("Nameless", (Strategy,), {"write": lambda self, *a: None})


def test_make_strategy_refuses_an_unknown_name_and_a_missing_lock_manager():
    with pytest.raises(InputError, match="one of naive, optimistic, conditional, pessimistic, distributed"):
        make_strategy("yolo")
    with pytest.raises(InputError, match="LockManager"):
        make_strategy(StrategyName.DISTRIBUTED)


def test_make_strategy_seeds_only_the_strategy_that_draws_jitter():
    a, b = make_strategy("optimistic", seed=7), make_strategy("optimistic", seed=7)
    assert [a.backoff(3) for _ in range(3)] == [b.backoff(3) for _ in range(3)]
    assert make_strategy("pessimistic", seed=7, lock_wait=2).lock_wait == 2.0


def test_the_cli_offers_the_registry_strategies_with_their_descriptions(capsys):
    parser = build_parser()
    for name in REGISTRY:
        assert parser.parse_args(["race", "--strategy", str(name)]).strategy == name
    with pytest.raises(SystemExit):
        parser.parse_args(["race", "--strategy", "yolo"])
    with pytest.raises(SystemExit):
        parser.parse_args(["race", "--help"])
    shown = "".join(capsys.readouterr().out.split())  # argparse wraps lines, also after a hyphen
    for name in REGISTRY:
        assert "".join(name.description.split()) in shown


def _service_where_bob_acts_first(bob_releases: bool):
    """Alice's optimistic write is preceded, on its first attempt only, by bob holding the seat
    (and releasing it again if ``bob_releases``), so her compare-and-set loses once."""
    clock = SimulatedClock()
    store = MemoryStore(small_venue(1).seats())

    def bob_acts():
        hold = bob.hold_seats("bob", ["GA-1-1"])
        if bob_releases:
            bob.release(hold.hold_id, "bob")

    alice = BookingService(store, OptimisticStrategy(before_write=once(bob_acts)), clock)
    bob = BookingService(store, OptimisticStrategy(), clock)
    return alice, store


def test_a_lost_compare_and_set_is_retried_and_the_retry_is_counted():
    alice, store = _service_where_bob_acts_first(bob_releases=True)
    hold = alice.hold_seats("alice", ["GA-1-1"])
    assert store.get_hold(hold.hold_id) is hold  # the very hold of the change the store applied
    assert store.read_seats(["GA-1-1"])[0].version == 3  # bob's hold, bob's release, alice's hold
    assert (alice.stats.holds, alice.stats.retries, alice.stats.conflicts) == (1, 1, 0)
    assert_clean(alice)


def test_a_retry_that_finds_the_seat_taken_raises_seat_unavailable_carrying_its_retries():
    alice, store = _service_where_bob_acts_first(bob_releases=False)
    with pytest.raises(SeatUnavailable) as info:
        alice.hold_seats("alice", ["GA-1-1"])
    assert info.value.retries == 1
    assert (alice.stats.holds, alice.stats.retries, alice.stats.conflicts) == (0, 1, 1)
    assert store.read_seats(["GA-1-1"])[0].hold_id.startswith("h-")  # bob's, untouched


def test_a_lease_that_ran_out_during_the_write_is_counted_as_lost():
    clock = SimulatedClock()
    store = MemoryStore(small_venue(1).seats(), event_id="gig")
    locks = MemoryLockManager(clock)
    strategy = DistributedStrategy(locks, lock_ttl=5, before_write=lambda: clock.advance(6))
    service = BookingService(store, strategy, clock, hold_ttl=60, http_timeout=2, db_timeout=1)
    hold = service.hold_seats("alice", ["GA-1-1"])  # nobody took the lease meanwhile: the token is still newest
    assert hold.fencing_tokens == (1,) and store.newest_fencing_token("GA-1-1") == 1
    assert (service.stats.holds, service.stats.lost_leases) == (1, 1)
    assert locks.owner("seat:gig:GA-1-1") is None


def test_write_outcome_is_a_frozen_value_naming_the_applied_change():
    store = MemoryStore(small_venue(1).seats())
    outcomes = []

    class Recording(OptimisticStrategy):
        def write(self, store, seat_ids, check, build, clock):
            outcomes.append(super().write(store, seat_ids, check, build, clock))
            return outcomes[-1]

    service = BookingService(store, Recording(), SimulatedClock())
    hold = service.hold_seats("alice", ["GA-1-1"])
    (outcome,) = outcomes
    assert isinstance(outcome, WriteOutcome) and outcome.change.hold is hold
    assert outcome.change.expect_versions == (0,) and outcome.retries == 0
    assert store.read_seats(["GA-1-1"])[0].status is SeatStatus.HELD
    with pytest.raises(AttributeError):
        outcome.retries = 3  # type: ignore[misc]
