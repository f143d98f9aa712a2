"""The exercise checker: reading answers, the credit rules, and every diagnosis, on non-default givens.

Expected keys are worked out here by hand from the overridden givens; where a step's formula is
still being corrected in the library (attempt QPS, capacity) the test states the mistake's
relation to the key instead of the key itself.
"""

from __future__ import annotations

import pytest

from ticketlab.core.errors import InputError
from ticketlab.course.audit import audit
from ticketlab.course.exercises import Status, check, question, step_question
from ticketlab.course.exercises.answers import decode, encode, read_quantity
from ticketlab.course.selfcheck import check_estimate
from ticketlab.estimate import traffic

# A Super Bowl-like sale on other givens: 600K users, 40K seats, 5 a booking, a 20-minute window.
SALE = {"users": "600K", "seats": "40K", "seats_per_booking": 5, "sale_window": "20 min", "retry_factor": 3,
        "throttle_rate": "200/s", "lock_hold_time": "4s", "retry_rate": 1}
# 100K users for 10K bookings (50K seats, 5 a booking): 90K wait; counting seats it would be 50K.
SMALL = {"users": "100K", "seats": "50K", "seats_per_booking": 5}
SHOWS = {"productions": 10, "seats_per_show": 1000, "shows_per_week": 7, "horizon_months": 2, "users": "30K",
         "booking_time": "4 min", "safety_factor": 3, "hot_shows": 4}
SITE = {"dau": "20M", "peak_multiplier": 5, "extreme_multiplier": 50, "booking_success_rate": "25%",
        "peak_bookings_per_minute": "20K"}


def judge(scenario, overrides, step, answer):
    return step_question(scenario, step, overrides).grade(answer)


# ============================================================================ the credit rules

def test_full_credit_within_ten_percent_of_the_napkin_or_the_exact_figure():
    # 20M × 5 searches a day: exactly 100M ÷ 86,400 = 1,157/s; on the napkin 100M ÷ 100K = 1,000/s
    for answer in (1157, "1.2K", "1K", 950, "1157 QPS", "69.4K/min"):
        fb = judge("ticketmaster", SITE, "search_qps", answer)
        assert (fb.status, fb.points) == (Status.PASS, 1.0), (answer, fb)


def test_half_credit_within_the_order_of_magnitude_and_none_beyond():
    close = judge("ticketmaster", SITE, "search_qps", 2500)  # 2.2× the exact figure, no known mistake
    assert (close.status, close.points) == (Status.CLOSE, 0.5)
    assert "too high" in close.message
    far = judge("ticketmaster", SITE, "search_qps", 9000)  # 7.8× the exact figure
    assert (far.status, far.points) == (Status.WRONG, 0.0)


def test_a_power_of_ten_off_without_a_known_mistake_says_count_the_zeros():
    fb = judge("superbowl", SALE, "successful_bookings", 800)  # 8K bookings, a zero lost
    assert fb.status is Status.WRONG and "count the zeros" in fb.message


def test_unanswered_questions_are_not_attempted_never_an_exception():
    for answer in (..., None, "", "  ", "..."):
        fb = check("superbowl.contention_ratio", answer)
        assert (fb.status, fb.points, fb.message) == (Status.NOT_ATTEMPTED, 0.0, "not attempted")


def test_unreadable_answers_are_invalid_not_errors():
    for answer in ("lots", [1, 2], True, float("nan"), object()):
        fb = check("superbowl.contention_ratio", answer)
        assert fb.status is Status.INVALID and fb.points == 0, answer


def test_an_unknown_question_id_is_an_input_error():
    with pytest.raises(InputError, match="such as contention_ratio"):
        check("superbowl.no_such_step", 1)
    with pytest.raises(ValueError):
        question("nonsense")


# ============================================================================ reading answers

