"""The question bank: every graded question, its key computed live from the library.

Question ids:

* ``<scenario>.<step>`` — a step of a scenario's worksheet (``superbowl.contention_ratio``,
  ``broadway.bookings_storage``, ``olympics.sellout_seconds``...), plus the contention choices:
  ``<scenario>.contention_level`` (by users per seat, the cheat sheet's rule) where the worksheet
  has one, ``.rate_level`` (by writers at once and the load on the booking path) where it judges
  the rate, and ``.lock_strategy`` and ``.queue_needed``, which follow the rate where it is known.
  Keys come from :func:`ticketlab.course.solve.solve`.
* ``concurrency.strategy.<case>``, ``concurrency.cascade.<case>``, ``concurrency.lock.<case>`` —
  the concurrency cheat sheet as questions.
* ``drill.<name>`` — mental-math drills, keys from the estimators and ``core.numbers``.
* ``slip.<finding-id>`` — find the slip: the source's short figure-bearing phrase, as the audit
  quotes it; the key is the audit's corrected figure (or the reading the question asks for),
  revealed with its explanation on a pass.

The source's printed figure for a step earns full credit where it follows the key by the audit's
rule (within its printed precision); where it slips, a learner who gives it is told the
explanation of the audit finding that accounts for it (``Finding.explains``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ticketlab.core.errors import InputError
from ticketlab.core.numbers import SECONDS_PER_DAY, SECONDS_PER_YEAR, format_quantity, parse_quantity
from ticketlab.core.timing import CASCADE_LAYERS, cascade_pairs
from ticketlab.core.vocab import FindingKind, ScenarioModel, StrategyName
from ticketlab.course.exercises.answers import DIMENSION_WORDS, EXAMPLES, dimension_of_unit
from ticketlab.course.exercises.mistakes import (COUNTED_DIGITS, HOUR, MINUTE, STEP_MISTAKES, Mistake, mistakes_for,
                                                 unit_mistakes)
from ticketlab.course.exercises.questions import ROUNDING, ChoiceKey, QuantityKey, Question, Trap

__all__ = ["question", "step_question", "worksheet_question", "question_ids", "Exercise", "exercise", "exercise_ids", "TEMPLATE_STEPS",
           "SLIPS", "Slip", "UnknownQuestionError"]


class UnknownQuestionError(InputError):
    """No question has that id."""


# --------------------------------------------------------------------------- worksheets and findings

@lru_cache(maxsize=None)
def _solved(scenario: str):
    from ticketlab.course.solve import solve

    return solve(scenario)


@lru_cache(maxsize=1)
def _findings() -> tuple[Any, ...]:
    from ticketlab.course.audit import audit

    return tuple(audit())


def _finding(fid: str):
    for f in _findings():
        if f.id == fid:
            return f
    raise UnknownQuestionError("finding", fid, "the id of an audit finding (see `ticketlab audit`)")


def _model(scenario: str) -> str:
    from ticketlab.course.scenarios import get

    return str(get(scenario).model)


def _values(ws, side: str) -> dict[str, float]:
    out = {}
    for s in ws:
        try:
            out[s.key] = float(getattr(s, side))
        except (TypeError, ValueError):
            continue
    return out


def _human(ws) -> dict[str, str]:
    return {s.key: format_quantity(float(s.exact), s.unit) for s in ws}


def _givens_of(ws, step: str) -> dict[str, str]:
    """The givens a step depends on, through its inputs, as ``name -> shown value``."""
    seen, todo, out = set(), [step], {}
    while todo:
        key = todo.pop()
        if key in seen or key not in ws:
            continue
        seen.add(key)
        s = ws[key]
        if s.is_given:
            out[key] = format_quantity(float(s.exact), s.unit)
        todo.extend(s.inputs)
    return dict(sorted(out.items()))


def _close(a: float, b: float, rel: float = ROUNDING) -> bool:
    return b != 0 and abs(a - b) <= rel * abs(b)


def _work(ws, step: str) -> str:
    s = ws[step]
    shown = {k: format_quantity(float(ws.napkin(k)), ws[k].unit) for k in s.inputs if k in ws}
    filled = re.sub(r"[A-Za-z_][A-Za-z_0-9]*", lambda m: shown.get(m[0], m[0]), s.formula)
    napkin, exact = (format_quantity(float(v), s.unit) for v in (s.napkin, s.exact))
    tail = f"{napkin}" + (f" (exactly {exact})" if napkin != exact else "")
    return f"{step} = {s.formula} = {filled} = {tail}"


def _reveal(napkin: float, exact: float, unit: str) -> str:
    n, e = format_quantity(napkin, unit), format_quantity(exact, unit)
    return f"Key: {n}." if n == e else f"Key: {n} on the napkin, {e} exactly."


def _traps(mistakes: tuple[Mistake, ...], ws, key_napkin: float, key_exact: float) -> list[Trap]:
    human, sides = _human(ws), {"napkin": (key_napkin, _values(ws, "napkin")), "exact": (key_exact, _values(ws, "exact"))}
    out = []
    for m in mistakes:
        try:
            says = m.says.format(**human)
            figures = {m.figure(k, v, side) for side, (k, v) in sides.items()}
        except (KeyError, ZeroDivisionError, IndexError):
            continue  # the worksheet lacks a value this mistake needs
        out += [Trap(m.id, says, float(f)) for f in figures]
    return out


#: How the source's figure goes wrong, by the kind of the finding that explains it.
_SLIPS_BECAUSE = {
    FindingKind.ARITHMETIC: "and its arithmetic slips",
    FindingKind.UNIT: "and it counts the wrong unit",
    FindingKind.REASONING: "and its reasoning slips",
    FindingKind.INCONSISTENCY: "and it rests on another reading than this question's givens",
    FindingKind.DESIGN: "and it leaves a consequence unsaid",
}


def _slip_trap(f, printed: float, phrase: str, where: str) -> Trap:
    return Trap(f"source-slip:{f.id}", f"That is the source's figure (“{phrase}”, {where}), "
                f"{_SLIPS_BECAUSE[f.kind]}. {f.why}", printed)


def _explaining(scenario: str, step: str):
    """The finding that explains the source's figure for ``step``: its own finding first, then by kind."""
    found = [f for f in _findings() if (scenario, step) in f.explains]
    order = list(FindingKind)
    found.sort(key=lambda f: (f.key != step, order.index(f.kind)))
    return found[0] if found else None


