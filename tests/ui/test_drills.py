"""Mental-math drills: dealt from a seed, keyed by the library, judged like the graded exercises."""

from __future__ import annotations

import pytest

from ticketlab.core.errors import InputError
from ticketlab.core.numbers import parse_quantity
from ticketlab.course.drills import DrillKind, deal, seconds_in
from ticketlab.course.exercises import Status

SEEDS = range(12)


def _number(shown: str) -> float:
    """A given as the drill shows it ("6B", "2M bookings", "8B bits/s"), as a number."""
    return float(parse_quantity(shown.split()[0]))


def test_the_same_seed_deals_the_same_drills_and_another_seed_new_ones():
    assert [d.prompt for d in deal(7)] == [d.prompt for d in deal(7)]
    assert len({tuple(d.prompt for d in deal(seed)) for seed in SEEDS}) == len(SEEDS)


def test_a_deal_cycles_through_every_kind():
    drills = deal(3, count=7)
    assert [d.kind for d in drills] == [*DrillKind, DrillKind.DIVIDE, DrillKind.MULTIPLY]
    assert [d.id for d in drills] == [f"d{i}" for i in range(1, 8)]
    assert {d.kind for d in deal(3, count=4, kinds=["bits"])} == {DrillKind.BITS}


@pytest.mark.parametrize("seed", SEEDS)
def test_every_key_is_the_arithmetic_of_its_givens(seed):
    divide, multiply, per_second, bits, seconds = deal(seed)
    g = divide.givens
    assert divide.key.exact == pytest.approx(_number(g["numerator"]) / _number(g["denominator"]))
    g = multiply.givens
    assert multiply.key.exact == pytest.approx(_number(g["left"]) * _number(g["right"]))
    per_day = _number(per_second.givens["bookings_per_day"])
    assert per_second.key.exact == pytest.approx(per_day / 86_400)
    assert per_second.key.answer == pytest.approx(per_day / 100_000)  # the napkin day
    assert bits.key.exact == pytest.approx(_number(bits.givens["bits_per_second"]) / 8)
    days = _number(seconds.givens["days"])
    assert seconds.key.exact == pytest.approx(days * 86_400) and seconds.key.answer == pytest.approx(days * 1e5)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_key_napkin_or_exact_earns_full_credit(seed):
    drills = deal(seed)
    assert drills.check([d.answer for d in drills]).count(Status.PASS) == len(drills)
    assert drills.check([d.key.exact for d in drills]).count(Status.PASS) == len(drills)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("power", [1, 2, -1, -3])
def test_a_whole_power_of_ten_off_is_diagnosed_as_miscounted_zeros(seed, power):
    for d in deal(seed):
        for figure in (d.key.answer, d.key.exact):
            fb = d.check(figure * 10.0 ** power)
            assert fb.status is Status.WRONG and fb.diagnosis == "count-the-zeros", (d.prompt, fb.message)
            assert "count the zeros" in fb.message
            assert ("too many" if power > 0 else "too few") in fb.message


def test_known_mistakes_get_the_exercise_checkers_diagnoses():
    divide, _, per_second, bits, seconds = deal(5)
    assert divide.check(1 / divide.key.exact).diagnosis == "upside-down"
    hour = per_second.check(per_second.key.exact * 86_400 / 3_600)
    assert hour.diagnosis == "divided-by-hour" and "an hour" in hour.message
    assert bits.check(bits.key.exact * 8).diagnosis == "bits-not-bytes"
    assert seconds.check(seconds.key.exact / 60).diagnosis == "minutes-not-seconds"
    close = per_second.check(per_second.key.exact * 2)
    assert close.status is Status.CLOSE and close.points == 0.5


def test_answers_by_id_and_missing_answers_are_not_attempted():
    drills = deal(2)
    score = drills.check({"d2": drills["d2"].answer, "d4": "..."})
    assert [r.status for r in score.results] == [Status.NOT_ATTEMPTED, Status.PASS, *[Status.NOT_ATTEMPTED] * 3]
    assert drills.check([drills[0].answer]).points == 1


def test_an_answer_in_the_wrong_unit_is_wrong_and_says_so():
    bits = deal(4)[3]
    fb = bits.check("5 min")
    assert fb.status is Status.WRONG and "a duration" in fb.message


@pytest.mark.parametrize("bad", [dict(seed=-1), dict(seed=1.5), dict(seed=True), dict(seed=1, count=0),
                                 dict(seed=1, count=51), dict(seed=1, kinds=["square roots"]), dict(seed=1, kinds=[])])
def test_a_bad_deal_is_refused_with_an_example(bad):
    with pytest.raises(InputError, match="such as"):
        deal(**bad)


def test_answers_that_cannot_be_matched_to_drills_are_refused():
    drills = deal(1)
    with pytest.raises(InputError, match="at most 5"):
        drills.check(["1"] * 6)
    with pytest.raises(InputError, match="d1, d2"):
        drills.check({"d9": "1"})
    with pytest.raises(InputError):
        drills["d9"]


def test_worked_answers_show_the_zeros_and_both_days():
    drills = deal(1)
    worked = drills.worked()
    assert "× 10^" in worked and "100K s" in worked and "86,400 s" in worked
    assert all(d.prompt in str(drills) for d in drills)


def test_seconds_in_a_span_three_napkins_against_the_calendar():
    ws = seconds_in(365)
    assert ws.exact("seconds") == ws.exact("seconds_by_year") == pytest.approx(365 * 86_400)
    assert ws.napkin("seconds") == pytest.approx(365 * 100_000)
    assert ws.napkin("seconds_by_year") == pytest.approx(30e6)
    assert ws.napkin("seconds_by_month") == pytest.approx(365 / 30 * 2.5e6)
