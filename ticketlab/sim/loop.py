"""The event loop of the simulator, and the clock that lets the real seat-lock core run inside it.

Invariant: simulated time only moves forward, one event at a time, in (time, sequence) order, in
one OS thread. Two kinds of event sit on the heap: a plain callback, and a *process* (a greenlet)
to resume. A process is ordinary top-down code; when it, or the seat-lock core it calls, sleeps
on the :class:`SimClock`, the process is parked on the heap until its wake-up time and the loop
runs whatever is due first. So a strategy's pause between check and write, an optimistic backoff,
a lease wait and a payment's latency really interleave with other users, deterministically.

The loop fits on one screen on purpose (the model, not the engine, is what the course teaches).
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any

import greenlet

from ticketlab.core.errors import TicketlabError
from ticketlab.seatlock import SimulatedClock

__all__ = ["EventLoop", "SimClock", "SleepOutsideProcess"]


_Greenlet, _getcurrent, _heappush = greenlet.greenlet, greenlet.getcurrent, heapq.heappush


class SleepOutsideProcess(TicketlabError, RuntimeError):
    """``SimClock.sleep`` was called by a callback, not a process: a callback must not wait."""


class SimClock(SimulatedClock):
    """The loop's time as a clock: ``now`` is the loop's, ``sleep`` parks the calling process.

    Time moves only by running the loop; ``advance`` and ``set`` refuse, so nothing can jump it.
    """

    def __init__(self, loop: "EventLoop") -> None:
        super().__init__(loop.now)
        self.loop = loop

    def now(self) -> float:
        return self.loop.now

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.loop.wait(seconds)

    def advance(self, seconds: float) -> float:
        raise SleepOutsideProcess("simulated time moves by running the event loop, not by advance()")

    def set(self, t: float) -> None:
        raise SleepOutsideProcess("simulated time moves by running the event loop, not by set()")


class _Start(tuple):
    """A process to start: ``(body, args)``."""


class EventLoop:
    """A heap of ``(time, seq, action)``; ``action`` is a callback, a process to start, or one to resume.

    Processes run in pooled worker greenlets: creating a greenlet costs about ten times a switch, so a
    worker whose process ends waits in the pool for the next one instead of dying.
    """

    def __init__(self, start: float = 0.0) -> None:
        self.now = float(start)
        self._queue: list[tuple[float, int, Any]] = []
        self._seq = itertools.count()
        self._hub = greenlet.getcurrent()
        self._pool: list[greenlet.greenlet] = []
        self.clock = SimClock(self)
        self.events = 0

    def call_at(self, at: float, callback: Callable[[], Any]) -> None:
        """Run ``callback()`` at time ``at`` (never before now)."""
        heapq.heappush(self._queue, (max(at, self.now), next(self._seq), callback))

    def spawn(self, body: Callable[..., Any], *args: Any, at: float | None = None) -> None:
        """Start ``body(*args)`` as a process at ``at`` (default now)."""
        start = _Start((body, args))
        heapq.heappush(self._queue, (self.now if at is None else max(at, self.now), next(self._seq), start))

    def start(self, body: Callable[..., Any], *args: Any) -> None:
        """From a callback, start ``body(*args)`` as a process at once, inside the current event: it runs
        until it first waits or ends, then the callback goes on. A callback that may finish the work
        itself starts a process only when it must, at no cost in order (``spawn`` would queue it)."""
        if _getcurrent() is not self._hub:
            raise SleepOutsideProcess("start() is for callbacks: a process starts another with spawn()")
        pool = self._pool
        worker = pool.pop() if pool else _Greenlet(self._work, parent=self._hub)
        worker.switch(_Start((body, args)))

    def stream(self, items: Sequence[tuple[float, Any]], callback: Callable[[Any], Any]) -> None:
        """Run ``callback(item)`` at each ``(at, item)`` of ``items``, sorted by ``at``, with one entry on the
        heap at a time: a crowd of a million arrivals costs a small heap, not a million-entry one."""
        if not items:
            return
        index = 0

        def next_item() -> None:
            nonlocal index
            item = items[index][1]
            index += 1
            if index < len(items):
                self.call_at(items[index][0], next_item)
            callback(item)

        self.call_at(items[0][0], next_item)

    def _work(self, start: _Start) -> None:
        """A worker's life: run a process, return to the pool, wait for the next."""
        me, pool, hub = greenlet.getcurrent(), self._pool, self._hub
        while True:
            body, args = start
            body(*args)
            pool.append(me)
            start = hub.switch()

    def wait(self, seconds: float) -> None:
        """Park the running process for ``seconds`` of simulated time."""
        current = _getcurrent()
        if current is self._hub:
            raise SleepOutsideProcess(f"sleep({seconds:g}) outside a process: only a spawned process may wait")
        _heappush(self._queue, (self.now + seconds, next(self._seq), current))
        self._hub.switch()

    def run(self, until: float | None = None) -> float:
        """Run events in order until none is left or the next is after ``until``; returns the time reached."""
        queue, pool, heappop = self._queue, self._pool, heapq.heappop
        limit = math.inf if until is None else until
        done = 0
        try:
            while queue:
                if queue[0][0] > limit:
                    self.now = limit
                    break
                at, _, action = heappop(queue)
                self.now = at
                done += 1
                kind = type(action)
                if kind is _Greenlet:
                    action.switch()
                elif kind is _Start:
                    worker = pool.pop() if pool else _Greenlet(self._work, parent=self._hub)
                    worker.switch(action)
                else:
                    action()
        finally:
            self.events += done  # counted in a local: this loop runs once per event
        return self.now

    @property
    def pending(self) -> int:
        return len(self._queue)