def _source_figure(scenario: str, step: str, napkin: float, exact: float) -> tuple[list[float], list[Trap]]:
    """The source's printed figure for ``step``: accepted where it follows the key, else a slip with its explanation.

    It follows when the napkin or the exact key lies within the figure's printed precision (the
    audit's rule); a printed bound ("<1 GB") is never an answer of its own.
    """
    from ticketlab.course.audit import follows
    from ticketlab.course.scenarios import get

    fig = get(scenario).source.get(step)
    if fig is None:
        return [], []
    if follows(fig, napkin) or follows(fig, exact):
        return ([] if fig.bound else [fig.value]), []
    f = _explaining(scenario, step)
    if f is None:  # the audit lists every printed figure that slips; this guards a scenario it was not run on
        return [], [Trap("source-slip", f"That is the source's figure (“{fig.printed}”, {fig.where}); it does not "
                         "follow from the givens.", fig.value)]
    return [], [_slip_trap(f, fig.value, fig.printed, fig.where)]


def _quantity_key(ws, step: str, model: str | None, scenario: str | None, finding_ids: tuple[str, ...] = (),
                  extra: tuple[Mistake, ...] = ()) -> QuantityKey:
    """The key of one worksheet step: accepted figures, the traps of its known mistakes and the source's slips.

    ``finding_ids`` name findings whose printed figure is a slip for this step wherever it is asked
    (a drill's); a finding whose printed figure agrees with the key adds nothing.
    """
    s = ws[step]
    napkin, exact = float(s.napkin), float(s.exact)
    dimension = dimension_of_unit(s.unit)
    traps = _traps(extra + mistakes_for(step, model, dimension), ws, napkin, exact)
    source_accepted, slips = _source_figure(scenario, step, napkin, exact) if scenario else ([], [])
    for fid in finding_ids:
        f = _finding(fid)
        if f.printed is not None and not (_close(f.printed, napkin) or _close(f.printed, exact)):
            slips.append(_slip_trap(f, float(f.printed), f.source_says, f.where))
    napkin_slips = any(_close(t.figure, napkin) and not _close(t.figure, exact) for t in slips)
    accepted = [exact] + ([] if napkin_slips else [napkin]) + source_accepted
    return QuantityKey(exact if napkin_slips else napkin, exact, s.unit, tuple(accepted), tuple(slips + traps),
                       _reveal(napkin if not napkin_slips else exact, exact, s.unit), _work(ws, step))


def _hint(dimension: str) -> str:
    return f"{DIMENSION_WORDS[dimension]}, such as {EXAMPLES[dimension]}"


def worksheet_question(ws, step: str, qid: str | None = None, model: str | None = None) -> Question:
    """A question on ``step`` of any worksheet (an estimator's result, say), with the mistakes that fit it.

    Mistakes that need a value the worksheet lacks do not apply; no source figures are involved.
    """
    if step not in ws:
        raise UnknownQuestionError("step", step, f"a step of {ws.title!r}: {', '.join(ws.keys())}")
    dimension = dimension_of_unit(ws[step].unit)
    return Question(qid or step, f"{ws[step].label} — {_hint(dimension)}",
                    lambda: _quantity_key(ws, step, model, None), dimension, givens=lambda: _givens_of(ws, step))


# --------------------------------------------------------------------------- contention choices

_STRATEGY_WORDS = {
    StrategyName.OPTIMISTIC: ("optimistic", "version check", "compare and set", "occ"),
    StrategyName.PESSIMISTIC: ("pessimistic", "for update", "row lock"),
    StrategyName.DISTRIBUTED: ("distributed", "redlock", "fencing"),
    StrategyName.NAIVE: ("naive", "no lock"),
}


#: Strategies that fit each level by rate (a ``ContentionLevel`` value), the usual one first: the rate
#: rule's advice in ``ticketlab.estimate.contention`` is a conditional write or one row lock while
#: writers rarely meet or merely meet, and distributed locks behind a waiting room once attempts
#: outrun the path.
_RATE_STRATEGIES = {0: (StrategyName.OPTIMISTIC, StrategyName.PESSIMISTIC),
                    1: (StrategyName.PESSIMISTIC, StrategyName.OPTIMISTIC), 2: (StrategyName.DISTRIBUTED,)}


