"""The rush simulator against an idiomatic SimPy model of the same rush, and its speed at full scale.

    python benchmarks/bench_sim.py [--users 20K] [--seats 10K] [--repeat 3] [--skip-full] [--skip-panels]
    python benchmarks/bench_sim.py --history [--history-scenario taylor-swift]   (the history checker only)

The SimPy model below is the same rush written the way SimPy is meant to be used: a process per user,
the room's gate as a process, holds that expire through a sweeper process, seats as a counter. It
shares ticketlab's crowd (same seed: same arrivals, parties, think and pay times, who abandons) and
waiting room, but not the seat-lock core: its seats are a number, so it does strictly less work.
Both must agree on the headline results (seats sold, sell-out time); the figure that matters is how
much faster an engine of our own would run the same rush. The simulator runs on SimPy because a heap
loop of our own (:class:`HeapLoop`, the loop the rush used to run on) measured only about 1.1-1.2x
SimPy's speed on the same model, below the 4x that would pay for owning one; both comparisons stay
here, so every run checks that decision: the counter model on :class:`HeapLoop`, and the real rush
with :class:`HeapLoop` in place of SimPy (it must be the same rush).

Then the core under the rush: microseconds per hold plus its confirm on the memory store beside a bare
baseline (a dict of statuses behind a lock) in the same run, and the history checker's microseconds per
record, on the core's history and on a whole rush's (holds, confirms, expiries, payments, sweeps; with
``--history-scenario``, a course scenario's rush, e.g. the Taylor Swift one). Then the targets of
the course: the Taylor Swift rush (100K people, 50K seats, FIFO, optimistic) and the Super Bowl rush
(500K people) as whole `ticketlab simulate` commands, with the events per second each reports, beside
what the same two crowds cost the counter models alone (no core, no checker: a floor under any rush of
those crowds on either engine); and the milliseconds the chapter 10 and 11 panels take per slider move.
"""

from __future__ import annotations

import argparse
import gc
import heapq
import importlib.util
import itertools
import json
import statistics
import subprocess
import sys
import time
from collections import deque
from pathlib import Path
from typing import Any

import numpy as np
import simpy

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ticketlab.core.numbers import parse_quantity  # noqa: E402
from ticketlab.sim import rush_config, simulate  # noqa: E402
from ticketlab.sim.crowd import Crowd  # noqa: E402
from ticketlab.sim.room import make_room  # noqa: E402
from ticketlab.sim.rush import SOLD_OUT  # noqa: E402