@pytest.mark.parametrize("answer, dimension, value", [
    ("10:1", "multiplier", 10.0), ("12.5K bookings", "count", 12_500.0), ("1.5 GB", "bytes", 1.5e9),
    ("2 Gbps", "bytes/s", 2.5e8), ("10 min", "seconds", 600.0), ("2.5%", "fraction", 0.025),
    (2.5, "fraction", 0.025), ("100/s", "per_second", 100.0), (0.025, "fraction", 0.025),
])
def test_answers_are_read_in_base_units(answer, dimension, value):
    assert read_quantity(answer, dimension).value == pytest.approx(value)


def test_a_string_in_the_wrong_unit_is_diagnosed_by_its_kind():
    fb = judge("superbowl", SALE, "admit_rate", "5 GB")
    assert (fb.status, fb.diagnosis) == (Status.WRONG, "wrong-unit")
    assert "a size (bytes)" in fb.message and "a rate (per second)" in fb.message
    fb = judge("superbowl", SALE, "seats_storage", "10 min")
    assert fb.diagnosis == "wrong-unit" and "a duration" in fb.message


def test_answers_survive_the_trip_to_the_grader_as_json():
    for answer in (5.0, "5K", None, ...):
        assert decode(encode(answer)) == (None if answer is ... else answer)
    assert decode(encode([1, 2])).startswith("[1, 2]")
    assert check("superbowl.contention_ratio", decode(encode(object()))).status is Status.INVALID


# ============================================================================ every diagnosis

