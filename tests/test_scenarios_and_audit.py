"""Scenarios as data, the source's printed answers as test vectors, and the audit's findings.

Printed figures below are copied from the source material (the answers of Part 4, the practice
problems and the cheat sheet). Corrected values are recomputed here by hand, never read back
from the library.
"""

from __future__ import annotations

import math

import pytest

from ticketlab.course import audit
from ticketlab.core.errors import InputError, UnknownScenarioError
from ticketlab.course.scenarios import FINAL_CHALLENGE, SCENARIOS, get
from ticketlab.course.solve import solve

DAY = 86_400
KB, MB, GB, TB = 1e3, 1e6, 1e9, 1e12

# ============================================================================ test vectors

#: Part 4, the filled Ticketmaster template, as printed.
TICKETMASTER_PRINTED = {
    "searches_per_day": 50e6,
    "booking_attempts_per_day": 1.5e6,
    "successful_bookings_per_day": 500e3,
    "payments_per_day": 500e3,
    "read_write_ratio": 100,
    "search_qps": 500,
    "booking_qps": 5,
    "payment_qps": 5,
    "peak_qps": 5_000,
    "extreme_peak_qps": 50_000,
    "events_storage": 5 * GB,
    "total_seats": 5e9,
    "seats_storage": 500 * GB,
    "total_bookings": 912e6,
    "bookings_storage": 456 * GB,
    "users_storage": 400 * GB,
    "logs_storage": 3.6 * TB,
    "total_storage": 5 * TB,
    "search_bandwidth": 25 * MB,
    "booking_bandwidth": 50 * KB,
    "payment_bandwidth": 25 * KB,
    "peak_bandwidth": 250 * MB,
    "hot_events": 5e3,
    "popular_searches_cache": 500 * MB,
    # cheat sheet and techniques
    "contention_ratio": 2,
    "lock_throughput_per_seat": 0.2,
    "retry_adjusted_capacity": 6.7e3,
    "peak_booking_qps": 50,  # Rule #3: 5 × 10
    "extreme_booking_qps": 500,  # Rule #3: 5 × 100
}

#: Practice problem 1's answer.
SUPERBOWL_PRINTED = {
    "contention_ratio": 10,
    "successful_bookings": 12.5e3,
    "booking_qps": 7,
    "attempt_qps": 70,
    "booking_qps_capacity": 140,
    "success_rate": 0.025,
    "waitlisted_users": 487.5e3,
    "admit_rate": 278,
    "sale_duration_seconds": 5_000,
}

#: Practice problem 2's answer, where it follows from its inputs (bookings storage does not).
BROADWAY_PRINTED = {
    "total_seats": 2.88e6,
    "peak_booking_qps": 167,
    "booking_qps_capacity": 334,
    "seats_storage": 288 * MB,
    "seat_map_cache": 750 * KB,
    "session_cache": 500 * MB,
    "total_cache": 500 * MB,
}


@pytest.mark.parametrize(
    ("name", "printed"),
    [("ticketmaster", TICKETMASTER_PRINTED), ("superbowl", SUPERBOWL_PRINTED), ("broadway", BROADWAY_PRINTED)],
)
def test_napkin_values_equal_the_printed_answers(name, printed):
    ws = solve(name)
    for key, value in printed.items():
        assert ws.napkin(key) == pytest.approx(value, rel=0.05), key


def test_superbowl_napkin_values_are_the_printed_answers_to_the_digit():
    ws = solve("superbowl")
    for key, value in SUPERBOWL_PRINTED.items():
        assert ws.napkin(key) == pytest.approx(value, rel=1e-9), key


@pytest.mark.parametrize("name", ["ticketmaster", "superbowl", "broadway"])
def test_scenario_source_figures_agree_with_the_printed_text(name):
    printed = {"ticketmaster": TICKETMASTER_PRINTED, "superbowl": SUPERBOWL_PRINTED, "broadway": BROADWAY_PRINTED}[name]
    source = SCENARIOS[name].source
    for key, value in printed.items():
        assert source[key].value == pytest.approx(value, rel=0.02), key
        assert source[key].printed and source[key].where


