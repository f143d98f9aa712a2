"""The simulator's events on SimPy, and the clock that lets the real seat-lock core run inside them.

Invariant: simulated time only moves forward, one event at a time, in (time, order of scheduling)
order, in one OS thread: :class:`simpy.Environment` keeps the queue and the clock. A callback runs
from an event at the absolute time it was planned for (:class:`_At`); a *process* waits on a SimPy
``Timeout``, whose callback resumes it.

Why the processes are greenlets and not SimPy's generator processes: the seat-lock core is ordinary
top-down code that sleeps deep inside its calls (a strategy's pause between check and write, an
optimistic backoff, a lease wait, a payment's latency), and a generator can only wait in its own
body. So a process is a greenlet; when it, or the core it calls, sleeps on the :class:`SimClock`,
the greenlet schedules a ``Timeout`` that switches back into it and hands control to the loop,
which runs whatever is due first. A strategy's check and its write really interleave with other
users, deterministically.

Why SimPy and not a heap loop of our own: the heap loop the rush used to run on runs the same rush,
event for event, only 1.0-1.3x as fast (``python benchmarks/bench_sim.py`` measures it on every run),
well below the 4x that would pay for owning an engine, so the engine is SimPy's and what is ours is
the model.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Sequence
from typing import Any

import greenlet
import simpy

from ticketlab.core.errors import TicketlabError
from ticketlab.seatlock import SimulatedClock

__all__ = ["EventLoop", "SimClock", "SleepOutsideProcess"]


_Greenlet, _getcurrent = greenlet.greenlet, greenlet.getcurrent
_NORMAL = simpy.core.NORMAL
_CLOSE_ROUNDS = 8


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


class _At(simpy.events.Event):
    """An event that runs its ``action()`` at the absolute time ``at`` (never before now), where ``Timeout``
    takes a delay.

    Why: SimPy schedules ``now + delay``, and in floating point no delay may give exactly ``at``
    (``20.428 + d`` is never 58.632): two events meant for one moment would swap order, or a sweep
    would run just before the expiry it was meant to meet. So this event is put on SimPy's queue as
    ``Environment.schedule`` puts one, with the time itself: the same (time, priority, id) entry, and
    the same fields as ``Timeout`` sets (``_ok``, ``_value``), SimPy's own since its version 3. Its
    callbacks are one shared tuple, whose one entry runs the event's action: ``step`` only iterates
    them, so no list and no closure is made per event (a rush schedules hundreds of thousands). The
    tuple cannot be appended to, so such an event is not one to wait on (SimPy's processes and
    conditions append their callbacks): it is the loop's own, never handed out.
    """

    def __init__(self, env: simpy.Environment, at: float, action: Callable[[], Any]) -> None:
        self.env = env
        self.action = action
        self.callbacks = _ACT
        self._value = None
        self._ok = True
        now = env._now
        heapq.heappush(env._queue, (at if at > now else now, _NORMAL, next(env._eid), self))


def _act(event: _At) -> None:
    event.action()


def _nothing() -> None:
    """The action of the event that moves SimPy's clock to a run's ``until``."""


_ACT = (_act,)


class _Stream:
    """The next item of :meth:`EventLoop.stream`. A small object and not a closure that schedules itself:
    such a closure refers to itself through its cell, and that cycle would keep the callback (a whole
    rush, through its bound method) alive until the cyclic collector found it."""

    __slots__ = ("loop", "items", "callback", "index")

    def __init__(self, loop: "EventLoop", items: Sequence[tuple[float, Any]], callback: Callable[[Any], Any]) -> None:
        self.loop, self.items, self.callback, self.index = loop, items, callback, 0

    def schedule(self) -> None:
        self.loop.call_at(self.items[self.index][0], self.next_item)

    def next_item(self) -> None:
        items, index = self.items, self.index
        item = items[index][1]
        self.index = index = index + 1
        if index < len(items):
            self.loop.call_at(items[index][0], self.next_item)
        self.callback(item)


class EventLoop:
    """Callbacks and processes on a :class:`simpy.Environment` (``env``), starting at ``start``.

    ``now`` is the time of the event running (a plain attribute: the rush reads it on every step).
    Processes run in pooled worker greenlets: creating a greenlet costs about ten times a switch,
    so a worker whose process ends waits in the pool for the next one instead of dying.
    """

    def __init__(self, start: float = 0.0) -> None:
        self.env = simpy.Environment(initial_time=float(start))
        self.now = self.env.now
        self._timeout = self.env.timeout
        self._hub = greenlet.getcurrent()
        self._pool: list[greenlet.greenlet] = []
        self.clock = SimClock(self)
        self.events = 0
        self._closing = False

    def call_at(self, at: float, callback: Callable[[], Any]) -> None:
        """Run ``callback()`` at time ``at`` (never before now)."""
        _At(self.env, at, callback)

    def spawn(self, body: Callable[..., Any], *args: Any, at: float | None = None) -> None:
        """Start ``body(*args)`` as a process at ``at`` (default now)."""
        self.call_at(self.now if at is None else at, lambda: self._run_process(body, args))

    def start(self, body: Callable[..., Any], *args: Any) -> None:
        """From a callback, start ``body(*args)`` as a process at once, inside the current event: it runs
        until it first waits or ends, then the callback goes on. A callback that may finish the work
        itself starts a process only when it must, at no cost in order (``spawn`` would queue it)."""
        if _getcurrent() is not self._hub:
            raise SleepOutsideProcess("start() is for callbacks: a process starts another with spawn()")
        self._run_process(body, args)

    def _run_process(self, body: Callable[..., Any], args: tuple) -> None:
        pool = self._pool
        worker = pool.pop() if pool else _Greenlet(self._work, parent=self._hub)
        worker.switch((body, args))

    def stream(self, items: Sequence[tuple[float, Any]], callback: Callable[[Any], Any]) -> None:
        """Run ``callback(item)`` at each ``(at, item)`` of ``items``, sorted by ``at``, with one event
        scheduled at a time: a crowd of a million arrivals costs a small queue, not a million-entry one."""
        if items:
            _Stream(self, items, callback).schedule()

    def _work(self, start: tuple | None) -> None:
        """A worker's life: run a process, return to the pool, wait for the next (None: stop)."""
        me, pool, hub = greenlet.getcurrent(), self._pool, self._hub
        while start is not None:
            body, args = start
            body(*args)
            body = args = start = None  # an idle worker keeps nothing of the process it ran
            pool.append(me)
            start = hub.switch()

    def close(self) -> None:
        """End every process, so a finished simulation is freed once it is dropped.

        A process parked on an event not run (the run stopped at its ``until``) is unwound with
        ``GreenletExit`` (its ``finally`` blocks run; one that tries to wait meanwhile gets
        ``GreenletExit`` again); an idle worker in the pool is told to stop; the events not run are
        dropped. Every process is ended even if one raises while it unwinds; the first such error is
        raised after. Why: a greenlet that is suspended keeps its frame, and the frame what it refers
        to (the process's model, all of it), for as long as the greenlet lives, which is for good once
        it sits in a cycle the collector cannot see into. Only the loop's own code (a callback, not a
        process) may close it.
        """
        if _getcurrent() is not self._hub:
            raise SleepOutsideProcess("close() is for the loop's own code: a process cannot end the loop it runs in")
        first_error: BaseException | None = None
        self._closing = True
        try:
            for _ in range(_CLOSE_ROUNDS):  # a process that catches GreenletExit and waits again is met again
                queue = self.env._queue
                parked = [resume.__self__ for *_, event in queue for resume in (event.callbacks or ())
                          if type(getattr(resume, "__self__", None)) is _Greenlet]
                queue.clear()
                for process in parked:
                    if not process.dead:
                        try:
                            process.throw()  # GreenletExit: the process unwinds and ends
                        except Exception as error:  # noqa: BLE001 - raised below, once all are ended
                            first_error = first_error or error
                while self._pool:
                    worker = self._pool.pop()
                    if not worker.dead:
                        worker.switch(None)
                if not self.env._queue:
                    break
            else:
                raise RuntimeError(f"close(): processes still waiting after {_CLOSE_ROUNDS} rounds of GreenletExit")
        finally:
            self._closing = False
        if first_error is not None:
            raise first_error

    def wait(self, seconds: float) -> None:
        """Park the running process for ``seconds`` of simulated time."""
        current = _getcurrent()
        if current is self._hub:
            raise SleepOutsideProcess(f"sleep({seconds:g}) outside a process: only a spawned process may wait")
        if self._closing:
            raise greenlet.GreenletExit  # the loop is ending this process: it may not wait any more
        self._timeout(seconds).callbacks.append(current.switch)  # the event resumes it (switch(event))
        self._hub.switch()

    def run(self, until: float | None = None) -> float:
        """Run events in order until none is left or the next is after ``until``; returns the time reached.

        Events at exactly ``until`` run. Stopped by ``until``, the clock moves on to it (never back: an
        ``until`` before now is now); with nothing left to run, it stays at the last event's time.
        """
        env = self.env
        queue, step = env._queue, env.step  # the queue's head read in place: SimPy's peek() is a call per event
        limit = math.inf if until is None else max(until, self.now)
        done = 0
        stopped = False
        try:
            while True:
                at = queue[0][0] if queue else math.inf  # an empty queue reads as SimPy's peek() reads it
                if at > limit:
                    stopped = True
                    break
                if not queue:  # nothing left and no finite until: the clock stays at the last event
                    break
                self.now = at
                done += 1
                step()
        finally:
            self.events += done  # counted in a local: this loop runs once per event
        if stopped and limit > env.now:  # SimPy's clock moves by an event: one that does nothing, at the limit
            _At(env, limit, _nothing)
            step()
        if stopped:
            self.now = limit
        return self.now

    @property
    def pending(self) -> int:
        """Events scheduled and not yet run."""
        return len(self.env._queue)  # SimPy exposes no count; its queue is a plain list
