"""Chapter 12's panel: failure shares and the hold's length drive the drill; money and checker in the table."""

from __future__ import annotations

from ticketlab.seatlock.demos.failures import Outcome
from ticketlab.ui.widgets import failure_panel


def _counts(panel) -> dict[str, int]:
    bars = panel.trace("buyers")
    return dict(zip(bars.x, bars.y))


def test_the_chart_shows_every_outcome_and_where_the_seats_are():
    panel = failure_panel()
    result = panel.state["result"]
    assert _counts(panel) == {o.value: result.outcomes[o] for o in Outcome}
    assert list(panel.trace("seats").y) == [result.seats_sold, result.seats_available, result.seats_held]
    panel.set(lost_answer="30%", hold_ttl="30 min")  # labels follow the bars after a change
    for trace in (panel.trace("buyers"), panel.trace("seats")):
        assert list(trace.text) == [str(n) for n in trace.y]
    assert "the money balances" in panel.table.value and "history OK" in panel.table.value


def test_a_hold_shorter_than_a_slow_payment_turns_slow_payers_away_with_a_refund():
    panel = failure_panel(decline=0, lost_answer=0, slow="50%", hold_ttl="10 min")
    assert _counts(panel)["too late"] == 0
    panel["hold_ttl"].slider.value = panel["hold_ttl"]._to_slider(120)  # a learner drags it to 2 minutes
    late = _counts(panel)["too late"]
    assert late > 0 and panel.state["result"].refunds >= late
    assert "the money balances" in panel.table.value


def test_shares_over_everything_say_so_and_keep_the_chart():
    panel = failure_panel()
    before = _counts(panel)
    panel.set(decline="50%", lost_answer="50%", slow="20%")
    assert "more than 100%" in panel.message.value
    assert _counts(panel) == before
