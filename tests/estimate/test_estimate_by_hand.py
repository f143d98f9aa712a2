"""Every step of every estimator against arithmetic written out here, with inputs chosen to expose mistakes.

The source's own figures (``test_estimators.py``) leave many inputs at 1 or at equal multipliers,
where ``a * b`` and ``a / b`` agree. Here no input is 1, no two multipliers are equal, and each
expected value is computed by hand for both moods: exact (a day is 86,400 s, a month 52/12
weeks) and napkin (a day is 100K s, a month 4 weeks). :func:`assert_steps` also fails when an
estimator grows a step this file does not check.
"""

from __future__ import annotations

import numpy as np
import pytest

from ticketlab.core.errors import CascadeError, InputError, UnitError
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
from ticketlab.estimate.contention import ContentionLevel, level_codes, rate_level_codes
from ticketlab.estimate.inputs import INPUTS
from ticketlab.estimate.template import TEMPLATE_INPUTS

EXACT_DAY, NAPKIN_DAY = 86_400.0, 100_000.0
EXACT_WEEKS_A_MONTH, NAPKIN_WEEKS_A_MONTH = 52 / 12, 4.0
LOW, MEDIUM, HIGH = 0.0, 1.0, 2.0


def assert_steps(ws, exact: dict[str, float], napkin: dict[str, float] | None = None) -> None:
    """Every derived step of ``ws`` is in ``exact``, and each value (both moods) is the one given.

    ``napkin`` defaults to ``exact``: a step that uses no shortcut is the same on the napkin.
    """
    napkin = exact if napkin is None else napkin
    assert list(ws.derived().keys()) == list(exact), "the estimator's steps differ from the ones checked here"
    for key, value in exact.items():
        assert ws.exact(key) == pytest.approx(value, rel=1e-12, abs=0), (key, "exact")
        assert ws.napkin(key) == pytest.approx(napkin[key], rel=1e-12, abs=0), (key, "napkin")


def assert_givens_come_from_the_registry(ws) -> None:
    """Each input of a worksheet carries the label and unit its INPUTS entry declares, and no note."""
    givens = [s for s in ws if s.is_given]
    assert givens
    for step in givens:
        spec = INPUTS[step.key]
        assert (step.label, step.unit, step.note) == (spec.label, spec.unit, ""), step.key
        assert step.napkin == step.exact


# ============================================================================ traffic, storage, bandwidth, cache

TRAFFIC_INPUTS = dict(dau="3M", searches_per_user=7, bookings_per_day="200K", booking_success_rate="40%",
                      payments_per_booking=3, peak_multiplier=6, extreme_multiplier=45)


def traffic_by_hand(day: float) -> dict[str, float]:
    searches, bookings, attempts, payments = 3e6 * 7, 200e3, 200e3 / 0.4, 200e3 * 3
    search_qps, booking_qps, payment_qps = searches / day, bookings / day, payments / day
    return {
        "searches_per_day": searches,
        "successful_bookings_per_day": bookings,
        "booking_attempts_per_day": attempts,
        "payments_per_day": payments,
        "read_write_ratio": searches / bookings,
        "search_qps": search_qps,
        "booking_qps": booking_qps,
        "booking_attempt_qps": attempts / day,
        "payment_qps": payment_qps,
        "peak_qps": search_qps * 6,
        "extreme_peak_qps": search_qps * 45,
        "peak_booking_qps": booking_qps * 6,
        "extreme_booking_qps": booking_qps * 45,
        "peak_payment_qps": payment_qps * 6,
    }


def test_traffic_step_by_step():
    ws = traffic(**TRAFFIC_INPUTS)
    assert_steps(ws, traffic_by_hand(EXACT_DAY), traffic_by_hand(NAPKIN_DAY))
    assert ws.napkin("booking_attempt_qps") == 5  # 500K attempts ÷ 100K s
    assert_givens_come_from_the_registry(ws)


STORAGE_INPUTS = dict(events="300K", event_size="4 KB", seats_per_event="6K", seat_size="70 B",
                      bookings_per_day="200K", booking_size="800 B", retention_years=3, total_users="90M",
                      user_size="3 KB", searches_per_day="40M", log_record_size="150 B", log_retention_years=2)


