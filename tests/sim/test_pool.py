"""Rushes in worker processes: the same results as in this process, and never in the way."""

from __future__ import annotations

import dataclasses
import os

import pytest

from ticketlab.core.errors import InputError
from ticketlab.core.vocab import Policy
from ticketlab.sim import rush_config, simulate
from ticketlab.sim import pool as pool_module
from ticketlab.sim.pool import RushPool, default_workers

STARTUP = 120  # seconds a worker may take to import the simulator on a busy machine

pytestmark = pytest.mark.skipif(os.name != "posix", reason="worker processes need select() on pipes (POSIX)")


def _stable(result):
    data = result.as_dict()
    for key in ("wall_seconds", "events_per_second"):
        data.pop(key)
    return data


def _configs():
    base = rush_config(users=400, seats=150, arrival="fans-and-bots", bot_share=0.2, admit_per_minute=120,
                       max_active=500, seed=4, sample_every="1 min")
    return [base.replace(policy=q) for q in Policy]


@pytest.fixture
def pool():
    with RushPool(workers=2) as started:
        assert started.ready(timeout=STARTUP), "the worker processes did not start"
        yield started


def test_a_pool_returns_every_result_in_order_exactly_as_this_process_would(pool):
    configs = _configs()
    results = pool.simulate_all(configs)
    assert [r.config.policy for r in results] == list(Policy)
    assert [_stable(r) for r in results] == [_stable(simulate(c)) for c in configs]
    assert pool.answered == 3  # five rushes, three ways: two here, three in the workers
    again = pool.simulate_all(configs[::-1])  # a second batch reads its own answers, not the first's
    assert [_stable(r) for r in again] == [_stable(r) for r in results[::-1]]


def test_a_dead_worker_costs_time_not_results(pool):
    configs = _configs()
    expected = [_stable(simulate(c)) for c in configs]
    for worker in pool._workers:
        worker.process.kill()
        worker.process.wait()
    assert [_stable(r) for r in pool.simulate_all(configs)] == expected  # run here instead
    assert pool.broken and not pool.ready()
    assert [_stable(r) for r in pool.simulate_all(configs)] == expected


def test_a_rush_that_fails_in_a_worker_raises_here_as_the_plain_call_would(pool):
    good = _configs()
    bad = dataclasses.replace(good[0])
    object.__setattr__(bad, "party_mean", -1.0)  # past the checks: the rush itself fails
    with pytest.raises(Exception) as direct:
        simulate(bad)
    with pytest.raises(type(direct.value)):
        pool.simulate_all([good[0], good[1], bad])  # the bad one is a worker's share
    assert [_stable(r) for r in pool.simulate_all(good)] == [_stable(simulate(c)) for c in good]


def test_a_failure_in_this_process_share_stops_the_workers_so_no_stale_answer_is_read(pool):
    good = _configs()
    bad = dataclasses.replace(good[0])
    object.__setattr__(bad, "party_mean", -1.0)
    processes = [w.process for w in pool._workers]
    with pytest.raises(Exception):
        pool.simulate_all([bad, *good])  # the first share runs here
    assert pool.broken and pool.workers == 0
    assert all(p.poll() is not None for p in processes)  # stopped, not left running
    assert [_stable(r) for r in pool.simulate_all(good)] == [_stable(simulate(c)) for c in good]


def test_closing_a_pool_ends_its_processes():
    started = RushPool(workers=1)
    processes = [w.process for w in started._workers]
    assert started.ready(timeout=STARTUP)
    started.close()
    assert all(p.poll() is not None for p in processes)
    assert started.workers == 0 and not started.ready()
    assert len(started.simulate_all(_configs()[:2])) == 2  # and it still answers, here


def test_no_workers_means_every_rush_here(monkeypatch):
    monkeypatch.setenv("TICKETLAB_WORKERS", "0")
    assert default_workers() == 0
    off = RushPool()
    assert off.workers == 0 and not off.ready(timeout=0.1)
    configs = _configs()[:2]
    assert [_stable(r) for r in off.simulate_all(configs)] == [_stable(simulate(c)) for c in configs]


@pytest.mark.parametrize("text", ["two", "-1", "1.5", "65"])
def test_a_bad_worker_count_is_named(monkeypatch, text):
    monkeypatch.setenv("TICKETLAB_WORKERS", text)
    with pytest.raises(InputError, match="TICKETLAB_WORKERS"):
        default_workers()


@pytest.mark.parametrize("count", [-1, True, 2.0, "2", 65])
def test_a_bad_workers_argument_is_named(count):
    with pytest.raises(InputError, match="workers"):
        RushPool(workers=count)


def test_the_default_leaves_a_core_for_this_process(monkeypatch):
    monkeypatch.delenv("TICKETLAB_WORKERS", raising=False)
    monkeypatch.setattr(pool_module.os, "sched_getaffinity", lambda pid: set(range(2)), raising=False)
    assert default_workers() == 1
    monkeypatch.setattr(pool_module.os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert default_workers() == 0
    monkeypatch.setattr(pool_module.os, "sched_getaffinity", lambda pid: set(range(16)), raising=False)
    assert default_workers() == pool_module.MAX_WORKERS
