"""Human quantities in and out, and the mental-math toolkit (issue 2, "Numbers")."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ticketlab.core.errors import InputError, TicketlabError, UnitError
from ticketlab.core.numbers import (
    plural,
    LADDER,
    SECONDS_PER_DAY,
    SECONDS_PER_MONTH,
    SECONDS_PER_YEAR,
    divide_by_zeros,
    format_count,
    format_quantity,
    napkin_round,
    order_of_magnitude,
    parse_duration,
    parse_fraction,
    parse_quantity,
)

# ----------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("text", "dimension", "expected"),
    [
        ("10M", None, 10 * 1_000_000),
        ("50K", None, 50 * 1_000),
        ("2.5", None, 2.5),
        ("1,500", None, 1500),
        ("5B", None, 5 * 10**9),  # "5B seats": billions when no size is expected
        ("1.5 GB", "bytes", 1.5 * 10**9),
        ("100 KB", "bytes", 100 * 1_000),
        ("100 B", "bytes", 100),  # bytes, not 100 billion, where a size is expected
        ("1 KiB", "bytes", 1024),
        ("30s", "seconds", 30),
        ("10 min", "seconds", 10 * 60),
        ("4 h", "seconds", 4 * 3600),
        ("1.5 days", "seconds", 1.5 * 86_400),
        ("500 ms", "seconds", 0.5),
        ("70%", "fraction", 0.70),
        ("2 Gbps", "bytes/s", 2e9 / 8),  # bits on the wire, bytes in the model
        ("25 MB/s", "bytes/s", 25e6),
        ("1K/min", "per_second", 1000 / 60),
        ("100/s", "per_second", 100),
        ("5K QPS", "per_second", 5000),
    ],
)
def test_parse_quantity_reads_human_strings_in_base_units(text, dimension, expected):
    assert parse_quantity(text, dimension=dimension) == pytest.approx(expected, rel=1e-12)


def test_units_are_decimal_by_default_and_binary_only_when_asked():
    assert parse_quantity("1 KB", dimension="bytes") == 1_000
    assert parse_quantity("1 MiB", dimension="bytes") == 2**20


def test_parse_duration_reads_a_lowercase_m_as_minutes():
    # "10m" on a timeout is ten minutes; it used to parse as ten million seconds
    assert parse_duration("10m") == 600
    assert parse_duration("10 m") == 600


def test_parse_duration_and_parse_fraction_are_dimensioned_shortcuts():
    assert parse_duration("10 min") == 600
    assert parse_duration(30) == 30
    assert parse_fraction("70%") == pytest.approx(0.7)
    assert parse_fraction(0.3) == 0.3
    assert parse_fraction("0%") == 0.0
    assert parse_fraction("100%") == 1.0


def test_numbers_and_arrays_pass_through_unchanged():
    assert parse_quantity(42) == 42.0
    assert parse_quantity(np.float64(2.5)) == 2.5
    sweep = np.linspace(1, 10, 7)
    assert np.array_equal(parse_quantity(sweep), sweep)
    assert np.array_equal(parse_quantity(["10M", "50K"]), [10e6, 50e3])


@pytest.mark.parametrize(
    ("value", "parser"),
    [
        ("ten million", parse_quantity),
        (float("nan"), parse_quantity),
        (float("inf"), parse_quantity),
        (-float("inf"), parse_duration),
        (None, parse_quantity),
        (True, parse_quantity),
        ("5 parsecs", parse_quantity),
        ("", parse_quantity),
        ("150%", parse_fraction),
        (1.5, parse_fraction),
        ("-5%", parse_fraction),
        (np.array([1.0, np.nan]), parse_quantity),
    ],
)
def test_bad_input_raises_input_error_that_is_a_value_error(value, parser):
    with pytest.raises(InputError) as info:
        parser(value, name="dau")
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, TicketlabError)
    assert info.value.name == "dau"


@pytest.mark.parametrize("value", ["ten million", "5 parsecs", None, True, float("nan")])
def test_error_message_names_the_input_and_shows_a_valid_example(value):
    with pytest.raises(InputError) as info:
        parse_quantity(value, name="dau", dimension="count")
    message = str(info.value)
    assert message.startswith("dau=")
    assert repr(value) in message or "nan" in message
    assert "10M" in message  # a valid example of a count


def test_duration_error_shows_a_valid_duration():
    with pytest.raises(InputError) as info:
        parse_duration("soon", name="lock_ttl")
    assert "lock_ttl" in str(info.value) and "10 min" in str(info.value)


def test_a_string_in_the_wrong_unit_is_a_unit_error():
    with pytest.raises(UnitError) as info:
        parse_duration("1.5 GB", name="lock_ttl")
    assert "lock_ttl" in str(info.value)
    with pytest.raises(UnitError):
        parse_quantity("30s", name="seat_size", dimension="bytes")


# ----------------------------------------------------------------------------- formatting


@pytest.mark.parametrize(
    ("value", "unit", "said"),
    [
        (5_000, "req/s", "5K QPS"),
        (500 * 10**9, "B", "500 GB"),
        (250 * 10**6, "B/s", "250 MB/s (2 Gbps)"),  # the source's "250 MB/s ≈ 2 Gbps"
        (1.5 * 10**9, "B", "1.5 GB"),
        (500_000 / 100, "s", "83.3 min"),  # Super Bowl: 5,000 s ≈ 83 minutes
        (0.025, "%", "2.5%"),
        (100, ":1", "100:1"),
        (30, "s", "30 s"),
    ],
)
def test_format_quantity_says_it_like_an_engineer(value, unit, said):
    assert format_quantity(value, unit) == said


@pytest.mark.parametrize(
    ("value", "said"),
    [(12_500, "12.5K"), (5 * 10**9, "5B"), (500_000 * 365 * 5, "912M"), (7, "7"), (2.88e6, "2.88M")],
)
def test_format_count_uses_the_power_of_ten_ladder(value, said):
    assert format_count(value) == said


@pytest.mark.parametrize(
    ("value", "unit", "said"),
    [(999_999, "", "1M"), (999_999, "B", "1 MB"), (999_999, "req/s", "1M QPS"), (0.9999, "s", "1 s"),
     (124_999, "B/s", "125 KB/s (1 Mbps)")],
)
def test_format_moves_up_a_rung_when_rounding_reaches_a_thousand(value, unit, said):
    assert format_quantity(value, unit) == said


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=1.0, max_value=9.99e14, allow_nan=False))
def test_format_never_says_a_thousand_of_one_rung(x):
    for text in (format_count(x), format_quantity(x, "B")):
        mantissa = float(re.match(r"[\d.]+", text).group())
        assert mantissa < 1000, text


# ----------------------------------------------------------------------------- round trips

_positive = st.floats(min_value=1e-3, max_value=1e16, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(_positive)
def test_bytes_round_trip_through_format_and_parse_within_rounding(x):
    back = parse_quantity(format_quantity(x, "B"), dimension="bytes")
    assert back == pytest.approx(x, rel=5e-3)  # three significant figures


@settings(max_examples=200, deadline=None)
@given(_positive)
def test_counts_round_trip_through_format_and_parse_within_rounding(x):
    back = parse_quantity(format_count(x), dimension="count")
    assert back == pytest.approx(x, rel=5e-3)


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=1e-3, max_value=1e12, allow_nan=False))
def test_durations_round_trip_through_format_and_parse(x):
    # long spans are written in years, which the parser must read back
    assert parse_duration(format_quantity(x, "s")) == pytest.approx(x, rel=6e-3)


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=1e-3, max_value=1e15, allow_nan=False))
def test_bandwidths_and_rates_round_trip_through_format_and_parse(x):
    said = format_quantity(x, "B/s").split(" (")[0]  # "250 MB/s (2 Gbps)" → "250 MB/s"
    assert parse_quantity(said, dimension="bytes/s") == pytest.approx(x, rel=6e-3)
    assert parse_quantity(format_quantity(x, "req/s"), dimension="per_second") == pytest.approx(x, rel=6e-3)


def test_small_bandwidths_and_long_durations_parse():
    assert parse_quantity("1 B/s", dimension="bytes/s") == 1  # bytes, not a billion per second
    assert parse_quantity("5 B/s") == 5
    assert parse_duration("2 years") == 2 * 365 * 86_400


# ----------------------------------------------------------------------------- the toolkit


def test_the_seconds_shortcuts_match_the_source_ladder_and_the_calendar():
    assert (SECONDS_PER_DAY.napkin, SECONDS_PER_DAY.exact) == (100_000, 24 * 60 * 60)
    assert (SECONDS_PER_MONTH.napkin, SECONDS_PER_MONTH.exact) == (2_500_000, 30 * 24 * 60 * 60)
    assert (SECONDS_PER_YEAR.napkin, SECONDS_PER_YEAR.exact) == (30_000_000, 365 * 24 * 60 * 60)
    assert SECONDS_PER_DAY.error == pytest.approx(100_000 / 86_400 - 1)


def test_the_ladder_counts_zeros():
    assert {symbol: value for _, symbol, value in LADDER} == {"K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}


@pytest.mark.parametrize(
    ("value", "rounded"),
    [(5_787, 6_000), (0.347, 0.3), (12_500 / 1_800, 7), (500_000 / 1_800, 300), (-44, -40), (0, 0)],
)
def test_napkin_round_keeps_one_significant_figure(value, rounded):
    assert napkin_round(value) == pytest.approx(rounded)


def test_napkin_round_works_elementwise_and_with_more_figures():
    assert np.allclose(napkin_round(np.array([5_787, 0.347])), [6_000, 0.3])
    assert napkin_round(500_000 / 1_800, 3) == 278  # the Super Bowl's 278 users/sec


def test_napkin_round_passes_infinities_and_vanishingly_small_values_through():
    out = napkin_round(np.array([np.inf, -np.inf, 2.2e-309]))
    assert out[0] == np.inf and out[1] == -np.inf
    assert out[2] == 2.2e-309  # rounding would overflow its scale factor into NaN
    assert format_count(2.2e-309)  # and formatting it does not raise


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=1e-6, max_value=1e15, allow_nan=False))
def test_napkin_round_lands_within_half_a_leading_digit(x):
    r = napkin_round(x)
    leading = 10.0 ** math.floor(math.log10(x))
    assert abs(r - x) <= leading / 2 * (1 + 1e-9)


def test_order_of_magnitude_is_the_power_of_ten():
    assert order_of_magnitude(50_000) == 4
    assert order_of_magnitude(0.2) == -1
    with pytest.raises(InputError):
        order_of_magnitude(0)


def test_search_qps_by_counting_zeros_drops_five_zeros():
    d = divide_by_zeros("50M", "100K")
    assert d.napkin == 500  # the source's 50M ÷ 100K = 500 QPS
    assert d.exact == 50e6 / 100e3
    assert "10^2" in d.explain()


def test_division_shortcut_of_500k_by_100k_is_five_with_no_fudge():
    d = divide_by_zeros("500K", "100K")
    assert (d.num_exponent, d.den_exponent) == (5, 5)  # 500K has five zeros, not six
    assert d.napkin == 5
    assert d.explain().endswith("= 5")


def test_division_shortcut_rejects_non_positive_sides():
    with pytest.raises(InputError) as info:
        divide_by_zeros("500K", 0)
    assert "denominator" in str(info.value)
    with pytest.raises(InputError):
        divide_by_zeros("ten", "100K")


@pytest.mark.parametrize("value, unit, said", [
    (1, "seats", "1 seat"), (2, "seats", "2 seats"), (1, "searches", "1 search"), (1, "payments", "1 payment"),
    (1, "productions", "1 production"), (1, "users/s", "1 users/s"), (0, "seats", "0 seats"),
    (1.0004, "bookings", "1 booking"), (1.5, "bookings", "1.5 bookings"),
])
def test_a_count_of_one_reads_singular(value, unit, said):
    assert format_quantity(value, unit) == said


def test_a_duration_of_one_year_or_two_days_reads_right():
    assert format_quantity(2 * 365 * 86_400, "s") == "2 years"
    assert plural("1", "expired holds") == "1 expired hold"


@pytest.mark.parametrize("text, value", [("1,500", 1_500), ("1,500,000", 1.5e6), ("12,345.5", 12_345.5), ("-1,000", -1e3)])
def test_commas_that_group_thousands_are_read(text, value):
    assert parse_quantity(text) == value


@pytest.mark.parametrize("text", ["1,5", "12,34", "1,5000", "1,,000"])
def test_a_comma_that_does_not_group_thousands_is_refused_not_read_as_digits(text):
    with pytest.raises(InputError, match="commas only between groups of three digits"):
        parse_quantity(text, name="dau")


def test_an_empty_array_is_not_a_quantity():
    with pytest.raises(InputError, match="non-empty"):
        parse_quantity([], name="dau")


@pytest.mark.parametrize("seconds, said", [
    (15_768, "4.38 h"), (0.0015, "1.5 ms"), (59.96, "60 s"), (119.96, "2 min"), (7_199, "2 h"),
    (3 * 86_400, "3 days"), (2 * 365 * 86_400, "2 years"), (1_234_567, "14.3 days"),
])
def test_a_duration_is_rounded_once_in_the_unit_it_is_said_in(seconds, said):
    assert format_quantity(seconds, "s") == said
