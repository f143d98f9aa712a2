"""CLI verbs of the seat-lock core: ``race``, ``paused-client``, ``progression``.

``ticketlab.ui.cli`` imports this module only when one of its verbs runs (or for help) and
calls :func:`register` with its subparsers. The choices offered (strategies, backends,
paused-client modes) are read from the seat-lock core, where each is defined once.
"""

from __future__ import annotations

import argparse
import json

from ticketlab.core.vocab import StrategyName
from ticketlab.seatlock import demos
from ticketlab.seatlock.demos import PAUSED_CLIENT_MODES, RACE_BACKENDS
from ticketlab.seatlock.strategies import REGISTRY

__all__ = ["register", "run_race", "run_paused_client", "run_progression"]


def register(subparsers) -> None:
    race = subparsers.add_parser(
        "race", help="N users rush M seats for real; count double bookings",
        description="Real threads (memory) or processes (sqlite) rush a few seats under one strategy; "
                    "the history checker then counts seats sold twice.")
    race.add_argument("--strategy", choices=[str(name) for name in REGISTRY], default=str(StrategyName.NAIVE),
                      help="; ".join(f"{name}: {info.description}" for name, info in REGISTRY.items()))
    race.add_argument("--users", type=int, default=20, help="concurrent users (default 20)")
    race.add_argument("--seats", type=int, default=5, help="seats on sale (default 5)")
    race.add_argument("--backend", choices=[str(b) for b in RACE_BACKENDS], default=str(RACE_BACKENDS[0]))
    race.add_argument("--latency-ms", type=float, default=5.0,
                      help="simulated database round trip between check and write (default 5)")
    race.add_argument("--seed", type=int, default=0, help="seed for the optimistic backoff jitter")
    race.add_argument("--processes", type=int, default=None, help="sqlite only: worker processes (default min(users, 4))")
    race.add_argument("--redis-url", default=None,
                      help="distributed only: take leases from this Redis, e.g. redis://127.0.0.1:6379/0")
    race.add_argument("--json", action="store_true", help="print the result as JSON")
    race.set_defaults(func=run_race)

    paused = subparsers.add_parser(
        "paused-client", help="Kleppmann's paused client: leases, fencing tokens, conditional writes",
        description="A client stalls past its lease while another buys the seat, on a simulated clock.")
    paused.add_argument("--mode", choices=[*map(str, PAUSED_CLIENT_MODES), "all"], default="all")
    paused.add_argument("--json", action="store_true")
    paused.set_defaults(func=run_paused_client)

    prog = subparsers.add_parser(
        "progression", help="status column → reserved-until → sweeper → TTL lock → conditional update",
        description="Runs each stage of the progression of fixes and says what it still gets wrong.")
    prog.add_argument("--json", action="store_true")
    prog.set_defaults(func=run_progression)


def run_race(args: argparse.Namespace) -> int:
    """Exit code 0 when the run matched expectations: naive double-sold, the others did not."""
    try:
        result = demos.race(args.strategy, args.users, args.seats, args.backend, args.latency_ms, args.seed,
                            processes=getattr(args, "processes", None), redis_url=getattr(args, "redis_url", None))
    except ValueError as error:
        print(f"error: {error}")
        return 2
    print(json.dumps(result.as_dict(), indent=2) if args.json else result.summary())
    return 0 if result.ok or not result.strategy.safe else 1


def run_paused_client(args: argparse.Namespace) -> int:
    modes = PAUSED_CLIENT_MODES if args.mode == "all" else (args.mode,)
    results = [demos.paused_client(m) for m in modes]
    if args.json:
        print(json.dumps([{"mode": r.mode, "steps": list(r.steps), "sold_to": list(r.sold_to),
                           "sold_twice": r.sold_twice, "a_error": r.a_error} for r in results], indent=2))
    else:
        print("\n\n".join(r.summary() for r in results))
    return 0


def run_progression(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    steps = demos.progression()
    if args.json:
        print(json.dumps([asdict(s) for s in steps], indent=2))
        return 0
    for s in steps:
        print(f"{s.number}. {s.name}\n   adds:        {s.adds}\n   observed:    {s.observed}"
              f"\n   still wrong: {s.still_wrong}")
    return 0
