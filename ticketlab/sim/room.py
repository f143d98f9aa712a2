"""The virtual waiting room: who goes in next, and how long each was told they would wait.

Invariant: a user leaves the room at most once, and only through :meth:`Room.admit`; the room never
admits before the on-sale (t = 0). Every policy has the same interface (``join``, ``open``,
``admit``, ``__len__``); they differ only in the order they admit (and a lottery in whom it keeps:
``join`` says False for an arrival it turns away). A room keeps no callback of its caller's: the
caller (a rush) holds the room, and a room holding the rush back would be a cycle that keeps a
finished rush alive until the cyclic collector runs.

- **FIFO**: first come, first served. Fair, and predictable: whoever arrives first wins, which is
  what bots are built to do.
- **raffle**: each time a place opens, a random one of those waiting.
- **pre-queue**: everyone who arrived before the on-sale, in a random order drawn at the on-sale;
  then first come, first served.
- **priority**: verified fans first (bots cannot verify), first come within each class.
- **lottery**: a draw at the on-sale among everyone registered by then (who is in the room); as
  many winners as there are bookings to sell times ``oversubscribe``, admitted in the drawn order;
  the others are told at once. Arrivals after the draw are told at once too.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import numpy as np

from ticketlab.core.vocab import Policy

__all__ = ["Room", "make_room", "LOTTERY_OVERSUBSCRIBE"]

#: Lottery winners per booking for sale: some winners never buy.
LOTTERY_OVERSUBSCRIBE = 1.5


class Room:
    """First come, first served; the other policies override the order."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.opened = False
        self._line: deque[int] = deque()

    def join(self, user: int) -> bool:
        """``user`` arrives; True if they wait in the room, False if it turns them away at once."""
        self._line.append(user)
        return True

    def open(self, turned_away: Callable[[int], None]) -> None:
        """The on-sale moment: from now on :meth:`admit` may let people in."""
        self.opened = True

    def admit(self) -> int | None:
        return self._line.popleft() if self._line else None

    def __len__(self) -> int:
        return len(self._line)


class RaffleRoom(Room):
    def __init__(self, rng: np.random.Generator) -> None:
        super().__init__(rng)
        self._pool: list[int] = []

    def join(self, user: int) -> bool:
        self._pool.append(user)
        return True

    def admit(self) -> int | None:
        if not self._pool:
            return None
        i = int(self.rng.integers(len(self._pool)))
        self._pool[i], self._pool[-1] = self._pool[-1], self._pool[i]  # swap-remove: O(1)
        return self._pool.pop()

    def __len__(self) -> int:
        return len(self._pool)


class PrequeueRoom(Room):
    def open(self, turned_away: Callable[[int], None]) -> None:
        early = list(self._line)
        self.rng.shuffle(early)
        self._line = deque(early)
        super().open(turned_away)


class PriorityRoom(Room):
    def __init__(self, rng: np.random.Generator, is_bot: Callable[[int], bool]) -> None:
        super().__init__(rng)
        self._is_bot = is_bot
        self._unverified: deque[int] = deque()

    def join(self, user: int) -> bool:
        (self._unverified if self._is_bot(user) else self._line).append(user)
        return True

    def admit(self) -> int | None:
        return super().admit() if self._line else (self._unverified.popleft() if self._unverified else None)

    def __len__(self) -> int:
        return len(self._line) + len(self._unverified)


class LotteryRoom(Room):
    def __init__(self, rng: np.random.Generator, winners: int) -> None:
        super().__init__(rng)
        self.winners = winners

    def join(self, user: int) -> bool:
        if self.opened:  # registration closed at the draw
            return False
        return super().join(user)

    def open(self, turned_away: Callable[[int], None]) -> None:
        entrants = list(self._line)
        self.rng.shuffle(entrants)
        self._line = deque(entrants[: self.winners])
        for user in entrants[self.winners:]:
            turned_away(user)
        super().open(turned_away)


def make_room(policy: Policy, rng: np.random.Generator, is_bot: Callable[[int], bool], bookings: float) -> Room:
    """The room for ``policy``; ``bookings`` (seats ÷ mean party) sizes the lottery's draw."""
    if policy is Policy.RAFFLE:
        return RaffleRoom(rng)
    if policy is Policy.PREQUEUE:
        return PrequeueRoom(rng)
    if policy is Policy.PRIORITY:
        return PriorityRoom(rng, is_bot)
    if policy is Policy.LOTTERY:
        return LotteryRoom(rng, max(1, round(bookings * LOTTERY_OVERSUBSCRIBE)))
    return Room(rng)
