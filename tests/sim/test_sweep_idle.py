"""The rush's sweeper skips its scan while no hold is live, and nothing else about the rush changes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ticketlab.seatlock import RecordKind, SeatStatus
from ticketlab.sim import Rush, rush_config
from ticketlab.sim.result import summarise_rush


class _AlwaysSweeping(Rush):
    """The rush as it was before: every tick of the sweeper scans the store, live holds or not."""

    def _sweep(self) -> None:
        freed = sum(self._end_hold(hold_id) for hold_id in self.service.sweep_expired().released)
        if freed:
            self._offer(freed)
        if self._running():
            self.loop.call_at(self.loop.now + self.config.sweep_interval, self._sweep)


def _run(cls, config):
    rush = cls(config)
    rush.service._prefix = "same"  # hold and booking ids carry a random prefix per service
    return rush.run()


def _without_sweeps(history):
    """Every record but the sweeps', each field but its place in the history (sweeps took places too)."""
    return [replace(r, seq=0) for r in history if r.kind is not RecordKind.SWEEP]


def _sweeps(history):
    return sum(r.kind is RecordKind.SWEEP for r in history)


# slow admission leaves stretches with no live hold between stretches with some; declines and abandoned
# holds make the sweeper and the waitlist work; the naive strategy leaves holds whose seats someone sold
CASES = {
    "paying-slowly": dict(users=120, seats=200, admit_per_minute=0.5, abandon_rate=0),
    "declines": dict(users=200, seats=100, admit_per_minute=1, abandon_rate=0.3, payment_failure_rate=0.2),
    "bots-raffle": dict(users=200, seats=60, admit_per_minute=1, arrival="fans-and-bots", bot_share=0.3,
                        policy="raffle"),
    "pick-your-seat": dict(users=200, seats=100, admit_per_minute=1, seat_choice="pick", hold_ttl="3 min",
                           sweep_interval="20 s"),
    "naive": dict(users=300, seats=120, strategy="naive", db_time="30 ms", admit_per_minute=8),
    "distributed": dict(users=200, seats=100, strategy="distributed", admit_per_minute=1),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_skipping_empty_sweeps_changes_no_outcome_sample_or_record(case):
    config = rush_config(**CASES[case], max_active=2_000, seed=3, sample_every="30 s")
    new, old = _run(Rush, config), _run(_AlwaysSweeping, config)
    assert new.outcome == old.outcome
    assert new.booked_seats == old.booked_seats
    assert new.holds == old.holds
    assert new.samples == old.samples
    assert new.store.snapshot() == old.store.snapshot()
    assert _without_sweeps(new.store.history()) == _without_sweeps(old.store.history())
    a, b = summarise_rush(new, _check(new)), summarise_rush(old, _check(old))
    assert (a.seats_sold, a.bookings, a.wait_p95, a.ok, a.double_bookings) == (
        b.seats_sold, b.bookings, b.wait_p95, b.ok, b.double_bookings)
    assert _sweeps(new.store.history()) <= _sweeps(old.store.history())


def _check(rush):
    from ticketlab.seatlock import check_history

    return check_history(rush.store.history(), rush.store.snapshot())


def test_a_slow_sale_skips_most_empty_sweeps_and_still_expires_every_abandoned_hold():
    quiet = rush_config(**CASES["paying-slowly"], max_active=2_000, seed=3)
    new, old = _run(Rush, quiet), _run(_AlwaysSweeping, quiet)
    assert _sweeps(new.store.history()) < 0.6 * _sweeps(old.store.history())  # ticks with nothing live
    busy = rush_config(**CASES["declines"], max_active=2_000, seed=3)
    rush = _run(Rush, busy)
    assert any(r.kind is RecordKind.EXPIRE for r in rush.store.history())
    assert rush.outcome.count("abandoned") > 0
    assert rush.store.hold_count() == 0  # every hold ended: paid, declined or expired by a sweep
    assert rush.result().ok


def test_a_live_hold_whose_seats_someone_else_bought_is_still_swept():
    """The skip asks the store for live holds, not held seats: after a naive double sale a hold can be
    live with none of its seats HELD, and only a sweep ends it (and hands its party's seats to the
    waitlist, as before)."""
    config = rush_config(users=4, seats=40, strategy="naive", max_active=100, sweep_interval="1 min",
                         hold_ttl="5 min", seed=1)
    rush = _run(Rush, config)  # a finished rush with seats left, then two more people on its core and clock
    service, loop = rush.service, rush.loop
    seat = next(s for s, v in rush.store.snapshot().items() if v.status is SeatStatus.AVAILABLE)
    holds = {}

    def buyer(user: str) -> None:
        holds[user] = service.hold_seats(user, [seat])  # naive: read, pause, write over whatever is there

    loop.spawn(buyer, "ua")
    loop.spawn(buyer, "ub")
    loop.run(until=loop.now + 10)
    winner = next(u for u, h in holds.items() if rush.store.snapshot()[seat].hold_id == h.hold_id)
    loser = holds["ua" if winner == "ub" else "ub"]
    loop.spawn(lambda: service.confirm(holds[winner].hold_id, winner))
    loop.run(until=loop.now + 60)
    assert rush.store.snapshot()[seat].status is SeatStatus.SOLD
    assert rush.store.held() == 0 and rush.store.hold_count() == 1  # the loser's hold: live, no seat HELD
    loop.call_at(loser.expires_at + 1, rush._sweep)
    loop.run(until=loser.expires_at + 2)
    assert rush.store.hold_count() == 0
    assert any(r.kind is RecordKind.EXPIRE and r.hold_id == loser.hold_id for r in rush.store.history())
