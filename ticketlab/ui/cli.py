"""``ticketlab``: the course from a terminal.

    ticketlab scenarios                      list the named scenarios
    ticketlab solve superbowl [--json]       fill a scenario's worksheet
    ticketlab estimate --dau 5M..20M         the Ticketmaster template on your own inputs
    ticketlab audit [--gaps] [--json]        where the source's numbers slip, and why
    ticketlab race --strategy naive ...      threads rushing seats through the seat-lock core
    ticketlab classroom open --redis URL     a whole room rushing one event on a shared Redis
    ticketlab exercises build                write the student copies of the exercises
    ticketlab grade submissions/             grade a class's notebooks

Every verb is declared once, in :data:`VERBS`: its help, its arguments (with their checks) and
the function that runs it, named as ``"module:function"`` and imported only when that verb runs,
so ``ticketlab solve`` never loads the seat-lock core or the grader. A bad argument is an argparse
error; a bad value the library refuses is a :class:`~ticketlab.core.errors.TicketlabError`. Both
print one line to stderr and exit with status 2; nothing prints a traceback for bad input.
"""

from __future__ import annotations

import argparse
import importlib
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ticketlab.core.errors import TicketlabError

__all__ = ["main", "build_parser", "VERBS", "Verb"]

DEFAULT_SAMPLES = 10_000
DEFAULT_SEED = 20_240_601
MAX_SAMPLES = 1_000_000


# --------------------------------------------------------------------------- argument checks

def bounded_int(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high``."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number; give one from {low:,} to {high:,}")
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value:,} is out of range; give a whole number from {low:,} to {high:,}")
        return value
    parse.__name__ = "whole number"
    return parse


