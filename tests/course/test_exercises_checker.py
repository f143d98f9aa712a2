"""The exercise checker: reading answers, the credit rules, and every diagnosis, on non-default givens.

Expected keys are worked out here by hand from the overridden givens.
"""

from __future__ import annotations

import pytest

from ticketlab.core.errors import InputError
from ticketlab.course.audit import audit, follows
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
# Seat selection on a small plane: 2K people for 400 seats over 12 hours, a nominal 5/s throttle, 2 s holds.
PLANE = {"users": "2K", "seats": 400, "sale_window": "12 h", "throttle_rate": "5/s", "lock_hold_time": "2s"}
# A block of dates opening: 1K seats × 7 shows × 2 months; 100K rush it within 4 min through a 500/s room.
BLOCK = {"seats_per_show": 1000, "shows_per_week": 7, "horizon_months": 2, "users": "100K", "booking_time": "4 min",
         "sale_window": "4 min", "throttle_rate": "500/s", "lock_hold_time": "2s", "seats_per_booking": 2}
# General admission: 40K passes in fours, 500K people in 30 min, a 100/s room, two counter rows at 2 ms.
PASSES = {"users": "500K", "seats": "40K", "seats_per_booking": 4, "sale_window": "30 min", "throttle_rate": "100/s",
          "inventory_shards": 2, "counter_update_time": "2 ms", "lock_hold_time": "4s", "retry_factor": 3}