def _levels(ws):
    """The level by ratio (the cheat sheet's) and, where the worksheet judges it, the level by rate."""
    from ticketlab.estimate.contention import ContentionLevel, contention_level

    ratio = contention_level(float(ws.exact("users")), float(ws.exact("seats")))
    rate = ContentionLevel(int(round(float(ws.exact("rate_level"))))) if "rate_level" in ws else None
    return ratio, rate


def _judged(ws) -> tuple[str, str]:
    """What the ratio rule and the rate rule say about ``ws``, in words ("" for a rule it lacks)."""
    from ticketlab.estimate.contention import LOW_THRESHOLD

    ratio, rate = _levels(ws)
    users_per_seat = float(ws.exact("users")) / float(ws.exact("seats"))
    by_ratio = (f"At {users_per_seat:.3g} users per seat the cheat sheet's level is {ratio.label} (Low under "
                f"{LOW_THRESHOLD:g} users per seat, Medium under one, High from one up): {ratio.advice}.")
    if rate is None:
        return by_ratio, ""
    shown = {k: format_quantity(float(ws.exact(k)), ws[k].unit) for k in
             ("writers_at_once", "effective_admit_rate", "lock_hold_time", "room_load")}
    by_rate = (f"By rate: {shown['writers_at_once']} hold a lock at once ({shown['effective_admit_rate']} admitted × "
               f"{shown['lock_hold_time']}), and attempts come at {shown['room_load']} the throttle, so the level by "
               f"rate is {rate.label} (Low under one writer at once, Medium from one, High once attempts outrun the "
               f"throttle): {ws['rate_level'].note}.")
    return by_ratio, by_rate


def _contention_key(kind: str, ws) -> ChoiceKey:
    """A choice about contention: the level by ratio or by rate, the lock strategy, whether to queue.

    The strategy and the queue follow the rate where the worksheet judges it (whether writers
    meet is a matter of rate; the ratio says how many go home empty-handed), else the ratio.
    """
    from ticketlab.estimate.contention import ContentionLevel

    ratio, rate = _levels(ws)
    by_ratio, by_rate = _judged(ws)
    both = f"{by_ratio} {by_rate}".strip()
    levels = {lv.label: (lv.name.lower(),) for lv in ContentionLevel}
    if kind in ("contention_level", "rate_level"):
        level = ratio if kind == "contention_level" else rate
        said = by_ratio if kind == "contention_level" else by_rate
        options, correct, why = levels, (level.label,), {o: said for o in levels}
        reveal = both if kind == "contention_level" and rate not in (None, ratio) else said
    elif kind == "lock_strategy":
        options = dict(_STRATEGY_WORDS)
        correct = _RATE_STRATEGIES[int(rate)] if rate is not None else (str(ratio.strategy),)
        level_for = {str(lv.strategy): lv.label for lv in ContentionLevel}
        why = {o: f"{o} locking is the cheat sheet's choice for {level_for[o]} contention. {both}" for o in level_for}
        why["naive"] = "naive takes no lock at all: two buyers can both see a seat free and both buy it."
        reveal = both
    else:
        options = {"yes": ("yes", "queue", "waiting room"), "no": ("no", "none")}
        decides = rate if rate is not None else ratio
        correct = ("yes",) if decides is ContentionLevel.HIGH else ("no",)
        why, reveal = {o: both for o in options}, both
    return ChoiceKey(options, frozenset(correct), why, correct[0], reveal, work=reveal)


_CHOICE_STEPS = {
    "contention_level": "Contention level by users per seat: Low, Medium or High?",
    "rate_level": "Contention level by rate (writers at once, load on the booking path): Low, Medium or High?",
    "lock_strategy": "Lock strategy: optimistic, pessimistic or distributed?",
    "queue_needed": "Queue needed (a virtual waiting room): yes or no?",
}


def _has_choice(ws, step: str) -> bool:
    """Whether the worksheet judges what the choice asks: a level by ratio, by rate, or either for the others."""
    if step in ("contention_level", "rate_level"):
        return step in ws
    return "contention_level" in ws or "rate_level" in ws


def _choice_givens(ws, step: str) -> dict[str, str]:
    """The givens of the ratio (for the level by ratio), of the rate (by rate), or both (strategy, queue)."""
    givens = {} if step == "rate_level" else _givens_of(ws, "contention_ratio")
    if step != "contention_level" and "rate_level" in ws:
        givens |= _givens_of(ws, "rate_level")
    return dict(sorted(givens.items()))


# --------------------------------------------------------------------------- scenario steps

