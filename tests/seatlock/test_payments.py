"""The fake gateway keeps the promises a real one makes: one key, one movement of money."""

from __future__ import annotations

import pytest

from ticketlab.core.errors import InputError
from ticketlab.seatlock import (
    Behaviour,
    FakePaymentGateway,
    PaymentGatewayError,
    PaymentOutcome,
    SimulatedClock,
    refund_key,
)


@pytest.fixture(params=["memory", "file"])
def gateway(request, tmp_path):
    made = FakePaymentGateway(SimulatedClock(), behaviours={"pat": Behaviour.TIMEOUT_PENDING},
                              path=str(tmp_path / "bank.sqlite3") if request.param == "file" else None)
    yield made
    made.close()


def test_a_charge_repeated_under_its_key_takes_the_money_once(gateway):
    first = gateway.charge("pay-1", "ann", 10000, 10)
    again = gateway.charge("pay-1", "ann", 10000, 10)
    assert first.outcome is again.outcome is PaymentOutcome.CAPTURED
    assert gateway.held() == {"pay-1": 10000}


def test_a_key_reused_for_another_amount_is_refused(gateway):
    gateway.charge("pay-1", "ann", 10000, 10)
    with pytest.raises(InputError, match="10000 cents"):
        gateway.charge("pay-1", "ann", 1, 10)
    assert gateway.held() == {"pay-1": 10000}


def test_a_charge_still_in_flight_answers_pending_to_a_second_request(gateway):
    assert gateway.charge("pay-1", "pat", 500, 10).outcome is PaymentOutcome.UNKNOWN
    assert gateway.charge("pay-1", "pat", 500, 10).outcome is PaymentOutcome.PENDING
    assert gateway.settle() == 1 and gateway.held() == {"pay-1": 500}


def test_a_refund_repeated_under_its_key_moves_the_money_once_and_says_so_each_time(gateway):
    gateway.charge("pay-1", "ann", 10000, 10)
    assert gateway.refund("pay-1") is True
    assert gateway.refund("pay-1", refund_key("pay-1")) is True  # the same request again: the same answer
    assert gateway.refund("pay-1", "another-key") is False  # nothing left to give back
    assert gateway.status("pay-1") is PaymentOutcome.REFUNDED and gateway.held() == {}


def test_a_refund_of_money_never_captured_moves_nothing(gateway):
    assert gateway.refund("pay-none") is False
    assert gateway.status("pay-none") is PaymentOutcome.NONE


def test_void_closes_a_key_never_charged_and_leaves_a_charged_one_alone(gateway):
    assert gateway.void("pay-1") is PaymentOutcome.VOIDED
    assert gateway.charge("pay-1", "ann", 10000, 10).outcome is PaymentOutcome.VOIDED
    gateway.charge("pay-2", "ann", 10000, 10)
    assert gateway.void("pay-2") is PaymentOutcome.CAPTURED
    assert gateway.held() == {"pay-2": 10000}


def test_a_failed_request_changes_nothing_and_the_next_one_goes_through(gateway):
    gateway.charge("pay-1", "ann", 10000, 10)
    gateway.fail_next("refund")
    with pytest.raises(PaymentGatewayError):
        gateway.refund("pay-1")
    assert gateway.held() == {"pay-1": 10000}
    assert gateway.refund("pay-1") is True and gateway.held() == {}


def test_fail_next_names_a_request_the_gateway_has(gateway):
    with pytest.raises(InputError, match="'charge', 'refund' or 'status'"):
        gateway.fail_next("capture")


def test_a_gateway_on_a_file_remembers_after_its_process_is_gone(tmp_path):
    path = str(tmp_path / "bank.sqlite3")
    bank = FakePaymentGateway(SimulatedClock(), path=path)
    bank.charge("pay-1", "ann", 10000, 10)
    bank.close()
    again = FakePaymentGateway(SimulatedClock(), path=path)
    assert again.status("pay-1") is PaymentOutcome.CAPTURED
    assert again.charge("pay-1", "ann", 10000, 10).outcome is PaymentOutcome.CAPTURED
    assert again.refund("pay-1") is True and again.held() == {}
    again.close()