CASES = [
    # scenario, overrides, step, answer, diagnosis            (hand-worked key in the comment)
    ("superbowl", SALE, "contention_ratio", 1 / 15, "upside-down"),                  # 600K ÷ 40K = 15
    ("superbowl", SALE, "contention_ratio", 75, "per-booking-not-per-seat"),         # 15 × 5
    ("superbowl", SALE, "users_per_booking", 15, "per-seat-not-per-booking"),        # 600K ÷ 8K = 75
    ("superbowl", SALE, "successful_bookings", "40K", "per-seat-not-per-booking"),   # 40K ÷ 5 = 8K
    ("superbowl", SALE, "successful_bookings", "600K", "everyone-books"),
    ("superbowl", SALE, "booking_qps", 400, "window-in-minutes"),                    # 8K ÷ 1,200 s = 6.67/s
    ("superbowl", SALE, "booking_qps", 33.3, "per-seat-not-per-booking"),
    ("superbowl", SALE, "admit_rate", 200, "used-throttle"),                         # 600K ÷ 1,200 s = 500/s
    ("superbowl", SALE, "admit_rate", "30K", "window-in-minutes"),
    ("superbowl", SALE, "sale_duration_seconds", "20 min", "used-window"),           # 600K ÷ 200/s = 3,000 s
    ("superbowl", SALE, "sale_duration_seconds", "40 s", "used-sellout"),
    ("superbowl", SALE, "sale_duration_seconds", 50, "minutes-not-seconds"),
    ("superbowl", SALE, "sale_duration_seconds", 0.833, "hours-not-seconds"),
    ("superbowl", SMALL, "waitlisted_users", "50K", "per-seat-not-per-booking"),     # 100K − 10K = 90K
    ("superbowl", SMALL, "waitlisted_users", "10K", "gave-served"),
    ("superbowl", SALE, "success_rate", "6.67%", "per-seat-not-per-booking"),        # 8K ÷ 600K = 1.33%
    ("superbowl", SALE, "success_rate", "98.7%", "complement"),
    ("superbowl", SALE, "sellout_seconds", "200 s", "per-seat-not-per-booking"),     # 8K ÷ 200/s = 40 s
    ("superbowl", SALE, "sellout_seconds", "50 min", "used-everyone"),
    ("superbowl", SALE, "seats_storage", 4, "megabytes-not-bytes"),                  # 40K × 100 B = 4 MB
    ("superbowl", SALE, "seats_storage", 4000, "kilobytes-not-bytes"),
    ("superbowl", SALE, "seats_storage", 32e6, "bits-not-bytes"),
    ("superbowl", SALE, "bookings_storage", "20 MB", "per-seat-not-per-booking"),    # 8K × 500 B = 4 MB
    ("superbowl", SALE, "lock_throughput_per_seat", 4, "gave-hold-time"),            # 1 ÷ 4 s = 0.25/s
    ("superbowl", SALE, "lock_throughput_per_seat", 15, "per-minute-not-per-second"),
    ("superbowl", SALE, "retry_adjusted_capacity", "20K", "multiplied-by-retries"),  # 10K ÷ 2 = 5K/s
    ("superbowl", SALE, "retry_adjusted_capacity", "10K", "forgot-retries"),
    ("superbowl", SALE, "concurrent_lock_holders", "5K", "rate-not-count"),          # 5K/s × 4 s = 20K
    ("broadway", SHOWS, "total_seats", "140K", "months-not-weeks"),                  # 10 × 1K × 7 × 8.67 = 607K
    ("broadway", SHOWS, "total_seats", "60.7K", "forgot-productions"),
    ("broadway", SHOWS, "peak_booking_qps", "30K", "count-not-rate"),                # 30K ÷ 240 s = 125/s
    ("broadway", SHOWS, "peak_booking_qps", "7.5K", "time-in-minutes"),
    ("broadway", SHOWS, "booking_qps_capacity", 125, "forgot-safety-factor"),        # 125 × 3 = 375
    ("broadway", SHOWS, "seat_map_cache", "100 KB", "forgot-hot-shows"),             # 4 × 1K × 100 B = 400 KB
    ("ticketmaster", SITE, "search_qps", "27.8K", "divided-by-hour"),                # 100M ÷ 86,400 = 1,157/s
    ("ticketmaster", SITE, "search_qps", "69.4K", "divided-by-minutes-in-a-day"),
    ("ticketmaster", SITE, "peak_qps", 1157, "forgot-peak-multiplier"),              # 1,157 × 5 = 5,787/s
    ("ticketmaster", SITE, "peak_qps", 1000, "forgot-peak-multiplier"),              # ... napkin 1K × 5 = 5K
    ("ticketmaster", SITE, "peak_qps", "57.9K", "used-extreme-multiplier"),
    ("ticketmaster", SITE, "extreme_peak_qps", "5.79K", "used-peak-multiplier"),     # 1,157 × 50 = 57.9K
    ("ticketmaster", SITE, "extreme_peak_qps", 1157, "forgot-extreme-multiplier"),
    ("ticketmaster", SITE, "booking_attempts_per_day", "125K", "multiplied-by-success-rate"),  # 500K ÷ 25% = 2M
    ("ticketmaster", SITE, "booking_attempts_per_day", "500K", "forgot-abandonment"),
    ("ticketmaster", SITE, "read_write_ratio", 0.005, "upside-down"),                # 100M ÷ 500K = 200
    ("ticketmaster", SITE, "searches_per_day", "20M", "forgot-searches-per-user"),   # 20M × 5 = 100M
    ("ticketmaster", SITE, "total_bookings", "182.5M", "forgot-retention-years"),    # 500K × 365 × 5
    ("ticketmaster", SITE, "concurrent_sessions", "20K", "rate-not-count"),          # 20K/min × 10 min = 200K
]


@pytest.mark.parametrize("scenario, overrides, step, answer, diagnosis", CASES,
                         ids=[f"{c[2]}-{c[4]}" for c in CASES])
def test_each_mistake_is_named_on_non_default_givens(scenario, overrides, step, answer, diagnosis):
    fb = judge(scenario, overrides, step, answer)
    assert (fb.status, fb.points, fb.diagnosis) == (Status.WRONG, 0.0, diagnosis), fb