def simpy_rush(c) -> dict:
    """The same rush in SimPy: seats sold, sell-out time, events, wall seconds."""
    started = time.perf_counter()
    rng = np.random.default_rng(c.seed)
    env = simpy.Environment(initial_time=-c.early)
    crowd = Crowd.draw(c, rng)
    decliners = set(crowd.decliners(c.payment_failure_rate, rng))
    room = make_room(c.policy, rng, crowd.is_bot, c.seats / c.party_mean)
    state = dict(available=c.seats, sold=0, active=0, sellout=None, events=0)
    holds: list[tuple[float, int]] = []  # (expires_at, seats) of abandoned holds, for the sweeper
    waitlist: deque[int] = deque()
    wake = [env.event()]
    interval = 60.0 / c.admit_per_minute

    def arrivals():  # one source process walks the crowd in arrival order
        for at, user in sorted(zip(crowd.arrival, range(c.users))):
            yield env.timeout(at - env.now)
            room.join(user)
            if not wake[0].triggered:
                wake[0].succeed()

    def gate():
        while env.now < 0:
            yield env.timeout(-env.now)
        room.open(lambda user: None)
        while True:
            user = room.admit() if state["active"] < c.max_active else None
            if user is None:
                wake[0] = env.event()
                yield wake[0]
                continue
            state["active"] += 1
            env.process(shop(user, False))
            yield env.timeout(interval)

    def release(seats):
        state["available"] += seats
        for _ in range(max(1, round(seats / c.party_mean))):
            if waitlist:
                state["active"] += 1
                env.process(shop(waitlist.popleft(), True))

    def shop(user, offered):
        party = crowd.party[user]
        yield env.timeout(crowd.think[user] / (2 if offered else 1))
        state["events"] += 1
        if state["available"] < party:
            state["active"] -= 1
            if c.waitlist and not offered:
                waitlist.append(user)
            if not wake[0].triggered:
                wake[0].succeed()
            return
        state["available"] -= party
        if not crowd.pays(user):
            holds.append((env.now + c.hold_ttl, party))
        else:
            yield env.timeout(crowd.pay_time[user] + c.payment_latency)
            if user in decliners or crowd.pay_time[user] + c.payment_latency >= c.hold_ttl:
                release(party)
            else:
                state["sold"] += party
                if state["sellout"] is None and state["sold"] >= SOLD_OUT * c.seats:
                    state["sellout"] = env.now
        state["active"] -= 1
        if not wake[0].triggered:
            wake[0].succeed()

    def sweeper():
        while True:
            yield env.timeout(c.sweep_interval)
            due = [h for h in holds if h[0] <= env.now]
            if due:
                holds[:] = [h for h in holds if h[0] > env.now]
                release(sum(seats for _, seats in due))
            if env.now > 0 and not holds and state["active"] == 0 and not len(room):
                return

    env.process(arrivals())
    env.process(gate())
    env.process(sweeper())
    env.run(until=c.horizon)
    # events run: SimPy numbers every event it schedules, and those not run are still in its queue (the
    # until event it ran to stop is one of them, as the heap loop counts its last step)
    return dict(seats_sold=state["sold"], sellout=state["sellout"], wall=time.perf_counter() - started,
                events=next(env._eid) - len(env._queue))


def loop_rush(c) -> dict:
    """The SimPy model's logic, line for line, on :class:`HeapLoop` (seats a number too).

    The two engines then run identical models: the ratio of their times is the cost of the engine.
    """
    started = time.perf_counter()
    rng = np.random.default_rng(c.seed)
    loop = HeapLoop(start=-c.early)
    crowd = Crowd.draw(c, rng)
    decliners = set(crowd.decliners(c.payment_failure_rate, rng))
    room = make_room(c.policy, rng, crowd.is_bot, c.seats / c.party_mean)
    state = dict(available=c.seats, sold=0, active=0, sellout=None, gate=False, next=0.0)
    holds: list[tuple[float, int]] = []
    waitlist: deque[int] = deque()
    interval = 60.0 / c.admit_per_minute

    def wake_gate():
        if not state["gate"] and room.opened and len(room) and state["active"] < c.max_active:
            state["gate"] = True
            loop.call_at(max(state["next"], loop.now), gate)

    def gate():
        state["gate"] = False
        user = room.admit()
        if user is None:
            return
        state["active"] += 1
        state["next"] = loop.now + interval
        loop.spawn(shop, user, False)
        wake_gate()

    def release(seats):
        state["available"] += seats
        for _ in range(max(1, round(seats / c.party_mean))):
            if waitlist:
                state["active"] += 1
                loop.spawn(shop, waitlist.popleft(), True)

    def shop(user, offered):
        party = crowd.party[user]
        loop.wait(crowd.think[user] / (2 if offered else 1))
        if state["available"] < party:
            state["active"] -= 1
            if c.waitlist and not offered:
                waitlist.append(user)
            wake_gate()
            return
        state["available"] -= party
        if not crowd.pays(user):
            holds.append((loop.now + c.hold_ttl, party))
        else:
            loop.wait(crowd.pay_time[user] + c.payment_latency)
            if user in decliners or crowd.pay_time[user] + c.payment_latency >= c.hold_ttl:
                release(party)
            else:
                state["sold"] += party
                if state["sellout"] is None and state["sold"] >= SOLD_OUT * c.seats:
                    state["sellout"] = loop.now
        state["active"] -= 1
        wake_gate()

    def sweeper():
        due = [h for h in holds if h[0] <= loop.now]
        if due:
            holds[:] = [h for h in holds if h[0] > loop.now]
            release(sum(seats for _, seats in due))
        if loop.now <= 0 or holds or state["active"] or len(room):
            loop.call_at(loop.now + c.sweep_interval, sweeper)

    def opening():
        room.open(lambda user: None)
        wake_gate()

    loop.stream(sorted(zip(crowd.arrival, range(c.users))), lambda user: (room.join(user), wake_gate()))
    loop.call_at(0.0, opening)
    loop.call_at(-c.early + c.sweep_interval, sweeper)
    loop.run(until=c.horizon)
    return dict(seats_sold=state["sold"], sellout=state["sellout"], wall=time.perf_counter() - started,
                events=loop.events)