def test_ticketmaster_exact_values_are_the_arithmetic():
    ws = solve("ticketmaster")
    assert ws.exact("search_qps") == pytest.approx(50e6 / DAY)
    assert ws.exact("booking_qps") == pytest.approx(500e3 / DAY)
    assert ws.exact("peak_qps") == pytest.approx(50e6 / DAY * 10)
    assert ws.exact("extreme_peak_qps") == pytest.approx(50e6 / DAY * 100)
    assert ws.exact("booking_attempts_per_day") == pytest.approx(500e3 / 0.3)
    assert ws.exact("total_bookings") == 500e3 * 365 * 5
    assert ws.exact("peak_bandwidth") == pytest.approx((50e6 * 50 * KB + 500e3 * 10 * KB + 500e3 * 5 * KB) / DAY * 10)
    assert ws.exact("lock_qps_ceiling") == pytest.approx(50e3 / 5)
    assert ws.exact("sale_duration_seconds") == pytest.approx(100e3 / (1_000 / 60))  # 1K a minute
    assert ws.exact("admit_rate") == pytest.approx(100e3 / 1_800)


def test_superbowl_exact_values_are_the_arithmetic():
    ws = solve("superbowl")
    assert ws.exact("booking_qps") == pytest.approx(12_500 / 1_800)
    assert ws.exact("attempt_qps") == pytest.approx(12_500 / 1_800 * 10)
    assert ws.exact("booking_qps_capacity") == pytest.approx(12_500 / 1_800 * 10 * 2)
    assert ws.exact("admit_rate") == pytest.approx(500e3 / 1_800)
    assert ws.exact("sale_duration_seconds") == 500e3 / 100


def test_broadway_exact_values_are_the_arithmetic():
    ws = solve("broadway")
    weeks = 3 * 52 / 12  # three calendar months are 13 weeks, not 12
    assert ws.exact("total_seats") == pytest.approx(20 * 1_500 * 8 * weeks)
    assert ws.exact("peak_booking_qps") == pytest.approx(50e3 / (5 * 60))
    assert ws.exact("bookings_storage") == 1_500 * 8 * 52 * 20 * 500


# ============================================================================ every printed figure


def _printed_figures():
    return [(name, key) for name, s in SCENARIOS.items() for key in s.source]


@pytest.mark.parametrize(("name", "key"), _printed_figures(), ids=lambda v: str(v))
def test_every_printed_figure_is_reproduced_or_explained_by_a_finding(name, key):
    printed = SCENARIOS[name].source[key].value
    napkin = float(solve(name).napkin(key))
    covered = {(f.scenario, k) for f in audit.audit() for k in (f.key, *f.covers) if k}
    assert math.isclose(napkin, printed, rel_tol=0.05) or (name, key) in covered, (
        f"{name}.{key}: napkin {napkin:g} vs printed {printed:g} and no finding explains it")


def test_nothing_is_left_unexplained():
    assert audit.unexplained() == []


def test_shortcut_gaps_are_right_on_the_napkin_and_off_by_their_shortcut():
    gaps = {(g.scenario, g.key): g for g in audit.shortcut_gaps()}
    qps = gaps[("ticketmaster", "search_qps")]
    assert qps.napkin == pytest.approx(qps.printed)
    assert qps.relative == pytest.approx(100_000 / DAY - 1)  # +16%: a day is 86,400 s
    assert "seconds_per_day" in qps.shortcuts
    seats = gaps[("broadway", "total_seats")]
    assert seats.exact / seats.printed == pytest.approx(13 / 12)
    assert "weeks_per_month" in seats.shortcuts
    for gap in gaps.values():
        assert math.isclose(gap.napkin, gap.printed, rel_tol=0.05)
        assert not math.isclose(gap.exact, gap.printed, rel_tol=0.05)


# ============================================================================ the findings, pinned

