"""Every estimator: the source's figures, numbers/strings/arrays/ranges, properties, bad input."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ticketlab.core.errors import CascadeError, InputError
from ticketlab.estimate import (
    bandwidth,
    block_release,
    cache,
    contention,
    contention_level,
    counter_sale,
    funnel,
    littles_law,
    lock_capacity,
    onsale,
    schedule,
    season,
    storage,
    ticketmaster_template,
    timeout_cascade,
    traffic,
    waiting_room,
)
from ticketlab.estimate.inputs import INPUTS
from ticketlab.estimate.template import TEMPLATE_INPUTS
from ticketlab.estimate.contention import ContentionLevel
from ticketlab.core.timing import check_cascade as validate_cascade
from ticketlab.course.scenarios import SCENARIOS
from ticketlab.core.uncertainty import parse_range

DAY, NAPKIN_DAY = 86_400, 100_000
KB, MB, GB, TB = 1e3, 1e6, 1e9, 1e12
PROPS = settings(max_examples=60, deadline=None)

# ============================================================================ point values
# Napkin figures are the source's printed answers; exact figures are the arithmetic.


def test_traffic_matches_the_filled_template():
    ws = traffic()
    assert ws.napkin("searches_per_day") == 50e6  # 10M DAU × 5
    assert ws.napkin("search_qps") == 500  # 50M ÷ 100K
    assert ws.exact("search_qps") == pytest.approx(50e6 / DAY)
    assert ws.napkin("booking_qps") == 5 and ws.napkin("payment_qps") == 5
    assert ws.exact("booking_qps") == pytest.approx(500e3 / DAY)
    assert ws.napkin("peak_qps") == 5_000 and ws.napkin("extreme_peak_qps") == 50_000
    assert ws.exact("peak_qps") == pytest.approx(50e6 / DAY * 10)
    # 500K ÷ 30% on both sides: the printed 1.5M is a slip, not a napkin shortcut
    assert ws.napkin("booking_attempts_per_day") == pytest.approx(500e3 / 0.3)
    assert ws.exact("booking_attempts_per_day") == pytest.approx(500e3 / 0.3)
    assert ws.exact("read_write_ratio") == 50e6 / 500e3 == 100
    assert ws.napkin("peak_booking_qps") == 50 and ws.napkin("extreme_booking_qps") == 500  # Rule #3


def test_search_qps_napkin_drops_five_zeros():
    assert traffic(dau="10M", searches_per_user=1).napkin("search_qps") == 10e6 / 1e5


def test_storage_matches_the_filled_template():
    ws = storage()
    assert ws.exact("events_storage") == 500e3 * 10 * KB == 5 * GB
    assert ws.exact("total_seats") == 500e3 * 10e3 == 5e9
    assert ws.exact("seats_storage") == 5e9 * 100 == 500 * GB
    assert ws.exact("total_bookings") == 500e3 * 365 * 5  # the source's "912 Million"
    assert ws.exact("bookings_storage") == pytest.approx(500e3 * 365 * 5 * 500)  # 456 GB
    assert ws.exact("users_storage") == 200e6 * 2 * KB == 400 * GB
    assert ws.exact("logs_storage") == pytest.approx(50e6 * 365 * 200)  # 3.65 TB, printed 3.6 TB
    parts = 5 * GB + 500 * GB + 500e3 * 365 * 5 * 500 + 400 * GB + 50e6 * 365 * 200
    assert ws.exact("total_storage") == pytest.approx(parts)
    assert ws.napkin("total_storage") == 5 * TB  # "≈ 5 TB"


def test_bandwidth_matches_the_filled_template():
    ws = bandwidth()
    assert ws.napkin("search_bandwidth") == 500 * 50 * KB == 25 * MB
    assert ws.napkin("booking_bandwidth") == 5 * 10 * KB == 50 * KB
    assert ws.napkin("payment_bandwidth") == 5 * 5 * KB == 25 * KB
    assert ws.exact("search_bandwidth") == pytest.approx(50e6 / DAY * 50 * KB)
    assert ws.napkin("peak_bandwidth") == pytest.approx(250 * MB, rel=0.01)  # "≈ 2 Gbps"
    assert ws.napkin("peak_bandwidth") * 8 == pytest.approx(2e9, rel=0.01)
    assert ws.exact("extreme_peak_bandwidth") == pytest.approx(ws.exact("peak_bandwidth") * 10)


def test_cache_uses_full_seat_maps_and_littles_law_sessions():
    ws = cache()
    assert ws.exact("hot_events") == 500e3 * 0.01 == 5e3  # "1% of 500K events = 5K"
    assert ws.exact("seat_map_size") == 10_000 * 100 == 1 * MB
    assert ws.exact("hot_events_cache") == pytest.approx(5e3 * (10 * KB + 1 * MB))
    assert ws.exact("popular_searches_cache") == 10e3 * 50 * KB == 500 * MB  # printed 500 MB
    assert ws.exact("peak_booking_rate") == pytest.approx(10_000 / 60)
    assert ws.exact("concurrent_sessions") == pytest.approx(10_000 / 60 * 600)
    assert ws.exact("sessions_cache") == pytest.approx(10_000 / 60 * 600 * 50 * KB)


def test_funnel_is_one_hundred_to_ten_to_three():
    ws = funnel()
    assert ws.exact("attempts") == pytest.approx(10)
    assert ws.exact("purchases") == pytest.approx(3)
    assert ws.exact("conversion_rate") == pytest.approx(0.03)  # "Conversion rate: 3%"
    assert ws.exact("abandonment_rate") == pytest.approx(0.70)  # "Cart abandonment: 70%"
    assert ws.exact("attempts_per_purchase") == pytest.approx(1 / 0.3)
    assert ws.exact("searchers_per_purchase") == pytest.approx(100 / 3)


def test_contention_of_the_taylor_swift_sale():
    ws = contention()
    assert ws.exact("contention_ratio") == 100e3 / 50e3 == 2  # "2× oversubscription"
    assert ws.exact("bookings_available") == 50e3 / 2.5
    assert ws.exact("users_per_booking") == 100e3 / (50e3 / 2.5)
    assert ws.exact("contention_level") == ContentionLevel.HIGH
    assert "distributed" in ws["contention_level"].note


def test_lock_capacity_counts_seat_locks_then_bookings():
    ws = lock_capacity()
    assert ws.exact("lock_throughput_per_seat") == 1 / 5  # 0.2 locks/sec per seat
    assert ws.exact("seat_lock_ceiling") == pytest.approx(50e3 * 0.2)  # the cheat sheet's 10K: seat-locks
    assert ws.exact("lock_qps_ceiling") == pytest.approx(50e3 * 0.2 / 2.5)  # 4K bookings/s
    assert ws.exact("retry_adjusted_capacity") == pytest.approx(4e3 / 1.5)  # 2.67K, not 6.7K
    # a burst: the 20K bookings are all locked within one 5 s hold (7.5 s after retries)
    assert ws.exact("stock_lock_seconds") == pytest.approx(5)
    assert ws.exact("stock_lock_seconds_with_retries") == pytest.approx(7.5)
    # Little's law: seat locks held at once = rate × seats a booking × hold, never more than the seats
    assert ws.exact("concurrent_lock_holders") == pytest.approx(4e3 / 1.5 * 2.5 * 5)
    assert ws.exact("concurrent_lock_holders") <= 50e3


def test_the_stock_lasts_one_hold_at_the_ceiling_whatever_the_seats():
    for seats, hold in ((1e3, 1.0), (80e3, 5.0), (50e3, 30.0)):
        assert lock_capacity(seats=seats, lock_hold_time=hold).exact("stock_lock_seconds") == pytest.approx(hold)


def test_waiting_room_matches_the_super_bowl_answer():
    ws = waiting_room()
    assert ws.exact("admit_rate") == pytest.approx(500e3 / 1_800)
    assert ws.napkin("admit_rate") == pytest.approx(500e3 / 1_800)  # printed "278": within its precision
    assert ws.exact("effective_admit_rate") == 100  # the throttle binds: 100 < 277.8
    assert ws.exact("sale_duration_seconds") == 500e3 / 100 == 5_000  # "≈ 83 minutes"
    assert ws.exact("users_served") == 50e3 / 4 == 12_500
    assert ws.exact("waitlisted_users") == 500e3 - 12_500 == 487_500
    assert ws.exact("success_rate") == pytest.approx(12_500 / 500e3) == 0.025
    assert ws.exact("sellout_seconds") == pytest.approx(12_500 / 100)


def test_a_throttle_above_demand_changes_nothing():
    """1K people over 24 h: the 10/s room is never reached, so the sale lasts the window, not 100 s."""
    ws = waiting_room(users="1K", seats=300, seats_per_booking=1, sale_window="24 h", throttle_rate="10/s")
    assert ws.exact("effective_admit_rate") == pytest.approx(1_000 / 86_400)
    assert ws.exact("sale_duration_seconds") == pytest.approx(86_400)
    assert ws.exact("sellout_seconds") == pytest.approx(300 / (1_000 / 86_400))  # 25,920 s ≈ 7.2 h


def test_timeout_cascade_fits_each_layer_in_the_one_that_waits_for_it():
    ws = timeout_cascade()
    assert ws.exact("lock_ttl_headroom") == 600 / 30
    assert ws.exact("http_call_headroom") == 30 / 10
    assert ws.exact("db_statement_headroom") == 10 / 5


def test_the_sources_3s_http_call_under_a_5s_statement_is_upside_down():
    with pytest.raises(CascadeError, match=r"db_statement \(5 s\) must be shorter than http_call \(3 s\)"):
        timeout_cascade(http_call="3s", db_statement="5s")
    assert timeout_cascade(http_call="10s").exact("db_statement_headroom") == 2


def test_onsale_counts_attempts_per_booking_for_the_super_bowl():
    ws = onsale()
    assert ws.exact("contention_ratio") == 500e3 / 50e3 == 10
    assert ws.exact("successful_bookings") == 50e3 / 4
    assert ws.exact("booking_qps") == pytest.approx(12_500 / 1_800)  # printed "~7"
    # every one of the 500K tries once in 30 min: 6.94 bookings/s × 40 users per booking
    assert ws.napkin("attempt_qps") == ws.exact("attempt_qps") == pytest.approx(500e3 / 1_800)  # 277.8
    assert ws.exact("attempt_qps") == pytest.approx(12_500 / 1_800 * 500e3 / 12_500)
    assert ws.exact("booking_qps_capacity") == pytest.approx(500e3 / 1_800 * 2)  # 555.6, not 140
    assert ws.exact("room_qps_capacity") == pytest.approx(100 * 2)  # behind the 100/s room
    assert ws.exact("room_load") == pytest.approx(500e3 / 1_800 / 100)
    assert ws.exact("writers_at_once") == pytest.approx(100 * 5)
    assert ws.exact("rate_level") == ContentionLevel.HIGH
    assert ws.exact("lock_qps_ceiling") == pytest.approx(50e3 / 5 / 4)  # 2.5K bookings/s


def test_onsale_of_an_airline_is_high_by_ratio_and_low_by_rate():
    ws = onsale(users="1K", seats=300, seats_per_booking=1, sale_window="24 h", throttle_rate="10/s",
                lock_hold_time="1s")
    assert ws.exact("contention_level") == ContentionLevel.HIGH  # 3.3 users per seat
    assert ws.exact("attempt_qps") == pytest.approx(1_000 / 86_400)  # a hundredth of a request a second
    assert ws.exact("writers_at_once") == pytest.approx(1_000 / 86_400 * 1)
    assert ws.exact("rate_level") == ContentionLevel.LOW
    assert "conditional write" in ws["rate_level"].note
    assert ws.exact("waitlisted_users") == 700


def test_counter_sale_is_the_festival_as_one_counter_of_passes():
    ws = counter_sale()
    assert "contention_level" not in ws and "seat_lock_ceiling" not in ws  # no seats to lock
    assert ws.exact("users_per_booking") == 1e6 / (100e3 / 2) == 20
    assert ws.napkin("booking_qps") == pytest.approx(50e3 / 3_600)  # 13.9, not rounded to 10
    assert ws.exact("attempt_qps") == pytest.approx(1e6 / 3_600)  # 277.8
    assert ws.exact("effective_admit_rate") == 250
    assert ws.exact("room_qps_capacity") == 500
    assert ws.exact("sellout_seconds") == pytest.approx(50e3 / 250)  # 200 s
    assert ws.exact("counter_ceiling") == pytest.approx(1 / 0.001)  # one row, 1 ms a decrement
    assert ws.exact("counter_headroom") == pytest.approx(1_000 / 500)
    assert ws.exact("held_counter_ceiling") == pytest.approx(1 / 5)  # one counter under a 5 s lock
    assert ws.exact("held_counter_sellout_seconds") == pytest.approx(50e3 * 5)  # 69 h
    assert counter_sale(inventory_shards=4).exact("counter_ceiling") == pytest.approx(4 / 0.001)


def test_block_release_is_hamilton_s_six_month_block_as_one_on_sale():
    ws = block_release()
    seats = 1 * 1_400 * 8 * 6 * 52 / 12  # 26 calendar weeks: 291,200
    assert ws.exact("seats") == pytest.approx(seats)
    assert ws.napkin("seats") == 1_400 * 8 * 24  # 6 napkin months of 4 weeks
    assert ws.exact("bookings_available") == pytest.approx(seats / 2.5)  # 116,480
    assert ws.exact("users_per_booking") == pytest.approx(200e3 / (seats / 2.5))  # 1.72
    assert ws.exact("attempt_qps") == pytest.approx(200e3 / 300)  # 667/s
    assert ws.exact("sellout_seconds") == pytest.approx(seats / 2.5 / (200e3 / 300))  # 175 s
    assert ws.exact("sellout_in_booking_times") == pytest.approx(seats / 2.5 / (200e3 / 300) / 300)
    assert ws.exact("sellout_in_booking_times") < 1  # gone before one booking finishes
    assert ws.exact("contention_level") == ContentionLevel.MEDIUM


def test_schedule_matches_the_broadway_answer():
    ws = schedule()
    assert ws.napkin("total_seats") == 20 * 1_500 * 8 * 12 == 2.88e6  # 3 months = 12 weeks
    assert ws.exact("total_seats") == pytest.approx(20 * 1_500 * 8 * 3 * 52 / 12)  # 13 weeks
    assert ws.exact("peak_booking_qps") == pytest.approx(50e3 / 300)
    assert ws.napkin("peak_booking_qps") == 167 and ws.napkin("booking_qps_capacity") == 334
    assert ws.napkin("seats_storage") == 2.88e6 * 100 == 288 * MB
    assert ws.exact("bookings_storage") == 1_500 * 8 * 52 * 20 * 500
    assert ws.exact("seat_map_cache") == 5 * 1_500 * 100 == 750 * KB
    assert ws.exact("session_cache") == 50e3 * 10 * KB == 500 * MB


def test_season_counts_the_home_games_only():
    ws = season()
    assert ws.exact("home_games") == 41
    assert ws.exact("seat_events") == 41 * 20e3  # 820K; the printed 1.6M counts away games too
    assert ws.napkin("seat_events") == 41 * 20e3
    assert ws.exact("seats_storage") == 41 * 20e3 * 100
    assert season(home_game_share=1).exact("seat_events") == 82 * 20e3
    assert ws.exact("contention_level") == ContentionLevel.LOW


def test_littles_law_of_the_broadway_peak():
    assert littles_law(concurrency="50K", time_in_system="5 min").exact("arrival_rate") == pytest.approx(50e3 / 300)
    assert littles_law(arrival_rate=10_000 / 60, time_in_system="10 min").exact("concurrency") == pytest.approx(100e3)
    assert littles_law(arrival_rate=100, concurrency="50K").exact("time_in_system") == 500


def test_littles_law_needs_exactly_two_of_three():
    with pytest.raises(InputError) as info:
        littles_law(arrival_rate=1)
    assert "exactly two" in str(info.value)
    with pytest.raises(InputError):
        littles_law(arrival_rate=1, time_in_system=2, concurrency=2)


def test_contention_level_follows_the_cheat_sheet_thresholds():
    assert contention_level(99, 1_000) is ContentionLevel.LOW  # users < seats × 0.1
    assert contention_level(100, 1_000) is ContentionLevel.MEDIUM
    assert contention_level(999, 1_000) is ContentionLevel.MEDIUM  # users < seats
    assert contention_level(100e3, 50e3) is ContentionLevel.HIGH  # users > seats
    assert contention_level("500K", "50K").strategy == "distributed"
    assert contention_level(10, 1_000).strategy == "optimistic"
    assert contention_level(500, 1_000).strategy == "pessimistic"
    assert contention_level("5M", "80K").needs_queue and not contention_level(10, 1_000).needs_queue


def test_the_ticketmaster_template_needs_every_input():
    inputs = SCENARIOS["ticketmaster"].values()
    del inputs["dau"]
    with pytest.raises(InputError) as info:
        ticketmaster_template(inputs)
    assert "dau" in str(info.value)


def test_the_whole_template_with_ranges_is_one_vectorised_call():
    inputs = {**SCENARIOS["ticketmaster"].values(), "dau": "5M..20M", "seats_per_event": "5K..20K",
              "lock_hold_time": "1s..10s"}
    ws = ticketmaster_template(inputs, samples=10_000)
    assert ws.mode == "range"
    assert set(TEMPLATE_INPUTS) <= set(ws.keys())
    for key in ("search_qps", "total_storage", "peak_bandwidth", "total_cache", "lock_qps_ceiling"):
        assert np.shape(ws[key].exact) == (10_000,)
        row = ws.results()[key]
        assert row["p5"] < row["p50"] < row["p95"]


# ============================================================================ input kinds


@dataclass(frozen=True)
class Case:
    """How to drive one estimator: a swept input, its span, a range, and a string/number pair."""

    name: str
    fn: Callable[..., Any]
    arg: str
    low: float
    high: float
    range_text: str
    key: str  # a result that moves with ``arg``
    text: str
    number: float
    partner: tuple[str, str]  # another input of the same estimator, as a range


def _littles(**kw: Any) -> Any:
    kw.setdefault("time_in_system", "5 min")
    if "arrival_rate" not in kw:
        kw.setdefault("concurrency", "50K")
    return littles_law(**kw)


CASES = [
    Case("traffic", traffic, "dau", 1e6, 1e8, "5M..20M", "search_qps", "10M", 10e6,
         ("searches_per_user", "3..7")),
    Case("storage", storage, "events", 1e4, 1e6, "100K..1M", "total_storage", "500K", 500e3,
         ("seat_size", "50 B..200 B")),
    Case("storage-bytes", storage, "seat_size", 50, 500, "50 B..200 B", "seats_storage", "100 B", 100,
         ("events", "100K..1M")),
    Case("bandwidth", bandwidth, "searches_per_day", 1e6, 1e9, "20M..80M", "peak_bandwidth", "50M", 50e6,
         ("search_response_size", "20 KB..80 KB")),
    Case("cache", cache, "peak_bookings_per_minute", 1e3, 1e5, "5K..20K", "sessions_cache", "10K", 10e3,
         ("session_size", "20 KB..80 KB")),
    Case("cache-duration", cache, "booking_attempt_time", 60, 3600, "5 min..20 min", "concurrent_sessions",
         "10 min", 600,
         ("peak_bookings_per_minute", "5K..20K")),
    Case("funnel", funnel, "searchers", 100, 1e6, "1K..10K", "purchases", "1K", 1e3,
         ("attempt_rate", "5%..20%")),
    Case("funnel-fraction", funnel, "attempt_rate", 0.01, 0.5, "5%..20%", "attempts", "10%", 0.1,
         ("searchers", "1K..10K")),
    Case("contention", contention, "users", 1e3, 1e6, "50K..200K", "contention_ratio", "100K", 100e3,
         ("seats", "40K..60K")),
    Case("lock_capacity", lock_capacity, "lock_hold_time", 0.5, 30, "1s..10s", "lock_qps_ceiling", "5s", 5,
         ("seats", "40K..60K")),
    Case("waiting_room", waiting_room, "users", 1e3, 1e7, "200K..1M", "sale_duration_seconds", "500K", 500e3,
         ("throttle_rate", "50/s..200/s")),
    Case("waiting_room-rate", waiting_room, "throttle_rate", 10, 1000, "50/s..200/s", "sale_duration_seconds",
         "1K/min", 1000 / 60,
         ("users", "200K..1M")),
    Case("timeout_cascade", timeout_cascade, "booking_hold", 60, 3600, "5 min..20 min", "lock_ttl_headroom",
         "10 min", 600,
         ("lock_ttl", "25s..60s")),
    Case("onsale", onsale, "users", 1e4, 1e7, "200K..1M", "booking_qps_capacity", "500K", 500e3,
         ("seats", "40K..60K")),
    Case("counter_sale", counter_sale, "users", 1e4, 1e7, "200K..2M", "booking_qps_capacity", "1M", 1e6,
         ("counter_update_time", "0.5 ms..2 ms")),
    Case("block_release", block_release, "users", 1e3, 1e6, "50K..400K", "attempt_qps", "200K", 200e3,
         ("seats_per_show", "1K..2K")),
    Case("schedule", schedule, "productions", 1, 100, "10..40", "total_seats", "20", 20,
         ("seats_per_show", "1K..2K")),
    Case("season", season, "games", 10, 200, "60..100", "seat_events", "82", 82,
         ("seats_per_show", "10K..30K")),
    Case("littles_law", _littles, "concurrency", 1e3, 1e6, "10K..100K", "arrival_rate", "50K", 50e3,
         ("time_in_system", "1 min..10 min")),
]
IDS = [c.name for c in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_human_string_gives_the_same_worksheet_as_the_number(case):
    by_text, by_number = case.fn(**{case.arg: case.text}), case.fn(**{case.arg: case.number})
    assert by_text.mode == by_number.mode == "point"
    for key in by_number.keys():
        assert by_text.exact(key) == pytest.approx(by_number.exact(key), rel=1e-12)
        assert by_text.napkin(key) == pytest.approx(by_number.napkin(key), rel=1e-12)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_1000_point_sweep_returns_arrays_matching_the_point_estimates(case):
    xs = np.geomspace(case.low, case.high, 1_000)
    ws = case.fn(**{case.arg: xs})
    assert ws.mode == "sweep"
    assert np.shape(ws.exact(case.key)) == (1_000,)
    assert np.shape(ws.napkin(case.key)) == (1_000,)
    exact = {k: np.broadcast_to(ws.exact(k), xs.shape) for k in ws.keys()}
    napkin = {k: np.broadcast_to(ws.napkin(k), xs.shape) for k in ws.keys()}
    for i, x in enumerate(xs):
        point = case.fn(**{case.arg: float(x)})
        for key in point.keys():
            assert exact[key][i] == pytest.approx(point.exact(key), rel=1e-12), (key, x)
            assert napkin[key][i] == pytest.approx(point.napkin(key), rel=1e-12), (key, x)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_range_input_gives_p5_p50_p95_that_bracket_the_point_estimates(case):
    ws = case.fn(**{case.arg: case.range_text})
    assert ws.mode == "range"
    row = ws.results()[case.key]
    assert {"exact", "napkin", "unit", "p5", "p50", "p95"} <= set(row)
    assert row["p5"] < row["p50"] < row["p95"]
    # every checked result is monotone in its input, so percentiles map through the function
    spec = INPUTS.get(case.arg)  # bandwidth's searches_per_day is a plain count
    r = parse_range(case.range_text, name=case.arg, dimension=spec.dimension if spec else "count")
    at = {x: float(case.fn(**{case.arg: x}).exact(case.key)) for x in (r.low, r.high, math.sqrt(r.low * r.high))}
    ends = sorted((at[r.low], at[r.high]))
    assert row["p5"] == pytest.approx(ends[0], rel=0.08)
    assert row["p95"] == pytest.approx(ends[1], rel=0.08)
    assert row["p50"] == pytest.approx(at[math.sqrt(r.low * r.high)], rel=0.04)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_mixing_a_sweep_and_a_range_is_refused(case):
    partner, range_text = case.partner
    with pytest.raises(InputError) as info:
        case.fn(**{case.arg: np.geomspace(case.low, case.high, 5), partner: range_text})
    assert info.value.name in {case.arg, partner}  # whichever of the two is declared second
    assert "not both" in str(info.value)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_range_on_a_second_input_also_gives_percentiles(case):
    partner, range_text = case.partner
    ws = case.fn(**{partner: range_text})
    assert ws.mode == "range"
    assert any({"p5", "p50", "p95"} <= set(row) for key, row in ws.results(include_givens=False).items())


# ============================================================================ bad input

BAD = [
    (contention, {"seats": -50_000}, "seats"),
    (contention, {"users": "lots"}, "users"),
    (lock_capacity, {"lock_hold_time": 0}, "lock_hold_time"),
    (lock_capacity, {"lock_hold_time": "0s"}, "lock_hold_time"),
    (lock_capacity, {"retry_rate": -0.5}, "retry_rate"),
    (lock_capacity, {"seats": -1}, "seats"),
    (traffic, {"dau": float("nan")}, "dau"),
    (traffic, {"dau": "ten million"}, "dau"),
    (traffic, {"dau": -10e6}, "dau"),
    (traffic, {"booking_success_rate": "150%"}, "booking_success_rate"),
    (traffic, {"booking_success_rate": 1.5}, "booking_success_rate"),
    (traffic, {"peak_multiplier": 0.5}, "peak_multiplier"),
    (traffic, {"dau": np.array([1e6, np.nan])}, "dau"),
    (traffic, {"dau": np.ones(3), "searches_per_user": np.ones(4)}, "searches_per_user"),
    (traffic, {"dau": np.ones(3), "searches_per_user": "3..7"}, "searches_per_user"),
    (traffic, {"dau": "20M..5M"}, "dau"),
    (traffic, {"dau": "0..5M"}, "dau"),
    (traffic, {"dau": "5M.."}, "dau"),
    (storage, {"seat_size": "5 parsecs"}, "seat_size"),
    (storage, {"seat_size": "30s"}, "seat_size"),
    (storage, {"retention_years": -5}, "retention_years"),
    (storage, {"events": float("inf")}, "events"),
    (bandwidth, {"search_response_size": None}, "search_response_size"),
    (bandwidth, {"searches_per_day": True}, "searches_per_day"),
    (cache, {"hot_event_fraction": "101%"}, "hot_event_fraction"),
    (cache, {"booking_attempt_time": 0}, "booking_attempt_time"),
    (cache, {"session_size": float("nan")}, "session_size"),
    (funnel, {"attempt_rate": "120%"}, "attempt_rate"),
    (funnel, {"searchers": 0}, "searchers"),
    (waiting_room, {"throttle_rate": 0}, "throttle_rate"),
    (waiting_room, {"users": float("nan")}, "users"),
    (waiting_room, {"sale_window": "ten minutes"}, "sale_window"),
    (waiting_room, {"users": np.linspace(1, 2, 3), "seats": "40K..60K"}, "seats"),
    (timeout_cascade, {"http_call": "0s"}, "http_call"),
    (timeout_cascade, {"db_statement": -5}, "db_statement"),
    (timeout_cascade, {"lock_ttl": "forever"}, "lock_ttl"),
    (onsale, {"seats": -5}, "seats"),
    (onsale, {"seats_per_booking": 0}, "seats_per_booking"),
    (onsale, {"sale_window": float("inf")}, "sale_window"),
    (counter_sale, {"counter_update_time": 0}, "counter_update_time"),
    (counter_sale, {"inventory_shards": -1}, "inventory_shards"),
    (block_release, {"throttle_rate": "fast"}, "throttle_rate"),
    (season, {"home_game_share": "150%"}, "home_game_share"),
    (schedule, {"seats_per_show": -1_500}, "seats_per_show"),
    (schedule, {"booking_time": 0}, "booking_time"),
    (season, {"games": float("nan")}, "games"),
    (littles_law, {"concurrency": -5, "time_in_system": 10}, "concurrency"),
    (littles_law, {"arrival_rate": "fast", "time_in_system": 10}, "arrival_rate"),
    (contention_level, {"users": -1, "seats": 10}, "users"),
    (contention_level, {"users": 1, "seats": 0}, "seats"),
]


@pytest.mark.parametrize(("fn", "kwargs", "arg"), BAD, ids=[f"{f.__name__}-{a}-{i}" for i, (f, _, a) in enumerate(BAD)])
def test_bad_input_raises_input_error_naming_the_argument(fn, kwargs, arg):
    with pytest.raises(InputError) as info:
        fn(**kwargs)
    assert isinstance(info.value, ValueError)
    assert info.value.name == arg
    assert str(info.value).startswith(f"{arg}=")
    assert "expected" in str(info.value)


# ============================================================================ properties

_count = st.floats(min_value=1.0, max_value=1e10, allow_nan=False, allow_infinity=False)


@PROPS
@given(_count, _count)
def test_more_dau_means_more_search_qps(a, b):
    assume(a < b * (1 - 1e-9))
    lo, hi = traffic(dau=a), traffic(dau=b)
    for key in ("searches_per_day", "search_qps", "peak_qps", "extreme_peak_qps"):
        assert lo.exact(key) < hi.exact(key)
        assert lo.napkin(key) <= hi.napkin(key)


@PROPS
@given(_count, _count)
def test_more_events_and_more_bookings_mean_more_storage(a, b):
    assume(a < b * (1 - 1e-9))
    assert storage(events=a).exact("total_storage") < storage(events=b).exact("total_storage")
    assert storage(bookings_per_day=a).exact("total_storage") < storage(bookings_per_day=b).exact("total_storage")
    assert storage(searches_per_day=a).exact("total_storage") < storage(searches_per_day=b).exact("total_storage")


@PROPS
@given(_count, _count)
def test_more_searches_mean_more_bandwidth(a, b):
    assume(a < b * (1 - 1e-9))
    lo, hi = bandwidth(searches_per_day=a), bandwidth(searches_per_day=b)
    for key in ("search_bandwidth", "peak_bandwidth", "extreme_peak_bandwidth"):
        assert lo.exact(key) < hi.exact(key)


@settings(max_examples=25, deadline=None)
@given(st.floats(min_value=1e3, max_value=1e9), st.floats(min_value=1e3, max_value=1e9))
def test_more_dau_means_more_of_everything_in_the_template(a, b):
    from ticketlab.course.solve import solve

    assume(a < b * (1 - 1e-9))
    lo, hi = solve("ticketmaster", {"dau": a}), solve("ticketmaster", {"dau": b})
    for key in ("search_qps", "peak_qps", "total_storage", "peak_bandwidth"):
        assert lo.exact(key) < hi.exact(key)


@PROPS
@given(_count, st.floats(min_value=0.01, max_value=1e3))
def test_napkin_search_qps_is_exact_times_86400_over_100000(dau, per_user):
    ws = traffic(dau=dau, searches_per_user=per_user)
    assert ws.napkin("search_qps") == pytest.approx(ws.exact("search_qps") * DAY / NAPKIN_DAY, rel=1e-12)
    assert ws.exact("search_qps") == pytest.approx(dau * per_user / DAY, rel=1e-12)


@PROPS
@given(st.floats(min_value=0.0, max_value=1e9), st.floats(min_value=1.0, max_value=1e9))
def test_contention_level_thresholds(users, seats):
    assume(users > 0)
    expected = (ContentionLevel.LOW if users < 0.1 * seats
                else ContentionLevel.MEDIUM if users < seats else ContentionLevel.HIGH)
    # the rule is stated on users/seats; stay off the float boundary itself
    assume(not math.isclose(users / seats, 0.1, rel_tol=1e-9) and not math.isclose(users / seats, 1, rel_tol=1e-9))
    assert contention_level(users, seats) is expected
    assert contention(users=users, seats=seats).exact("contention_level") == expected


_rate = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False)
_time = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False)


@PROPS
@given(_rate, _time)
def test_littles_law_round_trips_between_its_three_forms(rate, time):
    L = littles_law(arrival_rate=rate, time_in_system=time).exact("concurrency")
    assert L == pytest.approx(rate * time, rel=1e-12)
    assert littles_law(concurrency=L, time_in_system=time).exact("arrival_rate") == pytest.approx(rate, rel=1e-9)
    assert littles_law(concurrency=L, arrival_rate=rate).exact("time_in_system") == pytest.approx(time, rel=1e-9)


@PROPS
@given(st.floats(min_value=1, max_value=1e8), st.floats(min_value=1, max_value=1e7),
       st.floats(min_value=1, max_value=10))
def test_waiting_room_serves_plus_waitlists_every_user(users, seats, per_booking):
    ws = waiting_room(users=users, seats=seats, seats_per_booking=per_booking)
    served, waitlisted = ws.exact("users_served"), ws.exact("waitlisted_users")
    assert served + waitlisted == pytest.approx(users, rel=1e-12)
    assert served == pytest.approx(min(users, seats / per_booking), rel=1e-12)
    assert waitlisted >= 0
    assert 0 < ws.exact("success_rate") <= 1


_timeout = st.floats(min_value=0.01, max_value=1e5, allow_nan=False)
_LAYERS = ("booking_hold", "lock_ttl", "http_call", "db_statement")


@settings(max_examples=150, deadline=None)
@given(st.tuples(_timeout, _timeout, _timeout, _timeout))
def test_timeout_cascade_raises_for_any_upside_down_pair_and_names_it(times):
    bad = [(parent, child) for (parent, p), (child, c) in zip(zip(_LAYERS, times), zip(_LAYERS[1:], times[1:]))
           if c >= p]
    kwargs = dict(zip(_LAYERS, times))
    if not bad:
        ws = timeout_cascade(**kwargs)
        assert ws.exact("lock_ttl_headroom") == pytest.approx(times[0] / times[1])
        return
    with pytest.raises(CascadeError) as info:
        timeout_cascade(**kwargs)
    message = str(info.value)
    for parent, child in zip(_LAYERS, _LAYERS[1:]):
        named = re.search(rf"{child} \([^)]*\) must be shorter than {parent} \(", message) is not None
        assert named == ((parent, child) in bad), (parent, child, message)


def test_an_upside_down_cascade_names_the_wrong_pair():
    with pytest.raises(CascadeError) as info:
        timeout_cascade(lock_ttl="20 min")
    message = str(info.value)
    assert "lock_ttl" in message and "booking_hold" in message
    assert "http_call" not in message.split(".")[0]  # only the wrong pair in the verdict
    assert isinstance(info.value, ValueError)


def test_equal_timeouts_are_upside_down_too():
    with pytest.raises(CascadeError):
        validate_cascade([("lock_ttl", "5s"), ("db_statement", "5s")])


def test_a_swept_cascade_names_the_first_bad_point():
    holds = np.array([600.0, 300.0, 20.0])
    with pytest.raises(CascadeError) as info:
        validate_cascade([("booking_hold", holds), ("lock_ttl", 30)])
    assert "point 2" in str(info.value)


def test_a_ranged_cascade_is_checked_sample_by_sample():
    ws = timeout_cascade(booking_hold="5 min..20 min")
    assert ws.mode == "range"
    with pytest.raises(CascadeError) as info:
        timeout_cascade(lock_ttl="10 min..40 min")  # most draws outlive the 10-minute hold
    assert "lock_ttl" in str(info.value) and "booking_hold" in str(info.value)


def test_a_1000_point_dau_sweep_of_the_template_matches_its_point_estimates():
    inputs = SCENARIOS["ticketmaster"].values()
    daus = np.geomspace(1e6, 1e8, 1_000)
    ws = ticketmaster_template({**inputs, "dau": daus})
    assert ws.mode == "sweep"
    for i in range(0, 1_000, 50):
        point = ticketmaster_template({**inputs, "dau": float(daus[i])})
        for key in ("search_qps", "peak_qps", "total_storage", "peak_bandwidth", "read_write_ratio"):
            assert np.shape(ws.exact(key)) == (1_000,)
            assert ws.exact(key)[i] == pytest.approx(point.exact(key), rel=1e-12)
            assert ws.napkin(key)[i] == pytest.approx(point.napkin(key), rel=1e-12)


def test_every_estimator_takes_its_sample_count_and_seed():
    for case in CASES:
        if case.fn is _littles:
            continue
        first = case.fn(**{case.arg: case.range_text}, samples=500, seed=3)
        again = case.fn(**{case.arg: case.range_text}, samples=500, seed=3)
        assert np.shape(first.exact(case.key)) == (500,), case.name
        assert np.array_equal(first.exact(case.key), again.exact(case.key)), case.name
    ws = littles_law(concurrency="10K..100K", time_in_system="5 min", samples=500, seed=3)
    assert np.shape(ws.exact("arrival_rate")) == (500,)
