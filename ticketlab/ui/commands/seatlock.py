"""The seat-lock verbs: ``race``, ``paused-client``, ``progression``."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

__all__ = ["race", "paused_client", "progression"]


def race(args: argparse.Namespace) -> int:
    """Exit 0 when the run matched expectations (naive double-sold, the others did not), else 1."""
    from ticketlab.core.vocab import StrategyName
    from ticketlab.seatlock.demos import race as run_race

    result = run_race(args.strategy, args.users, args.seats, args.backend, args.latency_ms, args.seed,
                      processes=args.processes, redis_url=args.redis_url, dsn=args.dsn)
    print(json.dumps(result.as_dict(), indent=2) if args.json else result.summary())
    return 0 if result.ok or args.strategy == StrategyName.NAIVE else 1


def paused_client(args: argparse.Namespace) -> int:
    from ticketlab.seatlock.demos import PAUSED_CLIENT_MODES, paused_client as run_paused

    modes = PAUSED_CLIENT_MODES if args.mode == "all" else (args.mode,)
    results = [run_paused(m) for m in modes]
    if args.json:
        print(json.dumps([{"mode": r.mode, "steps": list(r.steps), "sold_to": list(r.sold_to),
                           "sold_twice": r.sold_twice, "a_error": r.a_error} for r in results], indent=2))
    else:
        print("\n\n".join(r.summary() for r in results))
    return 0


def progression(args: argparse.Namespace) -> int:
    from ticketlab.seatlock.demos import progression as stages

    steps = stages()
    if args.json:
        print(json.dumps([asdict(s) for s in steps], indent=2))
        return 0
    for s in steps:
        print(f"{s.number}. {s.name}\n   adds:        {s.adds}\n   observed:    {s.observed}"
              f"\n   still wrong: {s.still_wrong}")
    return 0
