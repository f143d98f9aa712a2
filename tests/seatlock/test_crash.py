"""Kill -9 at every step of confirm, cancel, release and sweep; the reconciler cleans up.

Each scenario runs in a child process over a SQLite store and a gateway whose books are a
SQLite file of their own (the bank outlives the crash). The child sends itself SIGKILL when
it reaches step ``n`` of :data:`~ticketlab.seatlock.CHECKPOINTS`, for every ``n`` until a run
completes. After each death a fresh service (another process, as far as the store can tell)
runs ``reconcile()``, lets the user retry where the scenario says so, sweeps once every hold
has expired and reconciles again; the history checker, at rest and given the gateway's books,
must then find no seat sold twice, no money neither booked nor refunded, and nothing open.
"""

from __future__ import annotations

import multiprocessing
import os
import signal

import pytest

from ticketlab.seatlock import (
    Behaviour,
    BookingService,
    BookingStatus,
    FakePaymentGateway,
    PaymentOutcomeUnknown,
    PessimisticStrategy,
    SimulatedClock,
    check_history,
    small_venue,
)
from ticketlab.seatlock.errors import AlreadyConfirmed
from ticketlab.seatlock.stores.sqlite import SqliteStore

#: scenario -> (behaviour of alice's charges, the steps a run that is not killed passes)
SCENARIOS = {
    "confirm": (Behaviour.OK, ("charge-intent", "charged", "booked")),
    "declined": (Behaviour.DECLINE, ("charge-intent", "charged")),
    "late-payment": (Behaviour.SLOW, ("charge-intent", "charged", "refund-intent", "refunded", "settled")),
    "cancel": (Behaviour.OK, ("charge-intent", "charged", "booked", "refund-intent", "refunded", "settled")),
    "release-after-lost-answer": (Behaviour.TIMEOUT_CAPTURED, ("charge-intent", "charged", "booked")),
    "sweep-after-lost-answer": (Behaviour.TIMEOUT_CAPTURED,
                                ("charge-intent", "charged", "swept-scan", "refund-intent", "refunded", "settled")),
    "double-click": (Behaviour.OK, ("charge-intent", "charged", "charge-intent", "charged", "booked")),
}


def _service(store_path: str, ledger_path: str, behaviour: Behaviour, clock, checkpoint=None) -> BookingService:
    store = SqliteStore(store_path, synchronous="NORMAL")
    gateway = FakePaymentGateway(clock, behaviours={"alice": behaviour}, path=ledger_path)
    return BookingService(store, PessimisticStrategy(), clock, gateway, checkpoint=checkpoint)


def _child(store_path: str, ledger_path: str, scenario: str, kill_at: int, steps_path: str) -> None:
    """One run of ``scenario``, killed by SIGKILL at its ``kill_at``-th step (0: never)."""
    behaviour, _ = SCENARIOS[scenario]
    passed: list[str] = []

    def checkpoint(step: str) -> None:
        passed.append(step)
        if len(passed) == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    clock = SimulatedClock()
    service = _service(store_path, ledger_path, behaviour, clock, checkpoint)
    hold = service.hold_seats("alice", ["GA-1-1", "GA-1-2"])
    service.hold_seats("bob", ["GA-1-3"])  # someone else's hold, left to expire
    if scenario in ("confirm", "declined", "late-payment"):
        try:
            service.confirm(hold.hold_id, "alice")
        except Exception as error:  # the scenario's own outcome (declined, expired): not a crash
            passed.append(type(error).__name__)
    elif scenario == "cancel":
        booking = service.confirm(hold.hold_id, "alice")
        service.cancel(booking.booking_id, "alice")
    elif scenario == "double-click":
        other = BookingService(service.store, PessimisticStrategy(), clock, service.payments, checkpoint=checkpoint)
        clicked = []

        def and_again(step: str) -> None:
            checkpoint(step)
            if step == "charged" and not clicked:
                clicked.append(other.confirm(hold.hold_id, "alice"))

        service.checkpoint = and_again
        assert service.confirm(hold.hold_id, "alice") == clicked[0]
    else:
        try:
            service.confirm(hold.hold_id, "alice")
        except PaymentOutcomeUnknown:
            pass
        if scenario == "release-after-lost-answer":
            try:
                service.release(hold.hold_id, "alice")
            except AlreadyConfirmed:
                pass
        else:
            clock.advance(601)
            service.sweep_expired()
    with open(steps_path, "w") as out:
        out.write("\n".join(step for step in passed if step in SCENARIOS[scenario][1]))
    os._exit(0)


def _recover(store_path: str, ledger_path: str, scenario: str) -> dict:
    """A fresh server after the crash: reconcile, the user's retry, sweep, reconcile; then judge."""
    behaviour, _ = SCENARIOS[scenario]
    probe = SqliteStore(store_path)
    clock = SimulatedClock(max(r.at for r in probe.history()))  # resume from the last time written
    probe.close()
    service = _service(store_path, ledger_path, behaviour, clock)
    store, gateway = service.store, service.payments
    service.reconcile()
    if scenario == "cancel":  # the user presses cancel again
        for booking in store.bookings():
            if booking.status is BookingStatus.CONFIRMED:
                assert service.cancel(booking.booking_id, "alice").status is BookingStatus.CANCELLED
    clock.advance(10_000)
    service.sweep_expired()
    service.reconcile()
    report = check_history(store.history(), store.snapshot(), at_rest=True, gateway_held=gateway.held())
    booked = {b.payment_id: b.amount_cents for b in store.bookings() if b.status is BookingStatus.CONFIRMED}
    result = dict(ok=report.ok, summary=report.summary(), double_bookings=report.double_bookings,
                  held=gateway.held(), booked=booked, open=store.open_payments(), live=store.live_holds())
    store.close()
    gateway.close()
    return result


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_killed_at_every_step_the_reconciler_leaves_no_seat_sold_twice_and_no_money_lost(scenario, tmp_path):
    forking = multiprocessing.get_context("fork")
    _, expected = SCENARIOS[scenario]
    kills = 0
    for kill_at in range(1, len(expected) + 2):
        run = tmp_path / f"kill-{kill_at}"
        run.mkdir()
        store_path, ledger_path, steps_path = str(run / "event.sqlite3"), str(run / "bank.sqlite3"), str(run / "steps")
        SqliteStore.create(store_path, small_venue(4).seats(), event_id="gig", synchronous="NORMAL").close()
        child = forking.Process(target=_child, args=(store_path, ledger_path, scenario, kill_at, steps_path))
        child.start()
        child.join(30)
        assert child.exitcode in (0, -signal.SIGKILL), f"step {kill_at}: the child failed ({child.exitcode})"
        if child.exitcode == 0:  # it got past every step: the steps it passed are the scenario's
            assert kill_at == len(expected) + 1
            with open(steps_path) as passed:
                assert tuple(passed.read().split("\n")) == expected
        else:
            kills += 1
        after = _recover(store_path, ledger_path, scenario)
        assert after["ok"], f"killed at step {kill_at}: {after['summary']}"
        assert after["double_bookings"] == 0
        assert after["held"] == after["booked"]  # every cent the bank holds is in a confirmed booking
        assert after["open"] == [] and after["live"] == []
    assert kills == len(expected)
