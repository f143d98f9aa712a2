"""Estimation speed: range estimates, sweeps, and the CLI's start-up.

    python benchmarks/bench_estimate.py

Prints medians over repeated runs; targets from the foundation issue are printed beside them
(they are goals to read, not assertions).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

import numpy as np

from ticketlab.estimate import (bandwidth, cache, contention, funnel, littles_law, lock_capacity, onsale,
                                schedule, storage, timeout_cascade, traffic, waiting_room)
from ticketlab.course.solve import solve


def median_ms(fn, repeat: int = 30) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def bench_range_template() -> None:
    ranges = {"dau": "5M..20M", "searches_per_user": "2..10", "peak_multiplier": "5..20",
              "seat_size": "50 B..200 B", "lock_hold_time": "1s..5s"}
    ms = median_ms(lambda: solve("ticketmaster", ranges, samples=10_000), repeat=20)
    print(f"range estimate, full Ticketmaster template, 10,000 samples: {ms:7.2f} ms  (target <= 50 ms)")


def bench_sweeps() -> None:
    n = 1_000
    sweeps = {
        "traffic(dau)": lambda: traffic(dau=np.linspace(1e6, 1e8, n)),
        "storage(events)": lambda: storage(events=np.linspace(1e5, 1e6, n)),
        "bandwidth(searches_per_day)": lambda: bandwidth(searches_per_day=np.linspace(1e6, 1e8, n)),
        "cache(events)": lambda: cache(events=np.linspace(1e5, 1e6, n)),
        "funnel(attempt_rate)": lambda: funnel(attempt_rate=np.linspace(0.01, 0.5, n)),
        "contention(users)": lambda: contention(users=np.linspace(1e3, 1e6, n)),
        "lock_capacity(lock_hold_time)": lambda: lock_capacity(lock_hold_time=np.linspace(0.1, 10, n)),
        "littles_law(concurrency)": lambda: littles_law(concurrency=np.linspace(1e3, 1e5, n), time_in_system=300),
        "waiting_room(throttle_rate)": lambda: waiting_room(throttle_rate=np.linspace(10, 1000, n)),
        "timeout_cascade(lock_ttl)": lambda: timeout_cascade(lock_ttl=np.linspace(11, 590, n)),
        "onsale(users)": lambda: onsale(users=np.linspace(1e4, 1e6, n)),
        "schedule(users)": lambda: schedule(users=np.linspace(1e3, 1e5, n)),
    }
    worst = 0.0
    for name, fn in sweeps.items():
        ms = median_ms(fn)
        worst = max(worst, ms)
        print(f"1,000-point sweep {name:<32} {ms:6.3f} ms  (target <= 5 ms)")
    print(f"slowest 1,000-point sweep: {worst:.3f} ms")


def bench_cli(repeat: int = 15) -> None:
    def run(cmd: list[str]) -> float:
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - t0

    solve_cmd = [sys.executable, "-m", "ticketlab", "solve", "ticketmaster"]
    numpy_cmd = [sys.executable, "-c", "import numpy"]
    run(solve_cmd), run(numpy_cmd)
    ratios, a_times, b_times = [], [], []
    for _ in range(repeat):  # interleaved, so drift hits both alike
        a, b = run(solve_cmd), run(numpy_cmd)
        a_times.append(a), b_times.append(b), ratios.append(a / b)
    print(f"`ticketlab solve ticketmaster`: {statistics.median(a_times) * 1e3:.0f} ms, "
          f"`python -c 'import numpy'`: {statistics.median(b_times) * 1e3:.0f} ms, "
          f"median ratio {statistics.median(ratios):.2f}x  (target <= 1.5x)")


if __name__ == "__main__":
    bench_range_template()
    bench_sweeps()
    bench_cli()
