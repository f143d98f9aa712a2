"""Human quantities in and out, and the mental-math toolkit.

Parsing turns what a person writes into a number in base units: ``"10M"`` → 1e7,
``"1.5 GB"`` → 1.5e9 bytes, ``"10 min"`` → 600 seconds, ``"70%"`` → 0.7, ``"2 Gbps"`` →
2.5e8 bytes per second. Units are decimal (1 KB = 1,000 B); ``KiB`` and friends are binary.

Formatting goes the other way, the way an engineer says it out loud: ``5K QPS``,
``500 GB``, ``250 MB/s (2 Gbps)``, ``83 min``.

The toolkit: the power-of-ten ladder, the count-the-zeros division shortcut, napkin rounding
to one significant figure, and seconds per day / month / year, napkin and exact.
"""

from __future__ import annotations

import math
import re
from typing import Any, NamedTuple

import numpy as np

from ticketlab.core.errors import InputError, UnitError

__all__ = [
    "Shortcut",
    "SECONDS_PER_DAY",
    "SECONDS_PER_MONTH",
    "SECONDS_PER_YEAR",
    "DAYS_PER_YEAR",
    "LADDER",
    "parse_quantity",
    "parse_per_minute",
    "unit_dimension",
    "parse_duration",
    "parse_fraction",
    "whole_number",
    "format_quantity",
    "format_count",
    "plural",
    "napkin_round",
    "order_of_magnitude",
    "divide_by_zeros",
]


class Shortcut(NamedTuple):
    """A constant as the napkin remembers it and as it really is."""

    name: str
    napkin: float
    exact: float
    note: str

    @property
    def error(self) -> float:
        """Relative error of the napkin value: ``napkin / exact - 1``."""
        return self.napkin / self.exact - 1.0


SECONDS_PER_DAY = Shortcut("seconds per day", 1e5, 86_400.0, "a day is about 10^5 s")
SECONDS_PER_MONTH = Shortcut("seconds per month", 2.5e6, 30 * 86_400.0, "a 30-day month is about 2.5 x 10^6 s")
SECONDS_PER_YEAR = Shortcut("seconds per year", 3e7, 365 * 86_400.0, "a year is about 3 x 10^7 s")
DAYS_PER_YEAR = Shortcut("days per year", 365.0, 365.0, "the source keeps 365 days even on the napkin")

#: The power-of-ten ladder: (name, symbol, value).
LADDER: tuple[tuple[str, str, float], ...] = (
    ("thousand", "K", 1e3),
    ("million", "M", 1e6),
    ("billion", "B", 1e9),
    ("trillion", "T", 1e12),
)

# --------------------------------------------------------------------------- parsing

_SCALE = {"": 1.0, "K": 1e3, "M": 1e6, "B": 1e9, "BN": 1e9, "G": 1e9, "T": 1e12}

# unit (lower case) -> (dimension, factor to base units)
_UNITS: dict[str, tuple[str, float]] = {}
for _prefix, _f in (("", 1.0), ("k", 1e3), ("m", 1e6), ("g", 1e9), ("t", 1e12), ("p", 1e15)):
    _UNITS[f"{_prefix}b"] = ("bytes", _f)
    _UNITS[f"{_prefix}b/s"] = ("bytes/s", _f)
    _UNITS[f"{_prefix}bps"] = ("bytes/s", _f / 8)  # bits per second
for _prefix, _f in (("ki", 2**10), ("mi", 2**20), ("gi", 2**30), ("ti", 2**40)):
    _UNITS[f"{_prefix}b"] = ("bytes", float(_f))
_UNITS["bytes"] = ("bytes", 1.0)
_UNITS["byte"] = ("bytes", 1.0)
for _names, _f in (
    (("ms", "msec", "millisecond", "milliseconds"), 1e-3),
    (("s", "sec", "secs", "second", "seconds"), 1.0),
    (("m", "min", "mins", "minute", "minutes"), 60.0),
    (("h", "hr", "hrs", "hour", "hours"), 3600.0),
    (("d", "day", "days"), 86_400.0),
    (("wk", "week", "weeks"), 7 * 86_400.0),
    (("y", "yr", "yrs", "year", "years"), 365 * 86_400.0),  # what format_quantity writes for long spans
):
    for _n in _names:
        _UNITS.setdefault(_n, ("seconds", _f))
