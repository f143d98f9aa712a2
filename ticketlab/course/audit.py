"""The audit: recompute every figure the source prints and name each place it slips.

**The rule: slip or shortcut gap.** For every printed figure P (a :class:`SourceFigure`):

1. *N* (napkin) is the source's formula on the source's givens with only the shortcuts the
   source states: a day ≈ 100K s, a month ≈ 2.5M s, a year ≈ 30M s, conversions it writes inline
   ("12 (3 months)"), and printed intermediates carried as printed ("167"). Nothing else is
   rounded. *E* (exact) is the same formula on the calendar (86,400 s a day), unrounded.
2. *p* (printed precision) is half a unit in P's last significant printed figure, relative to P;
   an integer's trailing zeros do not count: "500" ±10%, "1.5M" ±3.3%, "278" ±0.18%.
3. If |N/P − 1| > p the figure is a **slip**, and a finding must explain it (its kind names the
   cause: arithmetic, unit, reasoning). Otherwise the figure follows, and if |E/P − 1| > p it
   is listed as a **shortcut gap** with E/P − 1 and the shortcut behind it. Half a unit is in.
4. A printed upper bound ("<1 GB") slips only if N exceeds it; the finding reports N and the
   bound, with no factor.
5. A formula whose arithmetic is right but whose reasoning is wrong is a **reasoning** slip,
   judged with N from the right formula. Where the source leaves an assumption open the finding
   gives each reading and what it assumes (an **inconsistency**), with no factor. A factor
   (correct ÷ printed) is given only for one quantity under one set of assumptions.

A **finding** (:class:`Finding`) has a kind (:class:`~ticketlab.core.vocab.FindingKind`), the
source's words, the corrected figure, the arithmetic shown and why; every number in its text is
computed here from the scenarios and the estimators, so changing a given changes the prose.
**Unexplained** lists any printed figure that slips and no finding explains (a test keeps it
empty).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from ticketlab.core.errors import CascadeError
from ticketlab.core.numbers import SECONDS_PER_DAY, SECONDS_PER_MONTH, divide_by_zeros, format_quantity, napkin_round
from ticketlab.core.timing import CASCADE_LAYERS, check_cascade
from ticketlab.core.vocab import FindingKind
from ticketlab.course.scenarios import SCENARIOS, SOURCE_FACTS, Scenario, SourceFigure
from ticketlab.worksheet import CONSTANTS, SHORTCUTS, Worksheet

__all__ = ["Finding", "Reading", "Gap", "Sheets", "audit", "named", "shortcut_gaps", "unexplained", "follows",
           "describe_shortcuts", "format_findings", "FINDINGS", "STRIPE_LIVE_RATE_LIMIT"]

K = FindingKind

#: Stripe's default live-mode limit, requests per second per account (docs.stripe.com/rate-limits;
#: raised on request). An outside figure, not the source's.
STRIPE_LIVE_RATE_LIMIT = 100.0
#: Seats in the SQLite table the SQL findings run their statements on; each starts at this version.
_DEMO_SEATS, _DEMO_VERSION = 10, 1
#: SETNX takes a key and a value (redis.io/commands/setnx).
_SETNX_ARITY = 2
#: A push of seat changes to each waiting client once per this many seconds.
_PUSH_INTERVAL = 1.0
#: Relative slack on the half-unit boundary, for floating point only.
_EPS = 1e-9
_MINUTE = CONSTANTS["seconds_per_minute"].exact

_SEAT_KEY = "lock:seat:A-101"  # the source's example key
_SETNX_AS_PRINTED = "SETNX lock:seat:A-101 uuid EX 30"
_OPTIMISTIC_AS_PRINTED = "UPDATE seat SET status='SOLD' WHERE version=1"
_OPTIMISTIC_FULL = ("UPDATE seat SET status = 'SOLD', version = version + 1 "
                    "WHERE id = :id AND version = :v AND status = 'AVAILABLE'")
_PESSIMISTIC_AS_PRINTED = "UPDATE seat SET status='SOLD'"
_PESSIMISTIC_FULL = "UPDATE seat SET status = 'SOLD' WHERE id = :id AND status = 'AVAILABLE'"


# --------------------------------------------------------------------------- values

class Reading(NamedTuple):
    """One way to read an assumption the source leaves open, and the figure it gives."""

    assumes: str
    value: float
    unit: str = ""

    def text(self) -> str:
        return f"{format_quantity(self.value, self.unit)} if {self.assumes}"


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One place the source slips, disagrees with itself, or leaves a consequence unsaid.

    ``scenario``/``key`` name the printed figure it is about (if any) and ``also`` the other
    printed figures it explains. ``printed`` and ``value`` are that figure as printed and as
    corrected; :attr:`factor` is their ratio, given only when ``single`` says the correction is
    one quantity under one set of assumptions.
    """

    id: str
    kind: FindingKind
    where: str
    source_says: str
    correct: str
    arithmetic: str
    why: str
    readings: tuple[Reading, ...] = ()
    scenario: str | None = None
    key: str | None = None
    printed: float | None = None
    value: float | None = None
    unit: str = ""
    single: bool = False
    also: tuple[tuple[str, str], ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", FindingKind(self.kind))
        if self.single and (self.printed in (None, 0) or self.value is None):
            raise ValueError(f"finding {self.id}: a factor needs a printed and a corrected value")

    @property
    def factor(self) -> float | None:
        """Corrected ÷ printed, for one quantity under one set of assumptions; else ``None``."""
        return self.value / self.printed if self.single else None

    @property
    def explains(self) -> set[tuple[str, str]]:
        """The printed figures (scenario, key) this finding accounts for."""
        main = {(self.scenario, self.key)} if self.scenario and self.key else set()
        return main | set(self.also)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": str(self.kind), "where": self.where, "source_says": self.source_says,
                "correct": self.correct, "arithmetic": self.arithmetic, "why": self.why,
                "readings": [{"assumes": r.assumes, "value": r.value, "unit": r.unit, "text": r.text()}
                             for r in self.readings],
                "scenario": self.scenario, "key": self.key, "printed": self.printed, "value": self.value,
                "unit": self.unit, "factor": self.factor, "also": [list(p) for p in self.also]}


@dataclass(frozen=True)
class Gap:
    """A printed figure that follows from its shortcuts, whose exact value lies outside its precision."""

    scenario: str
    key: str
    printed: float
    napkin: float
    exact: float
    unit: str
    shortcuts: tuple[str, ...]
    precision: float

    @property
    def relative(self) -> float:
        return self.exact / self.printed - 1

    def to_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "key": self.key, "printed": self.printed, "napkin": self.napkin,
                "exact": self.exact, "unit": self.unit, "shortcuts": list(self.shortcuts),
                "precision": self.precision, "relative": self.relative,
                "because": describe_shortcuts(self.shortcuts)}


def follows(figure: SourceFigure, value: float) -> bool:
    """Whether ``value`` agrees with ``figure`` as printed: within its precision, or under its bound."""
    if figure.bound:
        return value <= figure.value * (1 + _EPS)
    return abs(value / figure.value - 1) <= figure.precision * (1 + _EPS)


def describe_shortcuts(names: Sequence[str]) -> str:
    """The shortcuts behind a gap in words; "rounding" when only a printed intermediate was carried."""
    named = [SHORTCUTS[n] for n in names if n != "napkin"]
    if "napkin" in names:
        named.append("a printed intermediate carried rounded")
    return "; ".join(named) or "rounding"


class Sheets:
    """The scenarios and source figures the audit reads, each scenario solved once."""

    def __init__(self, scenarios: Mapping[str, Scenario] | None = None,
                 facts: Mapping[str, SourceFigure] | None = None) -> None:
        self.scenarios = SCENARIOS if scenarios is None else scenarios
        self.facts = SOURCE_FACTS if facts is None else facts
        self._solved: dict[tuple[str, tuple[tuple[str, Any], ...]], Worksheet] = {}

    def __getitem__(self, name: str) -> Worksheet:
        return self.solve(name)

    def solve(self, name: str, **overrides: Any) -> Worksheet:
        from ticketlab.course.solve import solve_scenario

        key = (name, tuple(sorted(overrides.items())))
        if key not in self._solved:
            self._solved[key] = solve_scenario(self.scenarios[name], overrides)
        return self._solved[key]

    def figure(self, name: str, key: str) -> SourceFigure:
        return self.scenarios[name].source[key]

    def fact(self, key: str) -> SourceFigure:
        return self.facts[key]


def _q(x: Any, unit: str = "") -> str:
    return format_quantity(float(x), unit)


def _n(ws: Worksheet, key: str) -> float:
    return float(ws.napkin(key))


def _e(ws: Worksheet, key: str) -> float:
    return float(ws.exact(key))


def _rows_changed(statements: Sequence[tuple[str, Mapping[str, Any]]]) -> list[int]:
    """Rows each statement changes, in order, on a fresh in-memory table of the demo seats."""
    import sqlite3

    with closing(sqlite3.connect(":memory:")) as db:
        db.execute("CREATE TABLE seat (id INTEGER PRIMARY KEY, status TEXT NOT NULL, version INTEGER NOT NULL)")
        db.executemany("INSERT INTO seat VALUES (?, 'AVAILABLE', ?)",
                       [(i, _DEMO_VERSION) for i in range(1, _DEMO_SEATS + 1)])
        return [db.execute(sql, dict(params)).rowcount for sql, params in statements]


# --------------------------------------------------------------------------- slips in the worksheets' figures

