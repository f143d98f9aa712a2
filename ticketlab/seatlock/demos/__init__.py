"""Demonstrations: the race, the paused client, and the progression of fixes.

Each is a library function returning a small result object (for notebooks and tests) with
a ``summary()`` for the terminal; the CLI verbs print those summaries.

- :func:`race` (:mod:`.race`): N users rush M seats for real (threads on the memory store,
  processes on SQLite) and the history checker counts double bookings.
- :func:`paused_client` (:mod:`.paused`): Kleppmann's scenario, deterministic on a simulated clock.
- :func:`progression` (:mod:`.progression`): status column → reserved-until → sweeper → TTL
  lock → conditional write, each step showing what it fixes and what it still gets wrong.

Invariant of the package: a demonstration changes seats only through the booking service
and reports what the history checker found, so what it shows is what the core does.
"""

from __future__ import annotations

from ticketlab.seatlock.demos.paused import (
    PAUSED_CLIENT_MODES,
    PausedClientMode,
    PausedClientResult,
    paused_client,
)
from ticketlab.seatlock.demos.progression import ProgressionStep, progression
from ticketlab.seatlock.demos.race import RACE_BACKENDS, RaceResult, race

__all__ = ["RaceResult", "race", "RACE_BACKENDS", "PausedClientResult", "paused_client", "PausedClientMode",
           "PAUSED_CLIENT_MODES", "ProgressionStep", "progression"]
