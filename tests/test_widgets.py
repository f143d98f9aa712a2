"""The slider panel: moving the slider moves the chart's marker and rewrites the table in place."""

from __future__ import annotations

import numpy as np
import pytest

from ticketlab.estimate import traffic
from ticketlab.ui.widgets import dau_panel, sweep


def test_sweep_returns_one_value_per_slider_position_matching_point_estimates():
    grid = np.array([1e6, 1e7, 1e8])
    curves = sweep(traffic, "dau", grid, ["search_qps"], searches_per_user=5)
    assert curves["search_qps"]["exact"].shape == (3,)
    for dau, qps in zip(grid, curves["search_qps"]["exact"]):
        assert qps == pytest.approx(dau * 5 / 86_400)
    assert curves["search_qps"]["napkin"] == pytest.approx(grid * 5 / 100_000)


def test_moving_the_dau_slider_updates_the_same_figure_in_place():
    panel = dau_panel(dau=10e6)
    figure, marker = panel.figure, panel.figure.data[3]
    assert marker.y[0] == pytest.approx(10e6 * 5 / 86_400)
    panel.slider.value = 1e8
    assert panel.figure is figure  # no new figure: the trace changed in place
    assert panel.figure.data[3].x[0] == pytest.approx(1e8)
    assert panel.figure.data[3].y[0] == pytest.approx(1e8 * 5 / 86_400)
    assert "100M" in panel.table.value and "5.79K QPS" in panel.table.value


def test_panel_curves_show_napkin_below_exact_by_the_day_shortcut():
    panel = dau_panel()
    exact, napkin = (np.asarray(panel.figure.data[i].y) for i in (0, 1))
    assert napkin == pytest.approx(exact * 86_400 / 100_000)