def step_question(scenario: str, step: str, overrides: Mapping[str, Any] | None = None) -> Question:
    """The question on ``step`` of ``scenario``'s worksheet, with any given replaced from ``overrides``.

    With overrides the key follows your givens; the source's figures (and its slips) then no
    longer apply. Raises :class:`UnknownQuestionError` when the worksheet has no such step.
    """
    from ticketlab.course.scenarios import get
    from ticketlab.course.solve import solve

    name = get(scenario).name
    overrides = dict(overrides or {})
    worksheet = (lambda: solve(name, overrides)) if overrides else (lambda: _solved(name))
    ws = worksheet()
    qid = f"{name}.{step}"
    if step in _CHOICE_STEPS:
        if not _has_choice(ws, step):
            raise UnknownQuestionError("question", qid, f"a step of {name!r}: {', '.join(ws.keys())}")
        return Question(qid, f"{ws.title}: {_CHOICE_STEPS[step]}", lambda: _contention_key(step, worksheet()),
                        givens=lambda: _choice_givens(worksheet(), step))
    if step not in ws or ws[step].is_given:
        raise UnknownQuestionError("question", qid, f"a derived step of {name!r}, such as "
                                   f"{', '.join(k for k in ws.keys() if not ws[k].is_given)}")
    dimension = dimension_of_unit(ws[step].unit)
    model = _model(name)
    scenario_for_source = None if overrides else name
    return Question(qid, f"{ws.title}: {ws[step].label} — {_hint(dimension)}",
                    lambda: _quantity_key(worksheet(), step, model, scenario_for_source), dimension,
                    givens=lambda: _givens_of(worksheet(), step))


# --------------------------------------------------------------------------- the concurrency cheat sheet

_LAYER_WORDS = {
    "booking_hold": ("booking hold", "booking", "hold", "user"),
    "lock_ttl": ("lock ttl", "lock", "ttl"),
    "http_call": ("http call", "http", "api"),
    "db_statement": ("db statement", "db", "database", "statement", "query"),
}

#: Timeout cascades to inspect, outermost layer first (the givens of each question).
CASCADES: dict[str, tuple[tuple[str, str], ...]] = {
    "cheat-sheet": (("booking_hold", "10 min"), ("lock_ttl", "30s"), ("http_call", "3s"), ("db_statement", "5s")),
    "long-lock": (("booking_hold", "10 min"), ("lock_ttl", "15 min"), ("http_call", "10s"), ("db_statement", "5s")),
    "short-lock": (("booking_hold", "10 min"), ("lock_ttl", "8s"), ("http_call", "10s"), ("db_statement", "5s")),
}


def _cascade_key(case: str) -> ChoiceKey:
    pairs = cascade_pairs(CASCADES[case])
    inverted = [p for p in pairs if p.child_s >= p.parent_s]
    wrong = frozenset(n for p in inverted for n in (p.parent, p.child))
    rule = " > ".join(CASCADE_LAYERS)
    broken = "; ".join(f"{p.child} ({format_quantity(p.child_s, 's')}) outlives {p.parent} "
                       f"({format_quantity(p.parent_s, 's')}) that waits for it" for p in inverted)
    why = {n: f"{n} gives up in the right order relative to its neighbours. Whoever waits must give up later "
              f"than the work it waits for ({rule}); look for the pair where that fails." for n in _LAYER_WORDS}
    return ChoiceKey(_LAYER_WORDS, wrong, why, sorted(wrong)[-1],
                     f"{broken}: raise the outer one or lower the inner one ({rule}).", several=True,
                     work=broken)


#: Unsafe-command questions: the options (A-D), the unsafe one, and why each option is or is not safe.
LOCK_COMMANDS: dict[str, tuple[tuple[tuple[str, str, str], ...], str]] = {
    "release": ((
        ("A", "SET lock:seat:A-101 <token> NX PX 30000", "Safe: one atomic command takes the lock only if it is "
         "free and gives it an expiry."),
        ("B", "UPDATE seats SET status='SOLD', version=version+1 WHERE id='A-101' AND version=1",
         "Safe: the version check and the bump make it a compare-and-set; a second writer matches no row."),
        ("C", "DEL lock:seat:A-101", "Unsafe: it deletes whoever holds the lock now. If your lease expired and "
         "another buyer took the seat's lock, you release theirs. Release with a script that deletes only if the "
         "value is still your token."),
        ("D", "SELECT ... FOR UPDATE; UPDATE seats SET status='SOLD' ...; COMMIT",
         "Safe: the row stays locked from the read to the commit."),
    ), "C"),
    "acquire": ((
        ("A", "SETNX lock:seat:A-101 <token>, then EXPIRE lock:seat:A-101 30", "Unsafe: two commands. A client "
         "that dies between them leaves a lock that never expires, and the seat is stuck. Use one SET with NX and "
         "PX."),
        ("B", "SET lock:seat:A-101 <token> NX PX 30000", "Safe: the lock and its expiry in one atomic command."),
        ("C", "if GET lock:seat:A-101 == <token> then DEL lock:seat:A-101 (one Lua script)",
         "Safe: the check and the delete run as one step, so you only ever release your own lock."),
        ("D", "UPDATE seats SET status='HELD', version=version+1 WHERE id='A-101' AND version=3",
         "Safe: a compare-and-set on the version."),
    ), "A"),
    "optimistic": ((
        ("A", "UPDATE seats SET status='SOLD' WHERE version=1", "Unsafe: no seat id, so it touches every seat at "
         "version 1, and no version bump, so a second buyer who read version 1 still matches and sells the seat "
         "again. Add WHERE id = ? and SET version = version + 1."),
        ("B", "UPDATE seats SET status='SOLD', version=version+1 WHERE id='A-101' AND version=1",
         "Safe: only the first writer finds version 1."),
        ("C", "SELECT ... FOR UPDATE; UPDATE seats SET status='SOLD' ...; COMMIT", "Safe: a row lock held to the commit."),
        ("D", "SET lock:seat:A-101 <token> NX PX 30000", "Safe: an atomic lock with an expiry."),
    ), "A"),
}


