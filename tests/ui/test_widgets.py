"""Course panels: controls accept what they show, code drives them like a hand, errors stay in the panel."""

from __future__ import annotations

import numpy as np
import pytest

from ticketlab.core.errors import InputError
from ticketlab.estimate import traffic
from ticketlab.ui.widgets import Choice, Panel, Quantity, dau_panel, sweep, traffic_panel


def test_sweep_returns_one_value_per_slider_position_matching_point_estimates():
    grid = np.array([1e6, 1e7, 1e8])
    curves = sweep(traffic, "dau", grid, ["search_qps"], searches_per_user=5)
    assert curves["search_qps"]["exact"].shape == (3,)
    for dau, qps in zip(grid, curves["search_qps"]["exact"]):
        assert qps == pytest.approx(dau * 5 / 86_400)
    assert curves["search_qps"]["napkin"] == pytest.approx(grid * 5 / 100_000)


# -- the controls ----------------------------------------------------------------------------------

def test_a_quantity_starts_at_exactly_the_value_the_code_gives():
    q = Quantity("dau", "12.345M", 1e5, 1e9, log=True)
    assert q.value == 12_345_000  # not snapped to the slider's grid
    assert q.slider.value == pytest.approx(np.log10(12_345_000))
    assert q.box.value == "12.3M"


def test_typing_what_the_box_shows_is_accepted_and_moves_the_slider():
    q = Quantity("dau", "10M", 1e5, 1e9, log=True)
    seen = []
    q.observe(lambda c: seen.append(c.value))
    q.box.value = "250M"
    assert q.value == 250e6 and q.error == ""
    assert q.slider.value == pytest.approx(np.log10(250e6))
    assert seen == [250e6]


@pytest.mark.parametrize("typed", ["ten million", "2B", "-5", "nan", "1.5 GB"])
def test_typing_something_unreadable_or_out_of_range_keeps_the_value_and_says_why(typed):
    q = Quantity("dau", "10M", 1e5, 1e9, log=True)
    q.box.value = typed
    assert q.value == 10e6
    assert "dau" in q.error and "expected" in q.error


def test_a_duration_box_reads_human_durations():
    q = Quantity("lock_ttl", "30s", 1, 600, unit="s", dimension="seconds", log=True)
    q.box.value = "1.5 min"
    assert q.value == 90
    assert q.box.value == "90 s"


def test_a_count_a_minute_box_reads_a_rate_in_any_unit():
    q = Quantity("admit_per_minute", 600, 10, 100_000, log=True, dimension="per_minute")
    for typed, per_minute in (("30K/min", 30_000), ("20/s", 1_200), ("1K", 1_000)):
        q.box.value = typed
        assert q.value == per_minute and q.error == ""
    q.box.value = "5 min"
    assert q.value == 1_000 and "admit_per_minute" in q.error


def test_a_percentage_typed_at_the_sliders_end_is_accepted():
    q = Quantity("abandon_rate", 0.7, 0, 0.95, unit="%", dimension="fraction")
    q.box.value = "95%"
    assert q.value == 0.95 and q.error == ""


def test_moving_the_slider_updates_the_box_with_three_significant_figures():
    q = Quantity("seats", 50_000, 100, 100_000, log=True)
    q.slider.value = np.log10(12_345)
    assert q.value == 12_300 and q.box.value == "12.3K"


def test_an_integer_quantity_stays_whole():
    q = Quantity("shows", 8, 1, 20, integer=True)
    q.slider.value = 7.6
    assert q.value == 8.0


def test_a_choice_refuses_options_it_does_not_have():
    c = Choice("strategy", "naive", ["naive", "optimistic"])
    with pytest.raises(InputError, match="strategy"):
        c.value = "magic"
    assert c.value == "naive"


# -- the panel frame --------------------------------------------------------------------------------

def _counting_panel(fail_above: float | None = None) -> Panel:
    def update(p: Panel, v: dict) -> None:
        if fail_above is not None and v["x"] > fail_above:
            raise InputError("x", v["x"], f"at most {fail_above}")
        p.trace("line").y = [v["x"], v["y"]]
        p.table.value = f"x={v['x']:g} y={v['y']:g}"

    def draw(p: Panel) -> None:
        p.figure.add_scatter(x=[0, 1], y=[0, 0], name="line")

    return Panel("test", [Quantity("x", 1, 1, 100), Quantity("y", 2, 1, 100)], update, draw=draw)


def test_set_changes_several_controls_and_refreshes_once():
    p = _counting_panel()
    before = p.updates
    p.set(x=10, y=20)
    assert p.updates == before + 1
    assert list(p.trace("line").y) == [10, 20] and p.table.value == "x=10 y=20"


