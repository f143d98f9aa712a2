"""What the history checker says about a violation: which record, which seat, what was wrong.

``test_checker.py`` shows that each invariant is caught; these tests pin what a report tells
the person reading it, and the edges of the rules (a confirm exactly at expiry, a hold released
before its confirm, the report's summary when it is long).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from ticketlab.seatlock import (
    BookingService,
    MemoryStore,
    OptimisticStrategy,
    Record,
    RecordKind,
    SeatStatus,
    SimulatedClock,
    check_history,
    small_venue,
)
from ticketlab.seatlock.check.history import CheckReport, Violation

from .test_checker import CORRUPTIONS, first, renumber, sale

#: Kinds that are always about one seat, and kinds never about one seat.
PER_SEAT = {"STALE_FENCING_TOKEN", "TWO_LIVE_HOLDS", "HOLD_ON_UNAVAILABLE", "SOLD_TWICE", "WRONG_STATUS",
            "SOLD_MISMATCH", "FINAL_STATE_MISMATCH"}
WHOLE_RECORD = {"NOT_OWNER", "AMOUNT_MISMATCH", "SEQUENCE", "CONFIRM_AFTER_EXPIRY", "PAYMENT_MISMATCH",
                "HOLD_NOT_LIVE", "EXPIRED_EARLY", "PAYMENT_OPEN_AT_RELEASE", "CANCEL_NOT_CONFIRMED",
                "HOLD_NOT_RELEASED", "COUNTERS_MISMATCH", "PAYMENT_UNRESOLVED", "GATEWAY_MISMATCH"}


@pytest.mark.parametrize("corrupt, kind", CORRUPTIONS, ids=[c.__name__ for c, _ in CORRUPTIONS])
def test_each_violation_names_a_record_of_the_history_its_seat_and_what_was_wrong(corrupt, kind):
    history, store, alice = sale()
    final = store.snapshot()
    corrupted, options = corrupt(list(history), alice)
    for seat_id, changes in options.pop("final", {}).items():
        final[seat_id] = replace(final[seat_id], **changes)
    report = check_history(corrupted, final, **options)
    by_seq = {r.seq: r for r in corrupted}
    assert report.violations
    for v in report.violations:
        assert v.seq in by_seq, v  # the record it is about, never a made-up one
        assert isinstance(v.message, str) and len(v.message) > 10, v
        if v.kind in PER_SEAT:
            assert v.seat_id is not None and v.seat_id in v.message, v
            assert v.kind == "FINAL_STATE_MISMATCH" or v.seat_id in by_seq[v.seq].seat_ids, v
        elif v.kind in WHOLE_RECORD:
            assert v.seat_id is None, v


def _alice_confirm_at(offset: float):
    """The clean sale with alice's confirm moved to ``offset`` seconds after her hold's expiry."""
    history, _, alice = sale()
    i = first(history, RecordKind.CONFIRM, hold_id=alice.hold_id)
    history[i] = replace(history[i], at=alice.expires_at + offset)
    return history, history[i]


def test_a_confirm_exactly_at_expiry_is_too_late_and_one_just_before_is_not():
    history, confirm = _alice_confirm_at(0.0)
    late = [v for v in check_history(history).violations if v.kind == "CONFIRM_AFTER_EXPIRY"]
    assert [v.seq for v in late] == [confirm.seq]
    assert confirm.booking_id in late[0].message and f"t={confirm.at:g}" in late[0].message
    history, _ = _alice_confirm_at(-0.001)
    assert check_history(history).ok


def _released_then_confirmed(seats=("GA-1-4",)):
    """Dave holds GA-1-4 and releases it at once; a CONFIRM of that hold follows, long before it would expire."""
    history, store, _ = sale()
    clock = SimulatedClock(history[-1].at)
    service = BookingService(store, OptimisticStrategy(), clock)
    hold = service.hold_seats("dave", ["GA-1-4"])
    service.release(hold.hold_id, "dave")
    ghost = Record(seq=store.last_seq() + 1, kind=RecordKind.CONFIRM, at=clock.now() + 1, seat_ids=tuple(seats),
                   to_status=SeatStatus.SOLD, user="dave", hold_id=hold.hold_id, booking_id="b-ghost",
                   amount_cents=hold.amount_cents)
    return store.history() + [ghost], ghost, hold


def test_a_confirm_of_a_hold_released_before_it_expired_is_caught_by_the_liveness_rule():
    history, ghost, hold = _released_then_confirmed()
    assert ghost.at < hold.expires_at  # so only "no longer live" can catch it, not the clock
    late = [v for v in check_history(history).violations if v.kind == "CONFIRM_AFTER_EXPIRY"]
    assert [v.seq for v in late] == [ghost.seq] and "no longer live" in late[0].message


def test_a_confirm_selling_other_seats_than_its_ended_hold_held_is_caught_too():
    history, ghost, hold = _released_then_confirmed(seats=("GA-1-4", "GA-1-2"))
    report = check_history(history)
    whole = [v for v in report.violations if v.kind == "SEAT_NOT_OWNED" and v.seat_id is None]
    assert [v.seq for v in whole] == [ghost.seq]
    assert "['GA-1-2', 'GA-1-4']" in whole[0].message and "['GA-1-4']" in whole[0].message


def test_a_seat_not_owned_says_whose_it_is():
    history, ghost, _ = _released_then_confirmed()
    seat = [v for v in check_history(history).violations if v.kind == "SEAT_NOT_OWNED" and v.seat_id]
    assert [(v.seq, v.seat_id) for v in seat] == [(ghost.seq, "GA-1-4")]
    assert "AVAILABLE for no one" in seat[0].message


def test_a_store_that_disagrees_says_both_sides_with_their_owners():
    history, store, alice = sale()
    final = store.snapshot()
    final["GA-1-1"] = replace(final["GA-1-1"], status=SeatStatus.HELD, hold_id="h-x", booking_id=None)
    final["GA-1-4"] = replace(final["GA-1-4"], status=SeatStatus.SOLD, booking_id="b-y")
    report = check_history(history, final)
    said = {v.seat_id: v.message for v in report.violations if v.kind == "FINAL_STATE_MISMATCH"}
    booking = history[first(history, RecordKind.CONFIRM, hold_id=alice.hold_id)].booking_id
    assert said["GA-1-1"] == f"GA-1-1 is HELD by hold h-x in the store but the history says SOLD by booking {booking}"
    assert said["GA-1-4"] == "GA-1-4 is SOLD by booking b-y in the store but the history says AVAILABLE"
    assert all(v.seq == history[-1].seq for v in report.violations)


def test_a_stale_token_says_which_seat_and_both_tokens():
    from ticketlab.seatlock import DistributedStrategy, MemoryLockManager

    history, _, alice = sale(DistributedStrategy(MemoryLockManager(SimulatedClock())))
    i = first(history, RecordKind.CONFIRM, hold_id=alice.hold_id)
    history[i] = replace(history[i], fencing_tokens=(0,))
    [v] = [v for v in check_history(history).violations if v.kind == "STALE_FENCING_TOKEN"]
    assert (v.seq, v.seat_id) == (history[i].seq, "GA-1-1")
    assert "fencing token 0, not newer than token 1" in v.message


def _report(n: int, maybe=()) -> CheckReport:
    kinds = ["SOLD_TWICE", "SEQUENCE"]
    return CheckReport(tuple(Violation(kinds[i % 2], i + 1, None, f"problem {i + 1}") for i in range(n)), 40, maybe)


def test_a_long_report_lists_the_first_five_and_counts_the_rest():
    lines = _report(7).summary().splitlines()
    assert lines[0] == "history BROKEN: 7 violations in 40 records (SEQUENCE=3, SOLD_TWICE=4)"
    assert lines[1:6] == [f"  seq {i}: {'SOLD_TWICE' if i % 2 else 'SEQUENCE'}: problem {i}" for i in range(1, 6)]
    assert lines[6:] == ["  ... and 2 more"]
    assert _report(5).summary().splitlines()[-1] == "  seq 5: SOLD_TWICE: problem 5"  # exactly the limit: no tail
    assert len(_report(7).summary(limit=2).splitlines()) == 4


def test_a_clean_report_mentions_unknown_payments_only_when_there_are_some():
    assert _report(0).summary() == "history OK: 40 records, no violations"
    assert _report(0, ("p1", "p2")).summary() == "history OK: 40 records, no violations, 2 payments of unknown outcome"


def test_an_expiry_exactly_at_expires_at_is_on_time_and_one_a_millisecond_early_is_not():
    history, _, _ = sale()
    i = first(history, RecordKind.EXPIRE)
    bob = history[first(history, RecordKind.HOLD, user="bob")]
    history[i] = replace(history[i], at=bob.expires_at)
    assert "EXPIRED_EARLY" not in check_history(history).kinds()
    history[i] = replace(history[i], at=bob.expires_at - 0.001)
    [v] = [v for v in check_history(history).violations if v.kind == "EXPIRED_EARLY"]
    assert v.seq == history[i].seq and bob.hold_id in v.message


def test_a_cancel_that_cannot_be_says_whether_it_was_cancelled_already_or_never_confirmed():
    history, _, _ = sale()
    cancel = history[first(history, RecordKind.CANCEL)]
    twice = renumber(history + [replace(cancel, seq=0)])
    [v] = [v for v in check_history(twice).violations if v.kind == "CANCEL_NOT_CONFIRMED"]
    assert v.seq == twice[-1].seq and v.message.endswith("which was already cancelled")
    ghost = renumber(history + [replace(cancel, seq=0, booking_id="b-nobody", payment_id=None)])
    [v] = [v for v in check_history(ghost).violations if v.kind == "CANCEL_NOT_CONFIRMED"]
    assert v.message == "cancel of booking b-nobody, which was never confirmed"


def test_a_second_confirm_on_a_payment_already_booked_is_a_payment_mismatch():
    history, _, alice = sale()
    confirm = history[first(history, RecordKind.CONFIRM, hold_id=alice.hold_id)]
    again = renumber(history + [replace(confirm, seq=0, booking_id="b-again")])
    said = [v.message for v in check_history(again).violations if v.kind == "PAYMENT_MISMATCH" and v.seq == again[-1].seq]
    assert any(f"took payment {confirm.payment_id} while it was BOOKED" in m for m in said), said
    # and at the end, both live bookings are counted as holding that money
    assert (f"payment {confirm.payment_id}: captured {confirm.amount_cents} cents but confirmed bookings hold "
            f"{2 * confirm.amount_cents} and refunds returned 0") in said


def test_records_written_by_hand_without_a_to_status_mean_the_kinds_usual_one():
    init = Record(seq=1, kind=RecordKind.INIT, at=0.0, seat_ids=("A", "B"))
    hold = Record(seq=2, kind=RecordKind.HOLD, at=1.0, seat_ids=("A",), user="u", hold_id="h1", expires_at=600.0)
    release = Record(seq=3, kind=RecordKind.RELEASE, at=2.0, seat_ids=("A",), user="u", hold_id="h1")
    from ticketlab.seatlock import Seat

    final = {s: Seat(s, "GA", 1, i + 1, 0) for i, s in enumerate(("A", "B"))}
    assert check_history([init, hold, release], final).ok
    blocked = replace(init, to_status=SeatStatus.BLOCKED)  # an INIT may start seats blocked
    assert check_history([blocked, hold]).kinds() == {"HOLD_ON_UNAVAILABLE"}


def test_seats_freed_while_their_charge_was_open_name_the_payment_and_its_state():
    history, _, _ = sale()
    bob = history[first(history, RecordKind.HOLD, user="bob")]
    intent = Record(seq=0, kind=RecordKind.PAYMENT_INTENT, at=1.0, user="bob", hold_id=bob.hold_id,
                    payment_id=f"pay-{bob.hold_id}", amount_cents=bob.amount_cents)
    i = first(history, RecordKind.EXPIRE)
    corrupted = renumber(history[:i] + [intent] + history[i:])
    [v] = [v for v in check_history(corrupted).violations if v.kind == "PAYMENT_OPEN_AT_RELEASE"]
    assert v.seq == corrupted[i + 1].seq and f"pay-{bob.hold_id} was CHARGING" in v.message


def test_money_whose_seats_went_back_before_its_refund_is_judged_at_once_not_left_as_owed():
    history, _, _ = sale()
    i = first(history, RecordKind.REFUND_INTENT)
    cancel = history[first(history, RecordKind.CANCEL)]
    rest = [r for r in history[i:] if r.kind not in (RecordKind.CANCEL, RecordKind.PAYMENT_REFUNDED)]
    corrupted = renumber(history[:i] + [cancel] + rest)  # seats back first, and the refund never came
    report = check_history(corrupted)
    assert report.kinds() == {"PAYMENT_OPEN_AT_RELEASE", "PAYMENT_MISMATCH"}, report.summary()
    [v] = [v for v in report.violations if v.kind == "PAYMENT_MISMATCH"]
    assert f"payment {cancel.payment_id}: captured" in v.message and v.seq == corrupted[-1].seq


def _sweep_of(history, hold, *, at: float, scan_seq: int):
    """``history`` with a SWEEP at ``at`` that looked at records up to ``scan_seq`` and released nothing."""
    return renumber(history + [Record(seq=0, kind=RecordKind.SWEEP, at=at, scan_seq=scan_seq)])


def _bob_left_live():
    """The clean sale with bob's expiry removed: his hold is still live after it."""
    history, _, _ = sale()
    del history[first(history, RecordKind.EXPIRE)]
    history = [r for r in history if r.kind is not RecordKind.SWEEP]
    return renumber(history), next(r for r in history if r.kind is RecordKind.HOLD and r.user == "bob")


