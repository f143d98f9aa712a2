"""The estimation verbs: ``scenarios``, ``solve``, ``estimate``, ``audit``."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import Any

from ticketlab.core.errors import InputError

__all__ = ["scenarios", "solve", "estimate", "audit", "json_default"]


def json_default(o: Any) -> Any:
    """numpy values as plain JSON."""
    import numpy as np

    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, np.generic):
        return o.item()
    raise TypeError(f"cannot serialise {type(o).__name__}")


def _print_worksheet(ws, name: str, as_json: bool, givens: bool) -> None:
    if as_json:
        print(json.dumps({"scenario": name, "mode": str(ws.mode), "results": ws.results(include_givens=givens)},
                         indent=2, default=json_default))
    else:
        print(ws if givens else ws.derived())


def _parse_sets(pairs: Sequence[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        if "=" not in pair:
            raise InputError("--set", pair, "NAME=VALUE, such as --set users=1M")
        key, value = pair.split("=", 1)
        out[key.strip().replace("-", "_")] = value.strip()
    return out


def scenarios(args: argparse.Namespace) -> int:
    from ticketlab.course.scenarios import SCENARIOS

    for s in SCENARIOS.values():
        print(f"{s.name:<16} {s.title}: {s.summary}")
    return 0


def solve(args: argparse.Namespace) -> int:
    from ticketlab.course.scenarios import get
    from ticketlab.course.solve import solve as solve_scenario

    scenario = get(args.name)
    ws = solve_scenario(scenario.name, _parse_sets(args.set), samples=args.samples, seed=args.seed)
    _print_worksheet(ws, scenario.name, args.json, not args.no_givens)
    return 0


def estimate(args: argparse.Namespace) -> int:
    from ticketlab.course.solve import solve as solve_scenario
    from ticketlab.estimate.template import TEMPLATE_INPUTS

    overrides = {k: getattr(args, k) for k in TEMPLATE_INPUTS if getattr(args, k) is not None}
    ws = solve_scenario("ticketmaster", overrides, samples=args.samples, seed=args.seed)
    _print_worksheet(ws, "estimate", args.json, not args.no_givens)
    return 0


def audit(args: argparse.Namespace) -> int:
    from ticketlab.course.audit import audit as all_findings, format_findings, shortcut_gaps

    findings = all_findings()
    gaps = shortcut_gaps() if args.gaps else []
    if args.json:
        print(json.dumps({"findings": [f.to_dict() for f in findings], "gaps": [g.to_dict() for g in gaps]},
                         indent=2, default=json_default))
    else:
        print(format_findings(findings, gaps, args.quiet), end="")
    return 0
