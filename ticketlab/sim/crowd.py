"""The crowd of a rush: when each user arrives, how many seats they want, and how they behave.

Everything is drawn once, up front, from the rush's seeded generator, so a seed fixes the whole
crowd. Fans: parties of 1 + Poisson(mean − 1) seats (at most ``max_party``), a think time around
``think_time``, a ``1 − abandon_rate`` chance of paying, and an exponential payment time. Bots: the
largest party, a second to choose, always pay within seconds, and they arrive the moment the room
opens (that is what they are built for).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ticketlab.core.vocab import ArrivalShape
from ticketlab.sim.config import RushConfig

__all__ = ["Crowd"]

BOT_THINK, BOT_PAY = 1.0, 5.0


@dataclass(frozen=True)
class Crowd:
    """Per-user facts as lists (fast to index one at a time), users numbered 0 .. users − 1."""

    arrival: list[float]
    party: list[int]
    bot: list[bool]
    think: list[float]
    paying: list[bool]
    pay_time: list[float]
    first_section: list[int]
    sections: int

    @classmethod
    def draw(cls, c: RushConfig, rng: np.random.Generator) -> "Crowd":
        n, bots = c.users, c.bots
        is_bot = np.zeros(n, dtype=bool)
        is_bot[rng.choice(n, size=bots, replace=False)] = True if bots else False
        if c.arrival is ArrivalShape.AT_ONCE:
            arrival = rng.uniform(0.0, 1.0, n)  # the on-sale second; the order within it is luck
        elif c.arrival is ArrivalShape.RAMP:
            arrival = rng.uniform(0.0, max(c.ramp, 1.0), n)
        else:
            arrival = rng.uniform(-c.early, max(c.ramp, 1.0), n)
            arrival[is_bot] = -c.early + rng.uniform(0.0, 1.0, bots)
        party = np.minimum(1 + rng.poisson(c.party_mean - 1, n), c.max_party)
        party[is_bot] = c.max_party
        think = c.think_time * rng.uniform(0.5, 1.5, n)
        think[is_bot] = BOT_THINK
        paying = (rng.random(n) >= c.abandon_rate) | is_bot
        pay_time = rng.exponential(c.pay_time, n)
        pay_time[is_bot] = BOT_PAY
        weights = np.exp(-c.popularity * np.arange(c.sections))
        first = rng.choice(c.sections, size=n, p=weights / weights.sum())
        return cls(arrival.tolist(), party.tolist(), is_bot.tolist(), think.tolist(), paying.tolist(),
                   pay_time.tolist(), first.tolist(), c.sections)

    def is_bot(self, user: int) -> bool:
        return self.bot[user]

    def pays(self, user: int) -> bool:
        return self.paying[user]

    def section_order(self, user: int) -> list[int]:
        """The sections a user tries: their first choice, then the rest from the most popular."""
        first = self.first_section[user]
        return [first, *(s for s in range(self.sections) if s != first)]

    def decliners(self, rate: float, rng: np.random.Generator) -> list[int]:
        """The fans whose card the gateway will decline."""
        fans = np.flatnonzero(~np.asarray(self.bot))
        return fans[rng.random(fans.size) < rate].tolist()
