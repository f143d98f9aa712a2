"""The audit: recompute every figure the source prints and name each place it slips.

Three kinds of difference, kept apart:

* a **finding** — the source's number does not follow from its own inputs (``slip``), two of
  its statements disagree (``inconsistency``), a rate is called a count (``concept``), or a
  consequence of its own numbers goes unmentioned (``design``). Each finding below is
  computed from the library, never typed in: change an estimator and the audit follows.
* a **shortcut gap** — the source's napkin figure is right for its shortcuts (a day ≈ 100K s,
  one significant figure), and the exact figure differs by that shortcut. Not a mistake;
  worth knowing.
* **unexplained** — any printed figure our napkin side does not reproduce and no finding
  covers. The audit lists these too, so nothing slips through silently (a test keeps it empty).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from ticketlab.core.numbers import divide_by_zeros, format_quantity
from ticketlab.course.scenarios import SCENARIOS
from ticketlab.worksheet import SHORTCUTS, Worksheet

__all__ = ["Finding", "Gap", "audit", "shortcut_gaps", "unexplained", "TOLERANCE", "FINDINGS"]

#: Relative difference that still counts as "the same figure, rounded".
TOLERANCE = 0.05


@dataclass(frozen=True)
class Finding:
    id: str
    kind: str  # slip | inconsistency | concept | design
    where: str
    source_says: str
    correct: str
    why: str
    scenario: str | None = None
    key: str | None = None
    printed: float | None = None
    value: float | None = None
    unit: str = ""
    covers: tuple[str, ...] = ()  # other printed keys of the same scenario this finding explains

    @property
    def factor(self) -> float | None:
        """How many times the correct value is the printed one (``None`` where not numeric)."""
        if self.printed in (None, 0) or self.value is None:
            return None
        return self.value / self.printed

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "factor": self.factor}


@dataclass(frozen=True)
class Gap:
    scenario: str
    key: str
    printed: float
    napkin: float
    exact: float
    unit: str
    shortcuts: tuple[str, ...]

    @property
    def relative(self) -> float:
        return self.exact / self.printed - 1


@lru_cache(maxsize=None)
def _ws(name: str) -> Worksheet:
    from ticketlab.course.solve import solve

    return solve(name)


def _q(v: float, unit: str) -> str:
    return format_quantity(v, unit)


def _from_step(fid: str, kind: str, scenario: str, key: str, why: str, use: str = "exact",
               covers: tuple[str, ...] = ()) -> Finding:
    fig = SCENARIOS[scenario].source[key]
    step = _ws(scenario)[key]
    value = float(getattr(step, use))
    return Finding(fid, kind, fig.where, fig.printed, _q(value, step.unit), why, scenario, key,
                   fig.value, value, step.unit, covers)


# --------------------------------------------------------------------------- the findings

def _read_write_table() -> Finding:
    ws = _ws("ticketmaster")
    ratio = float(ws.exact("read_write_ratio"))
    return Finding(
        "read-write-ratio-table", "inconsistency", "Part 1, core assumptions table",
        "Read:Write Ratio 1000:1", f"{ratio:g}:1",
        f"The filled template's own volumes give {_q(ws.exact('searches_per_day'), 'searches')} ÷ "
        f"{_q(ws.exact('bookings_per_day'), 'bookings')} = {ratio:g}:1, and Part 4 prints 100:1. "
        "The table's 1000:1 is ten times too high.",
        "ticketmaster", "read_write_ratio", 1000.0, ratio, ":1")


def _booking_attempts() -> Finding:
    ws = _ws("ticketmaster")
    exact = float(ws.exact("booking_attempts_per_day"))
    implied = float(ws.exact("bookings_per_day")) / 1.5e6
    return _from_step(
        "booking-attempts", "slip", "ticketmaster", "booking_attempts_per_day",
        f"500K bookings at a 30% success rate need 500K ÷ 0.3 = {_q(exact, 'attempts')}; 1.5M attempts "
        f"would be a {implied:.0%} success rate. The napkin's ÷0.3 ≈ ×3 hides a 10% gap; 'Mistake 5' repeats it.")


def _division_shortcut() -> Finding:
    d = divide_by_zeros("500K", "100K")
    return Finding(
        "division-shortcut-zeros", "slip", "Part 2, Rule #2",
        "500K ÷ 100K: '6 zeros - 5 zeros = 1 zero = 10 = ~5'",
        f"{d.explain()} (exactly 500,000 ÷ 86,400 = {500_000 / 86_400:.2f})",
        f"500K has {d.num_exponent} zeros, not 6, so the zeros cancel and the answer is 5 with no fudge. "
        "Counting 6 zeros gives 10, which the text then quietly turns into 5.",
        None, None, 10.0, d.napkin, "")


def _seat_map() -> Finding:
    return _from_step(
        "seat-map-size", "slip", "ticketmaster", "seat_map_size",
        "A seat map holds every seat: 10K seats × 100 bytes = 1 MB, not 100 KB (the source's own "
        "seat record size). The hot-event cache is therefore ten times larger.")


def _hot_events_cache() -> Finding:
    return _from_step(
        "hot-events-cache", "slip", "ticketmaster", "hot_events_cache",
        "Follows from the seat map: 5K hot events × (10 KB + 1 MB) ≈ 5 GB, not 550 MB.")


def _sessions() -> Finding:
    ws = _ws("ticketmaster")
    return _from_step(
        "concurrent-sessions", "concept", "ticketmaster", "concurrent_sessions",
        "10K is a rate (peak bookings per minute), not a count of sessions. Little's law: 10K a minute "
        f"× 10 minutes each = {_q(ws.exact('concurrent_sessions'), '')} sessions open at once, "
        f"which need {_q(ws.exact('sessions_cache'), 'B')} of session data, not 500 MB.",
        covers=("sessions_cache",))


def _total_cache() -> Finding:
    return _from_step(
        "total-cache", "slip", "ticketmaster", "total_cache",
        "With full seat maps and Little's-law sessions the cache is about 10 GB, not 1.5 GB: still one "
        "large Redis node, but not the small one the summary table sizes.")


def _peak_label() -> Finding:
    ws = _ws("ticketmaster")
    return Finding(
        "peak-booking-qps-label", "inconsistency", "Key metrics summary; Booking entity comment",
        "Booking QPS: 5 (avg), 500 (peak); Payment QPS: 5 (avg), 500 (peak)",
        f"peak {_q(ws.napkin('peak_booking_qps'), 'req/s')} (×10), extreme {_q(ws.napkin('extreme_booking_qps'), 'req/s')} (×100)",
        "Rule #3 calls ×10 the typical peak (50 QPS) and ×100 the extreme spike (500 QPS). The summary "
        "labels the extreme figure 'peak', so the two tables disagree by 10×.",
        "ticketmaster", "peak_booking_qps", 500.0, float(ws.napkin("peak_booking_qps")), "req/s")


def _peak_per_minute() -> Finding:
    ws = _ws("ticketmaster")
    per_s = 10_000 / 60
    return Finding(
        "peak-bookings-per-minute", "inconsistency", "Part 1 table vs Part 2 Rule #3",
        "Peak bookings/minute 10K (Taylor Swift) vs Taylor Swift booking QPS 500",
        f"10K a minute = {per_s:.0f} per second; the ×100 spike is {_q(ws.napkin('extreme_booking_qps'), 'req/s')}",
        "Two figures for the same Taylor Swift peak differ by 3×. Either is a defensible assumption; "
        "a plan should pick one.",
        "ticketmaster", "extreme_booking_qps", 500.0, per_s, "req/s")


def _storage_one_year() -> Finding:
    from ticketlab.estimate import storage

    tm = SCENARIOS["ticketmaster"].values()
    keys = ("events", "event_size", "seats_per_event", "seat_size", "bookings_per_day", "booking_size",
            "total_users", "user_size", "log_record_size", "log_retention_years")
    one = storage(**{k: tm[k] for k in keys}, retention_years=1)
    total = float(one.exact("total_storage"))
    logs = float(one.exact("logs_storage"))
    return Finding(
        "storage-one-year-table", "inconsistency", "Quick reference: common system benchmarks",
        "TicketMaster storage (1yr): 1 TB", _q(total, "B"),
        f"The source's own logs alone are {_q(logs, 'B')} a year; with one year of bookings and every "
        f"event, seat and user the first year needs {_q(total, 'B')}.",
        "ticketmaster", "total_storage", 1e12, total, "B")


def _storage_retention_mix() -> Finding:
    ws = _ws("ticketmaster")
    five_year_logs = float(ws.exact("logs_storage")) * 5
    total = float(ws.exact("total_storage")) - float(ws.exact("logs_storage")) + five_year_logs
    return Finding(
        "storage-retention-mix", "design", "Part 4 step 2; key metrics 'Storage (5yr) 5 TB'",
        "Storage (5yr): 5 TB", _q(total, "B"),
        "The 5 TB keeps five years of bookings but only one year of logs. Logs are most of the bytes: "
        f"five years of them are {_q(five_year_logs, 'B')}, so a true five-year figure is about {_q(total, 'B')}.",
        "ticketmaster", "total_storage", 5e12, total, "B")


def _broadway_bookings() -> Finding:
    ws = _ws("broadway")
    grouped = float(ws.exact("bookings_storage")) / 2.5
    return _from_step(
        "broadway-bookings-storage", "slip", "broadway", "bookings_storage",
        f"1,500 × 8 × 52 × 20 = {_q(ws.exact('bookings_kept'), '')} bookings × 500 bytes = "
        f"{_q(ws.exact('bookings_storage'), 'B')}: the printed 600 MB is ten times too small. (It also counts "
        f"every seat as its own booking; at 2.5 seats a booking it would be {_q(grouped, 'B')}.)")


def _broadway_total() -> Finding:
    return _from_step(
        "broadway-total-storage", "slip", "broadway", "total_storage",
        "Follows from the booking records: about 6.5 GB, not under 1 GB. Still a small system, but the "
        "'<1 GB' conclusion does not hold.")


def _taylor_bookings() -> Finding:
    ws = _ws("taylor-swift")
    return _from_step(
        "taylor-bookings-storage", "slip", "taylor-swift", "bookings_storage",
        f"50K is the number of seats, not bookings: at 2.5 seats a booking the sale makes "
        f"{_q(ws.exact('successful_bookings'), 'bookings')}, which take {_q(ws.exact('bookings_storage'), 'B')}.")


def _funnel_factor() -> Finding:
    from ticketlab.estimate import funnel

    f = funnel()
    factor = float(f.exact("attempts_per_purchase"))
    return Finding(
        "funnel-design-factor", "inconsistency", "Part 5, Technique 2",
        "Design for 10× more booking attempts than successful purchases", f"{factor:.2g}× ({1 / factor:.0%} of attempts pay)",
        f"The same funnel (100 search → 10 try → 3 pay) gives {factor:.3g} attempts per purchase, and the "
        f"filled template uses 1.5M ÷ 500K = 3×. Ten is the number of searchers per attempt; "
        f"searchers per purchase is {float(f.exact('searchers_per_purchase')):.3g}.",
        None, None, 10.0, factor, "x")


def _funnel_vs_template() -> Finding:
    from ticketlab.estimate import funnel

    tm = SCENARIOS["ticketmaster"].values()
    f = funnel(searchers=tm["dau"], booking_success_rate=tm["booking_success_rate"])
    purchases = float(f.exact("purchases"))
    return Finding(
        "funnel-vs-template", "inconsistency", "Part 5 Technique 2 vs Part 4",
        "10M DAU with a 10% → 30% funnel, and 500K bookings a day", _q(purchases, "bookings a day"),
        "Run the funnel on the template's own 10M daily users and it yields "
        f"{_q(purchases, 'bookings')} a day, not 500K: the funnel and the template assume different users.",
        "ticketmaster", "bookings_per_day", 500e3, purchases, "bookings")


def _max_concurrent() -> Finding:
    ws = _ws("ticketmaster")
    return Finding(
        "max-concurrent-bookings-is-a-rate", "concept", "Cheat sheet, capacity formulas",
        "Max concurrent bookings = seats × (1 / lock_hold_time) = 10K bookings/sec",
        f"{_q(ws.exact('lock_qps_ceiling'), 'req/s')} is a throughput; at that rate "
        f"{_q(ws.exact('concurrent_lock_holders'), 'locks')} are held at once",
        "seats ÷ hold time is bookings per second (a rate). The number in flight at once follows from "
        "Little's law: rate × hold time, which can never exceed the number of seats.",
        "ticketmaster", "lock_qps_ceiling", 10e3, float(ws.exact("lock_qps_ceiling")), "req/s")


def _broadway_concurrent() -> Finding:
    ws = _ws("broadway")
    return Finding(
        "broadway-concurrent-is-a-rate", "concept", "Practice problem 2 (answer)",
        "Concurrent bookings: 50K ÷ (5 × 60) = 167 bookings/sec",
        f"{_q(ws.exact('peak_booking_qps'), 'req/s')} is the arrival rate; 50K sessions are concurrent",
        "Little's law: the 50K users are the concurrency (L), 5 minutes is the time each stays (W), so "
        "L ÷ W is the rate of bookings (λ). The arithmetic is right; the label swaps the two.",
        "broadway", "peak_booking_qps", 167.0, float(ws.exact("peak_booking_qps")), "req/s")


def _servers() -> Finding:
    return Finding(
        "servers-per-qps", "inconsistency", "Mistake 1 vs the 5-minute ritual's smell test",
        "'500 QPS, need 100 servers' and '100 servers handle 50K QPS'", "one per-server rate for both",
        "The first implies 5 QPS a server, the second 500 QPS a server: a 100× disagreement. With 500 QPS "
        "a server, the 500 QPS booking spike needs one server (plus redundancy), not 100.",
        None, None, 5.0, 500.0, "req/s")


def _lock_vs_db_timeout() -> Finding:
    ws = _ws("ticketmaster")
    return Finding(
        "lock-hold-equals-db-timeout", "design", "Technique 3 vs Technique 4",
        "Average lock hold time 5 s (DB query + update); database query timeout 5 s",
        "a statement timeout several times the typical hold",
        "If an average hold is 5 s and a statement may take at most 5 s, a large share of holds end in a "
        "timeout. Either holds are much shorter than 5 s (the summary table says '<5 sec') or the "
        "statement timeout must be longer (and the lock TTL, 30 s, still longer).",
        "ticketmaster", "db_statement_headroom", 5.0, float(ws.exact("db_statement")), "s")


def _superbowl_sellout() -> Finding:
    ws = _ws("superbowl")
    sellout = float(ws.exact("sellout_seconds"))
    return Finding(
        "superbowl-sellout-time", "design", "Practice problem 1, queue throughput",
        "Throttle to 100 users/sec: extended sale window 5,000 s ≈ 83 minutes",
        f"sold out after {_q(sellout, 's')}",
        f"At 100 admitted users a second and one booking each, the 12.5K bookings are gone in "
        f"{_q(sellout, 's')}; for the remaining ~81 minutes the room admits people to a sold-out sale. "
        "Tell the queue when inventory runs out.",
        "superbowl", "sellout_seconds", 5000.0, sellout, "s")


def _extreme_bandwidth() -> Finding:
    ws = _ws("ticketmaster")
    return Finding(
        "bandwidth-not-sized-for-spike", "design", "Part 4 step 3 vs Tip 1",
        "Peak bandwidth 250 MB/s ≈ 2 Gbps; 'designed for 100× spike'",
        _q(ws.napkin("extreme_peak_bandwidth"), "B/s"),
        "QPS is planned for the ×100 on-sale spike but bandwidth only for ×10. At ×100 the same "
        "traffic needs about 20 Gbps: ten times the link.",
        "ticketmaster", "extreme_peak_bandwidth", 250e6, float(ws.napkin("extreme_peak_bandwidth")), "B/s")


def _per_booking_contention() -> Finding:
    ws = _ws("ticketmaster")
    return Finding(
        "contention-per-booking", "design", "Part 5, Technique 3",
        "100K users ÷ 50K seats = 2× oversubscription", f"{float(ws.exact('users_per_booking')):g} users per booking available",
        "People buy 2.5 seats at a time, so 50K seats make only 20K bookings: five people chase each "
        "booking, and 80K of the 100K will leave empty-handed.",
        "ticketmaster", "users_per_booking", 2.0, float(ws.exact("users_per_booking")), ":1")


#: Every named check, in the order the audit prints them.
FINDINGS: tuple[Callable[[], Finding], ...] = (
    _read_write_table, _booking_attempts, _division_shortcut, _seat_map, _hot_events_cache,
    _sessions, _total_cache, _peak_label, _peak_per_minute, _storage_one_year, _storage_retention_mix,
    _broadway_bookings, _broadway_total, _taylor_bookings, _funnel_factor, _funnel_vs_template,
    _max_concurrent, _broadway_concurrent, _servers, _lock_vs_db_timeout, _superbowl_sellout,
    _extreme_bandwidth, _per_booking_contention,
)


def _differs(a: float, b: float) -> bool:
    return not np.isclose(a, b, rtol=TOLERANCE, atol=0)


def unexplained(findings: list[Finding] | None = None) -> list[Finding]:
    """Printed figures our napkin side does not reproduce and no named finding covers."""
    findings = findings if findings is not None else [f() for f in FINDINGS]
    covered = {(f.scenario, k) for f in findings for k in (f.key, *f.covers)}
    out = []
    for name, scenario in SCENARIOS.items():
        ws = _ws(name)
        for key, fig in scenario.source.items():
            napkin = float(ws.napkin(key))
            if _differs(napkin, fig.value) and (name, key) not in covered:
                out.append(Finding(
                    f"unexplained-{name}-{key}", "slip", fig.where, fig.printed, _q(napkin, ws[key].unit),
                    "The printed figure does not follow from the source's own inputs.",
                    name, key, fig.value, napkin, ws[key].unit))
    return out


def audit() -> list[Finding]:
    """Every finding: the named ones, then any printed figure nothing explains."""
    findings = [f() for f in FINDINGS]
    return findings + unexplained(findings)


def shortcut_gaps() -> list[Gap]:
    """Printed figures right for their napkin shortcuts whose exact value differs by more than rounding."""
    findings = [f() for f in FINDINGS]
    covered = {(f.scenario, k) for f in findings for k in (f.key, *f.covers)}
    gaps = []
    for name, scenario in SCENARIOS.items():
        ws = _ws(name)
        for key, fig in scenario.source.items():
            if (name, key) in covered:
                continue  # a finding already explains it
            step = ws[key]
            napkin, exact = float(step.napkin), float(step.exact)
            if not _differs(napkin, fig.value) and _differs(exact, fig.value):
                gaps.append(Gap(name, key, fig.value, napkin, exact, step.unit, step.shortcuts))
    return gaps


def describe_shortcuts(names: tuple[str, ...]) -> str:
    return "; ".join(SHORTCUTS[n] for n in names) or "rounding"