def test_storage_step_by_step():
    parts = {
        "events_storage": 300e3 * 4e3,
        "total_seats": 300e3 * 6e3,
        "seats_storage": 300e3 * 6e3 * 70,
        "total_bookings": 200e3 * 365 * 3,
        "bookings_storage": 200e3 * 365 * 3 * 800,
        "users_storage": 90e6 * 3e3,
        "logs_storage": 40e6 * 365 * 2 * 150,
    }
    total = sum(v for k, v in parts.items() if k.endswith("_storage"))  # 4.95 TB
    exact = {**parts, "total_storage": total}
    assert_steps(storage(**STORAGE_INPUTS), exact, {**exact, "total_storage": 5e12})  # one figure: 5 TB


BANDWIDTH_INPUTS = dict(searches_per_day="40M", bookings_per_day="300K", payments_per_day="450K",
                        search_response_size="30 KB", booking_request_size="7 KB", payment_request_size="3 KB",
                        peak_multiplier=6, extreme_multiplier=45)


def bandwidth_by_hand(day: float) -> dict[str, float]:
    search_qps, booking_qps, payment_qps = 40e6 / day, 300e3 / day, 450e3 / day
    search, booking, payment = search_qps * 30e3, booking_qps * 7e3, payment_qps * 3e3
    average = search + booking + payment
    return {
        "search_qps": search_qps, "booking_qps": booking_qps, "payment_qps": payment_qps,
        "search_bandwidth": search, "booking_bandwidth": booking, "payment_bandwidth": payment,
        "average_bandwidth": average, "peak_bandwidth": average * 6, "extreme_peak_bandwidth": average * 45,
    }


def test_bandwidth_step_by_step():
    assert_steps(bandwidth(**BANDWIDTH_INPUTS), bandwidth_by_hand(EXACT_DAY), bandwidth_by_hand(NAPKIN_DAY))


CACHE_INPUTS = dict(events="300K", hot_event_fraction="3%", event_size="4 KB", seats_per_event="6K",
                    seat_size="70 B", popular_queries="20K", search_response_size="30 KB",
                    peak_bookings_per_minute="9K", booking_attempt_time="7 min", session_size="20 KB")


def test_cache_step_by_step():
    hot_events, seat_map = 300e3 * 0.03, 6e3 * 70
    rate = 9e3 / 60
    sessions = rate * 7 * 60
    exact = {
        "hot_events": hot_events,
        "seat_map_size": seat_map,
        "hot_events_cache": hot_events * (4e3 + seat_map),
        "popular_searches_cache": 20e3 * 30e3,
        "peak_booking_rate": rate,
        "concurrent_sessions": sessions,
        "sessions_cache": sessions * 20e3,
        "total_cache": hot_events * (4e3 + seat_map) + 20e3 * 30e3 + sessions * 20e3,
    }
    assert_steps(cache(**CACHE_INPUTS), exact)


def test_funnel_step_by_step():
    attempts = 5_000 * 0.12
    purchases = attempts * 0.35
    exact = {
        "attempts": attempts,
        "purchases": purchases,
        "conversion_rate": purchases / 5_000,
        "abandonment_rate": 1 - 0.35,
        "attempts_per_purchase": 1 / 0.35,
        "searchers_per_purchase": 5_000 / purchases,
    }
    assert_steps(funnel(searchers="5K", attempt_rate="12%", booking_success_rate="35%"), exact)


# ============================================================================ contention, capacity, waiting room


def test_contention_step_by_step():
    ws = contention(users="30K", seats="80K", seats_per_booking=3)
    assert_steps(ws, {"contention_ratio": 30e3 / 80e3, "bookings_available": 80e3 / 3,
                      "users_per_booking": 30e3 / (80e3 / 3), "contention_level": MEDIUM})
    assert ws["contention_level"].note == ContentionLevel.MEDIUM.advice
    assert [ws["contention_level"].show(code) for code in (LOW, MEDIUM, HIGH)] == ["Low", "Medium", "High"]


