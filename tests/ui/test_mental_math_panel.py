"""Chapter 1's panels: the quotient's zeros on the ladder, and three napkin counts of the seconds in a span."""

from __future__ import annotations

import pytest

from ticketlab.ui.widgets import seconds_panel, zeros_panel


def test_the_quotient_is_drawn_where_the_zeros_say_and_the_table_counts_them():
    panel = zeros_panel()
    panel.set(numerator="6B", denominator="20K")
    quotient = panel.trace("quotient")
    assert list(quotient.x) == [1, pytest.approx(6e9 / 2e4)]
    assert quotient.text[1] == "300K = 3 × 10^5"
    assert list(panel.trace("numerator").x)[1] == 6e9 and list(panel.trace("denominator").x)[1] == 2e4
    assert "9 − 4 = 5" in panel.table.value and "6 ÷ 2 = 3" in panel.table.value


def test_dividing_by_the_calendar_day_shows_the_napkin_beside_the_exact():
    panel = zeros_panel(denominator="86.4K")
    assert panel.trace("quotient").x[1] == pytest.approx(500e3 / 86_400)
    assert "<b>6</b>" in panel.table.value and "5.79" in panel.table.value


def test_a_typed_value_off_the_ladder_is_refused_and_the_chart_keeps_its_state():
    panel = zeros_panel()
    before = list(panel.trace("quotient").x)
    panel["denominator"].box.value = "ten thousand"
    assert "denominator" in panel.message.value and "such as" in panel.message.value
    assert list(panel.trace("quotient").x) == before
    with pytest.raises(KeyError, match="has no trace"):
        panel.trace("remainder")


def test_the_span_marks_the_calendar_and_each_napkin():
    panel = seconds_panel()
    panel.set(days=7)
    day, month, year = 86_400, 2.5e6 / 30, 30e6 / 365
    assert list(panel.trace("your span").y) == pytest.approx([7 * day, 7 * 1e5, 7 * month, 7 * year])
    assert list(panel.trace("your span").x) == [7] * 4
    assert f"{1e5 / day - 1:+.1%}" in panel.table.value and f"{year / day - 1:+.1%}" in panel.table.value
    assert f"{1e5 / year - 1:.0%} more than the napkin year" in panel.table.value


def test_the_napkin_lines_fan_out_from_the_calendar_across_the_days():
    panel = seconds_panel()
    calendar = panel.trace("calendar (86,400 s a day)")
    napkin_day = panel.trace("napkin day (100K s)")
    assert napkin_day.y[-1] / calendar.y[-1] == pytest.approx(1e5 / 86_400)
    assert napkin_day.y[-1] - calendar.y[-1] > 100 * (napkin_day.y[0] - calendar.y[0])  # the gap grows with the span