def test_set_with_one_bad_value_changes_nothing():
    p = _counting_panel()
    with pytest.raises(InputError):
        p.set(x=10, y=1_000)
    assert p.values() == {"x": 1, "y": 2}
    with pytest.raises(KeyError, match="has no control 'z'"):
        p.set(z=3)


def test_a_library_error_becomes_the_message_and_the_chart_keeps_its_last_good_state():
    p = _counting_panel(fail_above=50)
    p.set(x=40)
    p.set(x=60)
    assert "at most 50" in p.message.value
    assert list(p.trace("line").y) == [40, 2]  # not half-drawn
    p.set(x=30)
    assert p.message.value == ""


def test_a_trace_is_found_by_name_and_a_wrong_name_lists_the_real_ones():
    p = _counting_panel()
    with pytest.raises(KeyError, match="line"):
        p.trace("nope")


def test_the_chart_has_no_fixed_width_so_it_fits_its_output_area():
    p = dau_panel()
    assert p.figure.layout.width is None and p.figure.layout.autosize is True


# -- the traffic panels --------------------------------------------------------------------------------

def test_moving_the_dau_slider_updates_the_same_figure_in_place():
    panel = dau_panel(dau=10e6)
    figure = panel.figure
    here = panel.trace("you are here")
    assert here.y[0] == pytest.approx(10e6 * 5 / 86_400)
    panel["dau"].slider.value = 8.0  # the learner drags to 100M
    assert panel.figure is figure
    assert panel.trace("you are here").x[0] == pytest.approx(1e8)
    assert panel.trace("you are here").y[0] == pytest.approx(1e8 * 5 / 86_400)
    assert "100M" in panel.table.value and "5.79K QPS" in panel.table.value


def test_dau_panel_curves_show_napkin_below_exact_by_the_day_shortcut():
    panel = dau_panel()
    exact = np.asarray(panel.trace("average QPS (exact, 86,400 s a day)").y)
    napkin = np.asarray(panel.trace("average QPS (napkin, 100K s a day)").y)
    assert napkin == pytest.approx(exact * 86_400 / 100_000)


@pytest.mark.parametrize("name, value, trace, expect", [
    ("searches_per_user", 10, "average search QPS", lambda x: x * 10 / 86_400),
    ("peak_multiplier", 50, "peak search QPS", lambda x: x * 5 * 50 / 86_400),
])
def test_traffic_panel_sliders_move_their_curves(name, value, trace, expect):
    panel = traffic_panel()
    panel.set(**{name: value})
    x = np.asarray(panel.trace(trace).x)
    assert np.asarray(panel.trace(trace).y) == pytest.approx(expect(x))


def test_traffic_panel_bookings_slider_moves_the_booking_lines_and_the_table():
    panel = traffic_panel()
    panel.set(bookings_per_day="2M", peak_multiplier=20)
    assert np.asarray(panel.trace("peak booking QPS").y) == pytest.approx(2e6 / 86_400 * 20)
    assert "463 QPS" in panel.table.value  # 2M a day ÷ 86,400 s × 20


# -- the cascade and storage panels --------------------------------------------------------------------

def test_cascade_panel_draws_an_upside_down_pair_in_red_and_says_what_it_breaks():
    from ticketlab.ui.widgets import cascade_panel

    panel = cascade_panel()
    bars = panel.trace("gives up after")
    assert list(bars.x) == [600, 30, 10, 5] and panel.message.value == ""
    panel.set(http_call="3s")  # the source's value, under a 5 s statement
    colours = list(panel.trace("gives up after").marker.color)
    assert colours[3] != colours[0] and len(set(colours[:3])) == 1  # only the statement bar turns
    assert "Database statement timeout outlives" in panel.message.value and "retry books again" in panel.message.value
    panel.set(lock_ttl="2s")  # now the 3 s request outlives its lock too
    assert "both write the seat" in panel.message.value
    assert "upside down" in panel.table.value


def test_storage_panel_highlights_the_line_that_dominates():
    from ticketlab.ui.widgets import storage_panel

    panel = storage_panel()
    bars = panel.trace("bytes")
    assert list(bars.y) == ["events", "seats", "bookings", "users", "logs"]
    assert bars.x[4] == pytest.approx(50e6 * 365 * 200)  # logs: 50M searches a day, 200 B each
    assert "logs" in panel.table.value and "73%" in panel.table.value
    panel.set(dau="1M")  # a tenth of the searches: seats take over
    top = list(panel.trace("bytes").marker.color).index("#ef6c00")
    assert list(panel.trace("bytes").y)[top] == "seats"


