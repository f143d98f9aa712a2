"""Chapter 4's panels: bandwidth at each peak against the link, and the cache against one node."""

from __future__ import annotations

import math

import pytest

from ticketlab.ui.widgets import bandwidth_panel, cache_panel
from ticketlab.ui.widgets.bandwidth_cache import NODE, PARTS

DAY = 86_400
AVERAGE = (50e6 * 50e3 + 500e3 * 10e3 + 500e3 * 5e3) / DAY  # searches, bookings, payments: bytes a second


def test_the_bars_are_the_average_and_both_peaks_beside_the_link():
    panel = bandwidth_panel()
    bars = panel.trace("bytes per second")
    assert list(bars.y) == ["average", "normal peak", "on-sale spike", "your link"]
    assert list(bars.x) == pytest.approx([AVERAGE, AVERAGE * 10, AVERAGE * 100, 2e9 / 8])
    assert bars.text[3] == "250 MB/s (2 Gbps)"


def test_a_bar_turns_red_where_it_outgrows_the_link():
    panel = bandwidth_panel()
    red, green = "#e53935", "#43a047"
    assert list(panel.trace("bytes per second").marker.color)[:3] == [green, red, red]  # the exact peak > 2 Gbps
    panel.set(link="25 Gbps")
    assert list(panel.trace("bytes per second").marker.color)[:3] == [green] * 3
    assert panel.state["verdict"].startswith(f"The on-sale spike needs {AVERAGE * 100 / (25e9 / 8):.3g}× the link")


def test_sizing_the_spike_like_the_peak_makes_their_bars_equal():
    panel = bandwidth_panel()
    panel.set(extreme_multiplier=10, search_response_size="100 KB")
    x = list(panel.trace("bytes per second").x)
    assert x[1] == pytest.approx(x[2])
    assert x[0] == pytest.approx((50e6 * 100e3 + 500e3 * 10e3 + 500e3 * 5e3) / DAY)


def test_the_stack_is_hot_events_searches_and_sessions_by_littles_law():
    panel = cache_panel()
    hot = 5_000 * (10e3 + 10_000 * 100)
    searches = 10_000 * 50e3
    sessions = 10_000 / 60 * 600 * 50e3
    assert [panel.trace(name).x[0] for name in PARTS.values()] == pytest.approx([hot / 1e9, searches / 1e9,
                                                                                 sessions / 1e9])
    assert panel.trace(NODE).x[0] == 16
    assert "fits in one node" in panel.table.value
    panel.set(node_memory="4 GB")
    nodes = math.ceil((hot + searches + sessions) / 4e9)
    assert f"needs {nodes} nodes of this size" in panel.table.value and panel.trace(NODE).text[0] == "4 GB"


def test_the_session_reading_and_the_seat_map_move_their_segments():
    panel = cache_panel()
    panel.set(peak_bookings_per_minute="1K")  # the waiting room's rate: 10K sessions
    assert panel.trace("booking sessions").x[0] == pytest.approx(1_000 / 60 * 600 * 50e3 / 1e9)
    panel.set(seats_per_event="1K")  # the source's 100 KB seat map
    assert panel.trace("hot events + seat maps").x[0] == pytest.approx(5_000 * (10e3 + 1_000 * 100) / 1e9)


def test_a_bad_node_size_is_refused_in_words():
    panel = cache_panel()
    panel["node_memory"].box.value = "16 GHz"
    assert "node_memory" in panel.message.value and "such as" in panel.message.value
    assert panel.trace(NODE).x[0] == 16