def _lock_key(case: str) -> ChoiceKey:
    rows, unsafe = LOCK_COMMANDS[case]
    options = {letter: (letter.lower(),) for letter, _, _ in rows}
    why = {letter: f"{letter} is safe. {text}" for letter, _, text in rows}
    reveal = next(text for letter, _, text in rows if letter == unsafe)
    return ChoiceKey(options, frozenset({unsafe}), why, unsafe, reveal, work=reveal)


#: Contention cases for "which strategy": a scenario whose users and seats are the givens.
STRATEGY_CASES = {"season-renewals": "season-tickets", "stadium-release": "taylor-swift", "airline-checkin": "airline"}


def _concurrency_question(qid: str) -> Question:
    _, kind, case = qid.split(".", 2)
    if kind == "strategy" and case in STRATEGY_CASES:
        scenario = STRATEGY_CASES[case]
        return Question(qid, f"Which locking strategy fits {_solved(scenario).title}? Judge contention by users per "
                        "seat, and by rate where the givens allow.",
                        lambda: _contention_key("lock_strategy", _solved(scenario)),
                        givens=lambda: _choice_givens(_solved(scenario), "lock_strategy"))
    if kind == "cascade" and case in CASCADES:
        return Question(qid, "Which timeout in this cascade is wrong? (name the layer)", lambda: _cascade_key(case),
                        givens=lambda: {n: v for n, v in CASCADES[case]})
    if kind == "lock" and case in LOCK_COMMANDS:
        return Question(qid, "Which of these commands is unsafe? (A, B, C or D)", lambda: _lock_key(case),
                        givens=lambda: {letter: cmd for letter, cmd, _ in LOCK_COMMANDS[case][0]})
    raise UnknownQuestionError("question", qid, "an id such as concurrency.strategy.stadium-release")


# --------------------------------------------------------------------------- mental-math drills

@dataclass(frozen=True)
class Drill:
    prompt: str  # formatted with the worksheet's givens, shown with their units
    worksheet: Callable[[], Any]
    step: str
    model: str | None = None
    findings: tuple[str, ...] = ()
    mistakes: tuple[Mistake, ...] = ()


def _constant_ws(name: str, label: str, napkin: float, exact: float, unit: str):
    from ticketlab.worksheet import Step, Worksheet

    return Worksheet(label, {name: Step(name, label, name, napkin, exact, unit)})


def _traffic(**kw):
    from ticketlab.estimate import traffic

    return traffic(**kw)


def _drill_ws(factory: str, **kw):
    import ticketlab.estimate as est

    return getattr(est, factory)(**kw)


_PER_MINUTE_DAY = Mistake("minutes-in-a-day", "That is the minutes in a day; multiply by 60 once more.",
                          lambda k, v, s: k / MINUTE)
_HOURS_DAY = Mistake("hours-in-a-day", "That is the hours in a day; a day has 3,600 s in each of them.",
                     lambda k, v, s: k / HOUR)

DRILLS: dict[str, Drill] = {
    "seconds-per-day": Drill(
        "How many seconds are in a day? (the napkin figure is fine)",
        lambda: _constant_ws("seconds_per_day", "Seconds per day", SECONDS_PER_DAY.napkin, SECONDS_PER_DAY.exact, ""),
        "seconds_per_day", mistakes=(_PER_MINUTE_DAY, _HOURS_DAY)),
    "seconds-per-year": Drill(
        "How many seconds are in a year? (the napkin figure is fine)",
        lambda: _constant_ws("seconds_per_year", "Seconds per year", SECONDS_PER_YEAR.napkin, SECONDS_PER_YEAR.exact, ""),
        "seconds_per_year",
        mistakes=(Mistake("days-in-a-year", "That is days; multiply by the seconds in a day.",
                          lambda k, v, s: k / SECONDS_PER_DAY.exact),)),
    "daily-to-qps": Drill(
        "A site takes {bookings_per_day} bookings a day. How many a second, on average?",
        lambda: _traffic(bookings_per_day="500K"), "booking_qps", ScenarioModel.TICKETMASTER,
        mistakes=(COUNTED_DIGITS,)),
    "search-qps": Drill(
        "{dau} daily users search {searches_per_user} times each. Average search QPS?",
        lambda: _traffic(dau="10M", searches_per_user=5), "search_qps", ScenarioModel.TICKETMASTER),
    "peak-booking-qps": Drill(
        "A site takes {bookings_per_day} bookings a day; a normal peak is {peak_multiplier} the average. Peak booking QPS?",
        lambda: _traffic(), "peak_booking_qps", ScenarioModel.TICKETMASTER, ("peak-booking-qps-label",)),
    "bits-to-bytes": Drill(
        "A link carries {link}. How many bytes a second is that?",
        lambda: _constant_ws("link", "A 2 Gbps link in bytes per second", *(2 * [float(parse_quantity(
            "2 Gbps", dimension="bytes/s"))]), "B/s"),
        "link"),
    "lock-throughput": Drill(
        "One seat's lock is held {lock_hold_time} per booking. How many bookings a second can one seat take?",
        lambda: _drill_ws("lock_capacity", lock_hold_time="5s"), "lock_throughput_per_seat"),
    "littles-law": Drill(
        "{concurrency} people are booking at once and each takes {time_in_system}. How many finish a second?",
        lambda: _drill_ws("littles_law", concurrency="50K", time_in_system="5 min"), "arrival_rate",
        mistakes=(Mistake("count-not-rate", "That is how many are in the system at once (L), a count. Little's law "
                          "gives the rate: λ = L ÷ W.", lambda k, v, s: v["concurrency"]),
                  Mistake("time-in-minutes", "You divided by minutes; a rate per second needs the time in seconds "
                          "({time_in_system}).", lambda k, v, s: k * MINUTE))),
    "users-storage": Drill(
        "{total_users} users, {user_size} of profile each. How much storage?",
        lambda: _drill_ws("storage"), "users_storage"),
}