def _attempt_per_seat(s: Sheets) -> Finding:
    sb = s["superbowl"]
    f70, f140 = s.figure("superbowl", "attempt_qps"), s.figure("superbowl", "booking_qps_capacity")
    attempt, capacity, room = _n(sb, "attempt_qps"), _n(sb, "booking_qps_capacity"), _n(sb, "room_qps_capacity")
    return Finding(
        id="attempt-qps-per-seat", kind=K.REASONING, where=f70.where,
        source_says=f"{f70.printed}; {f140.printed}",
        correct=f"{_q(attempt, 'req/s')} attempts and {_q(capacity, 'req/s')} of capacity with no waiting room; "
                f"{_q(room, 'req/s')} behind the room's {_q(_n(sb, 'throttle_rate'), 'users/s')}",
        arithmetic=f"{_q(_n(sb, 'users'), 'users')} ÷ {_q(_n(sb, 'sale_window'), 's')} = {_q(attempt, 'req/s')} "
                   f"(= {_q(_n(sb, 'booking_qps'), 'req/s')} × {_q(_n(sb, 'users_per_booking'), ':1')} users per "
                   f"booking); × {_q(_n(sb, 'retry_factor'))} for retries = {_q(capacity, 'req/s')}. Behind the room: "
                   f"min({_q(_n(sb, 'throttle_rate'), 'users/s')}, {_q(_n(sb, 'admit_rate'), 'users/s')}) × "
                   f"{_q(_n(sb, 'retry_factor'))} = {_q(room, 'req/s')}",
        why=f"The answer multiplies by users per seat ({_q(_n(sb, 'contention_ratio'), ':1')}), but people chase "
            f"bookings, and a group of {_q(_n(sb, 'seats_per_booking'))} takes its seats with one attempt: "
            f"{_q(_n(sb, 'users'), 'users')} for {_q(_n(sb, 'bookings_available'), 'bookings')} is "
            f"{_q(_n(sb, 'users_per_booking'), ':1')} per booking, the same as every user trying once in the window. "
            f"The answer's own queue step admits {_q(_n(sb, 'admit_rate'), 'users/s')}, more than the "
            f"{_q(f140.value, 'req/s')} it sized the booking path for.",
        scenario="superbowl", key="attempt_qps", printed=f70.value, value=attempt, unit="req/s", single=True,
        also=(("superbowl", "booking_qps_capacity"),))


def _booking_attempts(s: Sheets) -> Finding:
    tm = s["ticketmaster"]
    fig = s.figure("ticketmaster", "booking_attempts_per_day")
    attempts, bookings, rate = _n(tm, "booking_attempts_per_day"), _n(tm, "bookings_per_day"), _n(tm, "booking_success_rate")
    return Finding(
        id="booking-attempts", kind=K.ARITHMETIC, where=f"{fig.where}; Mistake 5", source_says=fig.printed,
        correct=_q(attempts, "attempts a day"),
        arithmetic=f"{_q(bookings, 'bookings')} ÷ {_q(rate, '%')} = {_q(attempts, 'attempts')}; "
                   f"{_q(bookings, '')} ÷ {_q(fig.value, '')} would be a {_q(bookings / fig.value, '%')} success rate",
        why=f"Dividing by {_q(rate, '%')} is not multiplying by {_q(_q_round(1 / rate), 'x')}: the printed figure "
            f"is {_q(1 - fig.value / attempts, '%')} short, outside its printed precision "
            f"(±{_q(fig.precision, '%')}), and no stated shortcut explains it. The cart-abandonment mistake "
            "repeats the same figure.",
        scenario="ticketmaster", key="booking_attempts_per_day", printed=fig.value, value=attempts,
        unit="attempts", single=True)


def _q_round(x: float) -> float:
    """``x`` to one significant figure, the way the source turns 30% into ×3."""
    return float(napkin_round(x, 1))


def _seat_map(s: Sheets) -> Finding:
    tm, bw = s["ticketmaster"], s["broadway"]
    fig = s.figure("ticketmaster", "seat_map_size")
    seat_map = _n(tm, "seat_map_size")
    part3 = _n(tm, "hot_event_fraction") * (_n(tm, "events_storage") + _n(tm, "seats_storage"))
    return Finding(
        id="seat-map-size", kind=K.ARITHMETIC, where=fig.where, source_says=fig.printed,
        correct=_q(seat_map, "B"),
        arithmetic=f"{_q(_n(tm, 'seats_per_event'), 'seats')} × {_q(_n(tm, 'seat_size'), 'B')} = {_q(seat_map, 'B')}",
        why=f"A seat map holds every seat of the venue, at the source's own {_q(_n(tm, 'seat_size'), 'B')} a seat. "
            f"The source sizes seat maps this way itself in the Broadway answer "
            f"({_q(_n(bw, 'hot_shows'), 'shows')} × {_q(_n(bw, 'seats_per_show'), 'seats')} × "
            f"{_q(_n(bw, 'seat_size'), 'B')} = {_q(_n(bw, 'seat_map_cache'), 'B')}), and its own blank template's "
            f"cache line, {_q(_n(tm, 'hot_event_fraction'), '%')} × (events + seats) = {_q(part3, 'B')}, gives the "
            "corrected hot-event cache, not the printed one.",
        scenario="ticketmaster", key="seat_map_size", printed=fig.value, value=seat_map, unit="B", single=True)


def _hot_events_cache(s: Sheets) -> Finding:
    tm = s["ticketmaster"]
    fig = s.figure("ticketmaster", "hot_events_cache")
    value = _n(tm, "hot_events_cache")
    return Finding(
        id="hot-events-cache", kind=K.ARITHMETIC, where=fig.where, source_says=fig.printed, correct=_q(value, "B"),
        arithmetic=f"{_q(_n(tm, 'hot_events'), 'events')} × ({_q(_n(tm, 'event_size'), 'B')} + "
                   f"{_q(_n(tm, 'seat_map_size'), 'B')}) = {_q(value, 'B')}",
        why="It follows from the seat map: with every seat in it, each hot event carries its full map.",
        scenario="ticketmaster", key="hot_events_cache", printed=fig.value, value=value, unit="B", single=True)


def _total_cache(s: Sheets) -> Finding:
    tm = s["ticketmaster"]
    fig = s.figure("ticketmaster", "total_cache")
    hot, searches, size = _n(tm, "hot_events_cache"), _n(tm, "popular_searches_cache"), _n(tm, "session_size")
    few, many = _n(tm, "admitted_sessions"), _n(tm, "concurrent_sessions")
    as_printed, larger = hot + searches + few * size, hot + searches + many * size
    return Finding(
        id="total-cache", kind=K.ARITHMETIC, where=f"{fig.where}; key metrics; mind map", source_says=fig.printed,
        correct=f"{_q(as_printed, 'B')} with the printed sessions; {_q(larger, 'B')} with sessions by the peak "
                "bookings a minute",
        arithmetic=f"{_q(hot, 'B')} + {_q(searches, 'B')} + {_q(few, 'sessions')} × {_q(size, 'B')} = "
                   f"{_q(as_printed, 'B')}",
        why="The printed total adds the small seat maps. With full maps and the session count as printed it is "
            f"{_q(as_printed / fig.value, 'x')} the printed figure; the session count is itself open "
            "(see concurrent-sessions). Either way one large cache node, not the small one the summary sizes.",
        readings=(Reading(f"{_q(few, 'sessions')} are open at once (the throttle's reading, as printed)", as_printed, "B"),
                  Reading(f"{_q(many, 'sessions')} are open at once (peak bookings a minute × attempt time)", larger, "B")),
        scenario="ticketmaster", key="total_cache", printed=fig.value, value=as_printed, unit="B", single=True)


def _broadway_bookings(s: Sheets) -> Finding:
    bw = s["broadway"]
    fig = s.figure("broadway", "bookings_storage")
    grouped = s.solve("broadway", seats_per_booking=s["ticketmaster"].exact("seats_per_booking"))
    value = _n(bw, "bookings_storage")
    return Finding(
        id="broadway-bookings-storage", kind=K.ARITHMETIC, where=fig.where, source_says=fig.printed,
        correct=_q(value, "B"),
        arithmetic=f"{_q(_n(bw, 'seats_per_show'))} × {_q(_n(bw, 'shows_per_week'))} × "
                   f"{_q(CONSTANTS['weeks_per_year'].napkin)} × {_q(_n(bw, 'productions'))} = "
                   f"{_q(_n(bw, 'bookings_kept'), 'bookings')} × {_q(_n(bw, 'booking_size'), 'B')} = {_q(value, 'B')}",
        why=f"The product is {_q(value / fig.value, 'x')} the printed figure. It also counts every seat as its own "
            f"booking and every show as sold out; at the baseline's "
            f"{_q(_n(grouped, 'seats_per_booking'), 'seats')} a booking it is {_q(_n(grouped, 'bookings_storage'), 'B')}.",
        readings=(Reading("each seat is its own booking (the source's formula)", value, "B"),
                  Reading(f"a booking holds {_q(_n(grouped, 'seats_per_booking'), 'seats')}",
                          _n(grouped, "bookings_storage"), "B")),
        scenario="broadway", key="bookings_storage", printed=fig.value, value=value, unit="B", single=True)


def _broadway_total(s: Sheets) -> Finding:
    bw = s["broadway"]
    fig = s.figure("broadway", "total_storage")
    grouped = s.solve("broadway", seats_per_booking=s["ticketmaster"].exact("seats_per_booking"))
    value = _n(bw, "total_storage")
    return Finding(
        id="broadway-total-storage", kind=K.ARITHMETIC, where=fig.where, source_says=fig.printed,
        correct=f"{_q(value, 'B')}, above the printed bound of {_q(fig.value, 'B')}",
        arithmetic=f"{_q(_n(bw, 'seats_storage'), 'B')} of seats + {_q(_n(bw, 'bookings_storage'), 'B')} of bookings "
                   f"= {_q(value, 'B')}",
        why="A bound is right as long as the figure stays under it; with the booking records corrected it does not, "
            f"even at {_q(_n(grouped, 'seats_per_booking'), 'seats')} a booking "
            f"({_q(_n(grouped, 'total_storage'), 'B')}). Still a small system.",
        readings=(Reading("each seat is its own booking", value, "B"),
                  Reading(f"a booking holds {_q(_n(grouped, 'seats_per_booking'), 'seats')}",
                          _n(grouped, "total_storage"), "B")),
        scenario="broadway", key="total_storage", printed=fig.value, value=value, unit="B")


def _taylor_bookings(s: Sheets) -> Finding:
    ts = s["taylor-swift"]
    fig = s.figure("taylor-swift", "bookings_storage")
    value = _n(ts, "bookings_storage")
    return Finding(
        id="taylor-bookings-storage", kind=K.REASONING, where=fig.where, source_says=fig.printed,
        correct=_q(value, "B"),
        arithmetic=f"{_q(_n(ts, 'seats'), 'seats')} ÷ {_q(_n(ts, 'seats_per_booking'))} = "
                   f"{_q(_n(ts, 'successful_bookings'), 'bookings')} × {_q(_n(ts, 'booking_size'), 'B')} = {_q(value, 'B')}",
        why="The seat count is used as the booking count; people book in groups. 'Negligible' still holds.",
        scenario="taylor-swift", key="bookings_storage", printed=fig.value, value=value, unit="B", single=True)


