"""The simulator benchmark's SimPy queue runs the very rush ticketlab's loop runs (no timing asserted here)."""

from __future__ import annotations

import importlib.util
import pathlib

from ticketlab.sim import rush_config, simulate

BENCH = pathlib.Path(__file__).resolve().parents[2] / "benchmarks" / "bench_sim.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_sim", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_simpy_queue_runs_the_same_rush_event_for_event_as_our_loop():
    bench = _bench()
    config = rush_config(users=600, seats=300, admit_per_minute=6, max_active=600, seed=3, db_time=0.02)
    ours, theirs = simulate(config), bench.simpy_core_rush(config)
    assert theirs.ok and ours.ok
    assert (theirs.seats_sold, theirs.events, theirs.outcomes, theirs.sellout_seconds, theirs.retries) == (
        ours.seats_sold, ours.events, ours.outcomes, ours.sellout_seconds, ours.retries)
    assert theirs.seats_sold > 0 and theirs.events > 600


def test_the_simpy_queue_is_put_back_after_the_run():
    import ticketlab.sim.rush as rush

    bench = _bench()
    loop = rush.EventLoop
    bench.simpy_core_rush(rush_config(users=50, seats=20, admit_per_minute=60))
    assert rush.EventLoop is loop