def test_a_sweep_exactly_at_expiry_must_release_the_hold():
    history, bob = _bob_left_live()
    late = _sweep_of(history, bob, at=bob.expires_at, scan_seq=0)
    [v] = [v for v in check_history(late).violations if v.kind == "HOLD_NOT_RELEASED"]
    assert v.seq == late[-1].seq and bob.hold_id in v.message
    early = _sweep_of(history, bob, at=bob.expires_at - 0.001, scan_seq=0)
    assert "HOLD_NOT_RELEASED" not in check_history(early).kinds()


def test_a_sweep_answers_for_the_holds_it_saw_including_the_last_record_it_saw():
    history, bob = _bob_left_live()
    held = next(r.seq for r in history if r.hold_id == bob.hold_id and r.kind is RecordKind.HOLD)
    seen = _sweep_of(history, bob, at=bob.expires_at + 1, scan_seq=held)  # bob's hold was the newest it saw
    assert "HOLD_NOT_RELEASED" in check_history(seen).kinds()
    unseen = _sweep_of(history, bob, at=bob.expires_at + 1, scan_seq=held - 1)
    assert "HOLD_NOT_RELEASED" not in check_history(unseen).kinds()


def test_a_sold_mismatch_says_which_way_the_seat_and_the_bookings_disagree():
    history, _, alice = sale()
    booking = history[first(history, RecordKind.CONFIRM, hold_id=alice.hold_id)].booking_id
    unsold = renumber(history + [Record(seq=0, kind=RecordKind.UNBLOCK, at=1.0, seat_ids=("GA-1-1",),
                                        to_status=SeatStatus.AVAILABLE)])
    said = [v.message for v in check_history(unsold).violations if v.kind == "SOLD_MISMATCH"]
    assert said == [f"GA-1-1 is AVAILABLE though booking {booking} holds it"]
    sold = renumber(history + [Record(seq=0, kind=RecordKind.BLOCK, at=1.0, seat_ids=("GA-1-4",),
                                      to_status=SeatStatus.SOLD)])
    said = [v.message for v in check_history(sold).violations if v.kind == "SOLD_MISMATCH"]
    assert said == ["GA-1-4 is SOLD without a live confirmed booking"]