_UNIT_WORDS = {"B", "B/s", "s", "%", "x", ":1", "req/s"}


def _drill_question(qid: str) -> Question:
    name = qid.split(".", 1)[1]
    if name not in DRILLS:
        raise UnknownQuestionError("question", qid, f"one of: {', '.join('drill.' + d for d in DRILLS)}")
    d = DRILLS[name]
    ws = d.worksheet()
    human = {k: format_quantity(float(ws.exact(k)), u if u in _UNIT_WORDS else "") for k, u in
             ((s.key, s.unit) for s in ws)}  # "10M", not "10M users", inside a sentence
    if name == "bits-to-bytes":
        human["link"] = "2 Gbps"
    dimension = dimension_of_unit(ws[d.step].unit)

    def key() -> QuantityKey:
        return _quantity_key(d.worksheet(), d.step, d.model, None, d.findings, d.mistakes)

    return Question(qid, d.prompt.format(**human) + f" — {_hint(dimension)}", key, dimension)


# --------------------------------------------------------------------------- find the slip

@dataclass(frozen=True)
class Slip:
    """A find-the-slip question: what the learner works out, and where its key comes from.

    The key is the finding's corrected figure; for a finding that gives readings instead, the
    reading the question asks for (``reading``) or any of them (``reading=None``); with
    ``key_step``, that step of ``scenario``'s worksheet (whose mistakes then apply too).
    ``steps`` name the worksheet steps whose givens the question shows, ``facts`` the source's
    own figures it quotes (:data:`ticketlab.course.scenarios.SOURCE_FACTS`), ``mistakes`` the
    further mistakes it recognises.
    """

    asks: str
    scenario: str | None = None
    steps: tuple[str, ...] = ()
    key_step: str | None = None
    reading: int | None = None
    facts: tuple[str, ...] = ()
    mistakes: tuple[Mistake, ...] = ()


#: The findings learners hunt for, and what each question asks them to work out.
SLIPS: dict[str, Slip] = {
    "read-write-ratio-table": Slip(
        "What read:write ratio do the template's own daily volumes give? (Count the writes your way.)",
        "ticketmaster", ("read_write_ratio", "booking_attempts_per_day", "payments_per_day")),
    "booking-attempts": Slip("How many booking attempts a day does the success rate call for?", "ticketmaster",
                             ("booking_attempts_per_day",), mistakes=STEP_MISTAKES["booking_attempts_per_day"]),
    "division-shortcut-zeros": Slip("What does the division come to when the zeros are counted right?",
                                    "ticketmaster", ("booking_qps",), mistakes=(COUNTED_DIGITS,)),
    "seat-map-size": Slip("How big is one event's seat map?", "ticketmaster", ("seat_map_size",)),
    "hot-events-cache": Slip("How much cache do the hot events need (the event record plus its seat map, each)?",
                             "ticketmaster", ("hot_events_cache",)),
    "concurrent-sessions": Slip("By Little's law, with the peak bookings a minute, how many booking sessions are "
                                "open at once?", "ticketmaster", ("concurrent_sessions",), "concurrent_sessions"),
    "broadway-bookings-storage": Slip("How much storage does a year of booking records take?", "broadway",
                                      ("bookings_storage",)),
    "taylor-bookings-storage": Slip("How much storage do the sale's booking records take?", "taylor-swift",
                                    ("bookings_storage",), mistakes=STEP_MISTAKES["bookings_storage"]),
    "funnel-design-factor": Slip("How many booking attempts are there per purchase in that funnel?", reading=0,
                                 facts=("funnel_searchers", "funnel_attempts", "funnel_payments")),
    "superbowl-sellout-time": Slip("At the throttled rate, when is the sale sold out?", "superbowl",
                                   ("sellout_seconds",), "sellout_seconds"),
    "season-home-games": Slip("How many seat-events does the team sell in a season?", "season-tickets",
                              ("seat_events",), mistakes=STEP_MISTAKES["seat_events"]),
    "lock-ceiling-counts-seat-locks": Slip("How many bookings a second can the seat locks start at most?",
                                           "ticketmaster", ("lock_qps_ceiling",),
                                           mistakes=STEP_MISTAKES["lock_qps_ceiling"]),
}