def _season_home_games(s: Sheets) -> Finding:
    ss = s["season-tickets"]
    fig = s.figure("season-tickets", "seat_events")
    value = _n(ss, "seat_events")
    return Finding(
        id="season-home-games", kind=K.REASONING, where=fig.where, source_says=fig.printed,
        correct=f"{_q(value, 'seat-events')} ({_q(_n(ss, 'seats_storage'), 'B')} of seat records)",
        arithmetic=f"{_q(_n(ss, 'games'), 'games')} × {_q(_n(ss, 'home_game_share'), '%')} at home = "
                   f"{_q(_n(ss, 'home_games'), 'home games')} × {_q(_n(ss, 'seats_per_show'), 'seats')} = {_q(value, '')}",
        why=f"The multiplication is right ({_q(_n(ss, 'games'))} × {_q(_n(ss, 'seats_per_show'))} = "
            f"{_q(_n(ss, 'games') * _n(ss, 'seats_per_show'))}), the count of games is not: a team sells its home "
            "games; the away games are the visited venues' seats.",
        scenario="season-tickets", key="seat_events", printed=fig.value, value=value, unit="seat-events", single=True)


def _lock_ceiling(s: Sheets) -> Finding:
    tm, sb = s["ticketmaster"], s["superbowl"]
    fig, fig_retry = s.figure("ticketmaster", "lock_qps_ceiling"), s.figure("ticketmaster", "retry_adjusted_capacity")
    ceiling, retried = _n(tm, "lock_qps_ceiling"), _n(tm, "retry_adjusted_capacity")
    return Finding(
        id="lock-ceiling-counts-seat-locks", kind=K.UNIT, where=fig.where,
        source_says=f"{fig.printed}; {fig_retry.printed}",
        correct=f"{_q(ceiling, 'bookings/s')} ({_q(retried, 'bookings/s')} after retries), for one hold: the whole "
                f"stock is locked in {_q(_n(tm, 'stock_lock_seconds'), 's')} "
                f"({_q(_n(tm, 'stock_lock_seconds_with_retries'), 's')} after retries)",
        arithmetic=f"{_q(_n(tm, 'seats'), 'seats')} × {_q(_n(tm, 'lock_throughput_per_seat'), 'locks/s')} = "
                   f"{_q(_n(tm, 'seat_lock_ceiling'), 'seat-locks/s')}; ÷ {_q(_n(tm, 'seats_per_booking'))} seats per "
                   f"booking = {_q(ceiling, 'bookings/s')}; ÷ {_q(1 + _n(tm, 'retry_rate'))} (one plus the retry rate) = "
                   f"{_q(retried, 'bookings/s')}. {_q(_n(tm, 'bookings_available'), 'bookings')} ÷ "
                   f"{_q(ceiling, 'bookings/s')} = {_q(_n(tm, 'stock_lock_seconds'), 's')}",
        why=f"Seats ÷ hold time counts seat-locks; a booking takes {_q(_n(tm, 'seats_per_booking'))} of them at once. "
            "And each seat sells once: at that ceiling the stock is gone within one hold, so it is a burst the stock "
            f"allows once, not a rate a sale can keep. The Super Bowl's: {_q(_n(sb, 'lock_qps_ceiling'), 'bookings/s')}, "
            f"its stock locked in {_q(_n(sb, 'stock_lock_seconds'), 's')}.",
        scenario="ticketmaster", key="lock_qps_ceiling", printed=fig.value, value=ceiling, unit="req/s", single=True,
        also=(("ticketmaster", "retry_adjusted_capacity"), ("taylor-swift", "lock_qps_ceiling"),
              ("taylor-swift", "retry_adjusted_capacity")))


def _sessions(s: Sheets) -> Finding:
    tm = s["ticketmaster"]
    fig, fig_cache = s.figure("ticketmaster", "concurrent_sessions"), s.figure("ticketmaster", "sessions_cache")
    few, many, users = _n(tm, "admitted_sessions"), _n(tm, "concurrent_sessions"), _n(tm, "users")
    size = _n(tm, "session_size")
    return Finding(
        id="concurrent-sessions", kind=K.INCONSISTENCY, where=fig.where, source_says=f"{fig.printed}; {fig_cache.printed}",
        correct=f"{_q(few, 'sessions')} ({_q(few * size, 'B')}) or {_q(many, 'sessions')} ({_q(many * size, 'B')}), "
                "depending on which of the source's rates is meant",
        arithmetic=f"Little's law, L = λ × W: {_q(_n(tm, 'effective_admit_rate') * _MINUTE, 'users a minute')} × "
                   f"{_q(_n(tm, 'booking_attempt_time'), 's')} = {_q(few, 'sessions')}; "
                   f"{_q(_n(tm, 'peak_bookings_per_minute'), 'bookings a minute')} × "
                   f"{_q(_n(tm, 'booking_attempt_time'), 's')} = {_q(many, 'sessions')}",
        why="The printed count matches the waiting room's throttle; the peak bookings a minute, and the peak "
            f"concurrent users, give {_q(many / few, 'x')} as many. The source never says which holds, so each "
            "reading is shown with what it assumes; the worksheet carries two of them (admitted_sessions, "
            "concurrent_sessions).",
        readings=(Reading(f"the room admits {_q(_n(tm, 'effective_admit_rate') * _MINUTE, 'users a minute')}", few, "sessions"),
                  Reading(f"{_q(_n(tm, 'peak_bookings_per_minute'), 'bookings')} start a minute", many, "sessions"),
                  Reading(f"every one of the {_q(users, 'peak users')} has a session", users, "sessions")),
        scenario="ticketmaster", key="concurrent_sessions", printed=fig.value, unit="sessions",
        also=(("ticketmaster", "sessions_cache"),))


# --------------------------------------------------------------------------- the source disagrees with itself

def _read_write(s: Sheets) -> Finding:
    tm = s["ticketmaster"]
    fact, part4 = s.fact("read_write_ratio"), s.figure("ticketmaster", "read_write_ratio")
    reads, bookings = _n(tm, "searches_per_day"), _n(tm, "bookings_per_day")
    holds, payments = _n(tm, "booking_attempts_per_day"), _n(tm, "payments_per_day")
    needed = fact.value * bookings
    return Finding(
        id="read-write-ratio-table", kind=K.INCONSISTENCY, where=fact.where, source_says=fact.printed,
        correct=f"{_q(reads / bookings, ':1')} counting successful bookings as the writes (as the filled template "
                f"prints); {_q(reads / (holds + payments), ':1')} counting holds and payments",
        arithmetic=f"{_q(reads, 'reads')} ÷ {_q(bookings, 'bookings')} = {_q(reads / bookings, ':1')}; "
                   f"{_q(reads, '')} ÷ ({_q(holds, 'holds')} + {_q(payments, 'payments')}) = "
                   f"{_q(reads / (holds + payments), ':1')}; adding {_q(bookings, 'confirmations')}: "
                   f"{_q(reads / (holds + payments + bookings), ':1')}",
        why=f"No count of writes gives {_q(fact.value, ':1')}: it needs {_q(needed, 'reads a day')}, "
            f"{_q(needed / _n(tm, 'dau'), 'reads')} per daily user, where the template has "
            f"{_q(_n(tm, 'searches_per_user'))}. The filled template prints {_q(part4.value, ':1')}.",
        readings=(Reading("writes are successful bookings", reads / bookings, ":1"),
                  Reading("writes are holds and payments", reads / (holds + payments), ":1"),
                  Reading("writes are holds, payments and confirmations", reads / (holds + payments + bookings), ":1")),
        printed=fact.value, unit=":1")


def _division_shortcut(s: Sheets) -> Finding:
    tm = s["ticketmaster"]
    bookings = _n(tm, "bookings_per_day")
    d = divide_by_zeros(bookings, CONSTANTS["seconds_per_day"].napkin)
    digits = len(str(int(bookings)))
    return Finding(
        id="division-shortcut-zeros", kind=K.REASONING, where="Part 2, Rule #2",
        source_says="500K ÷ 100K = 5 QPS (Just subtract the zeros: 6 zeros - 5 zeros = 1 zero = 10 = ~5)",
        correct=f"{_q(d.napkin, 'req/s')}, as printed; the explanation is {d.explain()}",
        arithmetic=f"{d.explain()}; exactly {_q(bookings)} ÷ {_q(SECONDS_PER_DAY.exact)} = "
                   f"{_q(_e(tm, 'booking_qps'), 'req/s')}",
        why=f"{_q(bookings)} has {_q(d.num_exponent)} zeros ({_q(digits)} digits), so the zeros cancel and the "
            f"answer is {_q(d.napkin)} with no fudge; counting {_q(digits)} gives {_q(10.0 ** (digits - d.den_exponent))}, "
            f"which the text then turns into {_q(d.napkin)} unexplained. The printed figure is right; the exact one is "
            "the day shortcut's gap.",
        value=d.napkin, unit="req/s")


def _peak_label(s: Sheets) -> Finding:
    tm = s["ticketmaster"]
    metric, table, repeat = s.fact("booking_qps_peak_metric"), s.fact("peak_multiplier"), s.fact("peak_repeat")
    peak, extreme = _n(tm, "peak_booking_qps"), _n(tm, "extreme_booking_qps")
    return Finding(
        id="peak-booking-qps-label", kind=K.INCONSISTENCY, where=f"{metric.where}; {table.where}; {repeat.where}",
        source_says=f"{metric.printed}; {table.printed}; {repeat.printed}",
        correct=f"peak {_q(peak, 'req/s')} (×{_q(_n(tm, 'peak_multiplier'))}, the typical peak), "
                f"extreme {_q(extreme, 'req/s')} (×{_q(_n(tm, 'extreme_multiplier'))}, an on-sale spike)",
        arithmetic=f"{_q(_n(tm, 'booking_qps'), 'req/s')} × {_q(_n(tm, 'peak_multiplier'))} = {_q(peak, 'req/s')}; "
                   f"× {_q(_n(tm, 'extreme_multiplier'))} = {_q(extreme, 'req/s')}",
        why="The peak-vs-average rule calls the smaller multiplier the typical peak and the larger one the extreme "
            "release spike. The summary labels the extreme figure 'peak', the assumptions table gives the smaller "
            "multiplier to 'major event releases', and the repetition calls the larger one 'peak traffic'.",
        readings=(Reading(f"peak means the typical peak (×{_q(_n(tm, 'peak_multiplier'))})", peak, "req/s"),
                  Reading(f"peak means an on-sale spike (×{_q(_n(tm, 'extreme_multiplier'))})", extreme, "req/s")),
        printed=metric.value, unit="req/s")


