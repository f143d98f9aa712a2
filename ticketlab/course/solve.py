"""Fill a scenario's worksheet: the scenario's givens, overridden by the caller's."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ticketlab.core.errors import InputError
from ticketlab.core.uncertainty import DEFAULT_SAMPLES, DEFAULT_SEED
from ticketlab.core.vocab import ScenarioModel
from ticketlab.course.scenarios import Scenario, get
from ticketlab.estimate.inputs import new_calc
from ticketlab.estimate.onsale import COUNTER_SALE, ONSALE
from ticketlab.estimate.schedule import BLOCK_RELEASE, SCHEDULE, SEASON
from ticketlab.estimate.template import template_steps
from ticketlab.worksheet import Calc, Worksheet

__all__ = ["solve", "solve_scenario", "STEPS"]

#: Which steps fill which kind of scenario.
STEPS: Mapping[ScenarioModel, Callable[[Calc], None]] = {
    ScenarioModel.TICKETMASTER: template_steps,
    ScenarioModel.ONSALE: lambda c: c.derive(ONSALE),
    ScenarioModel.SCHEDULE: lambda c: c.derive(SCHEDULE),
    ScenarioModel.SEASON: lambda c: c.derive(SEASON),
    ScenarioModel.COUNTER: lambda c: c.derive(COUNTER_SALE),
    ScenarioModel.BLOCK_RELEASE: lambda c: c.derive(BLOCK_RELEASE),
}


def solve(name: str, overrides: Mapping[str, Any] | None = None, *,
          samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> Worksheet:
    """The worksheet of scenario ``name``, with any given replaced from ``overrides``.

    Every user tries once in the window, so the Super Bowl needs 500K ÷ 1,800 s × 2 (retries):

    >>> round(solve("superbowl")["booking_qps_capacity"].exact, 1)
    555.6

    Raises :class:`~ticketlab.core.errors.UnknownScenarioError` for an unknown name and
    :class:`~ticketlab.core.errors.InputError` for an override the scenario has no given for.
    """
    return solve_scenario(get(name), overrides, samples=samples, seed=seed)


def solve_scenario(scenario: Scenario, overrides: Mapping[str, Any] | None = None, *,
                   samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> Worksheet:
    """The worksheet of ``scenario`` itself (one that need not be registered), givens overridden."""
    values = scenario.values()
    for key, value in (overrides or {}).items():
        if key not in values:
            raise InputError(key, value, f"one of the inputs of {scenario.name!r}: {', '.join(values)}")
        values[key] = value
    c = new_calc(scenario.title, values, scenario.notes(), samples=samples, seed=seed)
    STEPS[scenario.model](c)
    return c.worksheet()