class _Start(tuple):
    """A process to start: ``(body, args)``."""


class HeapLoop:
    """A heap loop of our own with the simulator's loop interface: what owning the engine would be.

    ``(time, seq, action)`` on a ``heapq``; an action is a callback, a process to start, or a parked
    process (a pooled greenlet, as on SimPy) to resume. The rush ran on this loop before it moved to
    SimPy; it stays here so every run measures what owning a loop would still buy.
    """

    def __init__(self, start: float = 0.0) -> None:
        import greenlet

        from ticketlab.sim.loop import SimClock

        self.now = float(start)
        self._queue: list = []
        self._seq = itertools.count()
        self._greenlet, self._getcurrent = greenlet.greenlet, greenlet.getcurrent
        self._hub = greenlet.getcurrent()
        self._pool: list = []
        self.clock = SimClock(self)
        self.events = 0

    def call_at(self, at, callback) -> None:
        heapq.heappush(self._queue, (max(at, self.now), next(self._seq), callback))

    def spawn(self, body, *args, at=None) -> None:  # a process to start: a (body, args) tuple on the heap
        heapq.heappush(self._queue, (self.now if at is None else max(at, self.now), next(self._seq),
                                     _Start((body, args))))

    def start(self, body, *args) -> None:  # from a callback: the process runs now, inside this event
        worker = self._pool.pop() if self._pool else self._greenlet(self._work, parent=self._hub)
        worker.switch((body, args))

    def _work(self, start) -> None:
        me = self._getcurrent()
        while start is not None:
            body, args = start
            body(*args)
            body = args = start = None
            self._pool.append(me)
            start = self._hub.switch()

    def close(self) -> None:  # as ticketlab's loop: end parked and idle processes, drop what is left
        parked = [action for _, _, action in self._queue if type(action) is self._greenlet]
        self._queue.clear()
        for process in parked:
            if not process.dead:
                process.throw()
        idle, self._pool = self._pool, []
        for worker in idle:
            if not worker.dead:
                worker.switch(None)

    def wait(self, seconds: float) -> None:
        heapq.heappush(self._queue, (self.now + seconds, next(self._seq), self._getcurrent()))
        self._hub.switch()

    def stream(self, items, callback) -> None:  # the package's own stream object: it only calls call_at
        from ticketlab.sim.loop import _Stream

        if items:
            _Stream(self, items, callback).schedule()

    def run(self, until=None) -> float:
        queue, heappop, parked = self._queue, heapq.heappop, self._greenlet
        limit = float("inf") if until is None else until
        while queue:
            if queue[0][0] > limit:
                self.now = limit
                break
            self.now, _, action = heappop(queue)
            self.events += 1
            kind = type(action)
            if kind is parked:
                action.switch()
            elif kind is _Start:
                worker = self._pool.pop() if self._pool else self._greenlet(self._work, parent=self._hub)
                worker.switch(action)
            else:
                action()
        return self.now


