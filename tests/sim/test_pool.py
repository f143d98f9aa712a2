"""Rushes in worker processes: the same results as in this process, and never in the way."""

from __future__ import annotations

import dataclasses
import gc
import os
import signal
import threading
import time

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
    assert sorted(w.answered for w in pool._workers) == [1, 2]  # both workers took some
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


def _broken_config():
    bad = dataclasses.replace(_configs()[0])
    object.__setattr__(bad, "party_mean", -1.0)  # past the checks: the rush itself fails
    return bad


@pytest.mark.parametrize("place", [2, 3, 4])
def test_a_rush_that_fails_in_a_worker_raises_here_and_leaves_no_answer_unread(pool, place):
    good = _configs()
    with pytest.raises(Exception) as direct:
        simulate(_broken_config())
    batch = [*good[:place], _broken_config(), *good[place:]]  # places 2..4 are the workers' share
    with pytest.raises(type(direct.value)):
        pool.simulate_all(batch)
    assert not pool.broken and pool.ready()  # the failure was the rush's, not the pool's
    again = pool.simulate_all(good[::-1])  # the next batch gets its own answers, in its order
    assert [_stable(r) for r in again] == [_stable(simulate(c)) for c in good[::-1]]


def test_a_failure_in_this_process_share_stops_the_workers_so_no_stale_answer_is_read(pool):
    good = _configs()
    bad = _broken_config()
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


def test_an_interrupt_while_waiting_for_an_answer_stops_the_workers(pool, monkeypatch):
    good = _configs()
    processes = [w.process for w in pool._workers]

    def interrupted(self):
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(pool_module._Worker, "receive", interrupted)
        with pytest.raises(KeyboardInterrupt):
            pool.simulate_all(good)
    assert pool.broken and pool.workers == 0 and all(p.poll() is not None for p in processes)
    assert [_stable(r) for r in pool.simulate_all(good[::-1])] == [_stable(simulate(c)) for c in good[::-1]]


def test_a_worker_that_prints_on_start_still_answers(tmp_path, monkeypatch):
    (tmp_path / "sitecustomize.py").write_text("print('hello from a site hook' * 40)\n")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    with RushPool(workers=1) as noisy:
        assert noisy.ready(timeout=STARTUP)
        configs = _configs()
        assert [_stable(r) for r in noisy.simulate_all(configs)] == [_stable(simulate(c)) for c in configs]
        assert noisy.answered == 2


def test_a_batch_larger_than_the_pipes_hold_finishes_with_every_answer(pool):
    tiny = rush_config(users=12, seats=6, max_active=20, sample_every="1 min")
    configs = [tiny.replace(seed=k) for k in range(300)]
    done = []
    runner = threading.Thread(target=lambda: done.append(pool.simulate_all(configs)), daemon=True)
    runner.start()
    runner.join(timeout=300)
    assert done, "the batch did not finish: a deadlock between the pipes"
    assert [_stable(r) for r in done[0]] == [_stable(simulate(c)) for c in configs]
    assert pool.answered == 2 * pool_module.OUTSTANDING  # the rest ran here


def test_a_worker_that_imported_another_ticketlab_is_not_used(monkeypatch):
    monkeypatch.setattr(pool_module, "_package_file", lambda: "/elsewhere/ticketlab/__init__.py")
    with RushPool(workers=1) as other:
        deadline = time.monotonic() + STARTUP
        while not other.broken and time.monotonic() < deadline:
            other.ready(timeout=1)
        assert other.broken and not other.ready()
        configs = _configs()[:2]
        assert [_stable(r) for r in other.simulate_all(configs)] == [_stable(simulate(c)) for c in configs]
        assert other.answered == 0


def test_a_worker_that_dies_before_it_is_ready_leaves_every_rush_here(monkeypatch):
    monkeypatch.setattr(pool_module.sys, "executable", "/bin/false")
    with RushPool(workers=1) as dead:
        dead._workers[0].process.wait(timeout=30)
        assert not dead.ready(timeout=5) and dead.broken
        configs = _configs()[:2]
        assert [_stable(r) for r in dead.simulate_all(configs)] == [_stable(simulate(c)) for c in configs]


def test_workers_ignore_an_interrupt_and_end_when_their_pool_is_dropped():
    dropped = RushPool(workers=1)
    assert dropped.ready(timeout=STARTUP)
    process = dropped._workers[0].process
    process.send_signal(signal.SIGINT)  # what a kernel's interrupt does to its whole process group
    configs = _configs()[:2]
    assert [_stable(r) for r in dropped.simulate_all(configs)] == [_stable(simulate(c)) for c in configs]
    assert dropped.answered == 1 and process.poll() is None
    del dropped
    gc.collect()
    assert process.wait(timeout=30) is not None  # its request pipe closed with the pool


def test_a_closed_pool_dropped_later_does_not_close_the_pipes_of_the_pool_after_it():
    first = RushPool(workers=1)
    assert first.ready(timeout=STARTUP)
    first.close()  # its pipe numbers are free again, and the next pool's pipes may get them
    second = RushPool(workers=1)
    try:
        assert second.ready(timeout=STARTUP)
        del first
        gc.collect()  # the first pool's finalizer runs now: it must not close those numbers again
        configs = _configs()[:2]
        assert [_stable(r) for r in second.simulate_all(configs)] == [_stable(simulate(c)) for c in configs]
        assert second.answered == 1 and not second.broken
    finally:
        second.close()


def test_a_pool_that_cannot_start_a_worker_runs_every_rush_here(monkeypatch):
    monkeypatch.setattr(pool_module.sys, "executable", "/nonexistent/python")
    before = len(os.listdir("/dev/fd"))
    with RushPool(workers=2) as none:
        assert none.workers == 0 and not none.ready()
        configs = _configs()[:2]
        assert [_stable(r) for r in none.simulate_all(configs)] == [_stable(simulate(c)) for c in configs]
    assert len(os.listdir("/dev/fd")) == before  # no pipe left open
