"""A stream of timed items runs each at its time, interleaved with the other events, from a small heap."""

from __future__ import annotations

import pytest

from ticketlab.sim.loop import EventLoop, SleepOutsideProcess


def test_a_stream_runs_each_item_at_its_time_in_order_among_other_events():
    loop, seen = EventLoop(), []
    items = [(float(t), f"arrival {t}") for t in range(0, 100, 10)]
    loop.stream(items, lambda item: seen.append((loop.now, item)))
    loop.call_at(25.0, lambda: seen.append((loop.now, "other")))
    loop.run()
    assert seen[:4] == [(0.0, "arrival 0"), (10.0, "arrival 10"), (20.0, "arrival 20"), (25.0, "other")]
    assert [item for _, item in seen if item != "other"] == [item for _, item in items]
    assert all(at == float(item.split()[1]) for at, item in seen if item != "other")


def test_a_stream_keeps_one_entry_on_the_heap_whatever_its_length():
    loop, seen = EventLoop(), []
    loop.stream([(t / 1000, t) for t in range(10_000)], seen.append)
    assert loop.pending == 1
    loop.run(until=5.0)
    assert seen == list(range(5_001)) and loop.pending == 1
    loop.run()
    assert len(seen) == 10_000 and loop.pending == 0


def test_a_stream_run_to_its_end_keeps_nothing_of_its_callback_alive():
    """Nothing schedules itself through a closure: the callback (a rush's bound method) is let go by
    reference counting once the last item has run, with the cyclic collector off."""
    import weakref

    from support import collector_off

    class Owner:
        def __init__(self) -> None:
            self.seen: list[int] = []

        def take(self, item: int) -> None:
            self.seen.append(item)

    loop, owner = EventLoop(), Owner()
    loop.stream([(float(t), t) for t in range(5)], owner.take)
    with collector_off():
        loop.run()
        assert owner.seen == [0, 1, 2, 3, 4]
        gone = weakref.ref(owner)
        del owner
        assert gone() is None


def test_an_empty_stream_schedules_nothing():
    loop = EventLoop()
    loop.stream([], print)
    assert loop.pending == 0


# --- the loop on SimPy keeps the old loop's meaning of time -------------------------------------

import math  # noqa: E402


def test_an_event_planned_for_a_moment_runs_at_exactly_that_moment_in_the_order_planned():
    # 20.428 + (58.632 - 20.428) is 58.63199999999999 in floating point: SimPy's now + delay misses
    assert 20.428 + (58.632 - 20.428) != 58.632
    loop, seen = EventLoop(), []
    loop.call_at(1.0, lambda: loop.call_at(58.632, lambda: seen.append(("planned first", loop.now))))
    loop.call_at(20.428, lambda: loop.call_at(58.632, lambda: seen.append(("planned second", loop.now))))
    loop.run()
    assert seen == [("planned first", 58.632), ("planned second", 58.632)]


def test_an_event_at_exactly_until_runs_and_nothing_is_left_behind_by_stopping():
    assert 294.008 + (848.907 - 294.008) != 848.907
    loop, seen = EventLoop(), []
    loop.call_at(294.008, lambda: loop.call_at(848.907, lambda: seen.append(loop.now)))
    loop.call_at(900.0, lambda: seen.append(loop.now))
    assert loop.run(until=848.907) == 848.907 and seen == [848.907]
    for until in (850.0, 860.0, 870.0):  # stopping again and again leaves only the real event pending
        assert loop.run(until=until) == until
        assert loop.pending == 1
    assert loop.run() == 900.0 and seen == [848.907, 900.0]
    assert loop.events == 3 and loop.pending == 0


def test_the_clock_never_goes_back_and_later_events_keep_their_times():
    loop, seen = EventLoop(), []

    def sleeper():
        loop.wait(1.0)
        seen.append(("woke", loop.now))

    loop.run(until=10.0)
    assert loop.run(until=5.0) == 10.0  # an until before now is now
    loop.spawn(sleeper)
    loop.call_at(12.0, lambda: seen.append(("at 12", loop.now)))
    loop.run()
    assert seen == [("woke", 11.0), ("at 12", 12.0)]


def test_an_event_at_infinity_is_an_event():
    loop, seen = EventLoop(), []
    loop.call_at(math.inf, lambda: seen.append(loop.now))
    assert loop.run(until=10.0) == 10.0 and seen == [] and loop.pending == 1
    assert loop.run() == math.inf and seen == [math.inf] and loop.pending == 0


def test_close_ends_parked_and_idle_processes_and_drops_what_was_not_run():
    loop, seen = EventLoop(), []

    def shopper(name, pause):
        try:
            loop.wait(pause)
            seen.append(("done", name))
        finally:
            seen.append(("unwound", name))

    for name, pause in (("quick", 1.0), ("slow", 50.0)):
        loop.spawn(shopper, name, pause)
    loop.call_at(60.0, lambda: seen.append("never"))
    assert loop.run(until=10.0) == 10.0
    idle = list(loop._pool)
    assert seen == [("done", "quick"), ("unwound", "quick")] and len(idle) == 1 and loop.pending == 2
    loop.close()
    assert seen[-1] == ("unwound", "slow") and ("done", "slow") not in seen and "never" not in seen
    assert loop.pending == 0 and loop._pool == [] and all(worker.dead for worker in idle)
    assert loop.run() == 10.0 and loop.events == 3  # nothing left to run


def _loop_with(*bodies):
    loop = EventLoop()
    for body in bodies:
        loop.spawn(body, loop)
    loop.spawn(lambda loop: None, loop)  # ends at once: its worker waits idle in the pool
    loop.run(until=5.0)
    return loop


def test_close_ends_every_process_even_when_one_raises_while_it_unwinds_then_raises_that():
    seen = []

    def breaks(loop):
        try:
            loop.wait(50.0)
        finally:
            raise ValueError("a finally block that fails")

    def quiet(loop):
        try:
            loop.wait(60.0)
        finally:
            seen.append("quiet unwound")

    loop = _loop_with(breaks, quiet)
    workers = list(loop._pool)
    with pytest.raises(ValueError, match="finally block"):
        loop.close()
    assert seen == ["quiet unwound"] and loop.pending == 0 and loop._pool == []
    assert workers and all(worker.dead for worker in workers)


def test_a_process_that_waits_or_goes_on_while_it_is_closed_still_ends():
    import greenlet

    seen = []

    def waits_in_finally(loop):
        try:
            loop.wait(50.0)
        finally:
            seen.append("finally")
            loop.wait(1.0)  # closing: this raises GreenletExit instead of parking again
            seen.append("never")

    def goes_on(loop):
        try:
            loop.wait(50.0)
        except greenlet.GreenletExit:
            seen.append("caught")
        seen.append("went on")

    loop = _loop_with(waits_in_finally, goes_on)
    loop.close()
    assert seen == ["finally", "caught", "went on"] and loop.pending == 0 and loop._pool == []
    assert loop.run() == 5.0 and seen == ["finally", "caught", "went on"]  # nothing left to run


def test_a_process_cannot_close_the_loop_it_runs_in():
    loop, seen = EventLoop(), []

    def closer():
        with pytest.raises(SleepOutsideProcess, match="close"):
            loop.close()
        seen.append("went on")

    loop.spawn(closer)
    loop.run()
    assert seen == ["went on"]
