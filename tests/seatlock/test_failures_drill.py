"""The payment drill: every way a payment fails, and the money still balances once the sale is quiet."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ticketlab.core.errors import InputError
from ticketlab.seatlock.demos.failures import SLOW_PAYMENT, Outcome, payment_drill


def _invariants(r) -> None:
    assert sum(r.outcomes.values()) == r.buyers
    assert r.seats_sold == r.outcomes[Outcome.BOOKED]
    assert r.seats_sold + r.seats_available + r.seats_held == r.seats
    assert r.seats_held == 0  # the last sweep ran after every hold expired and the gateway settled
    assert r.money_balances and r.booked_cents == r.seats_sold * 10_000
    assert r.report.ok, r.report.summary()


def test_without_failures_every_seat_sells_once_and_the_rest_are_sold_out():
    r = payment_drill(buyers=50, seats=30, decline=0, lost_answer=0, slow=0)
    assert r.outcomes[Outcome.BOOKED] == 30 and r.outcomes[Outcome.SOLD_OUT] == 20
    assert r.refunds == 0 and r.captured_cents == 30 * 10_000
    _invariants(r)


def test_declined_payments_put_their_seats_straight_back_without_a_refund():
    r = payment_drill(buyers=40, seats=40, decline=1, lost_answer=0, slow=0)
    assert r.outcomes[Outcome.DECLINED] == 40 and r.seats_available == 40
    assert r.refunds == 0 and r.captured_cents == 0
    _invariants(r)


def test_a_payment_slower_than_the_hold_is_refunded_and_a_longer_hold_lets_it_book():
    short = payment_drill(buyers=20, seats=20, decline=0, lost_answer=0, slow=1, hold_ttl=SLOW_PAYMENT / 2)
    assert short.outcomes[Outcome.TOO_LATE] == 20 and short.refunds == 20 and short.seats_sold == 0
    long = payment_drill(buyers=20, seats=20, decline=0, lost_answer=0, slow=1, hold_ttl=SLOW_PAYMENT * 2)
    assert long.outcomes[Outcome.TOO_LATE] == 0 and long.seats_sold == 20
    for r in (short, long):
        _invariants(r)


def test_lost_answers_keep_seats_off_sale_for_the_whole_hold():
    short = payment_drill(buyers=200, seats=100, decline=0, lost_answer=0.4, slow=0, hold_ttl="2 min")
    long = payment_drill(buyers=200, seats=100, decline=0, lost_answer=0.4, slow=0, hold_ttl="30 min")
    assert long.outcomes[Outcome.SOLD_OUT] > short.outcomes[Outcome.SOLD_OUT]
    assert long.outcomes[Outcome.BOOKED] < short.outcomes[Outcome.BOOKED]
    assert long.swept > 0 and long.seats_available > 0  # the seats came back, after the buyers had gone
    for r in (short, long):
        _invariants(r)


def test_the_sweeper_itself_releases_every_hold_kept_for_a_lost_answer_backoff_or_not():
    """The last sweep runs after every hold and every recheck backoff has run out, so none is left to reconcile."""
    for ttl in ("2 min", "10 min", "30 min"):
        r = payment_drill(buyers=300, seats=300, decline=0, lost_answer=0.5, slow=0, hold_ttl=ttl)
        assert r.outcomes[Outcome.NO_ANSWER] > 100 and r.swept == r.outcomes[Outcome.NO_ANSWER]
        _invariants(r)


def test_the_same_seed_gives_the_same_drill_and_another_seed_another():
    a, b = payment_drill(seed=4), payment_drill(seed=4)
    assert a.outcomes == b.outcomes and a.refunds == b.refunds
    assert any(payment_drill(seed=s).outcomes != a.outcomes for s in (5, 6, 7))


@settings(max_examples=25, deadline=None)
@given(decline=st.floats(0, 0.4), lost=st.floats(0, 0.3), slow=st.floats(0, 0.3),
       ttl=st.floats(60, 3600), buyers=st.integers(1, 120), seats=st.integers(1, 120), seed=st.integers(0, 99))
def test_whatever_fails_the_money_balances_and_the_checker_agrees(decline, lost, slow, ttl, buyers, seats, seed):
    _invariants(payment_drill(buyers, seats, decline, lost, slow, ttl, seed))


@pytest.mark.parametrize(("kwargs", "name"), [
    (dict(buyers=0), "buyers"), (dict(buyers="ten"), "buyers"), (dict(seats=-3), "seats"),
    (dict(decline=-0.1), "decline"), (dict(lost_answer=math.nan), "lost_answer"), (dict(slow=2), "slow"),
    (dict(decline=0.6, lost_answer=0.6), "decline + lost_answer + slow"), (dict(hold_ttl=0), "hold_ttl"),
    (dict(hold_ttl="soon"), "hold_ttl"), (dict(seed=-1), "seed"),
])
def test_bad_input_names_the_input(kwargs, name):
    with pytest.raises(InputError) as info:
        payment_drill(**kwargs)
    assert info.value.name == name