def heap_core_rush(c):
    """The rush through the real core, with :class:`HeapLoop` in place of SimPy."""
    import ticketlab.sim.rush as rush

    simpy_loop = rush.EventLoop
    rush.EventLoop = HeapLoop  # the one name Rush builds its loop from
    try:
        return simulate(c)
    finally:
        rush.EventLoop = simpy_loop


def scenario_floor(name: str, **overrides) -> dict[str, tuple[float, int]]:
    """CPU seconds and events run by the counter model of a course scenario's rush (``overrides``: as
    ``ticketlab simulate``'s flags), on SimPy and on the heap loop: what running the crowd costs before
    any seat-lock work, so a floor under the whole command."""
    from ticketlab.ui.commands.sim import rush_from_scenario

    c = rush_from_scenario(name, **overrides)
    out = {}
    for engine, model in (("SimPy model", simpy_rush), ("heap loop, same model", loop_rush)):
        gc.collect()
        started = time.process_time()
        result = model(c)
        out[engine] = (time.process_time() - started, result["events"])
    return out


def _taking_turns(runs: dict, repeat: int) -> dict:
    """Median CPU seconds of this process and the last result of each of ``runs`` (name -> function),
    the functions taking turns ``repeat`` times: on a shared machine other work stretches the wall
    clock, and a slow spell then falls on every row alike."""
    seconds: dict = {name: [] for name in runs}
    last: dict = {}
    for _ in range(repeat):
        for name, fn in runs.items():
            gc.collect()  # the garbage of the run before is not this one's to collect
            started = time.process_time()
            last[name] = fn()
            seconds[name].append(time.process_time() - started)
    return {name: (statistics.median(seconds[name]), last[name]) for name in runs}


def _command(argv: list[str], repeat: int) -> tuple[float, float]:
    """Median wall seconds of the whole command, and the events per second it reported."""
    walls, rates = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "ticketlab", *argv, "--no-progress", "--json"], check=True,
                             stdout=subprocess.PIPE, text=True).stdout
        walls.append(time.perf_counter() - started)
        rates.append(json.loads(out)["events_per_second"])
    return statistics.median(walls), statistics.median(rates)


