"""Chapters 10 and 11: the rush and fairness panels re-run the real simulation on every change."""

from __future__ import annotations

import pytest

from ticketlab.sim import rush_config, simulate


def test_rush_panel_reruns_the_rush_and_shows_what_changed():
    from ticketlab.ui.widgets import rush_panel

    panel = rush_panel(users=600, seats=300, admit_per_minute=60, model_people=None)
    first = panel.state["result"]
    assert first.ok and list(panel.trace("seats sold").y)[-1] == first.seats_sold
    assert list(panel.trace("people waiting").x) == pytest.approx([t / 60 for t in first.times])
    panel.set(abandon_rate=0)
    second = panel.state["result"]
    assert second is not first and second.holds < first.holds  # nobody walks away: fewer holds for the same seats
    expected = simulate(rush_config(users=600, seats=300, admit_per_minute=60, abandon_rate=0, max_active=20_000))
    assert second.seats_sold == expected.seats_sold and second.sellout_seconds == expected.sellout_seconds
    assert "assumption broken" in panel.table.value or second.config.abandon_rate == 0


def test_rush_panel_says_when_the_checker_finds_seats_sold_twice():
    from ticketlab.ui.widgets import rush_panel

    panel = rush_panel(users=600, seats=300, admit_per_minute=6_000, model_people=None)
    panel.set(strategy="naive")
    result = panel.state["result"]
    assert result.config.strategy == "naive" and result.double_bookings > 0  # 100 people a second collide
    assert "sold twice" in panel.message.value
    panel.set(strategy="pessimistic")
    assert panel.state["result"].ok and panel.message.value == ""


def test_chapter_10s_try_works_at_the_panels_defaults_naive_is_caught_once_the_room_opens_wide():
    """The chapter says: open the room to 30K a minute, then switch to naive and watch the checker."""
    from ticketlab.ui.widgets import rush_panel

    panel = rush_panel()
    panel.set(strategy="naive")
    assert panel.state["result"].double_bookings == 0  # 1K a minute: writes seldom overlap, as the text says
    panel.set(admit_per_minute="30K/min")
    assert panel.state["result"].double_bookings > 0 and "sold twice" in panel.message.value


def test_a_scale_model_of_one_person_is_said_in_the_singular():
    from ticketlab.ui.widgets import rush_panel

    panel = rush_panel(users=100, seats=50_000)  # 1 in 100: one person for 500 seats
    assert "1 person for 500 seats" in panel.table.value and "1 people" not in panel.table.value


def test_rush_panel_offers_every_room_but_the_lottery_whose_draw_its_crowd_would_miss():
    from ticketlab.core.errors import InputError
    from ticketlab.core.vocab import Policy
    from ticketlab.ui.widgets import rush_panel

    panel = rush_panel(users=600, seats=300, admit_per_minute=60, model_people=None)
    for policy in ("raffle", "prequeue", "priority", "fifo"):
        panel.set(policy=policy)
        assert panel.state["result"].config.policy == policy and panel.state["result"].seats_sold > 0
    with pytest.raises(InputError, match="policy"):
        panel.set(policy=Policy.LOTTERY)
    assert panel.state["result"].config.policy == "fifo"  # the refused choice changed nothing


def test_fairness_panel_runs_every_policy_on_the_same_crowd():
    from ticketlab.core.vocab import Policy
    from ticketlab.ui.widgets import fairness_panel

    panel = fairness_panel(users=1_500, seats=500, bot_share=0.1, model_people=None)
    results = panel.state["results"]
    assert list(results) == list(Policy)
    shares = dict(zip(panel.trace("bots' share of the seats").x, panel.trace("bots' share of the seats").y))
    assert shares["fifo"] > shares["raffle"] and shares["priority"] < 0.05
    assert shares["fifo"] == pytest.approx(results[Policy.FIFO].bot_seat_share)
    panel.set(bot_share=0)
    assert max(panel.trace("bots' share of the seats").y) == 0


def test_rush_panel_runs_a_stated_scale_model_of_a_big_crowd_and_full_scale_on_request():
    from ticketlab.ui.widgets import rush_panel

    panel = rush_panel(users=20_000, seats=10_000, admit_per_minute=200)
    model, factor = panel.state["result"], panel.state["scale"]
    assert factor == 50 and (model.config.users, model.config.seats) == (400, 200)
    assert model.config.admit_per_minute == pytest.approx(4) and model.config.hold_ttl == 600
    assert list(panel.trace("seats sold").y)[-1] == model.seats_sold * 50  # the chart reads at full scale
    assert "1 in 50" in panel.table.value and "400 people for 200 seats" in panel.table.value
    assert model.last_admitted_seconds == pytest.approx(20_000 / 200 * 60, rel=0.02)  # the room's time is kept
    panel.press("run at full scale")
    full = panel.state["result"]
    assert panel.state["scale"] == 1 and full.config.users == 20_000 and "Scale model" not in panel.table.value
    panel.set(abandon_rate=0.5)  # the next move is the model again
    assert panel.state["scale"] == 50 and "1 in 50" in panel.table.value
    panel.set(users=100, seats=40_000)  # a small crowd in a big house: the house sets the model
    assert panel.state["scale"] == 100 and panel.state["result"].config.seats == 400


def test_fairness_panel_model_keeps_each_policys_bot_share_shape():
    from ticketlab.core.vocab import Policy
    from ticketlab.ui.widgets import fairness_panel

    panel = fairness_panel()
    factor, results = panel.state["scale"], panel.state["results"]
    assert factor == 10 and all(r.config.users == 300 and r.config.seats == 100 for r in results.values())
    assert results[Policy.FIFO].bot_seat_share > 0.9 and results[Policy.PRIORITY].bot_seat_share < 0.05
    assert "1 in 10" in panel.table.value


def test_fairness_panel_shows_the_same_figures_with_its_rushes_in_worker_processes_or_here():
    from ticketlab.sim.pool import RushPool
    from ticketlab.ui.widgets import fairness_panel

    with RushPool(workers=1) as pool:
        assert pool.ready(timeout=120), "the worker process did not start"
        shared = fairness_panel(pool=pool)
        here = fairness_panel(pool=RushPool(workers=0))
        for change in ({}, {"users": 8_000, "bot_share": 0.3}, {"admit_per_minute": 50}):
            before = pool.answered
            if change:
                shared.set(**change)
                here.set(**change)
            assert shared.state["pool"] is pool and (not change or pool.answered > before)  # the worker took a share
            for policy, result in here.state["results"].items():
                other = shared.state["results"][policy]
                assert (other.bot_seat_share, other.wait_p95, other.outcomes, other.seats_sold) == (
                    result.bot_seat_share, result.wait_p95, result.outcomes, result.seats_sold)
            assert list(shared.trace("p95 wait (minutes)").y) == list(here.trace("p95 wait (minutes)").y)
            assert shared.table.value == here.table.value


def test_fairness_panel_draws_its_two_series_side_by_side_not_on_top_of_each_other():
    from ticketlab.sim.pool import RushPool
    from ticketlab.ui.widgets import fairness_panel

    panel = fairness_panel(pool=RushPool(workers=0))
    share, wait = panel.trace("bots' share of the seats"), panel.trace("p95 wait (minutes)")
    assert share.yaxis != wait.yaxis  # two scales: a share and minutes
    assert share.offsetgroup and wait.offsetgroup and share.offsetgroup != wait.offsetgroup  # else they overlap
    assert wait.opacity in (None, 1)
    assert panel.figure.layout.yaxis2.tickmode == "auto"  # round minutes, not ticks synced to the share's grid