for _per, _f in (("s", 1.0), ("sec", 1.0), ("second", 1.0), ("min", 1 / 60), ("minute", 1 / 60),
                 ("h", 1 / 3600), ("hour", 1 / 3600), ("day", 1 / 86_400)):
    for _what in ("", "users", "req", "bookings", "requests"):
        _UNITS[f"{_what}/{_per}"] = ("per_second", _f)
    _UNITS[f"per {_per}"] = ("per_second", _f)
for _n in ("qps", "rps"):
    _UNITS[_n] = ("per_second", 1.0)
_UNITS["%"] = ("fraction", 0.01)
_UNITS["x"] = ("multiplier", 1.0)
_UNITS["×"] = ("multiplier", 1.0)

_NUMBER = re.compile(
    r"""^\s*(?P<num>[+-]?(?:\d[\d,_]*\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*
        (?P<scale>(?:bn|[kKmMbBgGtT])(?![a-zA-Z/]))?\s*
        (?P<unit>.*?)\s*$""",
    re.VERBOSE,
)

_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?([eE][+-]?\d+)?$")

_EXAMPLES = {
    None: "a number or a string such as 10M, 50K, 2.5, 1.5 GB, 30s, 10 min or 70%",
    "count": "a count such as 500000, '500K' or '10M'",
    "bytes": "a size such as 1.5 GB, 100 KB or 500 bytes",
    "seconds": "a duration such as 30, '30s', '10 min' or '4 h'",
    "fraction": "a fraction such as 0.7 or '70%'",
    "bytes/s": "a bandwidth such as '25 MB/s' or '2 Gbps'",
    "per_second": "a rate such as 500, '5K QPS' or '100/s'",
}


def _expected(dimension: str | None) -> str:
    return _EXAMPLES.get(dimension, _EXAMPLES[None])


def _parse_one(text: str, name: str, dimension: str | None) -> float:
    return _read(text, name, dimension)[0]


def parse_per_minute(value: Any, *, name: str = "rate") -> float:
    """How many a minute, from ``600``, ``"1K"``, ``"1K/min"``, ``"20/s"`` or ``"30K per minute"``: a bare
    number is a count a minute already; a rate with its unit is converted (to 12 significant digits, so
    ``"1K/min"`` reads 1000 and not 1000.0000000000001). Raises
    :class:`~ticketlab.core.errors.InputError` naming ``name`` for anything else."""
    expected = "a count a minute, such as 1000, '1K' or a rate such as '1K/min' or '20/s'"
    try:
        if isinstance(value, str) and unit_dimension(value.strip(), name=name) == "per_second":
            number = parse_quantity(value, name=name, dimension="per_second") * 60.0
        else:
            number = parse_quantity(value, name=name, dimension="count")
    except InputError:
        raise InputError(name, value, expected) from None
    if np.ndim(number) or not math.isfinite(number):  # one figure, and not a rate that overflows a minute
        raise InputError(name, value, expected)
    return float(f"{float(number):.12g}")


def unit_dimension(text: str, *, name: str = "value") -> str:
    """The dimension ``text``'s unit gives it (``"count"`` for a bare number such as ``"1K"``, ``"per_second"``
    for ``"20/s"`` or ``"1K/min"``, ``"seconds"``, ``"bytes"``, ...), so a caller whose input is counted in
    another unit (people per minute) can tell a bare number from a rate to convert. Raises
    :class:`~ticketlab.core.errors.InputError` naming ``name`` for unreadable text."""
    return _read(text, name, None)[1]