def test_the_hand_worked_keys_of_those_givens_pass():
    for scenario, overrides, step, answer in [
        ("superbowl", SALE, "contention_ratio", 15), ("superbowl", SALE, "successful_bookings", "8K"),
        ("superbowl", SALE, "booking_qps", 6.67), ("superbowl", SALE, "admit_rate", 500),
        ("superbowl", SALE, "sale_duration_seconds", "50 min"), ("superbowl", SMALL, "waitlisted_users", "90K"),
        ("superbowl", SALE, "success_rate", "1.33%"), ("superbowl", SALE, "sellout_seconds", 40),
        ("superbowl", SALE, "concurrent_lock_holders", "20K"), ("broadway", SHOWS, "total_seats", "607K"),
        ("broadway", SHOWS, "peak_booking_qps", 125), ("broadway", SHOWS, "seat_map_cache", "400 KB"),
        ("ticketmaster", SITE, "booking_attempts_per_day", "2M"), ("ticketmaster", SITE, "read_write_ratio", "200:1"),
    ]:
        assert judge(scenario, overrides, step, answer).ok, (step, answer)


def test_formula_relations_forgot_retry_and_forgot_contention():
    capacity = step_question("superbowl", "booking_qps_capacity", SALE).key()
    fb = judge("superbowl", SALE, "booking_qps_capacity", capacity.exact / 3)  # retry_factor 3 left out
    assert fb.diagnosis == "forgot-retry-factor"
    fb = judge("superbowl", SALE, "attempt_qps", 8000 / 1200)  # the successful-booking rate, hand-worked
    assert fb.diagnosis == "forgot-contention"


def test_bits_and_bytes_both_ways():
    # 2 Gbps is 250 MB/s
    assert check("drill.bits-to-bytes", "250 MB/s").ok and check("drill.bits-to-bytes", "2 Gbps").ok
    assert check("drill.bits-to-bytes", "2 GB/s").diagnosis == "bits-not-bytes"
    assert check("drill.bits-to-bytes", "31.25 MB/s").diagnosis == "bytes-not-bits"
    assert check("drill.bits-to-bytes", 250).diagnosis == "megabytes-not-bytes"


def test_drills_name_their_own_mistakes():
    assert check("drill.seconds-per-day", 86_400).ok and check("drill.seconds-per-day", "100K").ok
    assert check("drill.seconds-per-day", 1440).diagnosis == "minutes-in-a-day"
    assert check("drill.seconds-per-day", 24).diagnosis == "hours-in-a-day"
    assert check("drill.seconds-per-year", 365).diagnosis == "days-in-a-year"
    assert check("drill.littles-law", "50K").diagnosis == "count-not-rate"  # 50K ÷ 300 s = 167/s
    assert check("drill.littles-law", "10K").diagnosis == "time-in-minutes"
    assert check("drill.littles-law", 167).ok
    assert check("drill.daily-to-qps", 5).ok and check("drill.daily-to-qps", 5.79).ok
    assert check("drill.daily-to-qps", 139).diagnosis == "divided-by-hour"  # 500K ÷ 3,600


# ============================================================================ the source's figures

FINDINGS = {f.id: f for f in audit()}


def test_the_source_slip_in_broadway_storage_is_explained_by_the_audit():
    fb = check("broadway.bookings_storage", "600 MB")
    assert (fb.status, fb.diagnosis) == (Status.WRONG, "source-slip:broadway-bookings-storage")
    assert FINDINGS["broadway-bookings-storage"].why in fb.message
    # 1,500 seats × 8 shows × 52 weeks × 20 productions × 500 B = 6.24 GB
    assert check("broadway.bookings_storage", "6.24 GB").ok


def test_the_napkin_reproducing_a_slip_earns_no_credit():
    # 500K bookings ÷ 30% = 1.67M attempts; the source's ÷0.3 ≈ ×3 prints 1.5M
    fb = check("ticketmaster.booking_attempts_per_day", "1.5M")
    assert fb.diagnosis == "source-slip:booking-attempts"
    assert check("ticketmaster.booking_attempts_per_day", "1.67M").ok