def test_blocking_needs_an_available_seat_and_unblocking_a_blocked_one():
    from ticketlab.seatlock import Seat

    init = Record(seq=1, kind=RecordKind.INIT, at=0.0, seat_ids=("A",), to_status=SeatStatus.AVAILABLE)
    block = Record(seq=2, kind=RecordKind.BLOCK, at=1.0, seat_ids=("A",))  # no to_status: BLOCK means BLOCKED
    hold = Record(seq=3, kind=RecordKind.HOLD, at=2.0, seat_ids=("A",), user="u", hold_id="h1", expires_at=600.0)
    assert check_history([init, block, hold]).kinds() == {"HOLD_ON_UNAVAILABLE"}
    unblock = Record(seq=3, kind=RecordKind.UNBLOCK, at=2.0, seat_ids=("A",))  # no to_status: back to AVAILABLE
    assert check_history([init, block, unblock], {"A": Seat("A", "GA", 1, 1, 0)}).ok
    [v] = check_history([init, replace(unblock, seq=2)]).violations
    assert (v.kind, v.seat_id, v.message) == ("WRONG_STATUS", "A", "UNBLOCK of A, which was AVAILABLE, not BLOCKED")


def test_a_charge_or_capture_for_another_amount_than_the_hold_is_caught_where_it_happens():
    history, _, alice = sale()
    for kind in (RecordKind.PAYMENT_INTENT, RecordKind.PAYMENT_CAPTURED):
        corrupted = list(history)
        i = first(corrupted, kind, hold_id=alice.hold_id)
        corrupted[i] = replace(corrupted[i], amount_cents=corrupted[i].amount_cents + 1)
        wrong = [v for v in check_history(corrupted).violations if v.kind == "AMOUNT_MISMATCH"]
        assert [v.seq for v in wrong] == [corrupted[i].seq], kind
        assert f"the price of hold {alice.hold_id} is {alice.amount_cents} cents" in wrong[0].message


