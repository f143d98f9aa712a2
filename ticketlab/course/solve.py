"""Fill a scenario's worksheet: the scenario's givens, overridden by the caller's."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ticketlab.core.errors import InputError
from ticketlab.core.uncertainty import DEFAULT_SAMPLES, DEFAULT_SEED
from ticketlab.core.vocab import ScenarioModel
from ticketlab.course.scenarios import get
from ticketlab.estimate.inputs import new_calc
from ticketlab.estimate.onsale import ONSALE
from ticketlab.estimate.schedule import SCHEDULE, SEASON
from ticketlab.estimate.template import template_steps
from ticketlab.worksheet import Calc, Worksheet

__all__ = ["solve", "STEPS"]

#: Which steps fill which kind of scenario.
STEPS: Mapping[ScenarioModel, Callable[[Calc], None]] = {
    ScenarioModel.TICKETMASTER: template_steps,
    ScenarioModel.ONSALE: lambda c: c.derive(ONSALE),
    ScenarioModel.SCHEDULE: lambda c: c.derive(SCHEDULE),
    ScenarioModel.SEASON: lambda c: c.derive(SEASON),
}


def solve(name: str, overrides: Mapping[str, Any] | None = None, *,
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
    c = new_calc(scenario.title, values, scenario.notes(), samples=samples, seed=seed)
    STEPS[scenario.model](c)
    return c.worksheet()