SEASON = {"games": 60, "seats_per_show": "10K"}


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
    # 40K seats ÷ 4 s = 10K seat-locks/s; ÷ 5 seats a booking = 2K bookings/s; ÷ (1 + 1) = 1K after retries
    ("superbowl", SALE, "lock_qps_ceiling", "10K", "per-seat-not-per-booking"),
    ("superbowl", SALE, "retry_adjusted_capacity", "4K", "multiplied-by-retries"),
    ("superbowl", SALE, "retry_adjusted_capacity", "2K", "forgot-retries"),
    ("superbowl", SALE, "retry_adjusted_capacity", "5K", "per-seat-not-per-booking"),
    ("superbowl", SALE, "retry_adjusted_capacity", "10K", "seat-lock-ceiling"),
    ("superbowl", SALE, "concurrent_lock_holders", "1K", "rate-not-count"),          # 1K/s × 5 seats × 4 s = 20K
    ("superbowl", SALE, "concurrent_lock_holders", "5K", "rate-not-count"),          # ... the seat-lock rate
    ("superbowl", SALE, "concurrent_lock_holders", "4K", "forgot-seats-per-booking"),
    ("superbowl", SALE, "attempt_qps", 100, "per-seat-attempts"),                    # 600K ÷ 1,200 s = 500/s
    ("superbowl", SALE, "booking_qps_capacity", 300, "per-seat-attempts"),           # 500/s × 3 = 1.5K/s
    ("superbowl", SALE, "booking_qps_capacity", 500, "forgot-retry-factor"),
    ("superbowl", SALE, "booking_qps_capacity", 600, "behind-the-room"),             # 200/s × 3
    ("superbowl", SALE, "sellout_seconds", 16, "used-admit-rate"),                   # 8K ÷ 500/s
    ("superbowl", SALE, "writers_at_once", 200, "rate-not-count"),                   # 200/s × 4 s = 800
    ("superbowl", SALE, "writers_at_once", "2K", "used-attempt-rate"),               # 500/s × 4 s
    ("superbowl", SALE, "room_load", 0.4, "upside-down"),                            # 500/s ÷ 200/s = 2.5
    # 2K ÷ 43,200 s = 0.0463/s admitted (the 5/s throttle is never reached): the queue lasts the 12 h
    ("airline", PLANE, "sale_duration_seconds", 400, "admitted-at-the-throttle"),    # 2K ÷ 5/s
    ("airline", PLANE, "sellout_seconds", 80, "admitted-at-the-throttle"),           # 400 ÷ 5/s; key 8,640 s
    ("airline", PLANE, "writers_at_once", 0.0463, "rate-not-count"),                 # 0.0463/s × 2 s = 0.0926
    # 7K seats a week × 8 weeks = 56K on the napkin (60.7K exactly) → 28K bookings; 100K ÷ 240 s = 417/s
    ("hamilton", BLOCK, "total_seats", "14K", "months-not-weeks"),
    ("hamilton", BLOCK, "writers_at_once", 417, "rate-not-count"),                   # 417/s × 2 s = 833
    ("hamilton", BLOCK, "writers_at_once", "100K", "used-booking-time"),             # 417/s × 240 s
    ("hamilton", BLOCK, "sellout_in_booking_times", 18.2, "seconds-over-minutes"),   # 72.8 s ÷ 240 s = 0.303
    ("hamilton", BLOCK, "sellout_in_booking_times", 3.3, "upside-down"),
    # one booking decrements a counter: 2 rows ÷ 2 ms = 1K/s; behind the room 100/s × 3 = 300/s
    ("music-festival", PASSES, "counter_ceiling", 0.5, "used-lock-hold"),            # 2 rows ÷ 4 s
    ("music-festival", PASSES, "counter_ceiling", "20M", "one-lock-per-pass"),       # 40K ÷ 2 ms
    ("music-festival", PASSES, "room_qps_capacity", 100, "forgot-retry-factor"),
    ("music-festival", PASSES, "room_qps_capacity", 833, "no-waiting-room"),         # 277.8/s × 3
    ("music-festival", PASSES, "counter_headroom", 0.3, "upside-down"),              # 1K ÷ 300 = 3.33
    ("music-festival", PASSES, "counter_headroom", 1.2, "no-waiting-room"),          # 1K ÷ 833
    ("music-festival", PASSES, "held_counter_ceiling", "1K", "used-update-time"),    # 2 rows ÷ 4 s = 0.5/s
    ("music-festival", PASSES, "held_counter_ceiling", "10K", "one-lock-per-pass"),  # 40K ÷ 4 s
    ("music-festival", PASSES, "held_counter_sellout_seconds", "80K", "per-seat-not-per-booking"),  # 10K ÷ 0.5/s
    ("music-festival", PASSES, "held_counter_sellout_seconds", 10, "used-update-time"),            # 10K ÷ 1K/s
    ("season-tickets", SEASON, "seat_events", "600K", "counted-away-games"),         # 30 home games × 10K = 300K
    ("season-tickets", SEASON, "seats_storage", "60 MB", "counted-away-games"),      # 300K × 100 B = 30 MB
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
        ("superbowl", SALE, "attempt_qps", 500), ("superbowl", SALE, "booking_qps_capacity", "1.5K"),
        ("superbowl", SALE, "retry_adjusted_capacity", "1K"), ("superbowl", SALE, "writers_at_once", 800),
        ("airline", PLANE, "sale_duration_seconds", "12 h"), ("airline", PLANE, "writers_at_once", 0.0926),
        ("hamilton", BLOCK, "total_seats", "56K"), ("hamilton", BLOCK, "writers_at_once", 833),
        ("hamilton", BLOCK, "sellout_in_booking_times", 0.3), ("music-festival", PASSES, "counter_ceiling", "1K"),
        ("music-festival", PASSES, "counter_headroom", 3.33), ("music-festival", PASSES, "held_counter_ceiling", 0.5),
        ("season-tickets", SEASON, "seat_events", "300K"),
        ("broadway", SHOWS, "peak_booking_qps", 125), ("broadway", SHOWS, "seat_map_cache", "400 KB"),
        ("ticketmaster", SITE, "booking_attempts_per_day", "2M"), ("ticketmaster", SITE, "read_write_ratio", "200:1"),
    ]:
        assert judge(scenario, overrides, step, answer).ok, (step, answer)


def test_attempts_count_people_not_seats():
    # every user tries once in the window: 600K ÷ 1,200 s = 500/s, = 6.67/s bookings × 75 users per booking
    assert judge("superbowl", SALE, "attempt_qps", 500).ok
    fb = judge("superbowl", SALE, "attempt_qps", 8000 / 1200)  # the successful-booking rate
    assert fb.diagnosis == "forgot-contention"
    fb = judge("superbowl", SALE, "attempt_qps", 8000 / 1200 * 15)  # × users per seat, as the source works it
    assert fb.diagnosis == "per-seat-attempts" and "users per seat (15:1)" in fb.message


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