def test_a_capture_or_a_refund_recorded_twice_is_counted_twice():
    history, _, alice = sale()
    capture = history[first(history, RecordKind.PAYMENT_CAPTURED, hold_id=alice.hold_id)]
    twice = renumber(history + [replace(capture, seq=0)])
    said = [v.message for v in check_history(twice).violations if v.kind == "PAYMENT_MISMATCH"]
    assert f"payment {capture.payment_id} captured twice" in said
    assert (f"payment {capture.payment_id}: captured {2 * capture.amount_cents} cents but confirmed bookings hold "
            f"{capture.amount_cents} and refunds returned 0") in said
    refund = history[first(history, RecordKind.PAYMENT_REFUNDED)]
    again = renumber(history + [replace(refund, seq=0)])
    said = [v.message for v in check_history(again).violations if v.kind == "PAYMENT_MISMATCH"]
    assert said == [f"payment {refund.payment_id}: captured {refund.amount_cents} cents but confirmed bookings hold 0 "
                    f"and refunds returned {2 * refund.amount_cents}"]


def test_a_declined_charge_is_settled_not_a_maybe_and_not_open_at_rest():
    history, _, _ = sale()
    dave = [Record(seq=0, kind=kind, at=2.0, user="dave", hold_id="h-dave", payment_id="pay-dave", amount_cents=500)
            for kind in (RecordKind.PAYMENT_INTENT, RecordKind.PAYMENT_UNKNOWN, RecordKind.PAYMENT_DECLINED)]
    report = check_history(renumber(history + dave), at_rest=True)
    assert report.ok and report.maybe == (), report.summary()
    open_one = check_history(renumber(history + dave[:2]), at_rest=True)
    assert open_one.maybe == ("pay-dave",) and open_one.kinds() == {"PAYMENT_UNRESOLVED"}
    assert "payment pay-dave is still CHARGING at rest" in open_one.violations[0].message


