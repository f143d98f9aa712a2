"""Worked derivations: the Worksheet, its napkin/exact moods and its renderings (issue 2)."""

from __future__ import annotations

import html
import json

import numpy as np
import pytest

from ticketlab.estimate import traffic
from ticketlab.course.scenarios import SCENARIOS
from ticketlab.course.solve import solve
from ticketlab.core.vocab import Mode
from ticketlab.worksheet import EXACT, NAPKIN, Calc, Worksheet
from ticketlab.worksheet.render import to_text


def _search_qps_calc() -> Calc:
    c = Calc("Traffic by hand")
    c.given("searches_per_day", "50M", label="Searches per day", unit="searches", dimension="count")
    c.step("search_qps", "Search QPS", "searches_per_day / seconds_per_day", unit="req/s")
    return c


def test_napkin_and_exact_constants_are_the_source_shortcuts_and_the_calendar():
    assert (NAPKIN.constants["seconds_per_day"], EXACT.constants["seconds_per_day"]) == (100_000, 86_400)
    assert (NAPKIN.constants["weeks_per_month"], EXACT.constants["weeks_per_month"]) == (4, 52 / 12)
    assert NAPKIN.napkin(5_787) == 6_000 and NAPKIN.napkin(5_787, 2) == 5_800
    assert EXACT.napkin(5_787) == 5_787


def test_a_step_is_evaluated_in_both_moods():
    ws = _search_qps_calc().worksheet()
    step = ws["search_qps"]
    assert step.napkin == 50e6 / 100_000
    assert step.exact == 50e6 / 86_400
    assert step.gap == pytest.approx(86_400 / 100_000 - 1)
    assert step.inputs == ("searches_per_day",)


def test_a_step_remembers_the_shortcuts_it_leans_on_including_its_inputs():
    c = _search_qps_calc()
    c.step("peak_qps", "Peak QPS", "search_qps * 10", unit="req/s")
    c.step("rounded", "Rounded", "napkin(search_qps * 3)", unit="req/s")
    ws = c.worksheet()
    assert ws["searches_per_day"].shortcuts == ()
    assert ws["search_qps"].shortcuts == ("seconds_per_day",)
    assert ws["peak_qps"].shortcuts == ("seconds_per_day",)  # inherited from search_qps
    assert set(ws["rounded"].shortcuts) == {"seconds_per_day", "napkin"}
    assert ws["rounded"].napkin == 2_000 and ws["rounded"].exact == pytest.approx(3 * 50e6 / 86_400)


def test_worksheet_lookup_by_key_and_a_helpful_miss():
    ws = _search_qps_calc().worksheet()
    assert ws.keys() == ["searches_per_day", "search_qps"]
    assert "search_qps" in ws and len(ws) == 2
    assert ws.exact("search_qps") == ws["search_qps"].exact
    with pytest.raises(KeyError) as info:
        ws["peak_qps"]
    assert "search_qps" in str(info.value)  # names what it does have


def test_results_hold_exact_napkin_and_unit_and_can_leave_out_givens():
    ws = traffic()
    rows = ws.results()
    assert rows["search_qps"] == {"exact": 50e6 / 86_400, "napkin": 500.0, "unit": "req/s"}
    assert "dau" in rows
    assert "dau" not in ws.results(include_givens=False)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_text_markdown_and_html_render_every_step_label(name):
    ws = solve(name)
    text, markdown, page = to_text(ws), ws._repr_markdown_(), ws._repr_html_()
    for step in ws:
        assert step.label in text, f"text table cuts {step.label!r}"
        assert step.label in markdown
        assert html.escape(step.label) in page
    assert ws.title in text and ws.title in markdown


def test_renderings_show_napkin_and_exact_side_by_side():
    text = str(traffic())
    assert "500 QPS" in text and "579 QPS" in text  # 50M ÷ 100K, and 50M ÷ 86,400


def test_a_range_worksheet_renders_median_and_interval():
    ws = traffic(dau="5M..20M")
    assert "5th – 95th percentile" in str(ws)
    assert "p5" in ws._repr_html_()


def test_latex_of_search_qps_is_a_fraction():
    tex = _search_qps_calc().worksheet().latex("search_qps")
    assert r"\frac" in tex
    assert r"search\_qps" in tex and r"searches\_per\_day" in tex


def test_latex_of_the_template_search_qps_is_a_fraction():
    assert r"\frac" in solve("ticketmaster").latex("search_qps")


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_step_of_every_scenario_renders_as_latex(name):
    ws = solve(name)
    for step in ws:
        tex = ws.latex(step.key)
        assert tex.startswith(r"\text{" + step.key.replace("_", r"\_") + "}")


def test_latex_of_a_minimum_is_a_min():
    assert r"\min" in solve("superbowl").latex("users_served")


@pytest.mark.parametrize("make", [lambda: solve("ticketmaster"), lambda: traffic(dau=np.linspace(1e6, 2e7, 5)),
                                  lambda: traffic(dau="5M..20M")])
def test_to_dict_is_json_serialisable(make):
    ws = make()
    d = json.loads(json.dumps(ws.to_dict()))
    assert d["title"] == ws.title and d["mode"] == ws.mode and isinstance(ws.mode, Mode)
    assert [s["key"] for s in d["steps"]] == ws.keys()
    step = next(s for s in d["steps"] if s["key"] == "search_qps")
    assert step["formula"] == "searches_per_day / seconds_per_day" and step["unit"] == "req/s"
    assert json.loads(ws.to_json()) == d


def test_extend_appends_steps_and_select_keeps_order():
    a = _search_qps_calc().worksheet()
    b = Worksheet("more", {"x": a["search_qps"]})
    assert a.extend(b).keys() == ["searches_per_day", "search_qps", "x"]
    assert a.select(["search_qps"]).keys() == ["search_qps"]


def test_mixing_a_sweep_and_a_range_in_one_worksheet_is_refused():
    from ticketlab.core.errors import InputError

    c = Calc("mixed")
    c.given("a", np.array([1.0, 2.0]), label="a")
    with pytest.raises(InputError) as info:
        c.given("b", "1..2", label="b")
    assert info.value.name == "b"