def test_the_source_printed_answers_of_problem_1_earn_full_credit_unless_they_slip():
    from ticketlab.course.scenarios import get

    # 7 × 10 (users per seat) = 70 attempts/s and 140 of capacity slip; 500K ÷ 1,800 s × 2 = 556 is the key
    slips = {"attempt_qps": "attempt-qps-per-seat", "booking_qps_capacity": "attempt-qps-per-seat"}
    for key, fig in get("superbowl").source.items():
        fb = check(f"superbowl.{key}", fig.value)
        if key in slips:
            assert (fb.ok, fb.diagnosis) == (False, f"source-slip:{slips[key]}"), (key, fb)
            assert FINDINGS[slips[key]].why in fb.message
        else:
            assert fb.ok, (key, fig.printed, fb)
    # the sellout finding is a design point: the printed 5,000 s is right for the queue, so it earns credit
    assert ("superbowl", "sale_duration_seconds") in FINDINGS["superbowl-sellout-time"].explains
    assert check("superbowl.sale_duration_seconds", "5,000").ok


def test_every_printed_figure_that_slips_is_diagnosed_with_the_finding_that_explains_it():
    from ticketlab.course.scenarios import SCENARIOS

    for name, scenario in SCENARIOS.items():
        for key, fig in scenario.source.items():
            q = question(f"{name}.{key}")
            ws = q.key()
            fb = q.grade(fig.value)
            if follows(fig, ws.answer) or follows(fig, ws.exact):
                assert fb.ok or fig.bound, (name, key, fb)
            else:
                explained = {f.id for f in FINDINGS.values() if (name, key) in f.explains}
                assert not fb.ok and fb.diagnosis.removeprefix("source-slip:") in explained, (name, key, fb)


def test_the_lock_ceiling_counts_bookings_and_the_source_s_seat_locks_are_explained():
    # 50K seats ÷ 5 s = 10K seat-locks/s; a booking takes 2.5 of them: 4K bookings/s
    assert check("ticketmaster.lock_qps_ceiling", "4K").ok
    fb = check("ticketmaster.lock_qps_ceiling", "10K")
    assert fb.diagnosis == "source-slip:lock-ceiling-counts-seat-locks"
    assert "counts seat-locks" in fb.message and FINDINGS["lock-ceiling-counts-seat-locks"].why in fb.message
    fb = check("taylor-swift.retry_adjusted_capacity", "6.7K")  # the source's 10K ÷ 1.5, explained the same way
    assert fb.diagnosis == "source-slip:lock-ceiling-counts-seat-locks"
    assert check("taylor-swift.retry_adjusted_capacity", "2.67K").ok


def test_figures_the_audit_calls_right_earn_credit():
    assert check("drill.daily-to-qps", 5).ok  # the division shortcut's 5 QPS: only its explanation slips
    assert check("slip.division-shortcut-zeros", 5).ok
    assert check("slip.division-shortcut-zeros", 10).diagnosis == "counted-digits"  # "1 zero = 10"
    assert check("broadway.peak_booking_qps", 167).ok  # a rate mislabelled as a count: the figure stands
    assert check("ticketmaster.contention_ratio", "2:1").ok  # users per seat, as asked


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
    assert judge("superbowl", SALE, "rate_level", "high").ok  # 500 attempts/s at a 200/s throttle
    assert judge("superbowl", SALE, "lock_strategy", "naive").diagnosis == "chose-naive"
    assert judge("superbowl", SALE, "lock_strategy", "optimistic or distributed").status is Status.INVALID


def test_contention_is_ratio_and_rate():
    # 5 users a seat: High by the ratio; but 0.0463 admitted a second × 2 s holds 0.09 locks at once, and
    # attempts come at 1% of the throttle: Low by rate, so a conditional write or a row lock, and no queue
    assert judge("airline", PLANE, "contention_level", "high").ok
    assert judge("airline", PLANE, "rate_level", "low").ok
    for strategy in ("optimistic", "pessimistic"):
        assert judge("airline", PLANE, "lock_strategy", strategy).ok
    fb = judge("airline", PLANE, "lock_strategy", "distributed")
    assert fb.diagnosis == "chose-distributed" and "writers rarely meet" in fb.message
    assert judge("airline", PLANE, "queue_needed", "no").ok
    assert not judge("airline", PLANE, "queue_needed", "yes").ok
    assert check("concurrency.strategy.airline-checkin", "optimistic").ok
    # a festival sells passes from a counter: nothing to lock per seat, so no strategy to choose
    with pytest.raises(InputError):
        question("music-festival.lock_strategy")


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
