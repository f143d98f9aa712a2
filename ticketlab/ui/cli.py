"""``ticketlab``: the course from a terminal.

    ticketlab scenarios                      list the named scenarios
    ticketlab solve superbowl [--json]       fill a scenario's worksheet
    ticketlab estimate --dau 5M..20M         the Ticketmaster template on your own inputs
    ticketlab audit [--gaps] [--json]        where the source's numbers slip, and why
    ticketlab race --strategy naive ...      threads rushing seats through the seat-lock core
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from ticketlab.core.errors import TicketlabError

__all__ = ["main", "build_parser"]

#: Modules that add their own verbs through ``register(subparsers)``, with the verbs they add.
#: A module is imported only when one of its verbs runs (or for help), so `solve` stays quick.
PLUGIN_VERBS = {
    "ticketlab.ui.seatlock_verbs": {
        "race": "N users rush M seats through the seat-lock core; count double bookings",
        "paused-client": "a client pauses past its lock lease: fencing tokens and conditional writes",
        "progression": "status column → reserved-until → sweeper → TTL lock → conditional update",
    },
    "ticketlab.course.exercises.cli": {"exercises": "build the student copies of the exercises, or list them",
                                       "grade": "grade submitted notebooks: each in a fresh kernel, a gradebook out"},
}


def _json_default(o: Any) -> Any:
    import numpy as np

    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, np.generic):
        return o.item()
    raise TypeError(f"cannot serialise {type(o).__name__}")


def _print_worksheet(ws, name: str, as_json: bool, givens: bool) -> None:
    if as_json:
        print(json.dumps({"scenario": name, "mode": ws.mode, "results": ws.results(include_givens=givens)},
                         indent=2, default=_json_default))
    else:
        print(ws if givens else ws.select([s.key for s in ws if not s.is_given]))


def _cmd_scenarios(args: argparse.Namespace) -> int:
    from ticketlab.course.scenarios import SCENARIOS

    for s in SCENARIOS.values():
        print(f"{s.name:<16} {s.title}: {s.summary}")
    return 0


def _parse_sets(pairs: Sequence[str]) -> dict[str, str]:
    from ticketlab.core.errors import InputError

    out = {}
    for pair in pairs:
        if "=" not in pair:
            raise InputError("--set", pair, "NAME=VALUE, such as --set users=1M")
        k, v = pair.split("=", 1)
        out[k.strip().replace("-", "_")] = v.strip()
    return out


def _cmd_solve(args: argparse.Namespace) -> int:
    from ticketlab.course.scenarios import get
    from ticketlab.course.solve import solve

    scenario = get(args.name)
    ws = solve(scenario.name, _parse_sets(args.set), samples=args.samples, seed=args.seed)
    _print_worksheet(ws, scenario.name, args.json, not args.no_givens)
    return 0


def _add_estimate(sub: argparse._SubParsersAction) -> None:
    from ticketlab.estimate.inputs import INPUTS
    from ticketlab.estimate.template import TEMPLATE_INPUTS

    p = sub.add_parser("estimate", help="the Ticketmaster template on your own inputs (ranges allowed)",
                       description="Fill the whole Ticketmaster template. Every flag defaults to the "
                       "baseline; a value may be a number, '10M', '1.5 GB', '30s', '70%%' or a 90%% "
                       "range such as '5M..20M'.")
    for key in TEMPLATE_INPUTS:
        p.add_argument("--" + key.replace("_", "-"), dest=key, metavar="V", help=INPUTS[key].label)
    _common(p)
    p.set_defaults(func=_cmd_estimate)


def _cmd_estimate(args: argparse.Namespace) -> int:
    from ticketlab.estimate.template import TEMPLATE_INPUTS
    from ticketlab.course.solve import solve

    overrides = {k: getattr(args, k) for k in TEMPLATE_INPUTS if getattr(args, k) is not None}
    ws = solve("ticketmaster", overrides, samples=args.samples, seed=args.seed)
    _print_worksheet(ws, "estimate", args.json, not args.no_givens)
    return 0


def _cmd_audit(args: argparse.Namespace) -> int:
    from ticketlab.course.audit import audit, format_findings, shortcut_gaps

    findings = audit()
    gaps = shortcut_gaps() if args.gaps else []
    if args.json:
        print(json.dumps({"findings": [f.to_dict() for f in findings], "gaps": [g.to_dict() for g in gaps]},
                         indent=2, default=_json_default))
    else:
        print(format_findings(findings, gaps, args.quiet), end="")
    return 0


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print JSON: {scenario, results: {KEY: {exact, napkin, unit}}}")
    p.add_argument("--no-givens", action="store_true", help="show only derived steps")
    p.add_argument("--samples", type=int, default=10_000, help="samples for range inputs (default 10000)")
    p.add_argument("--seed", type=int, default=20_240_601, help="seed for range sampling")


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ticketlab", description="Scale math and seat locking for a "
                                     "Ticketmaster-scale ticketing system.")
    from ticketlab import __version__

    parser.add_argument("--version", action="version", version=f"ticketlab {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    sub.required = True

    p = sub.add_parser("scenarios", help="list the named scenarios")
    p.set_defaults(func=_cmd_scenarios)

    p = sub.add_parser("solve", help="fill a scenario's worksheet")
    p.add_argument("name", help="scenario name (see `ticketlab scenarios`)")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="override a given (repeatable)")
    _common(p)
    p.set_defaults(func=_cmd_solve)

    _add_estimate(sub)

    p = sub.add_parser("audit", help="where the source material's numbers slip, and why")
    p.add_argument("--json", action="store_true")
    p.add_argument("--gaps", action="store_true", help="also list napkin-vs-exact gaps that come from shortcuts")
    p.add_argument("--quiet", action="store_true", help="leave out the explanations")
    p.set_defaults(func=_cmd_audit)

    import importlib

    words = set(sys.argv[1:] if argv is None else argv)
    for module, verbs in PLUGIN_VERBS.items():
        if words & set(verbs) or not words & {"scenarios", "solve", "estimate", "audit"}:
            importlib.import_module(module).register(sub)
        else:  # listed in help, loaded only when used
            for verb, help_text in verbs.items():
                sub.add_parser(verb, help=help_text)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except TicketlabError as e:
        print(f"ticketlab {args.verb}: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