def _taylor_rates(s: Sheets) -> Finding:
    tm = s["ticketmaster"]
    room, minute, extreme = _n(tm, "effective_admit_rate"), _n(tm, "peak_booking_rate"), _n(tm, "extreme_booking_qps")
    return Finding(
        id="taylor-swift-rates", kind=K.INCONSISTENCY,
        where="Part 1 table; Part 2 Rule #3; Practical application: Taylor Swift",
        source_says="Peak bookings/minute 10K (during Taylor Swift release); 'Taylor Swift release: 5 × 100 = 500'; "
                    "'Queue needed: YES (throttle to 1K users/min)'",
        correct=f"one rate for the same peak: behind the room the booking path sees at most {_q(room, 'req/s')}",
        arithmetic=f"{_q(room * _MINUTE, 'users a minute')} = {_q(room, 'req/s')}; "
                   f"{_q(_n(tm, 'peak_bookings_per_minute'), 'bookings a minute')} = {_q(minute, 'req/s')}; "
                   f"{_q(_n(tm, 'booking_qps'), 'req/s')} × {_q(_n(tm, 'extreme_multiplier'))} = {_q(extreme, 'req/s')}",
        why=f"The rates for one on-sale lie {_q(minute / room, 'x')} and {_q(extreme / room, 'x')} above the "
            "throttle. A booking "
            "rate above the room's admit rate cannot happen with one booking per admitted user, so at most one of "
            "them describes the booking path; the Ticketmaster worksheet shows where each leads (sessions by the "
            "throttle and by the peak a minute).",
        readings=(Reading("the waiting room's throttle is the booking rate", room, "req/s"),
                  Reading("the peak bookings a minute are the booking rate", minute, "req/s"),
                  Reading(f"the ×{_q(_n(tm, 'extreme_multiplier'))} spike of the average is the booking rate",
                          extreme, "req/s")),
        scenario="ticketmaster", key="extreme_booking_qps", printed=s.figure("ticketmaster", "extreme_booking_qps").value,
        unit="req/s")


def _storage_one_year(s: Sheets) -> Finding:
    from ticketlab.estimate import storage

    tm = s["ticketmaster"]
    fact = s.fact("one_year_storage")
    keys = ("events", "event_size", "seats_per_event", "seat_size", "bookings_per_day", "booking_size",
            "total_users", "user_size", "searches_per_day", "log_record_size", "log_retention_years")
    one = storage(**{k: tm.exact(k) for k in keys}, retention_years=1)
    logs = _n(one, "logs_storage")
    without = sum(_n(one, k) for k in ("events_storage", "seats_storage", "bookings_storage", "users_storage"))
    return Finding(
        id="storage-one-year-table", kind=K.INCONSISTENCY, where=fact.where, source_says=fact.printed,
        correct=f"{_q(without, 'B')} without logs (the printed figure); {_q(without + logs, 'B')} with the logs the "
                "filled template counts",
        arithmetic=f"{_q(_n(one, 'events_storage'), 'B')} + {_q(_n(one, 'seats_storage'), 'B')} + "
                   f"{_q(_n(one, 'bookings_storage'), 'B')} (one year of bookings) + {_q(_n(one, 'users_storage'), 'B')} "
                   f"= {_q(without, 'B')}; + {_q(logs, 'B')} of logs = {_q(without + logs, 'B')}",
        why="The benchmark row agrees with the filled template only if logs are left out; the template counts them "
            "and they are most of the bytes.",
        readings=(Reading("logs are kept elsewhere", without, "B"),
                  Reading("a year of logs is counted, as in the filled template", without + logs, "B")),
        printed=fact.value, unit="B")


def _storage_retention(s: Sheets) -> Finding:
    tm = s["ticketmaster"]
    fig = s.figure("ticketmaster", "total_storage")
    logs, total = _n(tm, "logs_storage"), _e(tm, "total_storage")
    years = _n(tm, "retention_years") / _n(tm, "log_retention_years")
    all_kept = total - logs + logs * years
    return Finding(
        id="storage-retention-mix", kind=K.INCONSISTENCY, where=f"{fig.where}; key metrics 'Storage (5yr)'",
        source_says=f"{fig.printed}; 'Storage (5yr) 5 TB'",
        correct=f"{_q(total, 'B')} keeps {_q(_n(tm, 'retention_years'), 'years')} of bookings but "
                f"{_q(_n(tm, 'log_retention_years'), 'year')} of logs; {_q(all_kept, 'B')} keeps everything as long",
        arithmetic=f"{_q(total - logs, 'B')} + {_q(logs, 'B')} × {_q(years)} = {_q(all_kept, 'B')}",
        why=f"The label says {_q(_n(tm, 'retention_years'), 'years')} and the logs are kept "
            f"{_q(_n(tm, 'log_retention_years'), 'year')}; logs are the largest term ({_q(logs / total, '%')} of the "
            "printed total), so the label hides most of the bytes.",
        readings=(Reading("logs are kept as printed", total, "B"),
                  Reading("logs are kept as long as bookings", all_kept, "B")),
        scenario="ticketmaster", key="total_storage", printed=fig.value, unit="B")


def _funnel_factor(s: Sheets) -> Finding:
    from ticketlab.estimate import funnel

    tm, ts, sb = s["ticketmaster"], s["taylor-swift"], s["superbowl"]
    fact = s.fact("design_factor")
    searchers, tries, pays = (s.fact(k).value for k in ("funnel_searchers", "funnel_attempts", "funnel_payments"))
    f = funnel(searchers=searchers, attempt_rate=tries / searchers, booking_success_rate=pays / tries)
    per_purchase = _n(f, "attempts_per_purchase")
    part4 = s.figure("ticketmaster", "booking_attempts_per_day").value / s.figure(
        "ticketmaster", "successful_bookings_per_day").value
    return Finding(
        id="funnel-design-factor", kind=K.INCONSISTENCY, where=fact.where, source_says=fact.printed,
        correct=f"{_q(per_purchase, 'x')} attempts per purchase by the same funnel; {_q(part4, 'x')} in the filled "
                f"template; on an on-sale, users per booking ({_q(_n(ts, 'users_per_booking'), 'x')} for Taylor Swift, "
                f"{_q(_n(sb, 'users_per_booking'), 'x')} for the Super Bowl)",
        arithmetic=f"{_q(tries)} try ÷ {_q(pays)} pay = {_q(per_purchase, 'x')}; {_q(searchers)} search ÷ {_q(tries)} "
                   f"try = {_q(searchers / tries, 'x')}",
        why="The stated factor is searchers per attempt, not attempts per purchase: it matches neither the funnel "
            "it follows, nor the template, nor an on-sale.",
        readings=(Reading("the factor is the funnel's attempts per purchase", per_purchase, "x"),
                  Reading("it is the filled template's attempts per booking", part4, "x"),
                  Reading("it is users per booking at the Taylor Swift on-sale", _n(ts, "users_per_booking"), "x"),
                  Reading("it is users per booking at the Super Bowl", _n(sb, "users_per_booking"), "x")),
        printed=fact.value, unit="x")


def _funnel_vs_template(s: Sheets) -> Finding:
    from ticketlab.estimate import funnel

    tm = s["ticketmaster"]
    searchers, tries, pays = (s.fact(k).value for k in ("funnel_searchers", "funnel_attempts", "funnel_payments"))
    attempt_rate, success = tries / searchers, pays / tries
    per_user = _n(funnel(searchers=_n(tm, "dau"), attempt_rate=attempt_rate, booking_success_rate=success), "purchases")
    per_search = _n(funnel(searchers=_n(tm, "searches_per_day"), attempt_rate=attempt_rate,
                           booking_success_rate=success), "purchases")
    bookings = _n(tm, "bookings_per_day")
    needed = bookings / _n(tm, "booking_success_rate") / _n(tm, "dau")
    return Finding(
        id="funnel-vs-template", kind=K.INCONSISTENCY, where="Part 5 Technique 2 vs Part 4",
        source_says="100 users search → 10 users try to book → 3 users complete payment; Successful Bookings/Day: 500 K",
        correct=f"{_q(per_user, 'bookings a day')} per daily user, {_q(per_search, 'bookings a day')} per search; "
                f"the template's {_q(bookings, '')} needs {_q(needed, '%')} of daily users to try",
        arithmetic=f"{_q(_n(tm, 'dau'), 'users')} × {_q(attempt_rate, '%')} × {_q(success, '%')} = "
                   f"{_q(per_user, 'bookings')}; {_q(_n(tm, 'searches_per_day'), 'searches')} × {_q(attempt_rate, '%')} "
                   f"× {_q(success, '%')} = {_q(per_search, 'bookings')}",
        why="Run on the template's own traffic the funnel gives neither the template's bookings nor its attempts: "
            "the two assume different users.",
        readings=(Reading("the funnel counts daily users", per_user, "bookings"),
                  Reading("the funnel counts searches", per_search, "bookings")),
        scenario="ticketmaster", key="successful_bookings_per_day",
        printed=s.figure("ticketmaster", "successful_bookings_per_day").value, unit="bookings")