def _read(text: str, name: str, dimension: str | None) -> tuple[float, str]:
    """``text``'s value in base units, and the dimension its unit gave it."""
    m = _NUMBER.match(text)
    if not m:
        raise InputError(name, text, _expected(dimension))
    digits = m["num"]
    if "," in digits and not _GROUPED.match(digits):  # "1,5" is not fifteen: commas only group thousands
        raise InputError(name, text, _expected(dimension) + " (commas only between groups of three digits, "
                         "as in 1,500,000; write a decimal point as '.')")
    num = float(digits.replace(",", "").replace("_", ""))
    scale_token = m["scale"] or ""
    unit = m["unit"].strip()
    # "1.5 GB": the regex may read "G" as a scale and leave "B" as the unit; "10 M" is a count.
    if scale_token and unit.lower() in {"b", "b/s", "bps", "bytes"}:
        unit, scale_token = scale_token + unit, ""
    # "100 B" where a size is expected is bytes, not 100 billion ("5B seats" stays a count)
    if dimension in {"bytes", "bytes/s"} and scale_token.upper() == "B" and not unit:
        scale_token, unit = "", "B"
    # "10m" / "10 m" where a duration is expected is ten minutes, not ten million seconds
    if dimension == "seconds" and scale_token == "m" and not unit:
        scale_token, unit = "", "m"
    # "1K/min", "5K/s": a scale letter glued to a per-time unit ("B/s" is bytes, not billions)
    if not scale_token and unit and unit.lower() not in _UNITS and unit[0].upper() in _SCALE \
            and unit[1:].strip().lower() in _UNITS and _UNITS[unit[1:].strip().lower()][0] == "per_second":
        scale_token, unit = unit[0], unit[1:].strip()
    scale = _SCALE[scale_token.upper()]
    if not unit:
        dim, factor = "count", 1.0
    else:
        key = unit.lower()
        if key not in _UNITS:
            raise InputError(name, text, _expected(dimension))
        dim, factor = _UNITS[key]
        # a bare "M" after a number is mega (count); "m" alone as a unit means minutes.
    # a percentage is divided by 100, not multiplied by 0.01: 95 * 0.01 is 0.9500000000000001, above a
    # slider's 95% maximum, where 95 / 100 is 0.95 itself
    value = num * scale / 100.0 if unit == "%" else num * scale * factor
    if dimension is not None and dim != "count" and dim != dimension:
        if not (dimension == "count" and dim in {"multiplier", "per_second"}):
            if not (dimension == "per_second" and dim == "count"):
                raise UnitError(name, text, _expected(dimension))
    if dimension == "fraction" and dim == "count" and value > 1:
        raise InputError(name, text, _expected("fraction") + " (at most 100%)")
    return value, dim


def _check_finite(name: str, value: Any, dimension: str | None) -> None:
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise InputError(name, value if arr.ndim == 0 else "array with NaN/inf", _expected(dimension) + " (finite)")


def parse_quantity(value: Any, *, name: str = "value", dimension: str | None = None) -> float | np.ndarray:
    """Parse a human quantity into base units (count, bytes, seconds, fraction, bytes/s).

    Numbers and numpy arrays pass through (checked for NaN and infinity); strings are read as
    ``<number>[K|M|B|T] [unit]``. ``dimension`` (``"bytes"``, ``"seconds"``, ``"fraction"``,
    ``"bytes/s"``, ``"per_second"``, ``"count"``) rejects a string in another unit.
    Raises :class:`~ticketlab.core.errors.InputError` naming ``name`` for anything unreadable.
    """
    if isinstance(value, bool) or value is None:
        raise InputError(name, value, _expected(dimension))
    if isinstance(value, str):
        out: float | np.ndarray = _parse_one(value, name, dimension)
    elif isinstance(value, (int, float, np.integer, np.floating)):
        out = float(value)
    elif isinstance(value, (list, tuple, np.ndarray)):
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
                arr = np.array([_parse_one(v, name, dimension) for v in value])
            else:
                raise InputError(name, value, _expected(dimension) + ", or an array of them") from None
        if arr.size == 0:
            raise InputError(name, value, _expected(dimension) + ", or a non-empty array of them")
        out = arr
    else:
        raise InputError(name, value, _expected(dimension))
    _check_finite(name, out, dimension)
    if dimension == "fraction" and np.any(np.asarray(out) > 1.0):
        raise InputError(name, value, "a fraction between 0 and 1, or a percentage up to 100%")
    return out


def parse_duration(value: Any, *, name: str = "duration") -> float | np.ndarray:
    """Seconds from ``30``, ``"30s"``, ``"10 min"``, ``"4 h"``, ``"1.5 days"``."""
    return parse_quantity(value, name=name, dimension="seconds")


def parse_fraction(value: Any, *, name: str = "fraction") -> float | np.ndarray:
    """A fraction in [0, 1] from ``0.7`` or ``"70%"``."""
    out = parse_quantity(value, name=name, dimension="fraction")
    if np.any(np.asarray(out) < 0):
        raise InputError(name, value, "a fraction between 0 and 1, or a percentage from 0% to 100%")
    return out


