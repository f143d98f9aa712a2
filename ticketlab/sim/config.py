"""What an on-sale rush is made of: every input of the simulator, with the source's default.

:class:`RushConfig` is a frozen value; :func:`rush_config` builds one from plain values (numbers,
human strings such as ``"10 min"`` or ``"70%"``, enum names) and checks each the same way the
estimators do, so a slider can drive any field and a bad value raises an
:class:`~ticketlab.core.errors.InputError` naming the field. The defaults are the Taylor Swift
release: 100K people for 50K seats, 2.5 seats a booking, a room admitting 1K a minute, 10-minute
holds of which 70% are never paid.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from collections.abc import Callable
from typing import Any

from ticketlab.core.errors import InputError
from ticketlab.core.numbers import parse_per_minute, parse_quantity
from ticketlab.core.timing import duration
from ticketlab.core.vocab import ArrivalShape, Policy, SeatChoice, StrategyName

__all__ = ["RushConfig", "rush_config", "MAX_USERS", "MAX_SEATS"]

MAX_USERS = 5_000_000
MAX_SEATS = 1_000_000


@dataclass(frozen=True)
class RushConfig:
    """The inputs of one simulated on-sale. Times are seconds; the on-sale opens at t = 0."""

    users: int = 100_000
    seats: int = 50_000
    party_mean: float = 2.5  # seats a fan wants; each fan's party is 1 + Poisson(mean - 1), at most max_party
    max_party: int = 6
    arrival: ArrivalShape = ArrivalShape.AT_ONCE
    ramp: float = 600.0  # arrivals spread over this long after the on-sale (ramp, fans)
    early: float = 900.0  # the waiting room opens this long before the on-sale
    bot_share: float = 0.2  # share of the users that are bots (fans-and-bots only)
    policy: Policy = Policy.FIFO
    admit_per_minute: float = 1_000.0  # the room's throttle (the source: 1K users a minute)
    max_active: int = 10_000  # users on the site at once
    seat_choice: SeatChoice = SeatChoice.BEST_AVAILABLE
    sections: int = 10  # the venue's sections, most popular first
    popularity: float = 0.3  # each section is exp(-popularity) as wanted as the one before
    strategy: StrategyName = StrategyName.OPTIMISTIC
    db_time: float = 0.005  # between a strategy's check and its write
    max_attempts: int = 3  # tries per user on contention before the waitlist ("retry 3 times")
    retry_backoff: float = 0.2  # first retry after about this long, doubling
    think_time: float = 20.0  # from admission to the first hold attempt
    hold_ttl: float = 600.0  # the booking hold (10 minutes)
    abandon_rate: float = 0.7  # holds never paid ("70% of users reserve but don't pay")
    pay_time: float = 120.0  # mean time from hold to payment, for those who pay
    payment_failure_rate: float = 0.02
    payment_latency: float = 2.0
    sweep_interval: float = 60.0  # the source's "background job every minute"
    waitlist: bool = True
    seed: int = 0
    sample_every: float = 10.0
    horizon: float = 86_400.0  # stop after this much simulated time whatever is left

    @property
    def bots(self) -> int:
        return round(self.users * self.bot_share) if self.arrival is ArrivalShape.FANS_AND_BOTS else 0

    def replace(self, **changes: Any) -> "RushConfig":
        """A copy with ``changes``, checked like :func:`rush_config` (the fields kept were checked already)."""
        return _consistent(dataclasses.replace(self, **_checked(changes)))


#: Every input's default, as a checked config holds it.
_DEFAULTS: dict[str, Any] = {f.name: f.default for f in dataclasses.fields(RushConfig)}


def _count(name: str, value: Any, low: int, high: int) -> int:
    number = parse_quantity(value, name=name, dimension="count")
    if isinstance(number, float) and math.isfinite(number) and number == round(number) and low <= number <= high:
        return int(number)
    raise InputError(name, value, f"a whole number from {low:,} to {high:,}")


def _number(name: str, value: Any, low: float, high: float, dimension: str = "count") -> float:
    number = parse_quantity(value, name=name, dimension=dimension)
    if not isinstance(number, float) or not low <= number <= high:
        raise InputError(name, value, f"a number from {low:g} to {high:g}")
    return number


def _per_minute(name: str, value: Any, low: float, high: float) -> float:
    """People a minute: a bare number is per minute already; a rate with its unit ('20/s', '1K/min',
    '30K per minute') is read in that unit and converted."""
    expected = f"people a minute from {low:g} to {high:g}: a number such as 1000, or a rate such as '1K/min' or '20/s'"
    try:
        number = parse_per_minute(value, name=name)
    except InputError:
        raise InputError(name, value, expected) from None
    if not low <= number <= high:
        raise InputError(name, value, expected)
    return number


def _fraction(name: str, value: Any) -> float:
    return _number(name, value, 0.0, 1.0, "fraction")


#: The longest time any input of a simulated sale may span: a week. Longer ones (1e308 s) would only
#: make the loop sweep and sample for nothing.
MAX_SIM_SECONDS = 7 * 86_400.0


def _seconds(name: str, value: Any, *, allow_zero: bool = True, low: float = 0.0) -> float:
    """A duration from ``low`` (above 0 unless ``allow_zero``) to a week; a step (sampling,
    sweeping) needs a ``low`` so that a tiny one cannot make the loop spin."""
    seconds = float(duration(name, value, allow_zero=allow_zero))
    if not low <= seconds <= MAX_SIM_SECONDS:
        raise InputError(name, value, f"a duration from {low:g} s to one week (604,800 s), such as '10 min'")
    return seconds


def _choice(name: str, value: Any, kind: type) -> Any:
    try:
        return kind(value)
    except ValueError:
        raise InputError(name, value, f"one of {', '.join(kind)}") from None


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise InputError(name, value, "True or False")
    return value


#: How each input is checked and converted: one rule per field, used by :func:`rush_config` and
#: by :meth:`RushConfig.replace` (which checks only what it changes).
_CHECKS: dict[str, Callable[[str, Any], Any]] = {
    "users": lambda n, v: _count(n, v, 1, MAX_USERS),
    "seats": lambda n, v: _count(n, v, 1, MAX_SEATS),
    "party_mean": lambda n, v: _number(n, v, 1.0, 10.0),
    "max_party": lambda n, v: _count(n, v, 1, 10),
    "arrival": lambda n, v: _choice(n, v, ArrivalShape),
    "ramp": _seconds,
    "early": _seconds,
    "bot_share": _fraction,
    "policy": lambda n, v: _choice(n, v, Policy),
    "admit_per_minute": lambda n, v: _per_minute(n, v, 1e-3, 1e7),
    "max_active": lambda n, v: _count(n, v, 1, MAX_USERS),
    "seat_choice": lambda n, v: _choice(n, v, SeatChoice),
    "sections": lambda n, v: _count(n, v, 1, 100),
    "popularity": lambda n, v: _number(n, v, 0.0, 5.0),
    "strategy": lambda n, v: _choice(n, v, StrategyName),
    "db_time": _seconds,
    "max_attempts": lambda n, v: _count(n, v, 1, 50),
    "retry_backoff": _seconds,
    "think_time": _seconds,
    "hold_ttl": lambda n, v: _seconds(n, v, allow_zero=False),
    "abandon_rate": _fraction,
    "pay_time": lambda n, v: _seconds(n, v, allow_zero=False),
    "payment_failure_rate": _fraction,
    "payment_latency": _seconds,
    "sweep_interval": lambda n, v: _seconds(n, v, allow_zero=False, low=0.1),
    "waitlist": _flag,
    "seed": lambda n, v: _count(n, v, 0, 2**32 - 1),
    "sample_every": lambda n, v: _seconds(n, v, allow_zero=False, low=0.1),
    "horizon": lambda n, v: _seconds(n, v, allow_zero=False),
}


def _checked(fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` checked and converted one by one; an unknown name is refused."""
    out = {}
    for name, value in fields.items():
        check = _CHECKS.get(name)
        if check is None:
            raise InputError(name, value, f"one of the simulator's inputs: {', '.join(_CHECKS)}")
        out[name] = check(name, value)
    return out


def _consistent(config: RushConfig) -> RushConfig:
    """``config`` if its inputs agree with each other; the rules that span two fields."""
    if config.max_party < config.party_mean:
        raise InputError("max_party", config.max_party, f"at least the mean party ({config.party_mean:g})")
    if config.hold_ttl <= config.payment_latency:
        raise InputError("hold_ttl", config.hold_ttl,
                         f"longer than the payment call ({config.payment_latency:g} s) it must outlive")
    if config.policy is Policy.LOTTERY and config.arrival is not ArrivalShape.FANS_AND_BOTS:
        # the draw is at the on-sale, among those in the room by then: with these shapes nobody is
        raise InputError("arrival", str(config.arrival),
                         f"'{ArrivalShape.FANS_AND_BOTS}' with policy '{Policy.LOTTERY}': its draw at the on-sale is "
                         f"among the people already registered, and with '{config.arrival}' everyone arrives after it")
    return config


def rush_config(**fields: Any) -> RushConfig:
    """A checked :class:`RushConfig`: any field may be given as a number or a human string."""
    return _consistent(RushConfig(**_checked({**_DEFAULTS, **fields})))