#: What the source's own figure is, by the kind of finding: wrong as worked, or the answer to another question.
_SOURCE_SAYS = {
    **{k: "That is the figure the source prints. Recompute it from the passage's own inputs."
       for k in (FindingKind.ARITHMETIC, FindingKind.UNIT, FindingKind.REASONING)},
    **{k: "That is the figure the source prints, and it answers another question than this one. Work out what is "
          "asked from the passage's own inputs." for k in (FindingKind.INCONSISTENCY, FindingKind.DESIGN)},
}


def _slip_figures(slip: Slip, f) -> tuple[float, float, tuple[float, ...], str]:
    """The key of a slip question: its napkin and exact figures, every accepted figure, and the unit."""
    if slip.key_step:
        step = _solved(slip.scenario)[slip.key_step]
        napkin, exact = float(step.napkin), float(step.exact)
        return napkin, exact, (napkin, exact), step.unit
    if f.value is not None:
        return float(f.value), float(f.value), (float(f.value),), f.unit
    readings = f.readings if slip.reading is None else (f.readings[slip.reading],)
    first = float(readings[0].value)
    return first, first, tuple(float(r.value) for r in readings), readings[0].unit or f.unit


def _slip_question(qid: str) -> Question:
    from ticketlab.course.scenarios import SOURCE_FACTS

    fid = qid.split(".", 1)[1]
    if fid not in SLIPS:
        raise UnknownQuestionError("question", qid, f"one of: {', '.join('slip.' + s for s in SLIPS)}")
    slip, f = SLIPS[fid], _finding(fid)
    dimension = dimension_of_unit(_slip_figures(slip, f)[3])

    def key() -> QuantityKey:
        g = _finding(fid)
        napkin, exact, accepted, unit = _slip_figures(slip, g)
        sheet = _solved(slip.scenario) if slip.scenario else _constant_ws("x", "", napkin, exact, unit)
        own = mistakes_for(slip.key_step, _model(slip.scenario), dimension) if slip.key_step else \
            unit_mistakes(dimension)
        printed = None if g.printed is None else float(g.printed)
        traps = [] if printed is None or any(_close(printed, a) for a in accepted) else \
            [Trap("source-says", _SOURCE_SAYS[g.kind], printed)]
        traps += _traps(slip.mistakes + own, sheet, napkin, exact)
        return QuantityKey(napkin, exact, unit, accepted, tuple(traps),
                           f"The source says “{g.source_says}”; correct: {g.correct}. {g.why}",
                           f"{g.correct}. {g.why}")

    def givens() -> dict[str, str]:
        out = {k: format_quantity(SOURCE_FACTS[k].value, "") for k in slip.facts}
        for step in slip.steps:
            out |= _givens_of(_solved(slip.scenario), step)
        return dict(sorted(out.items()))

    return Question(qid, f"The source says: “{f.source_says}” ({f.where}). {slip.asks} — {_hint(dimension)}",
                    key, dimension, givens=givens)


# --------------------------------------------------------------------------- lookup

@lru_cache(maxsize=None)
def _cached(qid: str) -> Question:
    from ticketlab.course.scenarios import SCENARIOS

    head, _, rest = qid.partition(".")
    if head == "concurrency":
        return _concurrency_question(qid)
    if head == "drill":
        return _drill_question(qid)
    if head == "slip":
        return _slip_question(qid)
    if head in SCENARIOS and rest:
        return step_question(head, rest)
    raise UnknownQuestionError("question", qid, "an id such as 'superbowl.contention_ratio', 'drill.search-qps', "
                               "'concurrency.cascade.cheat-sheet' or 'slip.seat-map-size'")


def question(qid: Any) -> Question:
    """The question called ``qid`` (its key is computed when it is graded). Raises :class:`UnknownQuestionError`."""
    if isinstance(qid, Question):
        return qid
    if not isinstance(qid, str):
        raise UnknownQuestionError("question", qid, "a question id such as 'superbowl.contention_ratio'")
    return _cached(qid.strip())


# --------------------------------------------------------------------------- exercises

#: The steps the fill-in template asks for, by kind of scenario (those a worksheet has): what a learner
#: can work out from the givens in five minutes, in the order a whiteboard shows them.
TEMPLATE_STEPS: dict[str, tuple[str, ...]] = {
    # one big sale: who gets in, the rates, contention by ratio and by rate, what to build
    ScenarioModel.ONSALE: (
        "contention_ratio", "contention_level", "successful_bookings", "waitlisted_users", "booking_qps",
        "attempt_qps", "booking_qps_capacity", "sale_duration_seconds", "sellout_seconds", "room_load",
        "writers_at_once", "rate_level", "lock_strategy", "queue_needed", "bookings_storage"),
    # general admission: one counter of passes, so no seat locks and no lock strategy to choose
    ScenarioModel.COUNTER: (
        "contention_ratio", "users_per_booking", "successful_bookings", "waitlisted_users", "attempt_qps",
        "booking_qps_capacity", "sale_duration_seconds", "sellout_seconds", "room_qps_capacity", "counter_ceiling",
        "counter_headroom", "held_counter_ceiling", "held_counter_sellout_seconds", "bookings_storage"),
    ScenarioModel.SCHEDULE: (
        "total_seats", "peak_booking_qps", "booking_qps_capacity", "seats_storage", "bookings_storage",
        "total_storage", "seat_map_cache", "session_cache", "total_cache"),
    # a schedule whose block of dates opens as one on-sale
    ScenarioModel.BLOCK_RELEASE: (
        "total_seats", "contention_ratio", "contention_level", "successful_bookings", "waitlisted_users",
        "attempt_qps", "sellout_seconds", "sellout_in_booking_times", "writers_at_once", "rate_level",
        "lock_strategy", "queue_needed", "bookings_storage", "total_cache"),
    ScenarioModel.SEASON: ("seat_events", "seats_storage", "contention_ratio", "contention_level", "lock_strategy",
                           "queue_needed"),
    ScenarioModel.TICKETMASTER: (
        "searches_per_day", "booking_attempts_per_day", "read_write_ratio", "search_qps", "booking_qps", "peak_qps",
        "events_storage", "seats_storage", "bookings_storage", "users_storage", "total_storage", "peak_bandwidth",
        "contention_ratio", "lock_strategy", "queue_needed", "total_cache"),
}