def whole_number(name: str, value: Any, *, low: int = 1, high: int | None = None, what: str = "",
                 error: type[InputError] = InputError) -> int:
    """``value`` as an int from ``low`` to ``high`` (no upper bound if None): the one check of
    "a count of things" (seats, users, attempts, a seed). Accepts Python and numpy integers;
    raises :class:`InputError` naming ``name`` for a bool, a float, a string or a value out of
    range (or ``error``, a subclass of it). ``what`` names the things counted ("seats", "drills")."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < low or (
            high is not None and value > high):
        things = f" of {what}" if what else ""
        span = f"from {low:,} to {high:,}" if high is not None else f"of at least {low:,}"
        raise error(name, value, f"a whole number{things} {span}, such as {max(low, min(5, high or 5)):,}")
    return int(value)


# --------------------------------------------------------------------------- formatting

def _trim(x: float, sig: int = 3) -> str:
    if x == 0:
        return "0"
    digits = max(sig - 1 - int(math.floor(math.log10(abs(x)))), 0)
    text = f"{x:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def plural(number: str, word: str) -> str:
    """``number`` and ``word`` together, the word singular when the number reads exactly 1.

    ``word`` is given in the plural, as units are: ``plural("1", "seats")`` is ``"1 seat"``,
    ``plural("1", "searches")`` is ``"1 search"``, ``plural("1", "retries")`` is ``"1 retry"``; a unit that is not a plain word stays as it is.
    """
    if not word:
        return number
    *before, last = word.split(" ")
    if number in ("1", "-1") and last.isalpha() and last.endswith("s") and not last.endswith(("ss", "us")) \
            and len(last) > 2:
        if last.endswith("ies"):
            last = last[:-3] + "y"  # retries, queries
        else:
            last = last[:-2] if last.endswith(("ches", "shes", "sses", "xes")) else last[:-1]
    return " ".join([number, *before, last])


def format_count(x: float, sig: int = 3) -> str:
    """``12500`` → ``12.5K``, ``5e9`` → ``5B``, ``912500000`` → ``912M``."""
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    x = float(napkin_round(x, sig))  # pick the rung after rounding: 999,999 is "1M", not "1000K"
    for _, symbol, size in reversed(LADDER):
        if abs(x) >= size:
            return f"{_trim(x / size, sig)}{symbol}"
    return _trim(x, sig)


def _format_bytes(x: float, per: str = "", sig: int = 3) -> str:
    x = float(napkin_round(x, sig))
    for symbol, size in (("PB", 1e15), ("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if abs(x) >= size:
            return f"{_trim(x / size, sig)} {symbol}{per}"
    return f"{_trim(x, sig)} B{per}"


def _format_bits(bytes_per_s: float, sig: int = 3) -> str:
    bits = float(napkin_round(bytes_per_s * 8, sig))
    for symbol, size in (("Tbps", 1e12), ("Gbps", 1e9), ("Mbps", 1e6), ("Kbps", 1e3)):
        if abs(bits) >= size:
            return f"{_trim(bits / size, sig)} {symbol}"
    return f"{_trim(bits, sig)} bps"


#: Duration rungs: (below this many seconds, the unit's size in seconds, its name).
_DURATION_RUNGS = ((1, 1e-3, "ms"), (120, 1, "s"), (2 * 3600, 60, "min"), (3 * 86_400, 3600, "h"),
                   (2 * 365 * 86_400, 86_400, "days"), (math.inf, 365 * 86_400, "years"))


def _format_seconds(s: float, sig: int = 3) -> str:
    # round once, in the unit the value is said in (rounding seconds first turns 15,768 s into
    # 15,800 s and 4.38 h into 4.39 h), and move up a rung when the rounded value reaches the next
    # one (119.96 s reads "2 min", not "120 s")
    for below, size, name in _DURATION_RUNGS:
        rounded = float(napkin_round(s / size, sig))
        if abs(rounded * size) < below:
            shown = _trim(rounded, sig)
            return plural(shown, name) if name in ("days", "years") else f"{shown} {name}"
    raise AssertionError("unreachable: the last rung has no upper bound")


def format_quantity(x: Any, unit: str = "", sig: int = 3, *, bits: bool = True) -> str:
    """Say a base-unit number the way a person would.

    Units: ``B`` (bytes), ``B/s`` (shown with bits per second too, unless ``bits=False``),
    ``s``, ``req/s`` (``QPS``), ``%`` (a fraction shown as a percentage), ``x`` (a multiplier),
    ``:1`` (a ratio); anything else is a count followed by that word.
    """
    if isinstance(x, (int, float)):
        v = float(x)
    else:
        arr = np.asarray(x, dtype=float)
        if arr.ndim:
            shown = ", ".join(format_quantity(v, unit, sig, bits=bits) for v in arr.ravel()[:6])
            return "[" + shown + (", …]" if arr.size > 6 else "]")
        v = float(arr)
    if not math.isfinite(v):
        return f"{v} {unit}".strip()
    if unit == "B":
        return _format_bytes(v, sig=sig)
    if unit == "B/s":
        per_second = _format_bytes(v, "/s", sig)
        return f"{per_second} ({_format_bits(v, sig)})" if bits else per_second
    if unit == "s":
        return _format_seconds(v, sig)
    if unit in ("req/s", "QPS"):
        return f"{format_count(v, sig)} QPS"
    if unit == "%":
        return f"{_trim(v * 100, sig)}%"
    if unit in ("x", ":1"):
        return f"{_trim(v, sig)}{unit if unit == ':1' else '×'}"
    return plural(format_count(v, sig), unit)


# --------------------------------------------------------------------------- the toolkit

def napkin_round(x: Any, sig: int = 1) -> float | np.ndarray:
    """Round to ``sig`` significant figures ("round ruthlessly"): 5,787 → 6,000; 0.347 → 0.3.

    Raises :class:`InputError` for a ``sig`` that is not a whole number from 1 to 17 (a
    float carries about 17 significant figures) or an ``x`` that is not numeric.
    """
    if isinstance(sig, bool) or not isinstance(sig, (int, np.integer)) or not 1 <= sig <= 17:
        raise InputError("sig", sig, "a whole number of significant figures from 1 to 17, e.g. 1 or 2")
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise InputError("x", x, "a number or an array of numbers, e.g. 5787") from None
    with np.errstate(divide="ignore", invalid="ignore"):
        mag = np.where(arr == 0, 0, np.floor(np.log10(np.abs(np.where(arr == 0, 1, arr)))))
    with np.errstate(over="ignore", invalid="ignore"):
        factor = 10.0 ** (sig - 1 - mag)
        out = np.round(arr * factor) / factor
    out = np.where(np.isfinite(out), out, arr)  # inf, nan, and below ~1e-300 where the factor overflows
    return float(out) if out.ndim == 0 else out


def order_of_magnitude(x: Any) -> int | np.ndarray:
    """The power of ten of ``x``: 50,000 → 4, 0.2 → -1."""
    arr = np.asarray(x, dtype=float)
    if np.any(arr <= 0):
        raise InputError("x", x, "a positive number")
    out = np.floor(np.log10(arr)).astype(int)
    return int(out) if out.ndim == 0 else out


class ZerosDivision(NamedTuple):
    """The count-the-zeros shortcut for ``numerator / denominator``, written out."""

    numerator: float
    denominator: float
    num_mantissa: float
    num_exponent: int
    den_mantissa: float
    den_exponent: int

    @property
    def napkin(self) -> float:
        return self.num_mantissa / self.den_mantissa * 10.0 ** (self.num_exponent - self.den_exponent)

    @property
    def exact(self) -> float:
        return self.numerator / self.denominator

    def explain(self) -> str:
        return (
            f"{format_count(self.numerator)} ÷ {format_count(self.denominator)} = "
            f"({_trim(self.num_mantissa)} × 10^{self.num_exponent}) ÷ ({_trim(self.den_mantissa)} × 10^{self.den_exponent}) = "
            f"{_trim(self.num_mantissa / self.den_mantissa)} × 10^{self.num_exponent - self.den_exponent} = {_trim(self.napkin)}"
        )


def divide_by_zeros(numerator: Any, denominator: Any) -> ZerosDivision:
    """Divide by writing both sides as ``mantissa × 10^zeros`` and subtracting the zeros.

    ``divide_by_zeros("500K", "100K")``: 5 × 10^5 ÷ 1 × 10^5 = 5 × 10^0 = 5.
    """
    n = float(parse_quantity(numerator, name="numerator"))
    d = float(parse_quantity(denominator, name="denominator"))
    if d <= 0:
        raise InputError("denominator", denominator, "a positive number such as 100K")
    if n <= 0:
        raise InputError("numerator", numerator, "a positive number such as 500K")
    ne, de = order_of_magnitude(n), order_of_magnitude(d)
    return ZerosDivision(n, d, n / 10.0**ne, ne, d / 10.0**de, de)
