"""The ``simulate`` verb: an on-sale rush of a named scenario, on the real seat-lock core."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from ticketlab.core.numbers import format_quantity, plural

__all__ = ["simulate", "rush_from_scenario"]


def rush_from_scenario(name: str, **overrides: Any):
    """A :class:`~ticketlab.sim.RushConfig` from a scenario's worksheet, then ``overrides``.

    The crowd is the scenario's people, the seats its seats on sale (for a venue of many shows, one
    week of shows), the party its seats per booking, and the room's rate its throttle (or, with no
    waiting room, the rate its booking path is sized for).
    """
    from ticketlab.course.scenarios import get
    from ticketlab.course.solve import solve
    from ticketlab.sim import rush_config

    ws = solve(get(name).name)

    def value(key: str) -> float | None:
        return float(ws.exact(key)) if key in ws else None

    seats = value("seats") or (value("seats_per_show") or 0) * (value("shows_per_week") or 1)
    per_second = value("throttle_rate") or value("peak_booking_qps") or value("admit_rate") or 1_000 / 60
    base = dict(users=round(value("users") or 1), seats=round(seats), party_mean=value("seats_per_booking") or 2.5,
                admit_per_minute=per_second * 60)
    base["max_party"] = max(6, math.ceil(base["party_mean"]))
    return rush_config(**{**base, **{k: v for k, v in overrides.items() if v is not None}})


def _waits(result: Any) -> str:
    """The room's waits, or why there are none (nobody was let in: a lottery whose draw nobody entered)."""
    if result.wait_p50 != result.wait_p50:
        return "nobody was let in, so no wait to report"
    error = (f"announced waits off by {result.wait_error_p50:.0%} (median)" if result.wait_error_p50 == result.wait_error_p50
             else "no wait was announced")
    return (f"waits p50 {format_quantity(result.wait_p50, 's')}, p95 {format_quantity(result.wait_p95, 's')}, "
            f"p99 {format_quantity(result.wait_p99, 's')}; {error}")


def _figure(value: float, unit: str) -> str:
    """A figure of the comparison table; 'none' where the rush gave nothing to measure (no one let in)."""
    return format_quantity(value, unit) if math.isfinite(value) else "none"


def _finite(value: Any) -> Any:
    """``value`` with every NaN or infinite float in it made None: JSON has no NaN (a strict reader refuses it)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


def _summary(result: Any, rows: Any) -> str:
    c = result.config

    def said(seconds: float | None) -> str:
        return "never" if seconds is None or seconds != seconds else f"{format_quantity(seconds, 's')} after the on-sale"

    # a room slower than one person a minute is still said in figures, not as "0 a minute"
    rate = f"{c.admit_per_minute:,.0f}" if c.admit_per_minute >= 1 else f"{c.admit_per_minute:.3g}"
    lines = [
        f"rush: {plural(f'{c.users:,}', 'users')} for {plural(f'{c.seats:,}', 'seats')}, {c.policy} room admitting "
        f"{rate} a minute, {c.strategy} locking",
        f"  seats sold       {result.seats_sold:,} in {plural(f'{result.bookings:,}', 'bookings')}; sold out "
        f"{said(result.sellout_seconds)}",
        f"  room             last person let in {said(result.last_admitted_seconds)}; " + _waits(result),
        "  users            " + ", ".join(f"{n:,} {k}" for k, n in sorted(result.outcomes.items(), key=lambda kv: -kv[1]))
        + (f" (the run stopped at its horizon, {format_quantity(c.horizon, 's')} after the on-sale)"
           if result.outcomes.get("unfinished") else ""),
        f"  contention       {plural(f'{result.conflicts:,}', 'conflicts')}, {plural(f'{result.retries:,}', 'retries')}, "
        f"{plural(f'{result.lock_timeouts:,}', 'lock timeouts')}",
    ]
    if c.bots:
        lines.append(f"  bots             {c.bots:,} bots bought {result.bot_seat_share:.0%} of the seats")
    lines.append(f"  checker          {result.checker}" + ("" if result.ok else
                                                            f" — {result.double_bookings} seats sold twice"))
    lines.append(f"  speed            {result.events:,} events in {result.wall_seconds:.2f} s "
                 f"({result.events_per_second:,.0f} events/s)")
    lines.append("\nsimulated against the library's formulas:")
    for row in rows:
        lines.append(f"  {row.quantity:<46} {_figure(row.simulated, row.unit):>16}  "
                     f"{_figure(row.analytic, row.unit):>16}  {'' if row.holds else '(assumption broken)'}")
    return "\n".join(lines)


def simulate(args: argparse.Namespace) -> int:
    """Exit 0 when the checker found nothing wrong (or the strategy is naive), else 1."""
    from ticketlab.core.vocab import StrategyName
    from ticketlab.sim import simulate as run
    from ticketlab.sim.analytic import compare

    config = rush_from_scenario(args.scenario, users=args.users, seats=args.seats, policy=args.policy,
                                strategy=args.strategy, admit_per_minute=args.admit_per_min, hold_ttl=args.hold_ttl,
                                arrival=args.arrival, seat_choice=args.seat_choice, seed=args.seed)
    progress = None
    if not args.no_progress and sys.stderr.isatty() and config.users >= 50_000:
        from tqdm import tqdm

        bar = tqdm(total=100, unit="%", desc="simulating", file=sys.stderr, leave=False)
        progress = lambda share: bar.update(round(share * 100) - bar.n)  # noqa: E731
    result = run(config, progress)
    rows = compare(result)
    if args.json:
        data = result.as_dict()
        data["compared"] = [{"quantity": r.quantity, "simulated": r.simulated, "analytic": r.analytic,
                             "unit": r.unit, "holds": r.holds} for r in rows]
        print(json.dumps(_finite(data), indent=2, allow_nan=False, default=str))
    else:
        print(_summary(result, rows))
    return 0 if result.ok or config.strategy is StrategyName.NAIVE else 1