@dataclass(frozen=True)
class Exercise:
    """A graded exercise: an id (``problem-1``), a title, a scenario (or None) and its questions in order."""

    id: str
    title: str
    scenario: str | None
    question_ids: tuple[str, ...]

    def __str__(self) -> str:
        from ticketlab.course.scenarios import get

        lines = [self.title, "=" * len(self.title)]
        if self.scenario:
            s = get(self.scenario)
            lines += [s.summary, "", "Givens:"]
            lines += [f"  {k:<22} {v!s:<10} {'(assumed) ' if g.assumed else ''}{g.note}"
                      for k, g in s.givens.items() for v in [g.value]]
            lines.append("")
        lines.append(f"Questions ({len(self.question_ids)}):")
        for q in map(question, self.question_ids):  # a scenario's givens are above; others carry their own
            lines.append(f"  {q.id}: {q.prompt}")
            lines += [] if self.scenario else [f"      {name} = {value}" for name, value in q.givens().items()]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        return "<pre class='ticketlab-exercise'>" + html.escape(str(self)) + "</pre>"


def _template(scenario: str) -> tuple[str, ...]:
    ws = _solved(scenario)
    steps = TEMPLATE_STEPS.get(_model(scenario), ())
    return tuple(f"{scenario}.{s}" for s in steps if s in ws or (s in _CHOICE_STEPS and _has_choice(ws, s)))


_FIXED = {
    "problem-1": ("Problem 1 · Super Bowl ticket release", "superbowl",
                  ("contention_ratio", "successful_bookings", "booking_qps", "attempt_qps", "booking_qps_capacity",
                   "success_rate", "waitlisted_users", "admit_rate", "sale_duration_seconds", "sellout_seconds")),
    "problem-2": ("Problem 2 · Broadway show ticket system", "broadway",
                  ("total_seats", "peak_booking_qps", "booking_qps_capacity", "seats_storage", "bookings_storage",
                   "total_storage", "seat_map_cache", "session_cache", "total_cache")),
}
_FINALS = ("olympics", "hamilton", "movie-theater", "music-festival", "airline")


def exercise_ids() -> list[str]:
    """Every exercise with a notebook: the two problems, the five final challenges, practice and drills."""
    return [*_FIXED, *(f"final-{s}" for s in _FINALS), "practice-template:taylor-swift", "concurrency",
            "mental-math", "find-the-slip"]


@lru_cache(maxsize=None)
def exercise(eid: str) -> Exercise:
    """The exercise called ``eid``; ``practice-template:<scenario>`` works for any scenario."""
    from ticketlab.course.scenarios import get

    eid = eid.strip()
    if eid in _FIXED:
        title, scenario, steps = _FIXED[eid]
        return Exercise(eid, title, scenario, tuple(f"{scenario}.{s}" for s in steps))
    if eid.startswith("final-") and eid[6:] in _FINALS:
        s = get(eid[6:])
        return Exercise(eid, f"Final challenge · {s.title}", s.name, _template(s.name))
    if eid.startswith("practice-template:"):
        s = get(eid.split(":", 1)[1])
        return Exercise(f"practice-template:{s.name}", f"Practice template · {s.title}", s.name, _template(s.name))
    if eid == "concurrency":
        ids = [f"concurrency.strategy.{c}" for c in STRATEGY_CASES] + [f"concurrency.cascade.{c}" for c in CASCADES]
        ids += [f"concurrency.lock.{c}" for c in LOCK_COMMANDS]
        return Exercise(eid, "Concurrency cheat sheet", None, tuple(ids))
    if eid == "mental-math":
        return Exercise(eid, "Mental-math drills", None, tuple(f"drill.{d}" for d in DRILLS))
    if eid == "find-the-slip":
        return Exercise(eid, "Find the slip", None, tuple(f"slip.{s}" for s in SLIPS))
    raise UnknownQuestionError("exercise", eid, f"one of: {', '.join(exercise_ids())} (or practice-template:<scenario>)")


def question_ids() -> list[str]:
    """Every question of every exercise, in order, each once."""
    return list(dict.fromkeys(q for e in exercise_ids() for q in exercise(e).question_ids))