@pytest.mark.parametrize(("users", "seats", "level"), [
    (4_999, 50_000, ContentionLevel.LOW),  # just under a tenth of the seats
    (5_000, 50_000, ContentionLevel.MEDIUM),  # exactly a tenth: no longer low
    (49_999, 50_000, ContentionLevel.MEDIUM),
    (50_000, 50_000, ContentionLevel.HIGH),  # exactly one user per seat: high
    (0, 50_000, ContentionLevel.LOW),  # nobody at all is allowed, and is low
])
def test_contention_levels_switch_exactly_at_a_tenth_of_the_seats_and_at_the_seats(users, seats, level):
    assert contention_level(users, seats) is level
    assert level_codes(users / seats) == level.value
    if users:
        assert contention(users=users, seats=seats).exact("contention_level") == level.value


def test_contention_level_reads_counts_and_names_what_it_refuses():
    assert contention_level("5K", "50K") is ContentionLevel.MEDIUM
    for users, seats, name, value in ((-1, 10, "users", -1), (5, 0, "seats", 0), (5, "-2", "seats", "-2")):
        with pytest.raises(InputError) as info:
            contention_level(users, seats)
        assert (info.value.name, info.value.value) == (name, value) and "such as" in info.value.expected
    with pytest.raises(InputError) as info:
        contention_level("lots", 100)
    assert info.value.name == "users" and "a count such as" in str(info.value)
    with pytest.raises(InputError) as info:
        contention_level(100, "many")
    assert info.value.name == "seats" and "a count such as" in str(info.value)
    with pytest.raises(UnitError):
        contention_level("5 GB", 100)  # a size is not a number of users
    with pytest.raises(UnitError):
        contention_level(100, "30s")


def test_a_swept_contention_gives_one_level_per_point_and_no_single_advice():
    ws = contention(users=np.array([4e3, 40e3, 400e3]), seats="50K")
    assert ws.exact("contention_level").tolist() == [LOW, MEDIUM, HIGH]
    assert ws["contention_level"].note == "per point: 0 low, 1 medium, 2 high"
    rated = onsale(users=np.array([100.0, 30e3, 300e3]))
    assert rated.exact("rate_level").tolist() == [LOW, MEDIUM, HIGH]
    assert rated["rate_level"].note == "per point: 0 low, 1 medium, 2 high"


@pytest.mark.parametrize(("writers", "load", "level"), [
    (0.999, 1.0, LOW),
    (1.0, 1.0, MEDIUM),  # one writer in the critical section at a time: they start to meet
    (1.0, 1.001, HIGH),  # attempts outrun the path
    (500.0, 0.5, MEDIUM),
    (0.5, 2.0, HIGH),
])
def test_rate_levels_switch_at_one_writer_at_once_and_at_a_load_above_one(writers, load, level):
    assert rate_level_codes(writers, load) == level


LOCK_INPUTS = dict(seats="24K", lock_hold_time="4s", retry_rate=0.6, seats_per_booking=3)


def lock_capacity_by_hand(seats: float, hold: float, retry_rate: float, per_booking: float) -> dict[str, float]:
    per_seat = 1 / hold
    ceiling = seats * per_seat / per_booking
    after_retries = ceiling / (1 + retry_rate)
    bookings = seats / per_booking
    return {
        "lock_throughput_per_seat": per_seat,
        "seat_lock_ceiling": seats * per_seat,
        "lock_qps_ceiling": ceiling,
        "retry_adjusted_capacity": after_retries,
        "bookings_available": bookings,
        "stock_lock_seconds": bookings / ceiling,
        "stock_lock_seconds_with_retries": bookings / after_retries,
        "concurrent_lock_holders": after_retries * per_booking * hold,
    }


def test_lock_capacity_step_by_step():
    assert_steps(lock_capacity(**LOCK_INPUTS), lock_capacity_by_hand(24e3, 4, 0.6, 3))


def test_lock_capacity_takes_a_retry_rate_of_zero():
    assert lock_capacity(retry_rate=0).exact("retry_adjusted_capacity") == lock_capacity().exact("lock_qps_ceiling")


def test_littles_law_says_what_it_was_given_when_it_was_not_two():
    for given, shown in (({}, "nothing"), ({"arrival_rate": 4}, ["arrival_rate"]),
                         ({"arrival_rate": 4, "time_in_system": 2, "concurrency": 8},
                          ["arrival_rate", "concurrency", "time_in_system"])):
        with pytest.raises(InputError) as info:
            littles_law(**given)
        assert (info.value.name, info.value.value) == ("littles_law", shown)
        assert "exactly two of arrival_rate, time_in_system, concurrency" in info.value.expected


