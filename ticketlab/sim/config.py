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
from typing import Any

from ticketlab.core.errors import InputError
from ticketlab.core.numbers import parse_quantity
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
        """A copy with ``changes``, checked like :func:`rush_config`."""
        return rush_config(**{**dataclasses.asdict(self), **changes})


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


def rush_config(**fields: Any) -> RushConfig:
    """A checked :class:`RushConfig`: any field may be given as a number or a human string."""
    unknown = set(fields) - {f.name for f in dataclasses.fields(RushConfig)}
    if unknown:
        raise InputError(sorted(unknown)[0], fields[sorted(unknown)[0]],
                         f"one of the simulator's inputs: {', '.join(f.name for f in dataclasses.fields(RushConfig))}")
    base = dataclasses.asdict(RushConfig())
    v = {**base, **fields}
    waitlist = v["waitlist"]
    if not isinstance(waitlist, bool):
        raise InputError("waitlist", waitlist, "True or False")
    config = RushConfig(
        users=_count("users", v["users"], 1, MAX_USERS),
        seats=_count("seats", v["seats"], 1, MAX_SEATS),
        party_mean=_number("party_mean", v["party_mean"], 1.0, 10.0),
        max_party=_count("max_party", v["max_party"], 1, 10),
        arrival=_choice("arrival", v["arrival"], ArrivalShape),
        ramp=_seconds("ramp", v["ramp"]),
        early=_seconds("early", v["early"]),
        bot_share=_fraction("bot_share", v["bot_share"]),
        policy=_choice("policy", v["policy"], Policy),
        admit_per_minute=_number("admit_per_minute", v["admit_per_minute"], 1e-3, 1e7),
        max_active=_count("max_active", v["max_active"], 1, MAX_USERS),
        seat_choice=_choice("seat_choice", v["seat_choice"], SeatChoice),
        sections=_count("sections", v["sections"], 1, 100),
        popularity=_number("popularity", v["popularity"], 0.0, 5.0),
        strategy=_choice("strategy", v["strategy"], StrategyName),
        db_time=_seconds("db_time", v["db_time"]),
        max_attempts=_count("max_attempts", v["max_attempts"], 1, 50),
        retry_backoff=_seconds("retry_backoff", v["retry_backoff"]),
        think_time=_seconds("think_time", v["think_time"]),
        hold_ttl=_seconds("hold_ttl", v["hold_ttl"], allow_zero=False),
        abandon_rate=_fraction("abandon_rate", v["abandon_rate"]),
        pay_time=_seconds("pay_time", v["pay_time"], allow_zero=False),
        payment_failure_rate=_fraction("payment_failure_rate", v["payment_failure_rate"]),
        payment_latency=_seconds("payment_latency", v["payment_latency"]),
        sweep_interval=_seconds("sweep_interval", v["sweep_interval"], allow_zero=False, low=0.1),
        waitlist=waitlist,
        seed=_count("seed", v["seed"], 0, 2**32 - 1),
        sample_every=_seconds("sample_every", v["sample_every"], allow_zero=False, low=0.1),
        horizon=_seconds("horizon", v["horizon"], allow_zero=False),
    )
    if config.max_party < config.party_mean:
        raise InputError("max_party", config.max_party, f"at least the mean party ({config.party_mean:g})")
    if config.hold_ttl <= config.payment_latency:
        raise InputError("hold_ttl", config.hold_ttl,
                         f"longer than the payment call ({config.payment_latency:g} s) it must outlive")
    return config