def test_the_source_printed_answers_of_problem_1_earn_full_credit_unless_a_finding_disputes_them():
    from ticketlab.course.scenarios import get

    disputed = {f.key for f in FINDINGS.values() if f.scenario == "superbowl"}
    for key, fig in get("superbowl").source.items():
        fb = check(f"superbowl.{key}", fig.value)
        if key in disputed and not fb.ok:
            assert fb.diagnosis.startswith("source-slip:"), (key, fb)
        elif key not in disputed:
            assert fb.ok, (key, fig.printed, fb)


def test_find_the_slip_reveals_the_finding_only_on_a_pass():
    f = FINDINGS["seat-map-size"]
    wrong = check("slip.seat-map-size", "100 KB")  # the source's figure
    assert wrong.diagnosis == "source-says" and f.why not in wrong.message
    right = check("slip.seat-map-size", "1 MB")  # 10K seats × 100 B
    assert right.ok and f.why in right.message


# ============================================================================ choices

def test_lock_strategy_follows_the_contention_level_of_the_givens():
    low = {"users": "3K", "seats": "50K"}      # 0.06 users a seat
    medium = {"users": "20K", "seats": "50K"}  # 0.4
    assert judge("superbowl", low, "lock_strategy", "optimistic").ok
    assert judge("superbowl", medium, "lock_strategy", "Pessimistic (SELECT ... FOR UPDATE)").ok
    assert judge("superbowl", medium, "queue_needed", "no").ok
    assert judge("superbowl", SALE, "queue_needed", True).ok  # 15 a seat: a waiting room
    fb = judge("superbowl", SALE, "lock_strategy", "optimistic")
    assert (fb.status, fb.diagnosis) == (Status.WRONG, "chose-optimistic") and "15 users per seat" in fb.message
    assert judge("superbowl", SALE, "contention_level", "high").ok
    assert judge("superbowl", SALE, "lock_strategy", "naive").diagnosis == "chose-naive"
    assert judge("superbowl", SALE, "lock_strategy", "optimistic or distributed").status is Status.INVALID


def test_the_wrong_timeout_is_the_inverted_pair():
    # the cheat sheet's HTTP 3 s under a 5 s statement: either side of that pair is the answer
    for answer in ("http_call", "http", "db", "the HTTP call and the DB statement"):
        assert check("concurrency.cascade.cheat-sheet", answer).ok, answer
    fb = check("concurrency.cascade.cheat-sheet", "lock")
    assert fb.diagnosis == "chose-lock_ttl"
    assert check("concurrency.cascade.long-lock", "lock_ttl").ok       # a 15 min lock in a 10 min hold
    assert not check("concurrency.cascade.long-lock", "db").ok
    assert check("concurrency.cascade.short-lock", "lock").ok          # an 8 s lock under a 10 s request


def test_the_unsafe_lock_commands():
    assert check("concurrency.lock.release", "C").ok           # a bare DEL
    assert check("concurrency.lock.acquire", "a").ok           # SETNX then EXPIRE
    assert check("concurrency.lock.optimistic", "A").ok        # no id, no version bump
    fb = check("concurrency.lock.release", "B")
    assert fb.diagnosis == "chose-B" and "Safe" in fb.message


# ============================================================================ the self-check

def test_check_estimate_delegates_to_the_checker_and_no_longer_praises_a_forgotten_peak():
    ws = traffic(dau="10M", searches_per_user=5)  # peak 5.79K/s exactly, 5K on the napkin
    assert check_estimate("5K", ws["peak_qps"]).ok
    for answer, diagnosis in ((579, "forgot-peak-multiplier"), ("50K", "used-extreme-multiplier"),
                              (500, "forgot-peak-multiplier")):
        fb = check_estimate(answer, ws["peak_qps"], worksheet=ws)
        assert (fb.ok, fb.diagnosis) == (False, diagnosis), answer
    assert not check_estimate(579, ws["peak_qps"]).ok  # without the worksheet: 8.6× low, still no credit
