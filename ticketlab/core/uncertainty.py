"""Inputs that are ranges, not points.

A range ``"5M..20M"`` is a 90% confidence interval: we believe the true value is between 5M
and 20M with 90% confidence. It is sampled as a lognormal whose 5th and 95th percentiles are
the two ends (the convention of Guesstimate and Squiggle), with a fixed seed so a worksheet is
reproducible. Results are summarised as p5 / p50 / p95.

Every named input is sampled once per estimate, so two steps that use ``dau`` see the same
draws and stay correlated. Ranges that carry the same ``group`` share their underlying normal
draws too (perfectly correlated): a hotter on-sale brings more users *and* more searches.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ticketlab.core.errors import InputError

__all__ = ["Range", "parse_range", "is_range", "Sampler", "summarise", "DEFAULT_SAMPLES", "DEFAULT_SEED"]

DEFAULT_SAMPLES = 10_000
MAX_SAMPLES = 1_000_000  # a range estimate of the whole template at this size takes about a second
DEFAULT_SEED = 20_240_601
_Z90 = 1.6448536269514722  # the standard normal's 95th percentile


@dataclass(frozen=True)
class Range:
    """A 90% interval ``low..high`` in base units; ``group`` names a set of correlated ranges."""

    low: float
    high: float
    group: str | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            raise InputError("range", f"{self.low}..{self.high}", "finite ends such as '5M..20M'")
        if self.low > self.high:
            raise InputError("range", f"{self.low:g}..{self.high:g}", "low <= high, such as '5M..20M'")
        if self.low <= 0:  # a lognormal lives above zero
            raise InputError("range", f"{self.low:g}..{self.high:g}", "positive ends, such as '5M..20M'")

    @property
    def mu(self) -> float:
        return (math.log(self.low) + math.log(self.high)) / 2

    @property
    def sigma(self) -> float:
        return (math.log(self.high) - math.log(self.low)) / (2 * _Z90)

    def sample(self, normals: np.ndarray) -> np.ndarray:
        """Map standard-normal draws onto this lognormal."""
        return np.exp(self.mu + self.sigma * normals)

    @property
    def midpoint(self) -> float:
        """The lognormal's median: the geometric mean of the two ends."""
        return math.sqrt(self.low * self.high)


def is_range(value: Any) -> bool:
    return isinstance(value, Range) or (isinstance(value, str) and ".." in value)


def parse_range(value: Any, *, name: str, dimension: str | None = None, group: str | None = None) -> Range:
    """``"5M..20M"`` (or a ``(low, high)`` pair, or a Range) → :class:`Range` in base units.

    Both ends must be positive (a lognormal lives above zero) and ``low <= high``.
    """
    from ticketlab.core.numbers import parse_quantity

    if isinstance(value, Range):
        low, high, group = value.low, value.high, value.group or group
    elif isinstance(value, str) and ".." in value:
        parts = value.split("..")
        if len(parts) != 2 or not all(p.strip() for p in parts):
            raise InputError(name, value, "a range written low..high, such as '5M..20M'")
        low = float(parse_quantity(parts[0], name=name, dimension=dimension))
        high = float(parse_quantity(parts[1], name=name, dimension=dimension))
    elif isinstance(value, tuple) and len(value) == 2:
        low = float(parse_quantity(value[0], name=name, dimension=dimension))
        high = float(parse_quantity(value[1], name=name, dimension=dimension))
    else:
        raise InputError(name, value, "a range written low..high, such as '5M..20M'")
    if low <= 0 or high <= 0:
        raise InputError(name, value, "a range of positive values, such as '5M..20M'")
    if low > high:
        raise InputError(name, value, f"low <= high, such as '{value.split('..')[1] if isinstance(value, str) else high}..{value.split('..')[0] if isinstance(value, str) else low}'")
    return Range(low, high, group)


class Sampler:
    """Draws the samples of one estimate: one seeded generator, one draw per input or group."""

    def __init__(self, n: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> None:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 2 <= n <= MAX_SAMPLES:
            raise InputError("samples", n, f"a whole number of samples from 2 to {MAX_SAMPLES:,}, such as 10000")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**64:
            raise InputError("seed", seed, "a whole number of zero or more, such as 20240601")
        self.n = int(n)
        self.seed = seed
        self._rng = np.random.default_rng(seed)
        self._groups: dict[str, np.ndarray] = {}

    def draw(self, rng_range: Range) -> np.ndarray:
        if rng_range.low == rng_range.high:
            return np.full(self.n, rng_range.low)
        if rng_range.group is None:
            normals = self._rng.standard_normal(self.n)
        else:
            normals = self._groups.get(rng_range.group)
            if normals is None:
                normals = self._groups[rng_range.group] = self._rng.standard_normal(self.n)
        return rng_range.sample(normals)


def summarise(samples: Any) -> dict[str, float]:
    """p5 / p50 / p95 and the mean of a sample array."""
    arr = np.asarray(samples, dtype=float)
    p5, p50, p95 = np.percentile(arr, [5, 50, 95])
    return {"p5": float(p5), "p50": float(p50), "p95": float(p95), "mean": float(arr.mean())}
