"""The simulator benchmark's heap loop runs the very rush the simulator runs on SimPy (no timing asserted here)."""

from __future__ import annotations

import importlib.util
import math
import pathlib

import simpy

from ticketlab.sim import rush_config, simulate

BENCH = pathlib.Path(__file__).resolve().parents[2] / "benchmarks" / "bench_sim.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_sim", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_heap_loop_runs_the_same_rush_as_simpy():
    bench = _bench()
    config = rush_config(users=600, seats=300, admit_per_minute=6, max_active=600, seed=3, db_time=0.02)
    ours, theirs = simulate(config), bench.heap_core_rush(config)
    assert theirs.ok and ours.ok
    assert (theirs.seats_sold, theirs.events, theirs.outcomes, theirs.retries, theirs.sellout_seconds,
            theirs.wait_p50, theirs.wait_p99) == (ours.seats_sold, ours.events, ours.outcomes, ours.retries,
                                                  ours.sellout_seconds, ours.wait_p50, ours.wait_p99)
    assert theirs.seats_sold > 0 and theirs.events > 600


def test_the_counter_model_sells_the_same_seats_on_both_engines():
    bench = _bench()
    config = rush_config(users=2000, seats=1000, admit_per_minute=200, max_active=2000, seed=1)
    on_simpy, on_heap = bench.simpy_rush(config), bench.loop_rush(config)
    assert on_simpy["seats_sold"] == on_heap["seats_sold"] > 0
    assert math.isclose(on_simpy["sellout"], on_heap["sellout"], rel_tol=0.01)


def test_the_floor_counts_each_engines_events_for_a_course_scenario():
    bench = _bench()
    floor = bench.scenario_floor("taylor-swift", users=3000, seats=1500)
    assert set(floor) == {"SimPy model", "heap loop, same model"}
    (simpy_s, simpy_events), (heap_s, heap_events) = floor["SimPy model"], floor["heap loop, same model"]
    assert simpy_s > 0 and heap_s > 0
    # at least an arrival, an admission and a look per person; SimPy also schedules each process's start
    assert 3 * 3000 <= heap_events < simpy_events


def test_the_values_a_hold_and_its_confirm_record_are_rebuilt_equal_by_the_cores_constructors():
    from ticketlab.seatlock import Booking, Hold, PaymentIntent, PaymentState, Record, RecordKind, Seat, SeatStatus

    bench = _bench()
    plan = bench.recorded_values()
    assert [type(value) for _, _, value in plan] == [Hold, Booking, Seat, Seat, PaymentIntent, PaymentIntent,
                                                     Record, Record, Record, Record]
    assert [value.kind for _, _, value in plan[6:]] == [RecordKind.HOLD, RecordKind.PAYMENT_INTENT,
                                                       RecordKind.PAYMENT_CAPTURED, RecordKind.CONFIRM]
    assert plan[2][2].status is SeatStatus.SOLD and plan[4][2].state is PaymentState.BOOKED
    for make, fields, value in plan:
        assert make(*fields) == value and type(make(*fields)) is type(value)
    values_us, bare_us, count = bench.recorded_values_us(50, 1)
    assert count == 10 and values_us > 0 and bare_us > 0


def test_the_simulator_is_put_back_on_simpy_after_a_heap_loop_run():
    import ticketlab.sim.rush as rush
    from ticketlab.sim.loop import EventLoop

    bench = _bench()
    bench.heap_core_rush(rush_config(users=50, seats=20, admit_per_minute=60))
    assert rush.EventLoop is EventLoop
    assert isinstance(rush.Rush(rush_config(users=50, seats=20)).loop.env, simpy.Environment)
