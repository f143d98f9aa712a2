"""Parsing and formatting at their edges: unit dimensions, every switch point, every significant figure.

``test_numbers.py`` checks the common cases. These check where the rules change: the exact
powers at which a size or a bandwidth moves to the next prefix, the second at which a duration
moves to the next unit, a figure count other than the default three, and which unit may stand
where another is expected. Each error is checked for its class, the input it names, the value
it shows and the example it starts with.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from ticketlab.core.errors import InputError, UnitError
from ticketlab.core.numbers import (
    divide_by_zeros,
    format_count,
    format_quantity,
    napkin_round,
    order_of_magnitude,
    parse_duration,
    parse_fraction,
    parse_quantity,
    plural,
)

# ============================================================================ unit dimensions


@pytest.mark.parametrize(("text", "dimension", "value"), [
    ("3x", "count", 3),  # a multiplier and a rate may stand where a plain count is expected
    ("5K QPS", "count", 5_000),
    ("100", "bytes", 100),  # a bare number fits every dimension, in its base unit
    ("30", "seconds", 30),
    ("0.25", "fraction", 0.25),
    ("1", "fraction", 1.0),  # 1 is the whole, not above it
    ("100", "per_second", 100),
    ("250", "bytes/s", 250),
    ("1_500", None, 1_500),
    ("5Kqps", "per_second", 5_000),  # a scale letter glued to a rate's unit
    ("2K/day", "per_second", 2_000 / 86_400),
    ("10 m", "seconds", 600),
    ("10 m", None, 10e6),  # where no duration is expected, "m" is a million
    ("1.5 G B", "bytes", 1.5e9),  # a scale letter apart from its unit joins it
    ("2 G bps", "bytes/s", 2e9 / 8),
])
def test_each_dimension_takes_its_own_units_and_bare_numbers(text, dimension, value):
    assert parse_quantity(text, name="x", dimension=dimension) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize(("text", "dimension", "example"), [
    ("5 GB", "count", "a count such as"),  # a byte size is not a count
    ("30s", "count", "a count such as"),
    ("70%", "count", "a count such as"),
    ("5 GB", "per_second", "a rate such as"),
    ("3x", "per_second", "a rate such as"),
    ("30s", "bytes", "a size such as"),
    ("100 B", "bytes/s", "a bandwidth such as"),  # bytes where bytes per second are expected
    ("5 GB", "seconds", "a duration such as"),
    ("2 Gbps", "fraction", "a fraction such as"),
    ("5 GB", "fraction", "a fraction such as"),
])
def test_a_unit_of_another_dimension_is_a_unit_error_showing_the_expected_kind(text, dimension, example):
    with pytest.raises(UnitError) as info:
        parse_quantity(text, name="dau", dimension=dimension)
    assert (info.value.name, info.value.value) == ("dau", text)
    assert info.value.expected.startswith(example)


def test_a_list_of_strings_is_parsed_in_the_expected_dimension():
    assert parse_quantity(["30s", "2 min"], name="hold", dimension="seconds").tolist() == [30, 120]
    with pytest.raises(UnitError) as info:
        parse_quantity(["30s", "5 GB"], name="hold", dimension="seconds")
    assert (info.value.name, info.value.value) == ("hold", "5 GB")
    with pytest.raises(InputError) as info:
        parse_quantity(["10M", "lots"], name="dau", dimension="count")
    assert info.value.name == "dau" and info.value.expected.startswith("a count such as")


@pytest.mark.parametrize("value", [[1.0, "lots"], np.array(["10M", "5K"]), ("5K", None)])
def test_only_a_list_or_tuple_made_of_strings_is_read_string_by_string(value):
    with pytest.raises(InputError) as info:
        parse_quantity(value, name="dau", dimension="seconds")
    assert info.value.name == "dau" and info.value.value is value
    assert info.value.expected.startswith("a duration such as") and info.value.expected.endswith("or an array of them")


@pytest.mark.parametrize(("value", "dimension", "example"), [
    ("lots", None, "a number or a string such as"),
    ("lots", "multiplier", "a number or a string such as"),  # no example of its own: the general one
    ("lots", "seconds", "a duration such as"),
    ("1,5", "bytes", "a size such as"),
    ("5 parsecs", "per_second", "a rate such as"),
    (float("nan"), "seconds", "a duration such as"),
    ({"dau": 1}, "count", "a count such as"),
    (None, "fraction", "a fraction such as"),
    ([], "bytes/s", "a bandwidth such as"),
])
def test_an_unreadable_value_is_refused_naming_it_with_its_dimension_s_example(value, dimension, example):
    with pytest.raises(InputError) as info:
        parse_quantity(value, name="hold", dimension=dimension)
    assert info.value.name == "hold"
    assert info.value.value is value or info.value.value == value
    assert info.value.expected.startswith(example)


def test_a_non_finite_value_shows_itself_or_says_which_array():
    with pytest.raises(InputError) as info:
        parse_quantity(float("inf"), name="dau", dimension="count")
    assert info.value.value == float("inf") and info.value.expected.startswith("a count such as")
    with pytest.raises(InputError) as info:
        parse_quantity(np.array([1.0, np.inf]), name="dau")
    assert isinstance(info.value.value, str)  # an array is described, not dumped into the message


@pytest.mark.parametrize(("value", "example"), [
    ("1.5", "a fraction such as"),  # a bare number above the whole: refused as it is read
    ("100.5%", "a fraction between 0 and 1"),  # a percentage above 100: refused once read
    (1.0000001, "a fraction between 0 and 1"),
    ("-0.1", "a fraction between 0 and 1"),
    ("1", None),
    (0, None),
])
def test_a_fraction_is_refused_above_one_and_below_zero_but_not_at_either_end(value, example):
    if example is None:
        assert parse_fraction(value, name="share") == float(value)
        return
    with pytest.raises(InputError) as info:
        parse_fraction(value, name="share")
    assert (info.value.name, info.value.value) == ("share", value)
    assert info.value.expected.startswith(example)


def test_the_dimensioned_parsers_name_what_they_read_by_default():
    with pytest.raises(InputError) as info:
        parse_duration("soon")
    assert info.value.name == "duration"
    with pytest.raises(InputError) as info:
        parse_fraction("half")
    assert info.value.name == "fraction"
    with pytest.raises(InputError) as info:
        parse_quantity("lots")
    assert info.value.name == "value"


# ============================================================================ switch points

@pytest.mark.parametrize(("value", "said"), [
    (999, "999 B"), (1e3, "1 KB"), (999e3, "999 KB"), (1e6, "1 MB"), (999e6, "999 MB"), (1e9, "1 GB"),
    (999e9, "999 GB"), (1e12, "1 TB"), (999e12, "999 TB"), (1e15, "1 PB"), (2.5e18, "2500 PB"),  # beyond the last prefix: still PB
])
def test_byte_prefixes_switch_exactly_at_each_power_of_a_thousand(value, said):
    assert format_quantity(value, "B") == said


@pytest.mark.parametrize(("bytes_per_s", "bits"), [
    (10, "80 bps"), (124.9, "999 bps"), (125, "1 Kbps"), (124_900, "999 Kbps"), (125e3, "1 Mbps"),
    (124.9e6, "999 Mbps"), (125e6, "1 Gbps"), (124.9e9, "999 Gbps"), (125e9, "1 Tbps"), (125e12, "1000 Tbps"),
])
def test_bit_prefixes_switch_exactly_at_each_power_of_a_thousand_bits(bytes_per_s, bits):
    said = format_quantity(bytes_per_s, "B/s")
    assert said.endswith(f" ({bits})")
    assert format_quantity(bytes_per_s, "B/s", bits=False) == said.split(" (")[0]


@pytest.mark.parametrize(("value", "said"), [
    (999, "999"), (1e3, "1K"), (999e3, "999K"), (1e6, "1M"), (1e9, "1B"), (1e12, "1T"), (2.5e15, "2500T"),
    (float("inf"), "inf"), (float("nan"), "nan"),
])
def test_count_prefixes_switch_exactly_at_each_power_of_a_thousand(value, said):
    assert format_count(value) == said


@pytest.mark.parametrize(("seconds", "said"), [
    (0.000_5, "0.5 ms"), (0.999, "999 ms"), (1, "1 s"),  # milliseconds below one second
    (119, "119 s"), (120, "2 min"),  # seconds below two minutes
    (7_140, "119 min"), (7_200, "2 h"),  # minutes below two hours
    (71 * 3_600, "71 h"), (72 * 3_600, "3 days"),  # hours below three days
    (729 * 86_400, "729 days"), (730 * 86_400, "2 years"),  # days below two years
    (1e12, "31700 years"),
])
def test_durations_switch_unit_exactly_at_each_rung(seconds, said):
    assert format_quantity(seconds, "s") == said


# ============================================================================ significant figures other than three

@pytest.mark.parametrize(("value", "unit", "sig", "said"), [
    (1_234_567, "B", 4, "1.235 MB"),
    (1_234_567, "B", 2, "1.2 MB"),
    (1_234, "B", 5, "1.234 KB"),
    (987.64, "B", 4, "987.6 B"),
    (1_234_567, "B/s", 4, "1.235 MB/s (9.877 Mbps)"),
    (123.46, "B/s", 4, "123.5 B/s (987.7 bps)"),
    (15_770, "s", 4, "4.381 h"),
    (15_770, "s", 2, "4.4 h"),
    (12_346, "req/s", 4, "12.35K QPS"),
    (0.123456, "%", 4, "12.35%"),
    (0.123456, "%", 2, "12%"),
    (2.34567, "x", 2, "2.3×"),
    (2.34567, ":1", 4, "2.346:1"),
    (7.777, "seats", 2, "7.8 seats"),
    (12_346, "", 4, "12.35K"),
    (12_345, "", 2, "12K"),
])
def test_every_unit_honours_the_figures_asked_for(value, unit, sig, said):
    assert format_quantity(value, unit, sig) == said


@pytest.mark.parametrize(("value", "unit", "said"), [
    (1_234.56, "%", "123456%"),  # not rounded first: a percentage says every integer digit
    (12.3456, "%", "1235%"),
    (1_234.56, ":1", "1235:1"),
    (1_234.56, "x", "1235×"),
    (0.5, "x", "0.5×"),
    (5_000, "QPS", "5K QPS"),
    (12_500, "", "12.5K"),
    (2, "seats", "2 seats"),
])
def test_units_said_without_prefixes_keep_their_integer_digits(value, unit, said):
    assert format_quantity(value, unit) == said


def test_format_quantity_takes_numpy_scalars_and_zero_dimensional_arrays():
    assert format_quantity(np.int64(5_000), "req/s") == "5K QPS"
    assert format_quantity(np.array(1.5e9), "B") == "1.5 GB"
    assert format_quantity(np.float32(0.5), "%") == "50%"


def test_an_array_is_said_point_by_point_up_to_six_points():
    six = np.array([1e3, 2e3, 3e3, 4e3, 5e3, 6e3])
    assert format_quantity(six, "B/s", 2, bits=False) == "[1 KB/s, 2 KB/s, 3 KB/s, 4 KB/s, 5 KB/s, 6 KB/s]"
    assert format_quantity(six[:2], "B/s", 2) == "[1 KB/s (8 Kbps), 2 KB/s (16 Kbps)]"
    seven = np.append(six, 7e3) + 0.123
    assert format_quantity(seven, "", 5) == "[1.0001K, 2.0001K, 3.0001K, 4.0001K, 5.0001K, 6.0001K, …]"
    assert format_quantity([[1, 2], [3, 4]], "x") == "[1×, 2×, 3×, 4×]"


# ============================================================================ words

@pytest.mark.parametrize(("number", "word", "said"), [
    ("1", "searches", "1 search"), ("1", "crashes", "1 crash"), ("1", "passes", "1 pass"),
    ("1", "boxes", "1 box"), ("1", "seats", "1 seat"), ("-1", "seats", "-1 seat"),
    ("1", "glass", "1 glass"), ("1", "status", "1 status"),  # not plurals: left as they are
    ("1", "ms", "1 ms"), ("1", "ids", "1 id"),  # two letters may be a unit; three are a word
    ("1", "users/s", "1 users/s"), ("1.0", "seats", "1.0 seats"), ("2", "expired holds", "2 expired holds"),
    ("1", "expired holds", "1 expired hold"), ("3", "seats  held", "3 seats  held"), ("7", "", "7"),
    ("1", "retries", "1 retry"), ("1", "queries", "1 query"), ("2", "retries", "2 retries"),
])
def test_plural_makes_only_a_plain_plural_word_singular_and_only_for_exactly_one(number, word, said):
    assert plural(number, word) == said


# ============================================================================ the toolkit

def test_napkin_round_returns_a_float_for_a_scalar_and_handles_big_integers():
    assert type(napkin_round(5_787)) is float and napkin_round(5_787) == 6_000
    assert napkin_round(10**20 + 12345) == 1e20  # beyond 64-bit integers
    assert napkin_round(0) == 0.0 and napkin_round(1) == 1.0 and napkin_round(-0.0347, 2) == -0.035


def test_napkin_round_passes_extremes_through_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = napkin_round(np.array([0.0, 2.2e-309, np.inf, -np.inf, np.nan, 1.0, 5_787.0]))
    assert out[:2].tolist() == [0.0, 2.2e-309] and out[2] == np.inf and out[3] == -np.inf and np.isnan(out[4])
    assert out[5:].tolist() == [1.0, 6_000.0]


def test_order_of_magnitude_is_an_int_or_an_int_array():
    assert order_of_magnitude(10**20) == 20 and type(order_of_magnitude(999)) is int
    out = order_of_magnitude(np.array([5e4, 0.2, 1.0]))
    assert out.tolist() == [4, -1, 0] and out.dtype.kind == "i"
    with pytest.raises(InputError) as info:
        order_of_magnitude(np.array([5.0, -1.0]))
    assert info.value.name == "x" and info.value.value[1] == -1.0


def test_the_zeros_shortcut_writes_out_both_mantissas_and_its_figures():
    d = divide_by_zeros("600K", "30K")
    assert (d.num_mantissa, d.num_exponent, d.den_mantissa, d.den_exponent) == (6, 5, 3, 4)
    assert d.napkin == pytest.approx(20) and d.exact == 20
    assert d.explain() == "600K ÷ 30K = (6 × 10^5) ÷ (3 × 10^4) = 2 × 10^1 = 20"
    odd = divide_by_zeros(12_345, 1)
    assert odd.explain() == "12.3K ÷ 1 = (1.23 × 10^4) ÷ (1 × 10^0) = 1.23 × 10^4 = 12345"


@pytest.mark.parametrize(("numerator", "denominator", "side"), [
    ("lots", 5, "numerator"), (5, "lots", "denominator"), (0, 5, "numerator"), (-1, 5, "numerator"),
    (5, 0, "denominator"), (5, -2, "denominator"),
])
def test_the_zeros_shortcut_names_the_side_it_refuses(numerator, denominator, side):
    with pytest.raises(InputError) as info:
        divide_by_zeros(numerator, denominator)
    assert info.value.name == side
    assert info.value.value == (numerator if side == "numerator" else denominator)
    assert "such as" in info.value.expected


def test_the_zeros_shortcut_takes_one_on_either_side():
    assert divide_by_zeros(1, 1).napkin == 1
    assert divide_by_zeros(500, 1).napkin == 500


@pytest.mark.parametrize("value", [True, 0, -1, 1.0, "3", None, 11, float("nan")])
def test_whole_number_refuses_anything_but_an_int_in_range(value):
    from ticketlab.core.numbers import whole_number

    with pytest.raises(InputError) as info:
        whole_number("seats", value, high=10, what="seats")
    assert info.value.name == "seats" and "a whole number of seats from 1 to 10" in info.value.expected


def test_whole_number_takes_python_and_numpy_ints_at_both_ends():
    import numpy as np

    from ticketlab.core.numbers import whole_number

    assert [whole_number("n", v, low=0, high=10) for v in (0, 10, np.int64(3))] == [0, 10, 3]
    assert type(whole_number("n", np.int32(4))) is int
    assert whole_number("n", 10**12) == 10**12  # no upper bound unless one is given


# -- a count a minute, and a percentage at a slider's end ------------------------------------------

@pytest.mark.parametrize("value,per_minute", [(600, 600.0), ("600", 600.0), ("1K", 1000.0), ("1K/min", 1000.0),
                                              ("20/s", 1200.0), ("30K per minute", 30000.0), ("60/h", 1.0),
                                              ("1.44M/day", 1000.0)])
def test_a_count_a_minute_reads_a_bare_number_as_is_and_converts_a_rate(value, per_minute):
    from ticketlab.core.numbers import parse_per_minute, unit_dimension

    assert parse_per_minute(value, name="admit") == per_minute
    if isinstance(value, str):
        assert unit_dimension(value) == ("count" if value[-1].isdigit() or value.endswith("K") else "per_second")


@pytest.mark.parametrize("value", ["5 min", "1 GB", "ten", "", float("nan"), ["1K", "2K"], "1e308/s"])
def test_a_count_a_minute_refuses_other_units_naming_the_input(value):
    from ticketlab.core.numbers import parse_per_minute

    with pytest.raises(InputError, match="admit"):
        parse_per_minute(value, name="admit")


@pytest.mark.parametrize("percent", range(0, 101))
def test_a_whole_percentage_is_exactly_that_fraction(percent):
    """95% must be 0.95 itself, not 0.9500000000000001: a slider whose maximum is 95% refused it."""
    assert parse_quantity(f"{percent}%", dimension="fraction") == percent / 100