def test_a_free_seat_booked_without_money_needs_nothing_at_the_gateway():
    from ticketlab.seatlock import FakePaymentGateway, Seat

    clock = SimulatedClock()
    store = MemoryStore([Seat("COMP-1", "GA", 1, 1, 0)])
    gateway = FakePaymentGateway(clock)
    service = BookingService(store, OptimisticStrategy(), clock, gateway)
    service.confirm(service.hold_seats("guest", ["COMP-1"]).hold_id, "guest")
    assert check_history(store.history(), store.snapshot(), at_rest=True, gateway_held=gateway.held()).ok
    assert check_history(store.history(), at_rest=True, gateway_held={}).ok  # a gateway that never heard of it


def test_an_empty_history_is_judged_against_the_store_from_a_record_zero():
    from ticketlab.seatlock import Seat

    [v] = check_history([], {"A": Seat("A", "GA", 1, 1, 0)}).violations
    assert (v.kind, v.seq, v.seat_id) == ("FINAL_STATE_MISMATCH", 0, "A")
    assert v.message == "A is AVAILABLE in the store but the history says None"


def test_violation_kinds_print_as_the_names_a_learner_reads():
    from ticketlab.seatlock import ViolationKind

    kinds = sorted({ViolationKind.SOLD_TWICE, ViolationKind.SEQUENCE})
    assert repr(kinds) == "['SEQUENCE', 'SOLD_TWICE']" and f"{kinds[0]}" == "SEQUENCE"
    assert kinds[1] == "SOLD_TWICE" and isinstance(kinds[1], str)


