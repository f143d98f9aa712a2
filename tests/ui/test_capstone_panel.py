"""Chapter 13: the five-minute ritual answered by the library for every model, and its panel."""

from __future__ import annotations

import math

import pytest

from ticketlab.core.errors import InputError
from ticketlab.course.ritual import five_minute_ritual
from ticketlab.course.scenarios import SCENARIOS


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_the_ritual_has_eight_steps_for_every_scenario(name):
    items = five_minute_ritual(name)
    assert [i.number for i in items] == list(range(1, 9))
    assert all(i.answer for i in items)


def test_the_olympics_ritual_gives_the_numbers_worked_by_hand():
    items = five_minute_ritual("olympics")
    assert items[1].figure == pytest.approx(5e6 / 3_600)  # 5M people in a one-hour window
    assert items[2].figure == pytest.approx(5e6 / 3_600 * 2)  # ×2 retries, no waiting room
    assert "125:1" in items[5].answer and "distributed" in items[5].answer
    assert items[7].figure == math.ceil(5e6 / 3_600 * 2 / 500)


def test_the_smell_test_follows_the_load_per_server():
    peak = 50e6 / 86_400 * 100  # the Ticketmaster on-sale spike
    assert five_minute_ritual("ticketmaster", per_server_qps=500)[-1].figure == math.ceil(peak / 500)
    assert five_minute_ritual("ticketmaster", per_server_qps=5)[-1].figure == math.ceil(peak / 5)
    with pytest.raises(InputError, match="per_server_qps"):
        five_minute_ritual("ticketmaster", per_server_qps=0)


def test_a_scale_with_no_rate_says_so_instead_of_inventing_one():
    items = five_minute_ritual("season-tickets")
    assert items[1].figure is None and "no rate" in items[1].answer
    assert "Low by ratio" in items[5].answer and "optimistic" in items[5].answer


def test_the_airline_needs_no_waiting_room_by_rate():
    assert "Low by rate" in five_minute_ritual("airline")[5].answer
    assert "no waiting room" in five_minute_ritual("airline")[5].answer


def test_ritual_panel_highlights_the_chosen_scenario_and_follows_the_crowd():
    from ticketlab.ui.widgets import ritual_panel

    panel = ritual_panel(scenario="olympics")
    bars = panel.trace("peak QPS")
    names = list(bars.y)
    chosen = names.index("olympics")
    before = bars.x[chosen]
    assert before == pytest.approx(5e6 / 3_600 * 2)
    panel.set(crowd=2)
    assert panel.trace("peak QPS").x[chosen] == pytest.approx(2 * before)
    panel.set(scenario="airline")
    colours = list(panel.trace("peak QPS").marker.color)
    assert colours[names.index("airline")] != colours[chosen]
    assert "airline" in panel.table.value and "Low by rate" in panel.table.value