@pytest.mark.parametrize(("given", "key", "value"), [
    (dict(arrival_rate=40, time_in_system=7), "concurrency", 40 * 7),
    (dict(concurrency=280, time_in_system="7s"), "arrival_rate", 280 / 7),
    (dict(concurrency=280, arrival_rate="40/s"), "time_in_system", 280 / 40),
])
def test_littles_law_computes_the_missing_one_of_three(given, key, value):
    ws = littles_law(**given)
    assert ws.keys() == [k for k in ("arrival_rate", "time_in_system", "concurrency") if k in given] + [key]
    assert_steps(ws, {key: value})


WAITING_INPUTS = dict(users="90K", seats="24K", seats_per_booking=3, sale_window="20 min", throttle_rate="60/s")


def waiting_room_by_hand(users: float, bookings: float, window: float, throttle: float) -> dict[str, float]:
    admitted = min(throttle, users / window)
    served = min(users, bookings)
    return {
        "admit_rate": users / window,
        "effective_admit_rate": admitted,
        "sale_duration_seconds": users / admitted,
        "users_served": served,
        "waitlisted_users": users - served,
        "success_rate": served / users,
        "sellout_seconds": served / admitted,
    }


def test_waiting_room_step_by_step():
    ws = waiting_room(**WAITING_INPUTS)
    assert_steps(ws, {"bookings_available": 24e3 / 3, **waiting_room_by_hand(90e3, 24e3 / 3, 1_200, 60)})
    assert ws.exact("effective_admit_rate") == 60  # the throttle, below the 75/s demand


def test_waiting_room_with_more_seats_than_users_serves_everyone_at_the_rate_they_come():
    ws = waiting_room(users="6K", seats="24K", seats_per_booking=3, sale_window="20 min", throttle_rate="60/s")
    assert_steps(ws, {"bookings_available": 8e3, **waiting_room_by_hand(6e3, 8e3, 1_200, 60)})
    assert ws.exact("waitlisted_users") == 0 and ws.exact("effective_admit_rate") == 5


def test_timeout_cascade_step_by_step():
    ws = timeout_cascade(booking_hold="12 min", lock_ttl="45s", http_call="9s", db_statement="4s")
    assert_steps(ws, {"lock_ttl_headroom": 720 / 45, "http_call_headroom": 45 / 9, "db_statement_headroom": 9 / 4})
    with pytest.raises(CascadeError):
        timeout_cascade(booking_hold="12 min", lock_ttl="45s", http_call="9s", db_statement="9s")


# ============================================================================ on-sales


ONSALE_INPUTS = dict(users="90K", seats="24K", seats_per_booking=3, sale_window="20 min", retry_factor=2.5,
                     throttle_rate="60/s", event_size="6 KB", seat_size="70 B", booking_size="800 B",
                     lock_hold_time="4s", retry_rate=0.6)


def test_onsale_step_by_step():
    users, seats, per_booking, window, throttle, hold = 90e3, 24e3, 3, 1_200, 60, 4
    bookings = seats / per_booking
    room = waiting_room_by_hand(users, bookings, window, throttle)
    exact = {
        "contention_ratio": users / seats, "bookings_available": bookings, "users_per_booking": users / bookings,
        "contention_level": HIGH,
        "successful_bookings": bookings, "booking_qps": bookings / window,
        "attempt_qps": users / window, "booking_qps_capacity": users / window * 2.5,
        **room,
        "room_qps_capacity": throttle * 2.5,
        "room_load": users / window / throttle, "writers_at_once": throttle * hold, "rate_level": HIGH,
        "event_storage": 6e3, "seats_storage": seats * 70, "bookings_storage": bookings * 800,
        **{k: v for k, v in lock_capacity_by_hand(seats, hold, 0.6, per_booking).items() if k != "bookings_available"},
    }
    ws = onsale(**ONSALE_INPUTS)
    assert_steps(ws, exact)
    assert ws["rate_level"].note != ws["contention_level"].note


