"""Chapters 10 and 11's panels: the on-sale rush simulated on the real core, and waiting-room fairness.

``rush_panel``: sliders for the crowd, the seats, the room's rate, the hold's length and the share of
holds never paid, a policy and a strategy; the chart is seats sold and held over time and the people
waiting; the table the results and the simulation beside the library's formulas. Each change re-runs
the whole rush with the same seed, so a change in the chart is the change you made.

``fairness_panel``: the same crowd of fans and bots through each of the five waiting-room policies:
the bots' share of the seats and the fans' 95th-percentile wait, policy by policy.

Both answer a slider at once by running a proportional scale model (:mod:`ticketlab.sim.scale`) when
the crowd is large: 1 in N of the people, the seats and the room's rate, the same times and shares.
The chart's counts are the model's multiplied back by N, and the panel says which model ran; the
"run at full scale" button runs every person, once.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ticketlab.core.numbers import format_quantity, plural
from ticketlab.core.vocab import Policy, StrategyName
from ticketlab.sim import rush_config, simulate
from ticketlab.sim.pool import RushPool, shared_pool
from ticketlab.sim.analytic import compare
from ticketlab.sim.scale import MODEL_PEOPLE, model_factor, scale_model
from ticketlab.ui.widgets.controls import Choice, Quantity
from ticketlab.ui.widgets.panel import Panel

__all__ = ["rush_panel", "fairness_panel", "FULL_SCALE", "FAIRNESS_MODEL_PEOPLE"]

#: The button that runs the panel's current values once with every person.
FULL_SCALE = "run at full scale"
#: People per policy in the fairness panel's model: it runs five rushes per change.
FAIRNESS_MODEL_PEOPLE = 300


def _ask_full_scale(panel: Panel) -> None:
    panel.state["full_scale"] = True  # the next update runs every person, once


def _factor(panel: Panel, config: Any, model_people: int | None) -> int:
    """1 (every person) when the button asked or there is no budget, else the model's factor: the larger
    of the crowd and the house sets it, since a store of 50K seats costs as much to build as to sell."""
    full = panel.state.pop("full_scale", False) or model_people is None
    return 1 if full else model_factor(max(config.users, config.seats), model_people)


def _scale_note(factor: int, config: Any, counts: str) -> str:
    """What ran, said above the table: nothing at full scale."""
    if factor == 1:
        return ""
    people = "1 person" if config.users == 1 else f"{config.users:,} people"
    return (f"<p><i>Scale model, 1 in {factor:,}: {people} for {plural(f'{config.seats:,}', 'seats')}, the room "
            f"admitting {config.admit_per_minute:,.4g} a minute; the same times and shares. {counts} "
            f"Press “{FULL_SCALE}” to run every person once.</i></p>")


def _results_table(result: Any) -> str:
    rows = compare(result)
    said = lambda s: "never" if s is None or s != s else format_quantity(s, "s")  # noqa: E731
    head = (f"<p><b>{result.seats_sold:,}</b> of {result.config.seats:,} seats sold in {result.bookings:,} bookings; "
            f"sold out: <b>{said(result.sellout_seconds)}</b>; last person let in after "
            f"{said(result.last_admitted_seconds)}; waits p50 {said(result.wait_p50)}, p95 {said(result.wait_p95)}. "
            f"{result.conflicts:,} conflicts, {result.retries:,} retries. Checker: {result.checker}.</p>")
    body = "".join(f"<tr><td>{r.quantity}</td><td>{format_quantity(r.simulated, r.unit)}</td>"
                   f"<td>{format_quantity(r.analytic, r.unit)}</td><td>{'' if r.holds else 'assumption broken'}</td></tr>"
                   for r in rows)
    return head + ("<table class='ticketlab-rush'><thead><tr><th>figure</th><th>simulated</th><th>formula</th><th></th>"
                   f"</tr></thead><tbody>{body}</tbody></table>")


def rush_panel(users: Any = 100_000, seats: Any = 50_000, admit_per_minute: Any = 1_000, hold_ttl: Any = "10 min",
               abandon_rate: Any = 0.7, policy: Any = Policy.FIFO, strategy: Any = StrategyName.OPTIMISTIC,
               seed: int = 0, model_people: int | None = MODEL_PEOPLE) -> Panel:
    """The rush (the Taylor Swift release by default); every change re-runs it with the same seed.

    A crowd (or a house) larger than ``model_people`` runs as a scale model
    (:func:`~ticketlab.sim.scale.model_factor`); ``None`` runs every person on every change. The button
    runs the current values once at full scale.
    """
    controls = [
        Quantity("users", users, 100, 1_000_000, label="people in the rush", integer=True, log=True),
        Quantity("seats", seats, 50, 500_000, label="seats on sale", integer=True, log=True),
        Quantity("admit_per_minute", admit_per_minute, 10, 100_000, label="room admits a minute", log=True,
                 dimension="per_minute"),
        Quantity("hold_ttl", hold_ttl, 60, 1_800, label="a hold lasts", unit="s", dimension="seconds", log=True),
        Quantity("abandon_rate", abandon_rate, 0, 0.95, label="holds never paid", unit="%", dimension="fraction"),
        # not the lottery: its draw is among people who registered before the on-sale, and this crowd
        # arrives at the on-sale (the fairness panel runs it, with a crowd that comes early)
        Choice("policy", Policy(policy), [q for q in Policy if q is not Policy.LOTTERY], label="waiting room"),
        Choice("strategy", StrategyName(strategy), list(StrategyName), label="locking strategy"),
    ]

    def draw(p: Panel) -> None:
        p.figure.add_scatter(x=[], y=[], name="seats sold", line=dict(color="#455a64"))
        p.figure.add_scatter(x=[], y=[], name="seats held", line=dict(color="#ffb300"))
        p.figure.add_scatter(x=[], y=[], name="people waiting", line=dict(color="#1e88e5", dash="dot"), yaxis="y2")

    def update(p: Panel, v: dict) -> None:
        config = rush_config(users=v["users"], seats=v["seats"], admit_per_minute=v["admit_per_minute"],
                             hold_ttl=v["hold_ttl"], abandon_rate=v["abandon_rate"], policy=v["policy"],
                             strategy=v["strategy"], seed=seed, max_active=20_000)
        factor = _factor(p, config, model_people)
        result = simulate(scale_model(config, factor))
        p.state["result"], p.state["scale"] = result, factor
        # arrays, not lists: plotly checks a list element by element, an array in one step
        minutes = np.asarray(result.times, dtype=float) / 60
        for name, series in (("seats sold", result.sold), ("seats held", result.held),
                             ("people waiting", result.waiting)):
            trace = p.trace(name)
            trace.x, trace.y = minutes, np.asarray(series, dtype=float) * factor
        p.table.value = _scale_note(factor, result.config, f"The chart's counts are the model's × {factor:,}; the "
                                                             "table is the model's own.") + _results_table(result)
        if not result.ok:
            p.say(f"the checker found {result.violations} violations: {result.double_bookings} seats sold twice")

    return Panel("An on-sale rush through the real core", controls, update, draw=draw,
                 actions=[(FULL_SCALE, _ask_full_scale)],
                 layout=dict(xaxis=dict(title="minutes after the on-sale"), yaxis=dict(title="seats"),
                             yaxis2=dict(title="people waiting", overlaying="y", side="right", showgrid=False)))


def fairness_panel(users: Any = 3_000, seats: Any = 1_000, bot_share: Any = 0.1, admit_per_minute: Any = 600,
                   seed: int = 0, model_people: int | None = FAIRNESS_MODEL_PEOPLE,
                   pool: RushPool | None = None) -> Panel:
    """The same crowd of fans and bots through every policy: the bots' share and the fans' p95 wait.

    A crowd (or a house) larger than ``model_people`` runs as a scale model, five times (one per
    policy); ``None`` runs every person on every change. The button runs the current values once at
    full scale. The five rushes share the machine's cores through ``pool`` (default: the
    :func:`~ticketlab.sim.pool.shared_pool`; ``TICKETLAB_WORKERS=0`` runs them all in the kernel), with
    the same results either way.
    """
    chosen = pool

    def current_pool() -> RushPool:  # the shared pool is asked each move: a broken one is replaced
        return chosen if chosen is not None else shared_pool()

    controls = [
        Quantity("users", users, 200, 100_000, label="people (fans and bots)", integer=True, log=True),
        Quantity("seats", seats, 50, 50_000, label="seats on sale", integer=True, log=True),
        Quantity("bot_share", bot_share, 0, 0.6, label="bots among them", unit="%", dimension="fraction"),
        Quantity("admit_per_minute", admit_per_minute, 10, 50_000, label="room admits a minute", log=True,
                 dimension="per_minute"),
    ]
    policies = list(Policy)

    def draw(p: Panel) -> None:
        # one offset group each: bars on two y axes would otherwise be drawn on top of each other
        p.figure.add_bar(x=[str(q) for q in policies], y=[0] * len(policies), name="bots' share of the seats",
                         offsetgroup="share")
        p.figure.add_bar(x=[str(q) for q in policies], y=[0] * len(policies), name="p95 wait (minutes)",
                         yaxis="y2", offsetgroup="wait")

    def update(p: Panel, v: dict) -> None:
        config = rush_config(users=v["users"], seats=v["seats"], bot_share=v["bot_share"],
                             admit_per_minute=v["admit_per_minute"], arrival="fans-and-bots", seed=seed,
                             max_active=20_000, sample_every="1 h")  # no chart over time: sample seldom
        factor = _factor(p, config, model_people)
        model = scale_model(config, factor)
        runner = current_pool()
        results = dict(zip(policies, runner.simulate_all([model.replace(policy=q) for q in policies])))
        p.state["results"], p.state["scale"], p.state["pool"] = results, factor, runner
        p.trace("bots' share of the seats").y = [results[q].bot_seat_share for q in policies]
        p.trace("p95 wait (minutes)").y = [results[q].wait_p95 / 60 for q in policies]
        rows = "".join(f"<tr><td>{q}</td><td>{r.bot_seat_share:.0%}</td><td>{r.users_served * factor:,}</td>"
                       f"<td>{format_quantity(r.wait_p95, 's')}</td>"
                       f"<td>{r.outcomes.get('turned-away', 0) * factor:,}</td></tr>"
                       for q, r in results.items())
        note = _scale_note(factor, model, f"People served and turned away are the model's × {factor:,}.")
        p.table.value = note + ("<table class='ticketlab-fairness'><thead><tr><th>policy</th><th>bots' seats</th>"
                                "<th>people served</th><th>p95 wait</th><th>turned away</th></tr></thead>"
                                f"<tbody>{rows}</tbody></table>")

    return Panel("Who gets the seats, policy by policy", controls, update, draw=draw,
                 actions=[(FULL_SCALE, _ask_full_scale)],
                 layout=dict(barmode="group", yaxis=dict(title="bots' share of the seats", tickformat=".0%"),
                             yaxis2=dict(title="p95 wait (minutes)", overlaying="y", side="right", showgrid=False,
                                         tickmode="auto", rangemode="tozero")))