def _servers(s: Sheets) -> Finding:
    servers = s.fact("servers").value
    readings = tuple(Reading(f"{_q(s.fact(k).value, 'req/s')} needs {_q(servers, 'servers')} ({s.fact(k).where})",
                             s.fact(k).value / servers, "req/s")
                     for k in ("mistake1_qps", "mind_map_qps", "ritual_qps"))
    low, high = readings[0].value, readings[-1].value
    return Finding(
        id="servers-per-qps", kind=K.INCONSISTENCY, where=s.fact("servers").where, source_says=s.fact("servers").printed,
        correct="one per-server rate, stated, for all three",
        arithmetic="; ".join(f"{_q(s.fact(k).value, 'req/s')} ÷ {_q(servers, 'servers')} = "
                             f"{_q(s.fact(k).value / servers, 'req/s')} a server"
                             for k in ("mistake1_qps", "mind_map_qps", "ritual_qps")),
        why=f"The same server count carries {_q(high / low, 'x')} different loads. At {_q(high, 'req/s')} a server "
            f"the booking spike needs {_q(math.ceil(s.fact('mistake1_qps').value / high), 'server')} (plus "
            f"redundancy), not {_q(servers, 'servers')}.",
        readings=readings)


def _funnel_and_mistake5(s: Sheets) -> Finding:
    tm = s["ticketmaster"]
    fig = s.figure("ticketmaster", "payments_per_day")
    return Finding(
        id="mistake5-vs-template", kind=K.INCONSISTENCY, where=f"Mistake 5 vs {fig.where}",
        source_says=f"'✗ BAD: 500K bookings/day means 500K payments/day' vs '{fig.printed} (same as bookings)'",
        correct=f"payments = bookings × payments per booking = {_q(_n(tm, 'payments_per_day'), 'payments')}, as the "
                f"template has it; the lesson is that attempts ({_q(_n(tm, 'booking_attempts_per_day'), '')}) are not "
                f"bookings ({_q(_n(tm, 'bookings_per_day'), '')})",
        arithmetic=f"{_q(_n(tm, 'bookings_per_day'), 'bookings')} × {_q(_n(tm, 'payments_per_booking'))} = "
                   f"{_q(_n(tm, 'payments_per_day'), 'payments')}; {_q(_n(tm, 'bookings_per_day'), '')} ÷ "
                   f"{_q(_n(tm, 'booking_success_rate'), '%')} = {_q(_n(tm, 'booking_attempts_per_day'), 'attempts')}",
        why="The mistake the source warns against is the figure its own filled template prints. Abandoned holds make "
            "no payment at all, so payments track bookings (declined cards aside); what grows is attempts.")


def _ritual_storage(s: Sheets) -> Finding:
    tm = s["ticketmaster"]
    parts = ("events_storage", "seats_storage", "bookings_storage", "users_storage")
    listed, logs, total = sum(_n(tm, k) for k in parts), _n(tm, "logs_storage"), _e(tm, "total_storage")
    return Finding(
        id="ritual-storage-omits-logs", kind=K.INCONSISTENCY, where="Part 8, 5-minute ritual, item 4",
        source_says="Calculate Storage: Events + Seats + Bookings + Users",
        correct=f"{_q(total, 'B')}: the ritual's sum plus {_q(logs, 'B')} of logs",
        arithmetic=" + ".join(_q(_n(tm, k), "B") for k in parts) + f" = {_q(listed, 'B')}; + {_q(logs, 'B')} = "
                                                                   f"{_q(listed + logs, 'B')}",
        why=f"The ritual leaves out the largest term: logs are {_q(logs / total, '%')} of the filled template's total.")


def _ritual_cache(s: Sheets) -> Finding:
    figs = [s.figure("ticketmaster", k) for k in ("hot_events_cache", "popular_searches_cache", "sessions_cache")]
    printed_sum = sum(f.value for f in figs)
    return Finding(
        id="ritual-cache-omits-searches", kind=K.INCONSISTENCY, where="Part 8, 5-minute ritual, item 5",
        source_says="Calculate Cache: 1% hot events + session data",
        correct="hot events + popular searches + sessions, as the filled template adds them",
        arithmetic=" + ".join(_q(f.value, "B") for f in figs) + f" = {_q(printed_sum, 'B')}",
        why=f"The ritual drops the popular searches, {_q(figs[1].value / printed_sum, '%')} of the template's own sum.")


def _session_size(s: Sheets) -> Finding:
    tm, bw = s["ticketmaster"], s["broadway"]
    a, b = _n(tm, "session_size"), _n(bw, "session_size")
    return Finding(
        id="session-size-disagree", kind=K.INCONSISTENCY, where="Part 4 step 4 vs Practice problem 2",
        source_says="Peak concurrent bookings: 10K users × 50 KB; Session data: 50K users × 10 KB",
        correct=f"one session size for both, or a reason they differ ({_q(a, 'B')} vs {_q(b, 'B')})",
        arithmetic=f"{_q(a, 'B')} ÷ {_q(b, 'B')} = {_q(a / b, 'x')}",
        why="Two sessions of the same booking flow are sized apart with no reason given; the cache estimates move "
            "with it.")


def _peak_users(s: Sheets) -> Finding:
    fact = s.fact("peak_concurrent_users")
    readings = tuple(Reading(f"the {s.scenarios[n].title} is the peak", _n(s[n], "users"), "users")
                     for n in ("ticketmaster", "superbowl", "olympics"))
    return Finding(
        id="peak-users-vs-problems", kind=K.INCONSISTENCY, where=fact.where, source_says=fact.printed,
        correct=f"size the queue for the largest sale planned: {_q(max(r.value for r in readings), 'users')} in the "
                "source's own problems",
        arithmetic="; ".join(f"{s.scenarios[n].title}: {_q(_n(s[n], 'users'), 'users')}"
                             for n in ("ticketmaster", "superbowl", "olympics")),
        why="The summary sizes the virtual queue for the Taylor Swift crowd, while the practice problem and the final "
            "challenge bring far larger ones.",
        readings=readings, printed=fact.value, unit="users")


def _level_boundary(s: Sheets) -> Finding:
    from ticketlab.estimate import contention_level

    seats = _n(s["ticketmaster"], "seats")
    level = contention_level(seats, seats)
    return Finding(
        id="contention-level-boundary", kind=K.INCONSISTENCY, where="Cheat sheet, contention levels",
        source_says="Medium: Users < Seats × 1 → Pessimistic locking; High: Users > Seats → Distributed locks + Queue",
        correct=f"users = seats belongs to one level; ticketlab puts it in {level.label} (users ≥ seats)",
        arithmetic=f"{_q(seats, 'users')} for {_q(seats, 'seats')}: not below the seats (so not Medium), not above "
                   f"them (so not High)",
        why="Both bounds are strict, so the case where demand exactly meets supply falls between the levels.")


def _benchmark_rows(s: Sheets) -> Finding:
    tm = s["ticketmaster"]
    dau, qps = s.fact("benchmark_dau").value, s.fact("benchmark_peak_qps").value
    tm_dau, tm_qps = _n(tm, "dau"), _n(tm, "extreme_peak_qps")
    return Finding(
        id="benchmark-rows-implausible", kind=K.INCONSISTENCY, where=s.fact("benchmark_dau").where,
        source_says=f"{s.fact('benchmark_dau').printed}; TicketMaster | 10M | 50K",
        correct="unsupported: the rows cite no source, so they are flagged, not corrected",
        arithmetic=f"({_q(qps, 'req/s')} ÷ {_q(dau, 'users')}) ÷ ({_q(tm_qps, 'req/s')} ÷ {_q(tm_dau, 'users')}) = "
                   f"{_q((qps / dau) / (tm_qps / tm_dau), 'x')}",
        why=f"The Instagram row has the TicketMaster row's peak with {_q(dau / tm_dau, 'x')} the daily users, so at "
            f"the same peak-to-average ratio each Instagram user would make {_q(dau / tm_dau, 'x')} fewer requests "
            "than a ticket buyer.")


def _max_concurrent(s: Sheets) -> Finding:
    tm = s["ticketmaster"]
    return Finding(
        id="max-concurrent-bookings-is-a-rate", kind=K.UNIT, where="Cheat sheet, capacity formulas",
        source_says="Max concurrent bookings = seats × (1 / lock_hold_time)",
        correct=f"{_q(_n(tm, 'seat_lock_ceiling'), 'seat-locks/s')} is a rate; the number held at once is "
                f"{_q(_n(tm, 'concurrent_lock_holders'), 'seat locks')} at the retry-adjusted rate",
        arithmetic=f"L = λ × W: {_q(_n(tm, 'retry_adjusted_capacity'), 'bookings/s')} × "
                   f"{_q(_n(tm, 'seats_per_booking'))} seats × {_q(_n(tm, 'lock_hold_time'), 's')} = "
                   f"{_q(_n(tm, 'concurrent_lock_holders'), 'seat locks')}",
        why=f"Seats ÷ hold time is per second. What is concurrent is rate × hold (Little's law), and it can never "
            f"exceed the {_q(_n(tm, 'seats'), 'seats')}.")


def _broadway_concurrent(s: Sheets) -> Finding:
    bw = s["broadway"]
    fig = s.figure("broadway", "peak_booking_qps")
    return Finding(
        id="broadway-concurrent-is-a-rate", kind=K.UNIT, where=fig.where,
        source_says="Concurrent bookings: 50K ÷ (5 × 60) = 167 bookings/sec",
        correct=f"{_q(_e(bw, 'peak_booking_qps'), 'req/s')} is the arrival rate; "
                f"{_q(_n(bw, 'users'), 'sessions')} are concurrent",
        arithmetic=f"λ = L ÷ W = {_q(_n(bw, 'users'), 'users')} ÷ {_q(_n(bw, 'booking_time'), 's')} = "
                   f"{_q(_e(bw, 'peak_booking_qps'), 'req/s')}",
        why="The users are the concurrency (L), the booking time is how long each stays (W), so L ÷ W is the rate "
            "(λ). The arithmetic is right; the label swaps the two.",
        scenario="broadway", key="peak_booking_qps", printed=fig.value, unit="req/s")


