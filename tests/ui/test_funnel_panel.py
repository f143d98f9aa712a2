"""Chapter 5's panel: search → try → pay, the factor the booking path is sized for, and the template's bookings."""

from __future__ import annotations

import pytest

from ticketlab.ui.widgets import funnel_panel


def test_the_stages_count_searchers_attempts_and_purchases():
    panel = funnel_panel()
    stages = panel.trace("people")
    assert list(stages.y) == ["search", "try to book", "pay"]
    assert list(stages.x) == pytest.approx([10e6, 10e6 * 0.1, 10e6 * 0.1 * 0.3])
    assert list(stages.text) == ["10M", "1M (10% of searchers)", "300K (3% of searchers)"]


def test_the_table_sizes_for_attempts_per_purchase_not_searchers_per_attempt():
    panel = funnel_panel()
    assert f"{1 / 0.3:.3g}× attempts per purchase" in panel.table.value
    assert "10× is searchers per attempt" in panel.table.value
    panel.set(booking_success_rate="50%", attempt_rate="20%")
    assert "2× attempts per purchase" in panel.table.value and "5× is searchers per attempt" in panel.table.value


def test_run_on_searches_the_funnel_overshoots_the_templates_bookings():
    panel = funnel_panel()
    assert f"{10e6 * 0.03 / 500e3:.3g}×" in panel.table.value
    panel.set(searchers="50M")
    assert panel.trace("people").x[2] == pytest.approx(50e6 * 0.03)
    assert f"{50e6 * 0.03 / 500e3:.3g}×" in panel.table.value


def test_a_share_above_all_is_refused_and_the_funnel_stays():
    panel = funnel_panel()
    panel["attempt_rate"].box.value = "150%"
    assert "attempt_rate" in panel.message.value and "100%" in panel.message.value
    assert panel.trace("people").x[1] == pytest.approx(1e6)