def bounded_float(low: float, high: float, unit: str = "") -> Callable[[str], float]:
    """An argparse type: a finite number from ``low`` to ``high``."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number; give one from {low:g} to {high:g}{unit}")
        if not math.isfinite(value) or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text} is out of range; give a number from {low:g} to {high:g}{unit}")
        return value
    parse.__name__ = "number"
    return parse


def _worksheet_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true",
                   help="print JSON: {scenario, mode, results: {KEY: {exact, napkin, unit}}}, "
                        "in base units (bytes, seconds, per second); a range adds p5, p50, p95")
    p.add_argument("--no-givens", action="store_true", help="show only the derived steps")
    p.add_argument("--samples", type=bounded_int(2, MAX_SAMPLES), default=DEFAULT_SAMPLES, metavar="N",
                   help=f"samples drawn for range inputs (default {DEFAULT_SAMPLES:,}, at most {MAX_SAMPLES:,})")
    p.add_argument("--seed", type=bounded_int(0, 2**32 - 1), default=DEFAULT_SEED, metavar="K",
                   help="seed of the range sampling: the same seed gives the same numbers")


def _solve_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", help="scenario name (see `ticketlab scenarios`)")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="replace one of the scenario's givens, e.g. --set users=1M (repeatable)")
    _worksheet_options(p)


def _estimate_arguments(p: argparse.ArgumentParser) -> None:
    from ticketlab.estimate.inputs import INPUTS
    from ticketlab.estimate.template import TEMPLATE_INPUTS

    for key in TEMPLATE_INPUTS:
        p.add_argument("--" + key.replace("_", "-"), dest=key, metavar="V", help=INPUTS[key].label)
    _worksheet_options(p)


def _audit_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true",
                   help="print JSON: {findings: [...], gaps: [...]} with every figure in base units")
    p.add_argument("--gaps", action="store_true",
                   help="also list the printed figures that are right for their napkin shortcut, and by how "
                        "much the exact figure differs")
    p.add_argument("--quiet", action="store_true", help="leave out the explanations")


def _race_arguments(p: argparse.ArgumentParser) -> None:
    from ticketlab.core.vocab import Backend, StrategyName

    p.add_argument("--strategy", choices=[str(name) for name in StrategyName], default=StrategyName.NAIVE,
                   help="how a hold is protected: " + "; ".join(f"{s} ({s.description})" for s in StrategyName)
                        + "; default %(default)s")
    p.add_argument("--users", type=bounded_int(1, 1_000), default=20, metavar="N",
                   help="users rushing at once, each a thread (default %(default)s, at most 1,000)")
    p.add_argument("--seats", type=bounded_int(1, 10_000), default=5, metavar="M",
                   help="seats on sale (default %(default)s, at most 10,000)")
    p.add_argument("--backend", choices=[Backend.MEMORY, Backend.SQLITE, Backend.POSTGRES, Backend.REDIS],
                   default=Backend.MEMORY,
                   help="where seat state lives: memory (threads of one process), sqlite (a file shared "
                        "by several processes), postgres (a database, with --dsn) or redis (an event on the "
                        "--redis server, shared by several processes); default %(default)s")
    p.add_argument("--latency-ms", type=bounded_float(0, 10_000, " ms"), default=5.0, metavar="MS",
                   help="time before each write (after its check, for a strategy that checks first), the window "
                        "races live in (default %(default)g)")
    p.add_argument("--seed", type=bounded_int(0, 2**32 - 1), default=0, metavar="K",
                   help="seed of the optimistic strategy's backoff jitter (default %(default)s)")
    p.add_argument("--processes", type=bounded_int(1, 32), default=None, metavar="P",
                   help="sqlite, postgres and redis: worker processes (default: the smaller of users and 4)")
    p.add_argument("--dsn", default=None, metavar="DSN",
                   help="postgres only: the database, e.g. postgresql://user@127.0.0.1:5432/ticketlab "
                        "(the race writes a fresh schema there and drops it after)")
    p.add_argument("--redis-url", "--redis", dest="redis_url", default=None, metavar="URL",
                   help="a Redis server, e.g. redis://127.0.0.1:6379/0: where --backend redis keeps the seats, "
                        "and where distributed takes its leases")
    p.add_argument("--json", action="store_true", help="print the result as JSON, with an ok field")


def _paused_arguments(p: argparse.ArgumentParser) -> None:
    from ticketlab.core.vocab import PausedClientMode

    p.add_argument("--mode", choices=[*PausedClientMode, "all"], default="all",
                   help="which protection the store adds to the lease (default %(default)s)")
    p.add_argument("--json", action="store_true", help="print each run's steps and verdict as JSON")


def _classroom_arguments(p: argparse.ArgumentParser) -> None:
    from ticketlab.core.vocab import StrategyName

    p.add_argument("action", choices=["open", "start", "bots", "view", "close"],
                   help="open a room and referee it; start the rush; add simulated fans; show the room; close it")
    p.add_argument("--redis", required=True, metavar="URL",
                   help="the instructor's Redis URL with the admin user, e.g. redis://admin@10.0.0.5:6379/0")
    p.add_argument("--secret-file", default=None, metavar="F",
                   help="read the admin user's password from the first line of F (keeps it out of the shell history)")
    p.add_argument("--room", default="classroom", metavar="NAME", help="the room's name (default %(default)s)")
    p.add_argument("--seats", type=bounded_int(1, 10_000), default=50, metavar="N",
                   help="open: seats on sale (default %(default)s)")
    p.add_argument("--strategy", choices=[str(name) for name in StrategyName], default=StrategyName.OPTIMISTIC,
                   help="open: how holds are protected; naive lets the room double-book (default %(default)s)")
    p.add_argument("--latency-ms", type=bounded_float(0, 10_000, " ms"), default=20.0, metavar="MS",
                   help="open: time between each check and its write (default %(default)g)")
    p.add_argument("--hold-ttl", type=bounded_float(10, 86_400, " s"), default=120.0, metavar="S",
                   help="open: how long a hold lasts before it is swept (default %(default)g)")
    p.add_argument("--delay", type=bounded_float(0, 3_600, " s"), default=5.0, metavar="S",
                   help="start: seconds from now, on the Redis server's clock (default %(default)g)")
    p.add_argument("--users", type=bounded_int(1, 10_000), default=100, metavar="N",
                   help="bots: simulated fans (default %(default)s)")
    p.add_argument("--processes", type=bounded_int(1, 64), default=None, metavar="P",
                   help="bots: processes the fans are spread over (default: one per 100 fans)")


def _json_only(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print JSON")


def _simulate_arguments(p: argparse.ArgumentParser) -> None:
    from ticketlab.core.vocab import ArrivalShape, Policy, SeatChoice, StrategyName

    p.add_argument("--scenario", default="taylor-swift", metavar="NAME",
                   help="the scenario whose crowd, seats, party size and throttle the rush takes "
                        "(see `ticketlab scenarios`; default %(default)s)")
    p.add_argument("--policy", choices=[str(name) for name in Policy], default=None,
                   help="who the waiting room lets in next (default fifo; a lottery draws among people who came "
                        "before the on-sale, so it needs --arrival fans-and-bots)")
    p.add_argument("--strategy", choices=[str(name) for name in StrategyName], default=None,
                   help="how a hold is protected in the core (default optimistic)")
    p.add_argument("--users", default=None, metavar="N", help="people in the rush, e.g. 100K (default: the scenario's)")
    p.add_argument("--seats", default=None, metavar="M", help="seats on sale, e.g. 50K (default: the scenario's)")
    p.add_argument("--admit-per-min", dest="admit_per_min", default=None, metavar="R",
                   help="people the room lets in a minute (default: the scenario's throttle)")
    p.add_argument("--hold-ttl", default=None, metavar="T", help="how long a hold lasts, e.g. 10min (default 10 min)")
    p.add_argument("--arrival", choices=[str(name) for name in ArrivalShape], default=None,
                   help="all at the on-sale moment, ramped, or fans with bots at the room's opening (default at-once)")
    p.add_argument("--seat-choice", dest="seat_choice", choices=[str(name) for name in SeatChoice], default=None,
                   help="the first free seats, or seats picked in a popular section (default best-available)")
    p.add_argument("--seed", type=bounded_int(0, 2**32 - 1), default=None, metavar="K",
                   help="seed of the crowd and every random choice: the same seed gives the same rush (default 0)")
    p.add_argument("--json", action="store_true", help="print the result, its time series and the comparison as JSON")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on a terminal")


def _exercises_arguments(p: argparse.ArgumentParser) -> None:
    actions = p.add_subparsers(dest="exercises_action", metavar="ACTION")
    actions.required = True
    build = actions.add_parser("build", help="write exercises/ from solutions/")
    build.add_argument("--check", action="store_true",
                       help="write nothing; exit 1 and name the stale copies if exercises/ is out of date")
    build.add_argument("--solutions", default="solutions", metavar="DIR", help="solution notebooks (default solutions)")
    build.add_argument("--out", default="exercises", metavar="DIR", help="student copies (default exercises)")
    listing = actions.add_parser("list", help="every exercise and its question ids")
    listing.add_argument("--json", action="store_true", help="print {exercise: [question ids]} as JSON")


def _grade_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help="submitted notebooks, or folders of them")
    p.add_argument("--timeout", type=bounded_float(1, 3_600, " s"), default=None, metavar="S",
                   help="seconds each submission may run, kernel start included (default 60)")
    p.add_argument("--jobs", type=bounded_int(1, 64), default=2, metavar="J", help="kernels at a time (default 2)")
    p.add_argument("--csv", default=None, metavar="FILE", help="write the gradebook to FILE (atomically)")
    p.add_argument("--json", action="store_true", help="print the gradebook as JSON")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


# --------------------------------------------------------------------------- the verbs

@dataclass(frozen=True)
class Verb:
    """One verb: its name, a line of help, a description, its arguments, and what runs it."""

    name: str
    help: str
    description: str
    arguments: Callable[[argparse.ArgumentParser], None] | None
    run: str  # "module:function", imported when the verb runs


_E, _S, _X = "ticketlab.ui.commands.estimation", "ticketlab.ui.commands.seatlock", "ticketlab.ui.commands.exercises"
_C = "ticketlab.ui.commands.classroom"
_SIM = "ticketlab.ui.commands.sim"

VERBS: tuple[Verb, ...] = (
    Verb("scenarios", "list the named scenarios", "Every scenario the course uses, with what it is about.",
         None, f"{_E}:scenarios"),
    Verb("solve", "fill a scenario's worksheet",
         "Fill a named scenario's worksheet: each step with its formula, the napkin figure (the source's "
         "shortcuts, a day = 100K s) and the exact one (86,400 s).", _solve_arguments, f"{_E}:solve"),
    Verb("estimate", "the Ticketmaster template on your own inputs (ranges allowed)",
         "Fill the whole Ticketmaster template. Every flag defaults to the baseline; a value may be a "
         "number, '10M', '1.5 GB', '30s', '70%' or a 90% range such as '5M..20M'.",
         _estimate_arguments, f"{_E}:estimate"),
    Verb("audit", "where the source material's numbers slip, and why",
         "Recompute every figure the source material prints from its own givens and name each place it "
         "slips: the source's words, the corrected figure and the arithmetic.", _audit_arguments, f"{_E}:audit"),
    Verb("race", "N users rush M seats through the seat-lock core; count double bookings",
         "N users start at once, each a thread (memory) or a thread in one of several processes (sqlite), and "
         "each wants one seat: it asks to hold the first seat that looks free, pays if the hold is granted, and "
         "tries the next free seat if it is refused. Then the history checker counts seats sold twice. Naive "
         "guards nothing: every user who saw seat 1 free buys it, so 20 bookings can land on 1 seat and the "
         "others stay unsold. attempts: hold requests made; conflicts: attempts refused because another user "
         "got the seat first; retries: optimistic re-reads after the seat's version changed, and conditional "
         "writes sent again after a refused one found the seat free, within one attempt; lock timeouts and stale tokens: attempts that gave up on a lock or carried an old fencing "
         "token; ops/s: attempts per second. The counts vary from run to run (the operating system schedules "
         "the threads); the verdict does not: naive sells seats twice, the other strategies never do (exit "
         "status 1 if one does).", _race_arguments, f"{_S}:race"),
    Verb("paused-client", "a client pauses past its lock lease: fencing tokens and conditional writes",
         "A client stalls past its lease while another buys the seat, on a simulated clock.",
         _paused_arguments, f"{_S}:paused_client"),
    Verb("progression", "status column → reserved-until → sweeper → TTL lock → conditional update",
         "Runs each stage of the progression of fixes and says what it still gets wrong.",
         _json_only, f"{_S}:progression"),
    Verb("simulate", "an on-sale rush on a simulated clock, through the real seat-lock core",
         "Simulate a scenario's on-sale: a crowd arrives, a waiting room lets it in, every hold and booking goes "
         "through the real seat-lock core on a simulated clock, 70% of holds are never paid and come back when they "
         "expire. Prints seats sold over time, waits, conflicts, the checker's verdict, and the simulation beside "
         "the library's formulas. The same seed gives the same rush.", _simulate_arguments, f"{_SIM}:simulate"),
    Verb("classroom", "a whole room rushes one event on a shared Redis: open, start, bots, view, close",
         "Classroom mode. `open` creates a room (an event of --seats seats with --strategy on the Redis at --redis, "
         "reached as its admin user) and a `learner` Redis user that may only read the room and send requests, "
         "prints the one call learners make from their notebooks, and referees their requests until the room is "
         "closed. `start` sets the moment everyone rushes; `bots` adds simulated fans; `view` shows the room; "
         "`close` ends it and prints the final report with the history checker's verdict (with naive: the seats "
         "sold twice across the room's laptops).", _classroom_arguments, f"{_C}:classroom"),
    Verb("exercises", "build the student copies of the exercises, or list them",
         "Graded exercises. `build` writes exercises/ from solutions/ (answers replaced by placeholders, "
         "outputs stripped); `list` shows every exercise and its question ids.",
         _exercises_arguments, f"{_X}:exercises"),
    Verb("grade", "grade submitted notebooks: each in a fresh kernel, a gradebook out",
         "Runs each submission in a fresh kernel, grades its answers by question id with keys computed here, "
         "and prints or writes a gradebook (per-question points and feedback).", _grade_arguments, f"{_X}:grade"),
)


def build_parser() -> argparse.ArgumentParser:
    """The whole parser: every verb with its arguments (no verb's handler is imported)."""
    from ticketlab import __version__

    parser = argparse.ArgumentParser(prog="ticketlab", description="Scale math and seat locking for a "
                                     "Ticketmaster-scale ticketing system.")
    parser.add_argument("--version", action="version", version=f"ticketlab {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    sub.required = True
    for verb in VERBS:
        p = sub.add_parser(verb.name, help=verb.help, description=verb.description)
        if verb.arguments is not None:
            verb.arguments(p)
        p.set_defaults(run=verb.run)
    return parser


def _one_value_each(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """A usage error for a one-value flag that argparse handed over as a list (``--seed=--``
    reaches the verb as ``[]`` in Python 3.11)."""
    verb = parser._subparsers._group_actions[0].choices.get(getattr(args, "verb", None))
    if verb is None:
        return
    for action in verb._actions:
        if action.option_strings and action.nargs is None and isinstance(action, argparse._StoreAction) \
                and isinstance(getattr(args, action.dest, None), list):
            flag = action.option_strings[0]
            verb.error(f"argument {flag}: expected one value, as in {flag} {action.metavar or 'VALUE'}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one verb; 0 on success, 2 for bad input (one line on stderr), the verb's own code otherwise."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        _one_value_each(parser, args)
    except SystemExit as done:  # a usage error (already on stderr, status 2), or --help / --version (0)
        return int(done.code or 0)
    module, function = args.run.split(":")
    try:
        return int(getattr(importlib.import_module(module), function)(args) or 0)
    except TicketlabError as error:
        print(f"ticketlab {args.verb}: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        print(f"ticketlab {args.verb}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
