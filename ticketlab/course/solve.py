"""Fill a scenario's worksheet: the scenario's givens, overridden by the caller's."""

from __future__ import annotations

from typing import Any

from ticketlab.core.errors import InputError
from ticketlab.estimate.inputs import start
from ticketlab.estimate.onsale import onsale_steps
from ticketlab.estimate.schedule import schedule_steps, season_steps
from ticketlab.estimate.template import template_steps
from ticketlab.course.scenarios import get
from ticketlab.core.uncertainty import DEFAULT_SAMPLES, DEFAULT_SEED
from ticketlab.worksheet import Worksheet

__all__ = ["solve", "STEPS"]

#: Which steps fill which kind of scenario.
STEPS = {
    "ticketmaster": template_steps,
    "onsale": onsale_steps,
    "schedule": schedule_steps,
    "season": season_steps,
}


def solve(name: str, overrides: dict[str, Any] | None = None, *,
          samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> Worksheet:
    """The worksheet of scenario ``name``, with any given replaced from ``overrides``.

    >>> solve("superbowl")["booking_qps_capacity"].napkin
    140.0
    """
    scenario = get(name)
    values = scenario.values()
    for key, value in (overrides or {}).items():
        if key not in values:
            raise InputError(key, value, f"one of the inputs of {scenario.name!r}: {', '.join(values)}")
        values[key] = value
    c = start(scenario.title, {**values, "samples": samples, "seed": seed}, scenario.notes())
    STEPS[scenario.model](c)
    return c.worksheet()