def test_seat_map_panel_buttons_drive_the_real_core_and_the_checker_judges_it():
    from ticketlab.ui.widgets import seat_map_panel
    from ticketlab.ui.widgets.seatlock import COLOURS
    from ticketlab.seatlock import SeatStatus

    panel = seat_map_panel(hold_ttl="10 min")
    panel.press("alice holds 2")
    panel.press("bob holds 2")
    panel.press("alice pays")
    colours = list(panel.trace("seats").marker.color)
    assert colours[:4] == [COLOURS[SeatStatus.SOLD]] * 2 + [COLOURS[SeatStatus.HELD]] * 2
    assert "sold 2" in panel.table.value and "history OK" in panel.table.value
    panel.press("+5 min"), panel.press("+5 min")
    assert list(panel.trace("seats").marker.color)[2] == COLOURS[SeatStatus.HELD]  # expired, not yet released
    panel.press("sweep")
    assert list(panel.trace("seats").marker.color)[2] == COLOURS[SeatStatus.AVAILABLE]
    assert "released 1 expired hold" in panel.table.value
    lab = panel.state["lab"]
    panel.set(strategy="distributed")  # a fresh hall under the other strategy
    assert panel.state["lab"] is not lab and "available 40" in panel.table.value
    with pytest.raises(KeyError, match="has no button"):
        panel.press("teleport")


def test_contention_panel_marks_the_sale_and_tells_ratio_from_rate():
    from ticketlab.ui.widgets import contention_panel

    panel = contention_panel()
    assert panel.trace("this sale").text[0] == "High by ratio, High by rate"
    assert {"Low: optimistic", "Medium: pessimistic", "High: distributed + queue"} <= {t.name for t in panel.figure.data}
    panel.set(users="1K", seats=300, seats_per_booking=1, throttle_rate="10/s", lock_hold_time="1s")
    assert panel.trace("this sale").text[0] == "High by ratio, Low by rate"  # the airline
    assert list(panel.trace("this sale").x) == [300] and list(panel.trace("this sale").y) == [1_000]
    panel.set(users="1K", seats="50K")
    assert panel.trace("this sale").text[0].startswith("Low by ratio")


def test_race_panel_runs_the_real_core_and_keeps_every_run():
    from ticketlab.ui.widgets import race_panel

    panel = race_panel(strategy="naive", users=20, seats=5)
    panel.press("run the race")
    panel.set(strategy="pessimistic")
    panel.press("run the race")
    naive, safe = panel.state["runs"]
    assert naive.double_bookings >= 1 and not naive.ok
    assert safe.ok and safe.bookings == safe.seats_sold
    assert list(panel.trace("bookings made").x) == ["1. naive", "2. pessimistic"]
    assert "no seat sold twice" in panel.table.value
    panel.press("clear")
    assert list(panel.trace("bookings made").y) == []


def test_dashboard_moves_every_headline_against_the_baseline_and_ranges_add_whiskers():
    from ticketlab.ui.widgets import dashboard_panel

    panel = dashboard_panel()
    bars = panel.trace("× the baseline")
    assert list(bars.x) == pytest.approx([1.0] * len(bars.x))  # the baseline is 1× of itself
    names = list(bars.y)
    panel.set(seats="100K")
    ceiling = names.index("lock burst ceiling")
    assert panel.trace("× the baseline").x[ceiling] == pytest.approx(2.0)  # twice the seats, twice the burst
    assert panel.trace("× the baseline").text[ceiling] == "8K QPS"
    assert panel.trace("× the baseline").error_x.visible is False
    panel.set(uncertainty=2)
    whiskers = panel.trace("× the baseline").error_x
    assert whiskers.visible is True and all(w > 0 for w in whiskers.array[:6])
    assert "median [p5 – p95]" in panel.table.value


def test_dashboard_names_an_upside_down_cascade_with_the_sliders_values_and_keeps_its_bars():
    from ticketlab.ui.widgets import dashboard_panel

    panel = dashboard_panel(uncertainty=2)
    before = list(panel.trace("× the baseline").x)
    panel.set(http_call="3s")
    assert "db_statement (5 s) must be shorter than http_call (3 s)" in panel.message.value
    assert list(panel.trace("× the baseline").x) == before


def test_a_shown_panel_puts_its_whole_chart_in_the_widget_state(monkeypatch):
    """A view that starts late (Run All while the browser loads plotly) draws from the widget state,
    not from the change messages it missed: that state must hold every trace as it is now."""
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: shown.append(a))
    panel = traffic_panel()
    panel.set(dau="50M")
    assert panel.figure._widget_data == [] or len(panel.figure._widget_data) < len(panel.figure.data)  # as made
    panel._ipython_display_()
    assert shown == [(panel.widget,)]
    state = {t["name"]: t for t in panel.figure._widget_data}
    assert set(state) == {t.name for t in panel.figure.data}
    here = panel.trace("you are here")
    assert list(state["you are here"]["x"]) == list(here.x) == [50e6]
    assert panel.figure._widget_layout["title"]["text"] == panel.figure.layout.title.text