def _per_booking_contention(s: Sheets) -> Finding:
    tm = s["ticketmaster"]
    return Finding(
        id="contention-per-booking", kind=K.REASONING, where="Part 5, Technique 3",
        source_says="100K users ÷ 50K seats = 2× oversubscription",
        correct=f"{_q(_n(tm, 'users_per_booking'), ':1')} users per booking available",
        arithmetic=f"{_q(_n(tm, 'seats'), 'seats')} ÷ {_q(_n(tm, 'seats_per_booking'))} = "
                   f"{_q(_n(tm, 'bookings_available'), 'bookings')}; {_q(_n(tm, 'users'), 'users')} ÷ "
                   f"{_q(_n(tm, 'bookings_available'), '')} = {_q(_n(tm, 'users_per_booking'), ':1')}",
        why=f"People buy {_q(_n(tm, 'seats_per_booking'))} seats at a time, so {_q(_n(tm, 'waitlisted_users'), 'users')} "
            f"of the {_q(_n(tm, 'users'), '')} leave empty-handed, not the "
            f"{_q(_n(tm, 'users') - _n(tm, 'seats'), '')} that users per seat suggests.",
        scenario="ticketmaster", key="contention_ratio", printed=s.figure("ticketmaster", "contention_ratio").value,
        value=_n(tm, "users_per_booking"), unit=":1")


def _day_year(s: Sheets) -> Finding:
    day, month, year = (CONSTANTS[k] for k in ("seconds_per_day", "seconds_per_month", "seconds_per_year"))
    days, month_days = CONSTANTS["days_per_year"].napkin, SECONDS_PER_MONTH.exact / SECONDS_PER_DAY.exact
    napkin_year, napkin_month = days * day.napkin, month_days * day.napkin
    return Finding(
        id="day-year-shortcuts-disagree", kind=K.INCONSISTENCY, where="Part 2, Rule #1",
        source_says="1 Day = ~100K seconds; 1 Month = ~2.5M seconds; 1 Year = ~30M seconds",
        correct=f"{_q(days)} napkin days make {_q(napkin_year, 'seconds')}, not {_q(year.napkin, 'seconds')}; "
                f"{_q(month_days)} napkin days make {_q(napkin_month, 'seconds')}, not {_q(month.napkin, 'seconds')}",
        arithmetic=f"{_q(days)} × {_q(day.napkin, 'seconds')} = {_q(napkin_year, 'seconds')} "
                   f"({_q(napkin_year / year.napkin - 1, '%')} above the napkin year, "
                   f"{_q(napkin_year / year.exact - 1, '%')} above the calendar's {_q(year.exact, 'seconds')}); "
                   f"{_q(month_days)} × {_q(day.napkin, 'seconds')} = {_q(napkin_month, 'seconds')}",
        why="The month and the year are rounded from the calendar day; the day is rounded up on its own. A figure "
            "worked per day and then per year moves by the difference. ticketlab's napkin multiplies days by "
            f"{_q(days)} where the source does, so its storage figures are not affected.")


# --------------------------------------------------------------------------- design consequences left unsaid

def _lock_vs_db(s: Sheets) -> Finding:
    tm, fest = s["ticketmaster"], s["music-festival"]
    hold, db, update = _n(tm, "lock_hold_time"), _n(tm, "db_statement"), _n(fest, "counter_update_time")
    metric = s.fact("lock_hold_metric")
    return Finding(
        id="lock-hold-equals-db-timeout", kind=K.DESIGN, where=f"Technique 3 vs Technique 4; {metric.where}",
        source_says=f"Average lock hold time: 5 seconds (DB query + update); Database query timeout: 5 seconds; "
                    f"'{metric.printed}'",
        correct=f"a typical hold well under the {_q(db, 's')} statement timeout: a conditional update commits in "
                f"about {_q(update, 's')}",
        arithmetic=f"average hold {_q(hold, 's')} ÷ statement timeout {_q(db, 's')} = {_q(hold / db, 'x')}; "
                   f"{_q(hold, 's')} ÷ {_q(update, 's')} = {_q(hold / update, 'x')}",
        why="If the average hold equals the most a statement may take, a large share of holds end in a timeout. "
            f"The summary itself says the hold is under {_q(metric.value, 's')}, and one database query and update "
            f"take milliseconds (the festival scenario's {_q(update, 's')}, from ticketlab's SQLite benchmark), so "
            "the average hold is the wrong number to put at the timeout.")


def _cascade(s: Sheets) -> Finding:
    tm = s["ticketmaster"]
    fact = s.fact("http_timeout")
    layers = [(name, fact.value if name == "http_call" else _n(tm, name)) for name in CASCADE_LAYERS]
    try:
        check_cascade(layers)
        refused = "the cascade rule accepts it"
    except CascadeError as error:
        refused = str(error).split(". ")[0]
    chain = " > ".join(f"{name} {_q(_n(tm, name), 's')}" for name in CASCADE_LAYERS)
    return Finding(
        id="timeout-cascade-inverted", kind=K.DESIGN, where=fact.where, source_says=fact.printed,
        correct=f"{chain} (the HTTP timeout is assumed; a request outlives the statements it waits for)",
        arithmetic=f"{_q(fact.value, 's')} < the {_q(_n(tm, 'db_statement'), 's')} statement timeout, and < the "
                   f"{_q(_n(tm, 'lock_hold_time'), 's')} average lock hold; ticketlab's rule: {refused}",
        why="A request that gives up before its own statement leaves the database working for nobody: the booking "
            "may commit after the buyer saw an error, then be made again on retry. The source's own rule ('each "
            "layer timeout < parent layer timeout') puts the caller above its work. "
            f"`ticketlab estimate --http-call {fact.value:g}s` refuses the printed value.",
        printed=fact.value, value=_n(tm, "http_call"), unit="s")


def _superbowl_sellout(s: Sheets) -> Finding:
    sb = s["superbowl"]
    fig = s.figure("superbowl", "sale_duration_seconds")
    sellout, duration = _n(sb, "sellout_seconds"), _n(sb, "sale_duration_seconds")
    return Finding(
        id="superbowl-sellout-time", kind=K.DESIGN, where=fig.where, source_says=fig.printed,
        correct=f"sold out after {_q(sellout, 's')}; close the queue then",
        arithmetic=f"{_q(_n(sb, 'bookings_available'), 'bookings')} ÷ {_q(_n(sb, 'effective_admit_rate'), 'users/s')} "
                   f"= {_q(sellout, 's')}, against a sale of {_q(duration, 's')}",
        why=f"With one booking per admitted user the stock is gone early; for the remaining "
            f"{_q(duration - sellout, 's')} the room admits people to a sold-out sale. Tell the queue when inventory "
            "runs out.",
        scenario="superbowl", key="sale_duration_seconds", printed=fig.value, unit="s")


def _taylor_sellout(s: Sheets) -> Finding:
    ts = s["taylor-swift"]
    sellout, duration = _n(ts, "sellout_seconds"), _n(ts, "sale_duration_seconds")
    return Finding(
        id="taylor-sellout-time", kind=K.DESIGN, where="Practical application: Taylor Swift",
        source_says="Queue needed: YES (throttle to 1K users/min)",
        correct=f"sold out after {_q(sellout, 's')}; the room stays open {_q(duration, 's')}",
        arithmetic=f"{_q(_n(ts, 'users'), 'users')} ÷ {_q(_n(ts, 'effective_admit_rate'), 'users/s')} = "
                   f"{_q(duration, 's')}; {_q(_n(ts, 'bookings_available'), 'bookings')} ÷ "
                   f"{_q(_n(ts, 'effective_admit_rate'), 'users/s')} = {_q(sellout, 's')}",
        why=f"As in the Super Bowl: {_q(duration - sellout, 's')} of admitting people to a sold-out sale. The "
            "throttle sets how long the sale lasts, not how many can buy.")


def _bandwidth_spike(s: Sheets) -> Finding:
    tm = s["ticketmaster"]
    fig = s.figure("ticketmaster", "peak_bandwidth")
    extreme = _n(tm, "extreme_peak_bandwidth")
    return Finding(
        id="bandwidth-not-sized-for-spike", kind=K.DESIGN, where=f"{fig.where} vs Pro tip 1",
        source_says=f"{fig.printed}; 'designed for 100× spike'", correct=_q(extreme, "B/s"),
        arithmetic=f"{_q(_n(tm, 'average_bandwidth'), 'B/s')} × {_q(_n(tm, 'extreme_multiplier'))} = {_q(extreme, 'B/s')}",
        why=f"QPS is planned for the ×{_q(_n(tm, 'extreme_multiplier'))} spike but bandwidth for "
            f"×{_q(_n(tm, 'peak_multiplier'))}: at the spike the same traffic needs "
            f"{_q(extreme / _n(tm, 'peak_bandwidth'), 'x')} the link.",
        scenario="ticketmaster", key="peak_bandwidth", printed=fig.value, value=extreme, unit="B/s")


def _template_window(s: Sheets) -> Finding:
    ts = s["taylor-swift"]
    day = CONSTANTS["seconds_per_day"].napkin
    on_sale, per_day = _n(ts, "booking_qps"), _n(ts, "successful_bookings") / day
    return Finding(
        id="template-ignores-booking-window", kind=K.DESIGN, where="Your practice template, step 1",
        source_says="Booking window (minutes): [____] … → Booking QPS = [____] K ÷ 100K",
        correct=f"on-sale booking QPS = bookings ÷ window: {_q(on_sale, 'req/s')} for Taylor Swift",
        arithmetic=f"{_q(_n(ts, 'successful_bookings'), 'bookings')} ÷ {_q(_n(ts, 'sale_window'), 's')} = "
                   f"{_q(on_sale, 'req/s')}; the template's {_q(_n(ts, 'successful_bookings'), '')} ÷ "
                   f"{_q(day, 'seconds')} = {_q(per_day, 'req/s')}",
        why=f"The template asks for the booking window and never uses it; dividing by a day is "
            f"{_q(on_sale / per_day, 'x')} too low for a sale that happens in the window (the Taylor Swift window is "
            "assumed, as the source gives none).")


