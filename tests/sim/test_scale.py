"""A scale model divides the people, the seats and the rates by one factor and keeps every time and share."""

from __future__ import annotations

import pytest

from ticketlab.core.errors import InputError
from ticketlab.sim import rush_config, simulate
from ticketlab.sim.scale import model_factor, scale_model


@pytest.mark.parametrize("users, budget, factor", [(300, 500, 1), (500, 500, 1), (501, 500, 2), (1_000, 500, 2),
                                                   (1_001, 500, 5), (100_000, 500, 200), (500_000, 500, 1_000),
                                                   (3_000, 300, 10)])
def test_the_factor_is_the_smallest_one_two_five_step_that_fits_the_budget(users, budget, factor):
    assert model_factor(users, budget) == factor


def test_a_model_divides_counts_and_rates_and_keeps_times_and_shares():
    config = rush_config(users=100_000, seats=50_000, admit_per_minute=1_000, max_active=10_000, bot_share=0.2)
    model = scale_model(config, 200)
    assert (model.users, model.seats, model.max_active) == (500, 250, 50)
    assert model.admit_per_minute == pytest.approx(5)
    for field in ("hold_ttl", "think_time", "pay_time", "abandon_rate", "bot_share", "party_mean", "sweep_interval"):
        assert getattr(model, field) == getattr(config, field)
    assert scale_model(config, 1) is config


def test_a_model_runs_on_the_same_clock_and_sells_about_the_same_share_of_the_house():
    config = rush_config(users=4_000, seats=2_000, admit_per_minute=400, max_active=4_000)
    full, model = simulate(config), simulate(scale_model(config, 10))
    # the tail of a small sale is noisier (a few unsold seats are a larger share), so the share is close, not equal
    assert model.ok and model.seats_sold / model.config.seats == pytest.approx(full.seats_sold / 2_000, abs=0.1)
    assert model.last_admitted_seconds == pytest.approx(full.last_admitted_seconds, rel=0.02)
    assert model.wait_p95 == pytest.approx(full.wait_p95, rel=0.05)


@pytest.mark.parametrize("factor", [0, -2, 1.5, True, "10"])
def test_a_bad_factor_is_refused_with_its_name(factor):
    with pytest.raises(InputError, match="factor"):
        scale_model(rush_config(users=100, seats=50), factor)


def test_a_bad_budget_is_refused_with_its_name():
    with pytest.raises(InputError, match="budget"):
        model_factor(1_000, 0)