_ONE_YEAR = 5 * GB + 500 * GB + 500e3 * 365 * 1 * 500 + 400 * GB + 50e6 * 365 * 200
_FIVE_YEARS_ALL = 5 * GB + 500 * GB + 500e3 * 365 * 5 * 500 + 400 * GB + 5 * 50e6 * 365 * 200
_BROADWAY_BOOKINGS = 1_500 * 8 * 52 * 20 * 500  # 6.24 GB
_BROADWAY_SEATS_EXACT = 20 * 1_500 * 8 * (3 * 52 / 12) * 100

#: finding id → (scenario, key, printed value, corrected value), each corrected value by hand.
PINNED = {
    "read-write-ratio-table": ("ticketmaster", "read_write_ratio", 1000, 50e6 / 500e3),
    "booking-attempts": ("ticketmaster", "booking_attempts_per_day", 1.5e6, 500e3 / 0.3),
    "division-shortcut-zeros": (None, None, 10, 500e3 / 1e5),
    "seat-map-size": ("ticketmaster", "seat_map_size", 100 * KB, 10_000 * 100),
    "hot-events-cache": ("ticketmaster", "hot_events_cache", 550 * MB, 5_000 * (10 * KB + 10_000 * 100)),
    "concurrent-sessions": ("ticketmaster", "concurrent_sessions", 10e3, 10_000 / 60 * 600),
    "total-cache": ("ticketmaster", "total_cache", 1.5 * GB,
                    5_000 * (10 * KB + 10_000 * 100) + 10e3 * 50 * KB + 10_000 / 60 * 600 * 50 * KB),
    "peak-booking-qps-label": ("ticketmaster", "peak_booking_qps", 500, 500e3 / 100e3 * 10),
    "peak-bookings-per-minute": ("ticketmaster", "extreme_booking_qps", 500, 10_000 / 60),
    "storage-one-year-table": ("ticketmaster", "total_storage", 1 * TB, _ONE_YEAR),
    "storage-retention-mix": ("ticketmaster", "total_storage", 5 * TB, _FIVE_YEARS_ALL),
    "broadway-bookings-storage": ("broadway", "bookings_storage", 600 * MB, _BROADWAY_BOOKINGS),
    "broadway-total-storage": ("broadway", "total_storage", 1 * GB, _BROADWAY_BOOKINGS + _BROADWAY_SEATS_EXACT),
    "taylor-bookings-storage": ("taylor-swift", "bookings_storage", 25 * MB, 50e3 / 2.5 * 500),
    "funnel-design-factor": (None, None, 10, 1 / 0.3),
    "funnel-vs-template": ("ticketmaster", "bookings_per_day", 500e3, 10e6 * 0.10 * 0.30),
    "max-concurrent-bookings-is-a-rate": ("ticketmaster", "lock_qps_ceiling", 10e3, 50e3 / 5),
    "broadway-concurrent-is-a-rate": ("broadway", "peak_booking_qps", 167, 50e3 / (5 * 60)),
    "servers-per-qps": (None, None, 500 / 100, 50_000 / 100),
    "lock-hold-equals-db-timeout": ("ticketmaster", "db_statement_headroom", 5, 5),
    "superbowl-sellout-time": ("superbowl", "sellout_seconds", 5_000, (50e3 / 4) / 100),
    "bandwidth-not-sized-for-spike": ("ticketmaster", "extreme_peak_bandwidth", 250 * MB,
                                      (500 * 50 * KB + 5 * 10 * KB + 5 * 5 * KB) * 100),
    "contention-per-booking": ("ticketmaster", "users_per_booking", 2, 100e3 / (50e3 / 2.5)),
}


@pytest.fixture(scope="module")
def findings():
    return {f.id: f for f in audit.audit()}


def test_every_finding_is_pinned_and_every_pin_is_found(findings):
    assert set(findings) == set(PINNED)