def _stripe(s: Sheets) -> Finding:
    tm = s["ticketmaster"]
    fact = s.fact("payment_qps_peak_metric")
    minute, room = _n(tm, "peak_booking_rate"), _n(tm, "effective_admit_rate")
    return Finding(
        id="stripe-default-rate-limit", kind=K.DESIGN, where=fact.where, source_says=fact.printed,
        correct=f"plan payments under the provider's limit: Stripe's default is {_q(STRIPE_LIVE_RATE_LIMIT, 'req/s')} "
                f"in live mode (raised on request); the room's {_q(room, 'req/s')} fits, the printed peak does not",
        arithmetic=f"{_q(fact.value, 'req/s')} ÷ {_q(STRIPE_LIVE_RATE_LIMIT, 'req/s')} = "
                   f"{_q(fact.value / STRIPE_LIVE_RATE_LIMIT, 'x')}; the peak bookings a minute, {_q(minute, 'req/s')}, "
                   f"are {_q(minute / STRIPE_LIVE_RATE_LIMIT, 'x')}",
        why="The summary names the payment provider's rate limit as the reason the figure matters, then plans "
            "above the default one (docs.stripe.com/rate-limits). Raise it ahead of the sale, or pace payments "
            "behind the room.",
        printed=fact.value, unit="req/s")


def _websocket(s: Sheets) -> Finding:
    tm, ts = s["ticketmaster"], s["taylor-swift"]
    per_booking, clients = _n(ts, "seats_per_booking"), _n(ts, "users")
    changes, peak_changes = _n(ts, "effective_admit_rate") * per_booking, _n(tm, "peak_booking_rate") * per_booking
    return Finding(
        id="websocket-fanout", kind=K.DESIGN, where="Practical application: Taylor Swift, step 4",
        source_says="Seat availability updates via WebSocket; Cache invalidation on every booking",
        correct=f"batch: one push per client every {_q(_PUSH_INTERVAL, 's')} is "
                f"{_q(clients / _PUSH_INTERVAL, 'messages/s')}; invalidate the seats that changed, not the "
                f"{_q(_n(ts, 'seats_storage'), 'B')} map",
        arithmetic=f"{_q(_n(ts, 'effective_admit_rate'), 'bookings/s')} × {_q(per_booking)} seats = "
                   f"{_q(changes, 'seat changes/s')} × {_q(clients, 'clients')} = {_q(changes * clients, 'messages/s')}; "
                   f"at the peak bookings a minute {_q(peak_changes * clients, 'messages/s')}",
        why="Pushing every seat change to every waiting client multiplies the sale's write rate by the crowd; "
            f"rewriting the whole venue map on each booking rewrites it {_q(_n(ts, 'effective_admit_rate'), '')} to "
            f"{_q(_n(tm, 'peak_booking_rate'), '')} times a second.")


def _sweep(s: Sheets) -> Finding:
    tm, ts, sb = s["ticketmaster"], s["taylor-swift"], s["superbowl"]
    fact = s.fact("sweep_interval")
    sweep, hold = fact.value, _n(tm, "booking_hold")
    return Finding(
        id="sweep-interval", kind=K.DESIGN, where=fact.where, source_says=fact.printed,
        correct=f"treat a hold as free once its reserved-until passes, at read and hold time; the {_q(sweep, 's')} "
                "sweep only tidies",
        arithmetic=f"a hold lives {_q(hold, 's')} to {_q(hold + sweep, 's')}; a freed seat idles up to {_q(sweep, 's')} "
                   f"(mean {_q(sweep / 2, 's')}): {_q(sweep / 2 / _n(ts, 'sellout_seconds'), '%')} to "
                   f"{_q(sweep / _n(ts, 'sellout_seconds'), '%')} of the Taylor Swift sale, "
                   f"{_q(sweep / _n(sb, 'sellout_seconds'), '%')} of the Super Bowl's",
        why="A seat released by a periodic job stays unsellable until the job runs; in a sale that lasts minutes that "
            "is a real share of it.")


def _inventory_growth(s: Sheets) -> Finding:
    tm = s["ticketmaster"]
    fact = s.fact("events_created_per_day")
    per_day = fact.value * _n(tm, "seats_per_event") * _n(tm, "seat_size")
    days, years = CONSTANTS["days_per_year"].napkin, _n(tm, "retention_years")
    life = _n(tm, "events") / fact.value
    return Finding(
        id="seat-inventory-growth", kind=K.DESIGN, where=f"{fact.where}; Part 4 seats data",
        source_says=f"{fact.printed}; 'Total seats: 500K events × 10K = 5 Billion seats'",
        correct=f"{_q(per_day * days, 'B')} a year of new seat rows ({_q(per_day * days * years, 'B')} over the "
                "bookings' retention) unless they are deleted after the event",
        arithmetic=f"{_q(fact.value, 'events')} × {_q(_n(tm, 'seats_per_event'), 'seats')} × "
                   f"{_q(_n(tm, 'seat_size'), 'B')} = {_q(per_day, 'B')} a day × {_q(days)} = {_q(per_day * days, 'B')}",
        why=f"The seats figure is the live inventory ({_q(_n(tm, 'events'), 'events')} ÷ {_q(fact.value, '')} a day "
            f"is a {_q(life)}-day life); the storage total never says what happens to past events' seats.")


def _sell_through(s: Sheets) -> Finding:
    tm = s["ticketmaster"]
    created = s.fact("events_created_per_day").value
    sold = _n(tm, "bookings_per_day") * _n(tm, "seats_per_booking")
    listed = created * _n(tm, "seats_per_event")
    return Finding(
        id="sell-through", kind=K.INCONSISTENCY, where="Part 1, core assumptions table",
        source_says="Events created/day 5K; Avg seats per venue 10K; Bookings/day 500K; Seats per booking 2.5",
        correct=f"{_q(sold / listed, '%')} of listed seats sell: {_q(sold / listed * _n(tm, 'seats_per_event'), 'seats')} "
                "of an average event's",
        arithmetic=f"{_q(_n(tm, 'bookings_per_day'), 'bookings')} × {_q(_n(tm, 'seats_per_booking'))} = "
                   f"{_q(sold, 'seats sold')} a day; {_q(created, 'events')} × {_q(_n(tm, 'seats_per_event'), 'seats')} = "
                   f"{_q(listed, 'seats listed')} a day",
        why="Taken together the givens describe a site where events almost never sell; either far fewer seats are "
            "listed, or far more are sold.")


def _whiteboard(s: Sheets) -> Finding:
    tm = s["ticketmaster"]
    return Finding(
        id="whiteboard-first-100k", kind=K.INCONSISTENCY, where="Repetition backed by emotion, visualise",
        source_says="100K users will try to book simultaneously … the first 100K users wait in a virtual queue",
        correct=f"all {_q(_n(tm, 'users'), 'users')} wait; {_q(_n(tm, 'bookings_available'), 'bookings')} exist; "
                f"about {_q(_n(tm, 'admitted_sessions'), 'users')} are in the booking path at once",
        arithmetic=f"{_q(_n(tm, 'effective_admit_rate') * _MINUTE, 'users a minute')} × {_q(_n(tm, 'booking_attempt_time'), 's')} "
                   f"= {_q(_n(tm, 'admitted_sessions'), 'users')}",
        why="'The first' of everyone is everyone, and 'simultaneously' is not what the throttle allows.")


def _attempt_time(s: Sheets) -> Finding:
    tm = s["ticketmaster"]
    fact = s.fact("attempt_time")
    hold = _n(tm, "booking_hold")
    return Finding(
        id="attempt-time-equals-hold", kind=K.DESIGN, where=f"{fact.where} vs Technique 4",
        source_says=f"{fact.printed}; 'User booking timeout: 10 minutes'",
        correct="a hold several times the typical attempt, or a shorter attempt",
        arithmetic=f"mean attempt {_q(fact.value, 's')} ÷ hold {_q(hold, 's')} = {_q(fact.value / hold, 'x')}; "
                   f"with exponential attempt times {_q(math.exp(-hold / fact.value), '%')} outlast the hold",
        why="A timeout equal to the mean cuts off a large share of attempts that would have paid.")


def _retries(s: Sheets) -> Finding:
    sb, tm = s["superbowl"], s["ticketmaster"]
    attempt = _n(sb, "attempt_qps")
    factor, rate, tries = _n(sb, "retry_factor"), _n(tm, "retry_rate"), s.fact("retry_attempts").value
    readings = (Reading(f"each attempt gets ×{_q(factor)} headroom (the Super Bowl answer)", attempt * factor, "req/s"),
                Reading(f"retries add {_q(rate, '%')} (the capacity formula)", attempt * (1 + rate), "req/s"),
                Reading(f"every attempt uses all {_q(tries)} retries (the failure modes, at most)",
                        attempt * (1 + tries), "req/s"))
    return Finding(
        id="retry-factors-disagree", kind=K.INCONSISTENCY, where="Practice problem 1; cheat sheet capacity formulas "
                                                                "and failure modes",
        source_says="'Add retry factor (×2)'; 'Theoretical / (1 + retry_rate)' with 0.5; 'Retry 3 times, then waitlist'",
        correct="one retry assumption, used for every capacity",
        arithmetic="; ".join(f"{_q(attempt, 'req/s')} → {r.text()}" for r in readings),
        why=f"The Super Bowl capacity moves {_q(readings[2].value / readings[1].value, 'x')} between the readings.",
        readings=readings)


# --------------------------------------------------------------------------- code the source prints

def _setnx(s: Sheets) -> Finding:
    ttl = _n(s["ticketmaster"], "lock_ttl")
    passed = len(_SETNX_AS_PRINTED.split()) - 1
    return Finding(
        id="setnx-syntax", kind=K.DESIGN, where="Cheat sheet, distributed (Redis Redlock)",
        source_says=_SETNX_AS_PRINTED,
        correct=f"`SET {_SEAT_KEY} <token> NX EX {ttl:g}`",
        arithmetic=f"SETNX takes {_q(_SETNX_ARITY)} arguments (key, value); the line passes {_q(passed)}, and Redis "
                   "answers 'ERR wrong number of arguments'",
        why="SETNX has no expiry option. SET with NX and EX takes the lock and its TTL in one atomic command; "
            "SETNX followed by EXPIRE would leave a lock with no TTL if the client died between them.")