@pytest.mark.parametrize(("users", "level"), [
    (36_000, MEDIUM),  # 60 attempts/s into a 60/s room: a load of exactly 1 is not above it
    (36_060, HIGH),
    (150, MEDIUM),  # 0.25 admitted/s × 4 s = exactly one writer at once
    (149, LOW),
])
def test_onsale_rate_level_at_its_thresholds(users, level):
    ws = onsale(**{**ONSALE_INPUTS, "users": users, "sale_window": "10 min"})
    assert ws.exact("rate_level") == level
    assert ws.exact("room_load") == pytest.approx(users / 600 / 60, rel=1e-12)
    assert ws.exact("writers_at_once") == pytest.approx(min(60, users / 600) * 4, rel=1e-12)


COUNTER_INPUTS = dict(users="800K", seats="90K", seats_per_booking=3, sale_window="2 h", retry_factor=2.5,
                      throttle_rate="80/s", inventory_shards=4, counter_update_time="2 ms", lock_hold_time="5s",
                      event_size="6 KB", seat_size="70 B", booking_size="800 B")


def test_counter_sale_step_by_step():
    users, seats, per_booking, window, throttle = 800e3, 90e3, 3, 7_200, 80
    bookings = seats / per_booking
    exact = {
        "contention_ratio": users / seats, "bookings_available": bookings, "users_per_booking": users / bookings,
        "successful_bookings": bookings, "booking_qps": bookings / window,
        "attempt_qps": users / window, "booking_qps_capacity": users / window * 2.5,
        **waiting_room_by_hand(users, bookings, window, throttle),
        "room_qps_capacity": throttle * 2.5,
        "counter_ceiling": 4 / 0.002, "counter_headroom": 4 / 0.002 / (throttle * 2.5),
        "held_counter_ceiling": 4 / 5, "held_counter_sellout_seconds": bookings / (4 / 5),
        "event_storage": 6e3, "seats_storage": seats * 70, "bookings_storage": bookings * 800,
    }
    assert_steps(counter_sale(**COUNTER_INPUTS), exact)


# ============================================================================ schedules


SCHEDULE_INPUTS = dict(productions=12, seats_per_show=1_800, shows_per_week=7, horizon_months=5, users="37K",
                       booking_time="4 min", safety_factor=3, seat_size="70 B", booking_size="800 B",
                       seats_per_booking=2.5, retention_years=2, hot_shows=8, session_size="20 KB")


def schedule_by_hand(weeks_a_month: float, peak_qps: float, *, productions: float = 12, seats_per_show: float = 1_800,
                     users: float = 37e3, hot_shows: float = 8) -> dict[str, float]:
    weeks = 5 * weeks_a_month
    seats = productions * seats_per_show * 7 * weeks
    kept = productions * seats_per_show * 7 * 52 * 2 / 2.5
    return {
        "weeks_ahead": weeks,
        "total_seats": seats,
        "peak_booking_qps": peak_qps,
        "booking_qps_capacity": peak_qps * 3,
        "seats_storage": seats * 70,
        "bookings_kept": kept,
        "bookings_storage": kept * 800,
        "total_storage": seats * 70 + kept * 800,
        "seat_map_cache": hot_shows * seats_per_show * 70,
        "session_cache": users * 20e3,
        "total_cache": hot_shows * seats_per_show * 70 + users * 20e3,
    }


def test_schedule_step_by_step():
    # the napkin keeps three figures of 37K ÷ 240 s = 154.17/s
    assert_steps(schedule(**SCHEDULE_INPUTS), schedule_by_hand(EXACT_WEEKS_A_MONTH, 37e3 / 240),
                 schedule_by_hand(NAPKIN_WEEKS_A_MONTH, 154))