def test_not_owner_names_the_hold_a_confirm_ends_and_the_booking_a_cancel_frees():
    history, _, alice = sale()
    i = first(history, RecordKind.CONFIRM, hold_id=alice.hold_id)
    stolen = list(history)
    stolen[i] = replace(history[i], user="mallory")
    said = [v.message for v in check_history(stolen).violations if v.kind == "NOT_OWNER"]
    assert said == [f"CONFIRM of hold {alice.hold_id} by 'mallory', but it belongs to 'alice'"]
    j = first(history, RecordKind.CANCEL)
    stolen = list(history)
    stolen[j] = replace(history[j], user="mallory")
    said = [v.message for v in check_history(stolen).violations if v.kind == "NOT_OWNER"]
    assert said == [f"CANCEL of booking {history[j].booking_id} by 'mallory', but it belongs to 'carol'"]


def test_an_amount_mismatch_says_what_the_amount_should_have_been():
    history, store, alice = sale()
    final = store.snapshot()
    i = first(history, RecordKind.HOLD, hold_id=alice.hold_id)
    dear = list(history)
    dear[i] = replace(history[i], amount_cents=alice.amount_cents + 1)
    [v] = [v for v in check_history(dear, final).violations if v.kind == "AMOUNT_MISMATCH" and v.seq == dear[i].seq]
    assert v.message.endswith(f"but the price of its seats ['GA-1-1'] is {final['GA-1-1'].price_cents} cents")
    j = first(history, RecordKind.PAYMENT_REFUNDED)
    refund = history[j]
    generous = list(history)
    generous[j] = replace(refund, amount_cents=refund.amount_cents + 1)
    [v] = [v for v in check_history(generous).violations if v.kind == "AMOUNT_MISMATCH"]
    assert v.message == (f"PAYMENT_REFUNDED of {refund.payment_id} is {refund.amount_cents + 1} cents but the "
                         f"capture it gives back is {refund.amount_cents} cents")