@pytest.mark.parametrize("fid", sorted(PINNED))
def test_finding_has_its_corrected_value(findings, fid):
    scenario, key, printed, corrected = PINNED[fid]
    f = findings[fid]
    assert (f.scenario, f.key) == (scenario, key)
    assert f.printed == pytest.approx(printed)
    assert f.value == pytest.approx(corrected, rel=1e-9)
    assert f.kind in {"slip", "inconsistency", "concept", "design"}
    assert f.where and f.source_says and f.correct and f.why


def test_broadway_bookings_storage_is_the_ten_fold_slip(findings):
    f = findings["broadway-bookings-storage"]
    assert f.value == 6.24 * GB
    assert f.factor >= 10
    assert f.kind == "slip"
    assert "6.24 GB" in f.correct


def test_at_least_one_slip_is_off_by_ten_times(findings):
    assert max(f.factor for f in findings.values() if f.kind == "slip" and f.factor) >= 10


def test_seat_map_finding_is_ten_times_the_printed_hundred_kb(findings):
    assert findings["seat-map-size"].factor == pytest.approx(10)
    assert findings["seat-map-size"].correct == "1 MB"


def test_littles_law_sessions_finding_also_explains_the_session_cache(findings):
    f = findings["concurrent-sessions"]
    assert "sessions_cache" in f.covers
    assert f.value == pytest.approx(100_000)


def test_read_write_finding_is_a_tenth_of_the_table(findings):
    assert findings["read-write-ratio-table"].factor == pytest.approx(0.1)


def test_findings_are_plain_data(findings):
    import json

    for f in findings.values():
        d = json.loads(json.dumps(f.to_dict()))
        assert d["id"] == f.id and d["factor"] == f.factor


# ============================================================================ scenarios as data


def test_the_named_scenarios_are_all_there():
    assert {"ticketmaster", "taylor-swift", "superbowl", "broadway", "season-tickets"} <= set(SCENARIOS)
    assert set(FINAL_CHALLENGE) == {"olympics", "hamilton", "movie-theater", "music-festival", "airline"}
    assert set(FINAL_CHALLENGE) <= set(SCENARIOS)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_scenario_solves_and_every_given_has_a_note(name):
    scenario = SCENARIOS[name]
    ws = solve(name)
    assert set(scenario.givens) <= set(ws.keys())
    for key, given in scenario.givens.items():
        assert given.note, f"{name}.{key} has no note"
        assert ws[key].note.startswith("assumed: ") == given.assumed


@pytest.mark.parametrize("name", FINAL_CHALLENGE)
def test_final_challenge_scenarios_state_their_assumptions(name):
    assumed = [g for g in SCENARIOS[name].givens.values() if g.assumed]
    assert assumed, "every final-challenge scenario assumes what the source leaves out"
    assert all(g.note.strip() for g in assumed)


def test_final_challenge_contention_follows_the_headline_numbers():
    assert solve("olympics").exact("contention_ratio") == 5e6 / 80e3
    assert solve("airline").exact("contention_ratio") == pytest.approx(1e3 / 300)
    assert solve("music-festival").exact("contention_ratio") == 1e6 / 100e3
    assert solve("season-tickets").exact("seat_events") == 82 * 20e3


def test_scenario_names_accept_underscores_and_unknown_names_list_the_choices():
    assert get("taylor_swift").name == "taylor-swift"
    assert get(" Superbowl ").name == "superbowl"
    with pytest.raises(UnknownScenarioError) as info:
        get("woodstock")
    assert isinstance(info.value, KeyError)
    assert "woodstock" in str(info.value) and "superbowl" in str(info.value)


def test_solve_overrides_a_given():
    ws = solve("superbowl", {"users": "1M"})
    assert ws.exact("contention_ratio") == 1e6 / 50e3
    assert ws.exact("sale_duration_seconds") == 1e6 / 100


def test_solve_rejects_an_override_the_scenario_does_not_have():
    with pytest.raises(InputError) as info:
        solve("superbowl", {"dau": "10M"})
    assert info.value.name == "dau"
    assert "users" in str(info.value)  # lists the inputs it does have