def test_block_release_step_by_step():
    inputs = {**SCHEDULE_INPUTS, "productions": 2, "seats_per_show": 1_300, "users": "150K", "hot_shows": 30,
              "sale_window": "6 min", "throttle_rate": "300/s", "lock_hold_time": "3s"}

    def by_hand(weeks_a_month: float) -> dict[str, float]:
        users, window, throttle = 150e3, 360, 300
        scheduled = schedule_by_hand(weeks_a_month, 150e3 / 240, productions=2, seats_per_show=1_300, users=users,
                                     hot_shows=30)
        seats = scheduled["total_seats"]
        bookings = seats / 2.5
        room = waiting_room_by_hand(users, bookings, window, throttle)
        return {
            **scheduled,
            "seats": seats,
            "contention_ratio": users / seats, "bookings_available": bookings, "users_per_booking": users / bookings,
            "contention_level": MEDIUM,
            "successful_bookings": min(users, bookings),
            "attempt_qps": users / window,
            **room,
            "room_load": users / window / throttle, "writers_at_once": throttle * 3, "rate_level": HIGH,
            "sellout_in_booking_times": room["sellout_seconds"] / 240,
        }

    exact, napkin = by_hand(EXACT_WEEKS_A_MONTH), by_hand(NAPKIN_WEEKS_A_MONTH)
    # 157.7K bookings in the calendar's 21.7 weeks, 145.6K in the napkin's 20: the users or the seats run out first
    assert exact["successful_bookings"] == 150e3 and napkin["successful_bookings"] == pytest.approx(145_600)
    assert_steps(block_release(**inputs), exact, napkin)


def test_season_step_by_step():
    ws = season(games=60, seats_per_show="18K", seat_size="70 B", users="3K", seats_per_booking=3,
                home_game_share="40%")
    assert_steps(ws, {
        "home_games": 60 * 0.4, "seat_events": 60 * 0.4 * 18e3, "seats_storage": 60 * 0.4 * 18e3 * 70,
        "seats": 18e3, "contention_ratio": 3e3 / 18e3, "bookings_available": 18e3 / 3,
        "users_per_booking": 3e3 / (18e3 / 3), "contention_level": MEDIUM,
    })


# ============================================================================ the whole template


def _template_inputs() -> dict[str, object]:
    return {
        **TRAFFIC_INPUTS, **{k: v for k, v in STORAGE_INPUTS.items() if k != "searches_per_day"},
        **{k: BANDWIDTH_INPUTS[k] for k in ("search_response_size", "booking_request_size", "payment_request_size")},
        **{k: CACHE_INPUTS[k] for k in ("hot_event_fraction", "popular_queries", "session_size",
                                        "peak_bookings_per_minute", "booking_attempt_time")},
        **LOCK_INPUTS, "users": "90K", "sale_window": "20 min", "throttle_rate": "60/s",
        "booking_hold": "12 min", "lock_ttl": "45s", "http_call": "9s", "db_statement": "4s",
    }


def test_the_template_is_its_sections_computed_from_shared_inputs():
    inputs = _template_inputs()
    assert set(inputs) == set(TEMPLATE_INPUTS)
    ws = ticketmaster_template(inputs, title="A smaller Ticketmaster", notes={"dau": "a weekday"})
    assert ws.title == "A smaller Ticketmaster"
    assert ws["dau"].note == "a weekday" and ws["total_users"].note == ""

    searches = 3e6 * 7
    expected = {
        **traffic_by_hand(EXACT_DAY),
        **storage(**{**STORAGE_INPUTS, "searches_per_day": searches}).results(include_givens=False),
        **bandwidth(**{**BANDWIDTH_INPUTS, "searches_per_day": searches, "bookings_per_day": "200K",
                       "payments_per_day": 600e3}).results(include_givens=False),
        **cache(**CACHE_INPUTS).results(include_givens=False),
        **contention(users="90K", seats="24K", seats_per_booking=3).results(include_givens=False),
        **lock_capacity(**LOCK_INPUTS).results(include_givens=False),
        **waiting_room(**WAITING_INPUTS).results(include_givens=False),
        "admitted_sessions": 60 * 7 * 60,  # the room's 60/s × 7 min a booking stays open
        **timeout_cascade(booking_hold="12 min", lock_ttl="45s", http_call="9s", db_statement="4s")
        .results(include_givens=False),
    }
    exact = {k: (v["exact"] if isinstance(v, dict) else v) for k, v in expected.items()}
    assert set(ws.derived().keys()) == set(exact)
    for key, value in exact.items():
        assert ws.exact(key) == pytest.approx(value, rel=1e-12), key
    assert ws.napkin("search_qps") == searches / NAPKIN_DAY