def _bench_seatlock():
    path = Path(__file__).resolve().parent / "bench_seatlock.py"
    spec = importlib.util.spec_from_file_location("bench_seatlock", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def core_costs(seats: int, repeat: int) -> tuple[float, float, float]:
    """Median µs per hold+confirm through the core (memory store, optimistic, simulated clock), µs per the
    same two state changes on a bare baseline (a dict of statuses behind a lock), interleaved in this
    run; and µs per record of the history checker over the core's history. CPU time of this process,
    not wall time: on a shared machine other work stretches the wall clock, not the CPU time."""
    import threading

    from ticketlab.seatlock import BookingService, FakePaymentGateway, MemoryStore, SimulatedClock, check_history
    from ticketlab.seatlock import make_strategy, small_venue

    bare_hold_confirm = _bench_seatlock().bare_hold_confirm  # the same bare work as bench_seatlock's baseline

    core_us, bare_us, check_us = [], [], []
    for _ in range(repeat):
        status, lock = dict.fromkeys((s.seat_id for s in small_venue(seats).seats()), "AVAILABLE"), threading.Lock()
        started = time.process_time()
        bare_hold_confirm(list(status), status, lock)
        bare_us.append((time.process_time() - started) / seats * 1e6)
        clock = SimulatedClock()
        store = MemoryStore(small_venue(seats).seats())
        service = BookingService(store, make_strategy("optimistic"), clock, FakePaymentGateway(clock))
        hold_seats, confirm = service.hold_seats, service.confirm
        ids = list(store.snapshot())
        started = time.process_time()
        for seat in ids:
            confirm(hold_seats("fan", [seat]).hold_id, "fan")
        core_us.append((time.process_time() - started) / seats * 1e6)
        history, final = store.history(), store.snapshot()
        started = time.process_time()
        assert check_history(history, final).ok
        check_us.append((time.process_time() - started) / len(history) * 1e6)
    return statistics.median(core_us), statistics.median(bare_us), statistics.median(check_us)


def recorded_values() -> list[tuple[Any, tuple, Any]]:
    """The values one hold + confirm leaves behind in the memory store, each as (its constructor as the core
    uses it, its fields, the value): the hold, the booking, two versions of the seat (HELD, then SOLD), two
    of the payment intent (CHARGING, then BOOKED) and the history records after the store's first."""
    import dataclasses

    from ticketlab.seatlock import BookingService, FakePaymentGateway, MemoryStore, SimulatedClock
    from ticketlab.seatlock import make_strategy, small_venue
    from ticketlab.seatlock.values import maker

    clock = SimulatedClock()
    store = MemoryStore(small_venue(2).seats())
    service = BookingService(store, make_strategy("optimistic"), clock, FakePaymentGateway(clock))
    hold = service.hold_seats("fan", ["GA-1-1"])
    booking = service.confirm(hold.hold_id, "fan")
    seat, intent = store.snapshot()["GA-1-1"], store.get_payment(booking.payment_id)
    plan = []
    for value in [hold, booking, seat, seat, intent, intent, *store.history()[1:]]:
        if dataclasses.is_dataclass(value):
            plan.append((maker(type(value)), tuple(getattr(value, f.name) for f in dataclasses.fields(value)), value))
        else:  # a NamedTuple, built as the core builds one: by its class
            plan.append((type(value), tuple(value), value))
    return plan


def recorded_values_us(count: int, repeat: int) -> tuple[float, float, int]:
    """Median µs to build, alone, the values of :func:`recorded_values`, ``count`` times over; µs per the bare
    baseline's hold + confirm, interleaved; and how many values that is. No dict, lock or check is timed: it
    is a floor under any core that records these values in the form the course shows them (frozen
    dataclasses and named tuples)."""
    import threading

    plan = [(make, fields) for make, fields, _ in recorded_values()]
    bare_hold_confirm = _bench_seatlock().bare_hold_confirm
    values_us, bare_us = [], []
    for _ in range(repeat):
        started = time.process_time()
        for _ in range(count):
            for make, fields in plan:
                make(*fields)
        values_us.append((time.process_time() - started) / count * 1e6)
        status, lock = {f"s{i}": "AVAILABLE" for i in range(count)}, threading.Lock()
        started = time.process_time()
        bare_hold_confirm(list(status), status, lock)
        bare_us.append((time.process_time() - started) / count * 1e6)
    return statistics.median(values_us), statistics.median(bare_us), len(plan)


def rush_history_cost(config, repeat: int) -> tuple[float, int]:
    """Median CPU µs per record of the history checker over one rush's history (the rush runs once, the
    checker ``repeat`` times on its history and final seats), and how many records that history has."""
    from ticketlab.seatlock import check_history
    from ticketlab.sim import Rush

    rush = Rush(config).run()
    history, final = rush.store.history(), rush.store.snapshot()
    cpu = []
    for _ in range(repeat):
        started = time.process_time()
        assert check_history(history, final).ok
        cpu.append(time.process_time() - started)
    return statistics.median(cpu) / len(history) * 1e6, len(history)


def print_history_costs(config, check_us: float, args) -> None:
    """The history checker's lines: the core's hold+confirm history (``check_us``), then the rushes'."""
    print(f"  history checker                  {check_us:7.2f} us per record (hold + confirm history)")
    rushes = [(f"{config.users:,} people, {config.seats:,} seats", config)]
    if args.history_scenario:
        from ticketlab.ui.commands.sim import rush_from_scenario

        rushes.append((f"scenario {args.history_scenario}", rush_from_scenario(args.history_scenario)))
    for name, rush in rushes:
        us, records = rush_history_cost(rush, args.repeat)
        print(f"  history checker, a rush          {us:7.2f} us per record ({name}: {records:,} records)")


def panel_latency(moves: int) -> dict[str, tuple[float, float, float, int, int]]:
    """Per slider move of the two simulator panels as they run by default: median and largest wall
    seconds (the panel's own clock), median CPU seconds of this process (a worker process's share of
    the fairness panel's rushes is not in it), and the model's factor. The fairness panel is timed
    once its worker processes have started, as a learner reading the chapter would meet it."""
    from ticketlab.ui.widgets import fairness_panel, rush_panel

    out = {}
    for name, panel, control, values in (
            ("rush panel (chapter 10)", rush_panel(), "abandon_rate", [0.5, 0.6, 0.8, 0.9, 0.65, 0.75, 0.7]),
            ("fairness panel (chapter 11)", fairness_panel(), "bot_share", [0.05, 0.15, 0.2, 0.3, 0.25, 0.12, 0.1])):
        pool = panel.state.get("pool")
        if pool is not None and pool.workers:
            pool.ready(timeout=60)
        times, cpu = [], []
        for value in (values * (moves // len(values) + 1))[:moves]:
            started = time.process_time()
            panel.set(**{control: value})
            cpu.append(time.process_time() - started)
            times.append(panel.last_update_s)
        helpers = pool.workers if pool is not None and pool.ready() else 0
        out[name] = (statistics.median(times), max(times), statistics.median(cpu), panel.state["scale"], helpers)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--users", default="20K")
    p.add_argument("--seats", default="10K")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--skip-full", action="store_true", help="skip the full-scale Taylor Swift and Super Bowl runs")
    p.add_argument("--skip-panels", action="store_true", help="skip the panels' latency per slider move")
    p.add_argument("--core-seats", type=int, default=20_000, help="seats sold once each for the core's µs per op")
    p.add_argument("--moves", type=int, default=15, help="slider moves per panel")
    p.add_argument("--history", action="store_true", help="only the history checker's µs per record")
    p.add_argument("--history-scenario", metavar="NAME",
                   help="also check the history of this scenario's rush (e.g. taylor-swift: 177,866 records)")
    args = p.parse_args(argv)
    users, seats = int(parse_quantity(args.users)), int(parse_quantity(args.seats))
    config = rush_config(users=users, seats=seats, admit_per_minute=users / 100, max_active=users)
    if args.history:
        print(f"history checker, CPU time, median of {args.repeat}:")
        print_history_costs(config, core_costs(args.core_seats, args.repeat)[2], args)
        return 0
    timed = _taking_turns({"ours": lambda: simulate(config), "theirs": lambda: simpy_rush(config),
                           "engine": lambda: loop_rush(config), "heap": lambda: heap_core_rush(config)}, args.repeat)
    (ours_s, ours), (theirs_s, theirs) = timed["ours"], timed["theirs"]
    (engine_s, engine), (heap_s, heap) = timed["engine"], timed["heap"]
    print(f"rush of {users:,} people for {seats:,} seats (FIFO, optimistic, 70% of holds abandoned), "
          f"CPU time, median of {args.repeat}, the four runs taking turns:")
    print(f"  ticketlab on SimPy + real core {ours_s:6.3f} s   seats sold {ours.seats_sold:,}   sold out at "
          f"{ours.sellout_seconds or float('nan'):,.0f} s   {ours.events:,} events ({ours.events / ours_s:,.0f}/s)")
    print(f"  SimPy model, seats a number    {theirs_s:6.3f} s   seats sold {theirs['seats_sold']:,}   sold out at "
          f"{theirs['sellout'] or float('nan'):,.0f} s")
    print(f"  heap loop, seats a number      {engine_s:6.3f} s   seats sold {engine['seats_sold']:,}   sold out at "
          f"{engine['sellout'] or float('nan'):,.0f} s   (the SimPy model's logic on a heap loop of our own)")
    same = (heap.seats_sold, heap.events, heap.outcomes, heap.sellout_seconds) == (
        ours.seats_sold, ours.events, ours.outcomes, ours.sellout_seconds)
    print(f"  heap loop + real core          {heap_s:6.3f} s   seats sold {heap.seats_sold:,}   sold out at "
          f"{heap.sellout_seconds or float('nan'):,.0f} s   {heap.events:,} events   "
          f"({'the same rush' if same else 'DIFFERENT from ticketlab on SimPy'})")
    sold_gap = abs(ours.seats_sold - theirs["seats_sold"]) / max(theirs["seats_sold"], 1)
    out_gap = (abs(ours.sellout_seconds - theirs["sellout"]) / theirs["sellout"]
               if ours.sellout_seconds and theirs["sellout"] else float("nan"))
    print(f"  agreement: seats sold {sold_gap:.1%} apart, sell-out {out_gap:.1%} apart (tolerance 5% and 15%)")
    ratio = theirs_s / engine_s
    print(f"  engines, the same model: a heap loop of our own runs {ratio:.2f}x as fast as SimPy "
          f"(>= 4x would pay for owning one: {'it would' if ratio >= 4 else 'it does not, so the rush runs on SimPy'})")
    print(f"  the whole rush through the real core costs {ours_s / theirs_s:.1f}x the counter model on SimPy")
    print(f"  engines, the real core: a heap loop of our own would run it {ours_s / heap_s:.2f}x as fast")
    core_us, bare_us, check_us = core_costs(args.core_seats, args.repeat)
    print(f"core on the memory store (optimistic, one thread, {args.core_seats:,} seats), CPU time, "
          f"median of {args.repeat}:")
    print(f"  hold + confirm through the core  {core_us:7.2f} us   (aim <= 5 us)")
    print(f"  the same two changes, bare       {bare_us:7.2f} us   (a dict of statuses behind a lock)")
    values_us, values_bare_us, values = recorded_values_us(args.core_seats, args.repeat)
    label = f"the {values} values they record"
    print(f"  {label:<33}{values_us:7.2f} us   built alone, no dict, lock or check "
          f"(bare beside it: {values_bare_us:.2f} us)")
    print_history_costs(config, check_us, args)
    if not args.skip_full:
        ts, ts_rate = _command(["simulate", "--scenario", "taylor-swift"], args.repeat)
        sb, sb_rate = _command(["simulate", "--scenario", "superbowl"], 1)
        print(f"`ticketlab simulate --scenario taylor-swift`  {ts:6.2f} s whole command (target <= 2 s), "
              f"{ts_rate:,.0f} events/s")
        print(f"`ticketlab simulate --scenario superbowl`     {sb:6.2f} s whole command (target <= 10 s), "
              f"{sb_rate:,.0f} events/s")
        print("the same two crowds with no core at all (seats a number), CPU time of the model alone:")
        for name, target in (("taylor-swift", 2.0), ("superbowl", 10.0)):
            floor = scenario_floor(name)
            for engine, (seconds, events) in floor.items():
                verdict = "above" if seconds > target else "below"
                print(f"  {name:13} {engine:24} {seconds:6.2f} s, {events:,} events run   "
                      f"({verdict} the {target:g} s target)")
    if not args.skip_panels:
        print(f"panels, seconds per slider move (of {args.moves}; target median <= 0.050 s):")
        for name, (median, worst, cpu, scale, helpers) in panel_latency(args.moves).items():
            model = "full scale" if scale == 1 else f"scale model 1 in {scale:,}"
            if helpers:
                model += f"; {helpers} worker process{'es' if helpers > 1 else ''} beside this one"
            print(f"  {name:28} wall median {median:6.3f} s, largest {worst:6.3f} s; this process's CPU median "
                  f"{cpu:6.3f} s   ({model})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
