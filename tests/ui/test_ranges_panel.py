"""Chapter 6's panel: ranged inputs, the histogram of peak search QPS, its median, mean and 90% interval."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ticketlab.ui.widgets import range_panel
from ticketlab.ui.widgets.ranges import SAMPLES

POINT = 10e6 * 5 * 10 / 86_400  # peak search QPS at the medians


def _line(panel, name: str) -> float:
    return panel.trace(name).x[0]


def test_the_median_stays_at_the_point_estimate_and_the_mean_sits_above_it():
    panel = range_panel(dau_width=2)
    median, mean = _line(panel, "median"), _line(panel, "mean")
    assert median == pytest.approx(POINT, rel=0.03)
    sigma = math.log(2) / 1.6448536269514722  # a lognormal whose 5th..95th percentiles are ÷2..×2
    assert mean == pytest.approx(POINT * math.exp(sigma**2 / 2), rel=0.03)
    p5, _, _, p95, _ = panel.trace("5th and 95th percentiles").x
    assert p5 == pytest.approx(POINT / 2, rel=0.05) and p95 == pytest.approx(POINT * 2, rel=0.05)


def test_the_histogram_holds_every_sample_it_draws_and_widens_with_the_dau_range():
    panel = range_panel(dau_width=2)
    narrow = sum(panel.trace("samples").y)
    assert 0.99 <= narrow <= 1.0  # the linear chart leaves out the top half percent
    p5, _, _, p95, _ = panel.trace("5th and 95th percentiles").x
    panel.set(dau_width=4)
    q5, _, _, q95, _ = panel.trace("5th and 95th percentiles").x
    assert q95 / q5 == pytest.approx(16, rel=0.06) and q95 / q5 > 3 * (p95 / p5)


def test_a_range_widens_through_a_product_and_more_when_inputs_move_together():
    panel = range_panel(dau_width=2, searches_width=2)
    p5, _, _, p95, _ = panel.trace("5th and 95th percentiles").x
    independent = p95 / p5
    assert independent == pytest.approx(4 ** math.sqrt(2), rel=0.06)  # log widths add in quadrature
    panel.set(inputs="move together")
    p5, _, _, p95, _ = panel.trace("5th and 95th percentiles").x
    assert p95 / p5 == pytest.approx(16, rel=0.06)  # shared draws: log widths add


def test_the_same_seed_draws_the_same_histogram_and_another_seed_another():
    panel = range_panel(dau_width=3)
    first = list(panel.trace("samples").y)
    panel.set(seed=2)
    assert list(panel.trace("samples").y) != first
    panel.set(seed=1)
    assert list(panel.trace("samples").y) == first


def test_on_a_log_axis_the_bars_sit_at_powers_of_ten_and_the_ticks_say_numbers():
    panel = range_panel(dau_width=2, axis="log")
    centres = np.asarray(panel.trace("samples").x)
    assert 10 ** centres.min() < POINT < 10 ** centres.max()
    assert _line(panel, "median") == pytest.approx(math.log10(POINT), abs=0.02)
    axis = panel.figure.layout.xaxis
    assert "K" in "".join(axis.ticktext) and len(axis.tickvals) == len(axis.ticktext) > 0
    panel.set(axis="linear")
    assert _line(panel, "median") == pytest.approx(POINT, rel=0.03)


def test_points_everywhere_collapse_the_histogram_to_one_value():
    panel = range_panel(dau_width=1)
    assert _line(panel, "median") == pytest.approx(POINT) == _line(panel, "mean")
    assert "Every input is a point" in panel.table.value
    assert sum(panel.trace("samples").y) == pytest.approx(1.0) and SAMPLES > 1


def test_a_width_below_one_is_refused_in_words():
    panel = range_panel()
    before = list(panel.trace("samples").y)
    panel["dau_width"].box.value = "0.5"
    assert "dau_width" in panel.message.value and "from 1×" in panel.message.value
    assert list(panel.trace("samples").y) == before