def test_the_template_names_the_inputs_it_misses():
    inputs = _template_inputs()
    del inputs["lock_ttl"], inputs["users"]
    with pytest.raises(InputError) as info:
        ticketmaster_template(inputs)
    assert (info.value.name, info.value.value) == ("inputs", "missing users, lock_ttl")  # in TEMPLATE_INPUTS order
    assert "TEMPLATE_INPUTS" in info.value.expected


# ============================================================================ what every estimator shares


def test_inputs_keep_their_bounds_inclusive_where_the_registry_says_so():
    assert traffic(peak_multiplier=1, extreme_multiplier=1).exact("peak_qps") == traffic().exact("search_qps")
    for fraction in ("booking_success_rate", "attempt_rate"):
        fn = traffic if fraction == "booking_success_rate" else funnel
        with pytest.raises(InputError) as info:
            fn(**{fraction: 0})  # a fraction's lower bound is exclusive: nobody books at 0%
        assert info.value.name == fraction and "greater than 0" in str(info.value)
        assert fn(**{fraction: "100%"})[fraction].exact == 1.0


def test_every_estimator_passes_its_sample_count_and_seed_to_its_sampler():
    cases = [(traffic, "dau", "5M..20M"), (storage, "events", "100K..1M"), (bandwidth, "searches_per_day", "20M..80M"),
             (cache, "events", "100K..1M"), (funnel, "searchers", "1K..10K"), (contention, "users", "50K..200K"),
             (lock_capacity, "seats", "20K..60K"), (waiting_room, "users", "200K..1M"),
             (timeout_cascade, "booking_hold", "5 min..20 min"), (onsale, "users", "200K..1M"),
             (counter_sale, "users", "200K..2M"), (schedule, "users", "20K..80K"),
             (block_release, "users", "100K..300K"), (season, "users", "500..2K")]
    for fn, arg, text in cases:
        a, b = fn(**{arg: text}, samples=300, seed=11), fn(**{arg: text}, samples=300, seed=12)
        assert np.shape(a[arg].exact) == (300,), fn.__name__
        assert not np.array_equal(a[arg].exact, b[arg].exact), fn.__name__
        assert np.array_equal(a[arg].exact, fn(**{arg: text}, samples=300, seed=11)[arg].exact), fn.__name__
    given = littles_law(concurrency="10K..100K", time_in_system="5 min", samples=300, seed=11)
    assert not np.array_equal(given["concurrency"].exact,
                              littles_law(concurrency="10K..100K", time_in_system="5 min", samples=300,
                                          seed=12)["concurrency"].exact)
    ranged = {**_template_inputs(), "dau": "1M..5M"}
    template = ticketmaster_template(ranged, samples=300, seed=11)
    assert np.shape(template["dau"].exact) == (300,)
    assert np.array_equal(template["dau"].exact, ticketmaster_template(ranged, samples=300, seed=11)["dau"].exact)
    assert not np.array_equal(template["dau"].exact, ticketmaster_template(ranged, samples=300, seed=12)["dau"].exact)


def test_every_fraction_input_is_a_percentage_above_zero_and_at_most_one():
    fractions = {k: spec for k, spec in INPUTS.items() if spec.dimension == "fraction"}
    assert set(fractions) >= {"booking_success_rate", "hot_event_fraction", "attempt_rate", "home_game_share"}
    for spec in fractions.values():
        assert (spec.unit, spec.minimum, spec.inclusive, spec.maximum) == ("%", 0.0, False, None)


def test_every_worksheet_has_a_title_and_its_inputs_no_notes_unless_given():
    for ws in (traffic(), storage(), bandwidth(), cache(), funnel(), contention(), lock_capacity(), waiting_room(),
               timeout_cascade(), onsale(), counter_sale(), schedule(), block_release(), season(),
               littles_law(arrival_rate=5, time_in_system=2), ticketmaster_template(_template_inputs())):
        assert isinstance(ws.title, str) and ws.title.strip(), ws
        assert_givens_come_from_the_registry(ws)


def test_the_season_default_is_a_pair_per_booking():
    assert season().exact("users_per_booking") == 1e3 / (20e3 / 2)
