"""Ranges as 90% intervals: lognormal sampling, seeding, correlation (issue 2, "ranges")."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ticketlab.core.errors import InputError
from ticketlab.estimate import traffic
from ticketlab.course.solve import solve
from ticketlab.core.uncertainty import Range, Sampler, parse_range, summarise

N = 10_000


def test_a_range_string_parses_into_base_units():
    r = parse_range("5M..20M", name="dau")
    assert (r.low, r.high) == (5e6, 20e6)
    assert parse_range("1 GB..2 GB", name="size", dimension="bytes") == Range(1e9, 2e9)
    assert parse_range((5, 20), name="x") == Range(5, 20)


def test_sampled_p5_and_p95_land_near_the_ends_of_the_interval():
    samples = Sampler(N, seed=7).draw(parse_range("5M..20M", name="dau"))
    assert samples.shape == (N,)
    p5, p50, p95 = np.percentile(samples, [5, 50, 95])
    assert p5 == pytest.approx(5e6, rel=0.05)
    assert p95 == pytest.approx(20e6, rel=0.05)
    assert p50 == pytest.approx(math.sqrt(5e6 * 20e6), rel=0.03)  # lognormal median: geometric mean
    assert np.all(samples > 0)


def test_a_fixed_seed_makes_sampling_reproducible():
    r = Range(5e6, 20e6)
    assert np.array_equal(Sampler(N, seed=1).draw(r), Sampler(N, seed=1).draw(r))
    assert not np.array_equal(Sampler(N, seed=1).draw(r), Sampler(N, seed=2).draw(r))


def test_the_same_range_estimate_twice_gives_identical_percentiles():
    a = traffic(dau="5M..20M").results()["search_qps"]
    b = traffic(dau="5M..20M").results()["search_qps"]
    assert a == b


def test_summarise_reports_p5_p50_p95_in_order():
    s = summarise(np.arange(1, 101))
    assert s["p5"] < s["p50"] < s["p95"]
    assert s["p50"] == pytest.approx(50.5)


@pytest.mark.parametrize("text", ["20M..5M", "0..5M", "-5M..5M", "5M..", "..5M", "5M..10M..20M", "five..ten"])
def test_a_malformed_range_is_a_clear_error_naming_the_input(text):
    with pytest.raises(InputError) as info:
        parse_range(text, name="dau")
    assert "dau" in str(info.value)
    assert "5M..20M" in str(info.value) or "20M..5M" in str(info.value) or "10M" in str(info.value)


def test_low_above_high_is_rejected_even_when_built_directly():
    with pytest.raises(InputError) as info:
        Range(20, 5)
    assert "low <= high" in str(info.value)


@pytest.mark.parametrize(("low", "high"), [(0, 5), (-5, 5), (-5, -1)])
def test_a_range_with_a_non_positive_end_is_rejected_even_when_built_directly(low, high):
    with pytest.raises(InputError) as info:
        Range(low, high)
    assert "positive" in str(info.value) or "low <= high" in str(info.value)


def test_a_range_with_equal_ends_is_a_constant():
    assert np.all(Sampler(100, seed=3).draw(Range(7, 7)) == 7)


def test_a_sampler_needs_at_least_two_samples():
    with pytest.raises(InputError):
        Sampler(1)


def test_ranges_in_the_same_group_are_perfectly_correlated():
    sampler = Sampler(N, seed=11)
    users = sampler.draw(Range(50e3, 500e3, group="hype"))
    searches = sampler.draw(Range(1e6, 30e6, group="hype"))
    assert np.corrcoef(np.log(users), np.log(searches))[0, 1] == pytest.approx(1.0, abs=1e-12)
    # the largest draw of one is the largest draw of the other
    assert np.argmax(users) == np.argmax(searches)


def test_ranges_without_a_group_are_independent():
    sampler = Sampler(N, seed=11)
    a = sampler.draw(Range(50e3, 500e3))
    b = sampler.draw(Range(1e6, 30e6))
    assert abs(np.corrcoef(np.log(a), np.log(b))[0, 1]) < 0.05


def test_grouped_inputs_of_an_estimator_share_their_draws():
    ws = traffic(dau=Range(5e6, 20e6, group="demand"), searches_per_user=Range(2, 8, group="demand"))
    dau, per_user = ws["dau"].exact, ws["searches_per_user"].exact
    assert np.corrcoef(np.log(dau), np.log(per_user))[0, 1] == pytest.approx(1.0, abs=1e-12)


def test_one_input_used_by_two_steps_shares_its_draws_in_the_template():
    ws = solve("ticketmaster", {"dau": "5M..20M"}, samples=N)
    assert ws.mode == "range"
    searches, qps = ws["searches_per_day"].exact, ws["search_qps"].exact
    assert searches.shape == qps.shape == (N,)
    # if search_qps had its own draws the ratio would scatter; it is the day, every sample
    assert np.allclose(searches / qps, 86_400, rtol=1e-12)
    assert np.allclose(ws["searches_per_day"].napkin / ws["search_qps"].napkin, 100_000, rtol=1e-12)
    # logs are written once per search, so they move with the same draws too
    assert np.allclose(ws["logs_storage"].exact / searches, 365 * 200, rtol=1e-12)


def test_a_range_flows_through_to_p5_p50_p95_of_the_result():
    ws = traffic(dau="5M..20M", samples=N)
    row = ws.results()["search_qps"]
    assert ws.mode == "range"
    assert row["p5"] < row["p50"] < row["p95"]
    # 5 searches per user, exact day: the interval's ends map straight through
    assert row["p5"] == pytest.approx(5e6 * 5 / 86_400, rel=0.05)
    assert row["p95"] == pytest.approx(20e6 * 5 / 86_400, rel=0.05)


def test_a_fraction_range_never_draws_more_than_100_percent():
    ws = traffic(booking_success_rate="50%..95%", samples=N)
    rate = ws["booking_success_rate"].exact
    assert rate.max() <= 1.0
    assert np.all(ws["booking_attempts_per_day"].exact >= 500e3)  # never fewer attempts than bookings
    row = ws.results()["booking_success_rate"]
    assert row["p5"] == pytest.approx(0.50, rel=0.05)  # the stated 90% interval is kept
    assert row["p95"] == pytest.approx(0.95, rel=0.05)


def test_a_multiplier_range_never_draws_below_its_minimum():
    ws = traffic(peak_multiplier="1..3", samples=N)
    assert ws["peak_multiplier"].exact.min() >= 1
    assert np.all(ws["peak_qps"].exact >= ws["search_qps"].exact)  # a peak is never below average
    assert ws.results()["peak_multiplier"]["p95"] == pytest.approx(3, rel=0.05)


@pytest.mark.parametrize("samples, seed", [(1, 0), (10**7, 0), (True, 0), (10, -1), (10, True), (10, 2.5)])
def test_a_sampler_refuses_sizes_and_seeds_numpy_would_choke_on(samples, seed):
    from ticketlab.core.uncertainty import Sampler

    with pytest.raises(InputError):
        Sampler(samples, seed)