def _lock_release(s: Sheets) -> Finding:
    ttl = _n(s["ticketmaster"], "lock_ttl")
    return Finding(
        id="lock-release-unsafe", kind=K.DESIGN, where="Cheat sheet, distributed; Pro tip 1",
        source_says=f"DEL {_SEAT_KEY} (release); 'Will distributed locks prevent double booking? YES (Redis Redlock)'",
        correct="release by compare-and-delete (a Lua script: GET equals my token → DEL); fence the database write "
                "with the token or a conditional UPDATE; one node with SET NX is a lease, not Redlock",
        arithmetic=f"a holder paused past the {_q(ttl, 's')} TTL loses the lock to a second buyer; its DEL then deletes "
                   "that buyer's lock, and its write lands after the second buyer's unless fenced",
        why="A TTL lease alone does not prevent double booking: the storage must refuse a stale writer. "
            "`ticketlab paused-client` replays exactly this.")


def _optimistic_sql(s: Sheets) -> Finding:
    as_printed, again = _rows_changed([(_OPTIMISTIC_AS_PRINTED, {}), (_OPTIMISTIC_AS_PRINTED, {})])
    first, second = _rows_changed([(_OPTIMISTIC_FULL, {"id": 1, "v": _DEMO_VERSION})] * 2)
    return Finding(
        id="optimistic-sql-incomplete", kind=K.DESIGN, where="Cheat sheet, optimistic",
        source_says="Update seat SET status='SOLD' WHERE version=1; If rows_affected = 0 → Retry",
        correct=f"`{_OPTIMISTIC_FULL}`; no row changed means someone else got the seat: re-read and choose another",
        arithmetic=f"on {_q(_DEMO_SEATS, 'seats')} at the same version (SQLite): as printed it changes {_q(as_printed)} "
                   f"rows, and {_q(again)} again when repeated; the full statement changes {_q(first)}, then {_q(second)}",
        why="Without the seat's id it sells every seat at that version; without bumping the version a second writer "
            "still matches; without checking the status a sold seat can be sold again. A sold seat cannot be "
            "retried, only replaced.")


def _pessimistic_sql(s: Sheets) -> Finding:
    (as_printed,) = _rows_changed([(_PESSIMISTIC_AS_PRINTED, {})])
    first, second = _rows_changed([(_PESSIMISTIC_FULL, {"id": 1})] * 2)
    return Finding(
        id="pessimistic-update-no-where", kind=K.DESIGN, where="Cheat sheet, pessimistic",
        source_says="SELECT ... FOR UPDATE (row lock); UPDATE seat SET status='SOLD'; COMMIT",
        correct=f"in one transaction: `SELECT status FROM seat WHERE id = :id FOR UPDATE`, check it is available, "
                f"then `{_PESSIMISTIC_FULL}`",
        arithmetic=f"on {_q(_DEMO_SEATS, 'seats')} (SQLite): as printed it changes {_q(as_printed)} rows; the full "
                   f"statement changes {_q(first)}, then {_q(second)}",
        why="The row lock protects the row it was taken on; an UPDATE with no WHERE changes every seat, and without a "
            "status check a sold seat is sold again.")


def _optimistic_advice(s: Sheets) -> Finding:
    from ticketlab.estimate.contention import ContentionLevel

    first, second = _rows_changed([(_OPTIMISTIC_FULL, {"id": 1, "v": _DEMO_VERSION})] * 2)
    return Finding(
        id="optimistic-advice-contradicts", kind=K.INCONSISTENCY, where="Mistake 2 vs cheat sheet; season tickets",
        source_says="'✗ BAD: Use optimistic locking for seat booking' vs 'Low … → Optimistic locking OK' and "
                    "'Simple optimistic locking sufficient'",
        correct=f"optimistic locking never sells a seat twice; under contention it costs retries. Low contention: "
                f"{ContentionLevel.LOW.advice}",
        arithmetic=f"two buyers of one seat with the full conditional update: the first changes {_q(first)} row, "
                   f"the second {_q(second)}",
        why="The mistake section calls optimistic locking wrong for booking, while the cheat sheet and the season "
            "tickets recommend it. Correctness is the same; only wasted retries differ with contention.")


def _locks_when_oversubscribed(s: Sheets) -> Finding:
    from ticketlab.estimate.contention import ContentionLevel

    ss = s["season-tickets"]
    return Finding(
        id="locks-only-when-oversubscribed", kind=K.DESIGN, where="Part 8 ritual, item 6; practice template smell test",
        source_says="Concurrency Check: Users > Seats? → Need locks!; 'Contention handled? (locks for high, none for low)'",
        correct="every sale needs a guarded write; the level only picks the guard",
        arithmetic=f"season tickets: {_q(_n(ss, 'users'), 'users')} for {_q(_n(ss, 'seats'), 'seats')} = "
                   f"{_q(_n(ss, 'contention_ratio'), ':1')}, level {ContentionLevel(int(_n(ss, 'contention_level'))).label}: "
                   f"{ContentionLevel(int(_n(ss, 'contention_level'))).advice}",
        why="Two buyers of one seat double-sell without a conditional write at any ratio; the cheat sheet itself "
            "prescribes optimistic locking below one user per seat.")


#: Every named check, in the order the audit prints them (largest slips first).
FINDINGS: tuple[Callable[[Sheets], Finding], ...] = (
    _attempt_per_seat, _lock_ceiling, _total_cache, _seat_map, _hot_events_cache, _broadway_bookings,
    _broadway_total, _booking_attempts, _season_home_games, _taylor_bookings, _division_shortcut,
    _sessions, _taylor_rates, _read_write, _peak_label, _storage_one_year, _storage_retention, _funnel_factor,
    _funnel_vs_template, _servers, _funnel_and_mistake5, _ritual_storage, _day_year, _retries, _per_booking_contention,
    _max_concurrent, _broadway_concurrent, _cascade, _lock_vs_db, _superbowl_sellout, _taylor_sellout,
    _bandwidth_spike, _template_window, _stripe, _websocket, _sweep, _inventory_growth, _sell_through, _whiteboard,
    _setnx, _lock_release, _optimistic_sql, _pessimistic_sql, _optimistic_advice, _locks_when_oversubscribed,
    _attempt_time, _ritual_cache, _session_size, _peak_users, _level_boundary, _benchmark_rows,
)


@lru_cache(maxsize=1)
def _default_sheets() -> Sheets:
    return Sheets()


def _sheets(scenarios: Mapping[str, Scenario] | None, facts: Mapping[str, SourceFigure] | None) -> Sheets:
    return _default_sheets() if scenarios is None and facts is None else Sheets(scenarios, facts)


def named(scenarios: Mapping[str, Scenario] | None = None,
          facts: Mapping[str, SourceFigure] | None = None) -> list[Finding]:
    """The named findings, computed from ``scenarios`` and ``facts`` (the course's by default)."""
    s = _sheets(scenarios, facts)
    return [f(s) for f in FINDINGS]


def _unexplained(s: Sheets, findings: Sequence[Finding]) -> list[Finding]:
    explained = set().union(*(f.explains for f in findings))
    out = []
    for name, scenario in s.scenarios.items():
        ws = s[name]
        for key, fig in scenario.source.items():
            napkin = _n(ws, key)
            if follows(fig, napkin) or (name, key) in explained:
                continue
            unit = ws[key].unit
            out.append(Finding(
                id=f"unexplained-{name}-{key}", kind=K.ARITHMETIC, where=fig.where, source_says=fig.printed,
                correct=_q(napkin, unit),
                arithmetic=f"{ws[key].formula} = {_q(napkin, unit)} against {_q(fig.value, unit)} printed "
                           f"(±{_q(fig.precision, '%')})",
                why="The printed figure does not follow from the source's own inputs and no finding says why.",
                scenario=name, key=key, printed=fig.value, value=napkin, unit=unit))
    return out


def unexplained(findings: Sequence[Finding] | None = None,
                scenarios: Mapping[str, Scenario] | None = None) -> list[Finding]:
    """Printed figures whose napkin value slips (see the rule above) and no named finding explains."""
    s = _sheets(scenarios, None)
    return _unexplained(s, [f(s) for f in FINDINGS] if findings is None else findings)


def audit(scenarios: Mapping[str, Scenario] | None = None,
          facts: Mapping[str, SourceFigure] | None = None) -> list[Finding]:
    """Every finding: the named ones, then any printed figure that slips and nothing explains."""
    s = _sheets(scenarios, facts)
    findings = [f(s) for f in FINDINGS]
    return findings + _unexplained(s, findings)


def shortcut_gaps(scenarios: Mapping[str, Scenario] | None = None) -> list[Gap]:
    """Printed figures that follow on the napkin, whose exact value lies outside their printed precision."""
    s = _sheets(scenarios, None)
    gaps = []
    for name, scenario in s.scenarios.items():
        ws = s[name]
        for key, fig in scenario.source.items():
            step = ws[key]
            napkin, exact = float(step.napkin), float(step.exact)
            if not fig.bound and follows(fig, napkin) and not follows(fig, exact):
                gaps.append(Gap(name, key, fig.value, napkin, exact, step.unit, step.shortcuts, fig.precision))
    return gaps


def format_findings(findings: Sequence[Finding], gaps: Sequence[Gap] = (), quiet: bool = False) -> str:
    """The findings (and gaps) as text for a terminal; ``quiet`` leaves out the explanations."""
    counts = ", ".join(f"{sum(f.kind is k for f in findings)} {k}" for k in FindingKind)
    lines = [f"{len(findings)} findings in the source material ({counts})", ""]
    for i, f in enumerate(findings, 1):
        factor = f" ({_q(f.factor, 'x')} the printed figure)" if f.factor is not None else ""
        lines += [f"{i:2d}. [{f.kind}] {f.id} — {f.where}",
                  f"    source says: {f.source_says}",
                  f"    correct:     {f.correct}{factor}",
                  f"    arithmetic:  {f.arithmetic}"]
        lines += [f"    reading:     {r.text()}" for r in f.readings]
        if not quiet:
            lines.append(f"    why:         {f.why}")
        lines.append("")
    if gaps:
        lines += [f"{len(gaps)} printed figures that follow from their shortcuts, with the exact figure outside the "
                  "printed precision", ""]
        for g in gaps:
            lines.append(f"  {g.scenario}.{g.key}: printed {_q(g.printed, g.unit)} (±{_q(g.precision, '%')}), exact "
                         f"{_q(g.exact, g.unit)} ({g.relative:+.1%}) — {describe_shortcuts(g.shortcuts)}")
    return "\n".join(lines).rstrip() + "\n"