def test_a_seat_sold_without_a_booking_is_reported_once_however_often_it_is_touched_after():
    history, _, _ = sale()
    sold = Record(seq=0, kind=RecordKind.BLOCK, at=1.0, seat_ids=("GA-1-4",), to_status=SeatStatus.SOLD)
    report = check_history(renumber(history + [sold, sold, sold]))
    assert [v.seat_id for v in report.violations if v.kind == "SOLD_MISMATCH"] == ["GA-1-4"]


def test_a_seat_that_is_not_the_records_own_says_whose_it_is_or_that_it_is_no_ones():
    history, _, _ = sale()
    bob = history[first(history, RecordKind.HOLD, user="bob")]
    carol = history[first(history, RecordKind.CONFIRM, user="carol")]
    i = first(history, RecordKind.CONFIRM, user="carol")
    greedy = list(history)
    greedy[i] = replace(carol, seat_ids=("GA-1-3", "GA-1-2"))
    said = [v.message for v in check_history(greedy).violations
            if v.kind == "SEAT_NOT_OWNED" and v.seat_id and v.seq == carol.seq]
    assert said == [f"CONFIRM of hold {carol.hold_id} touches GA-1-2, which is HELD for {bob.hold_id}"]
    j = first(history, RecordKind.EXPIRE)
    ghost = list(history)
    ghost[j] = replace(history[j], seat_ids=(*history[j].seat_ids, "Z-9"))
    [v] = [v for v in check_history(ghost).violations if v.kind == "SEAT_NOT_OWNED"]
    assert (v.seat_id, v.message) == ("Z-9", f"EXPIRE of hold {bob.hold_id} touches Z-9, which is AVAILABLE for no one")
    k = first(history, RecordKind.CANCEL)
    cancel = history[k]
    for seat_id, owner in (("Z-9", "AVAILABLE for no one"), ("GA-1-2", f"HELD for {bob.hold_id}")):
        wide = list(history)
        wide[k] = replace(cancel, seat_ids=(*cancel.seat_ids, seat_id))
        per_seat = [(v.kind, v.seat_id, v.message) for v in check_history(wide).violations if v.seat_id == seat_id]
        assert per_seat[0] == ("SEAT_NOT_OWNED", seat_id,
                               f"cancel of booking {cancel.booking_id} frees {seat_id}, which is {owner}")
        assert "SEAT_NOT_OWNED" in {v.kind for v in check_history(wide).violations if v.seat_id is None}
    blocked = renumber(history + [Record(seq=0, kind=RecordKind.BLOCK, at=1.0, seat_ids=("Z-9",))])
    [v] = check_history(blocked).violations
    assert (v.kind, v.seat_id) == ("WRONG_STATUS", "Z-9")


def test_a_cancel_without_a_status_frees_its_seats():
    history, store, _ = sale()
    k = first(history, RecordKind.CANCEL)
    bare = list(history)
    bare[k] = replace(history[k], to_status=None)
    report = check_history(bare, store.snapshot())
    assert report.ok, report.summary()


def test_a_booking_that_takes_a_refunded_payment_is_a_payment_mismatch():
    history, _, _ = sale()
    carol = history[first(history, RecordKind.CONFIRM, user="carol")]
    again = renumber(history + [replace(carol, seq=0)])
    said = [v.message for v in check_history(again).violations
            if v.kind == "PAYMENT_MISMATCH" and v.seq == again[-1].seq]
    assert said == [f"booking {carol.booking_id} took payment {carol.payment_id} while it was REFUNDED, "
                    "not an open charge"]


def test_a_record_of_a_kind_outside_the_vocabulary_is_named_in_a_clear_error():
    from ticketlab.core.errors import InputError

    history = [Record(seq=1, kind=RecordKind.INIT, at=0.0, seat_ids=("A-1",), to_status=SeatStatus.AVAILABLE),
               Record(seq=2, kind="TELEPORT", at=1.0)]
    with pytest.raises(InputError, match="RecordKind") as caught:
        check_history(history)
    assert isinstance(caught.value, ValueError) and "history" in str(caught.value)
