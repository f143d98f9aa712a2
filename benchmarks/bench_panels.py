"""Slider latency of every course panel: a control moved -> the figure and the table updated.

    python benchmarks/bench_panels.py [--repeat 3] [panel_name ...]

Each panel of ``ticketlab.ui.widgets.PANELS`` is built in this process (as in a kernel) and
every one of its controls is moved through several positions the way a learner moves it: a
slider's position is set on the ipywidgets slider itself, a choice's toggle button is set to
each option. The time is from the change to the end of the panel's redraw (the panel's own
``refresh``, which recomputes, moves numbers into the plotly FigureWidget and the table).
Buttons (run a race, step the sandbox) are timed apart: they start work, not a redraw.

Prints, per panel, the median and the 90th percentile over all moves, and the slowest
control; the course's target is a median of at most 50 ms per slider change.

A panel that shares its rushes with worker processes (the fairness panel: ``ticketlab.sim.pool``) is
timed once its workers have started, and the line says how many ran beside this process;
``TICKETLAB_WORKERS=0`` times it with every rush in this process.
"""

from __future__ import annotations

import argparse
import statistics
import time

TARGET_MS = 50.0


def _positions(control, n: int = 6) -> list[float]:
    """n slider positions spread over the slider's range (its own units: log10 on a log slider)."""
    lo, hi = control.slider.min, control.slider.max
    return [lo + (hi - lo) * k / (n - 1) for k in (1, 4, 2, 5, 0, 3)][:n]


def _move(panel, control, position) -> float:
    """Seconds from one learner-like change of ``control`` to the end of the panel's redraw."""
    before = panel.updates
    started = time.perf_counter()
    if hasattr(control, "slider"):
        control.slider.value = position
    else:
        control.buttons.value = position
    elapsed = time.perf_counter() - started
    if panel.updates == before:  # a move that did not redraw is not a measurement
        return float("nan")
    return elapsed


_POOLED: dict[str, str] = {}


def bench_panel(name: str, repeat: int) -> tuple[list[float], dict[str, float], dict[str, float]]:
    from ticketlab.ui import widgets

    panel = getattr(widgets, name)()
    pool = panel.state.get("pool")  # rushes shared with worker processes: they start with the panel
    if pool is not None and pool.workers and not pool.ready(timeout=60):  # (a learner reads before moving)
        print(f"{name}: its {pool.workers} worker process(es) did not start; timing every rush in this process")
    if pool is not None:
        _POOLED[name] = (f"rushes shared with {pool.workers} worker process(es) beside this one"
                         if pool.ready() else "every rush in this process (no worker processes)")
    times: list[float] = []
    per_control: dict[str, list[float]] = {}
    for _ in range(repeat):
        for cname, control in panel.controls.items():
            moves = _positions(control) if hasattr(control, "slider") else [
                *control.options[1:], control.options[0]]
            for position in moves:
                t = _move(panel, control, position)
                if t == t:  # not nan
                    times.append(t)
                    per_control.setdefault(cname, []).append(t)
    buttons = {}
    for label in panel.buttons:
        started = time.perf_counter()
        panel.press(label)
        buttons[label] = time.perf_counter() - started
    return times, {c: statistics.median(v) for c, v in per_control.items()}, buttons


def _required_arguments(name: str) -> list[str]:
    import inspect

    from ticketlab.ui import widgets

    parameters = inspect.signature(getattr(widgets, name)).parameters.values()
    return [p.name for p in parameters if p.default is inspect.Parameter.empty
            and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]


def main() -> None:
    from ticketlab.ui.widgets import PANELS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("panels", nargs="*", default=list(PANELS), help="panel factories to time (default: all)")
    parser.add_argument("--repeat", type=int, default=3, help="passes over every control (default 3)")
    args = parser.parse_args()
    print(f"{'panel':<18} {'moves':>5} {'median':>9} {'p90':>9}  slowest control (median)      verdict")
    worst = []
    for name in args.panels:
        needs = _required_arguments(name)
        if needs:  # a panel on a live server (the classroom's leaderboard) redraws on a timer, not a slider
            print(f"{name:<18} skipped: it needs {', '.join(needs)} (a live room), and has no slider")
            continue
        started = time.perf_counter()
        times, per_control, buttons = bench_panel(name, args.repeat)
        built = time.perf_counter() - started
        times.sort()
        median = statistics.median(times) * 1e3
        p90 = times[min(len(times) - 1, int(0.9 * len(times)))] * 1e3
        slow, slow_s = max(per_control.items(), key=lambda kv: kv[1])
        verdict = "ok" if median <= TARGET_MS else "OVER"
        worst.append((median, name))
        print(f"{name:<18} {len(times):>5} {median:>7.1f}ms {p90:>7.1f}ms  {slow:<20} {slow_s * 1e3:>7.1f}ms  "
              f"{verdict} (target <= {TARGET_MS:g} ms)")
        if name in _POOLED:
            print(f"{'':<18} {_POOLED[name]}")
        for label, seconds in buttons.items():
            print(f"{'':<18} button {label!r}: {seconds * 1e3:.0f} ms (starts work; not a slider change)")
    over = [n for m, n in worst if m > TARGET_MS]
    print(f"\n{len(worst) - len(over)} of {len(worst)} panels at or under {TARGET_MS:g} ms median"
          + (f"; over: {', '.join(over)}" if over else ""))


if __name__ == "__main__":
    main()
