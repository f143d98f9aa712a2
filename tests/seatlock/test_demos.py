"""The demonstrations the notebooks and the CLI show, and the CLI verbs themselves."""

from __future__ import annotations

import json

import pytest

from ticketlab.core.errors import InputError
from ticketlab.seatlock import paused_client, progression, race
from ticketlab.ui.cli import main


def test_paused_client_without_fencing_sells_the_seat_twice():
    result = paused_client("lease-only")
    assert result.sold_to == ("alice", "bob")
    assert result.report.double_bookings == 1


def test_paused_client_with_fencing_is_rejected_by_the_store():
    result = paused_client("fencing")
    assert result.sold_to == ("bob",)
    assert result.a_error == "StaleFencingToken"
    assert result.report.ok


def test_conditional_write_alone_stops_the_paused_client():
    result = paused_client("conditional")
    assert result.sold_to == ("bob",)
    assert result.a_error == "LostRace"
    assert result.report.ok


def test_paused_client_needs_a_pause_longer_than_the_lease():
    with pytest.raises(InputError):
        paused_client("fencing", lock_ttl=30, pause=10)


def test_progression_fixes_one_problem_per_step_and_ends_safe():
    steps = progression()
    assert [s.name for s in steps] == ["status column only", "reserved-until timestamp", "expiry sweeper",
                                       "TTL lock", "conditional update as the real guard"]
    assert [s.sold_twice for s in steps] == [True, False, True, True, False]
    assert "still HELD" in steps[1].observed


def test_race_rejects_unknown_strategy_and_backend():
    with pytest.raises(InputError):
        race("yolo")
    with pytest.raises(InputError):
        race("naive", backend="postgres")


def _cli(argv):
    return main(argv)


def test_cli_race_prints_json_with_the_documented_fields(capsys):
    assert _cli(["race", "--strategy", "pessimistic", "--users", "6", "--seats", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("seats_sold", "bookings", "conflicts", "retries", "lock_timeouts", "double_bookings",
                "wall_s", "ops_per_s"):
        assert key in out
    assert out["double_bookings"] == 0 and out["seats_sold"] == 2 and out["ok"] is True


def test_cli_race_shows_naive_double_booking(capsys):
    assert _cli(["race", "--strategy", "naive", "--users", "10", "--seats", "2"]) == 0
    out = capsys.readouterr().out
    assert "double bookings" in out and "BROKEN" in out


def test_cli_paused_client_and_progression_run(capsys):
    assert _cli(["paused-client"]) == 0
    out = capsys.readouterr().out
    assert "SOLD TWICE" in out and "fencing token" in out
    assert _cli(["progression", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 5


def test_a_race_of_one_user_for_one_seat_speaks_in_the_singular(capsys):
    from ticketlab.ui.cli import main

    assert main(["race", "--users", "1", "--seats", "1"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "race: naive on memory, 1 thread rushing 1 seat"
    assert main(["race", "--users", "1", "--seats", "1", "--backend", "sqlite", "--processes", "1"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "race: naive on sqlite, 1 user in 1 process rushing 1 seat"
