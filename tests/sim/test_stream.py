"""A stream of timed items runs each at its time, interleaved with the other events, from a small heap."""

from __future__ import annotations

from ticketlab.sim.loop import EventLoop


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


def test_an_empty_stream_schedules_nothing():
    loop = EventLoop()
    loop.stream([], print)
    assert loop.pending == 0
