"""Classroom mode on a real redis-server started with ACLs: an admin (the instructor, whose
password is the secret) and, once a room is open, the ``learner`` user. Laptops are stood in
for by processes; every refusal is the server's or the referee's, never a convention.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import pytest
import redis
from support import RedisServer

from ticketlab import classroom
from ticketlab.core.errors import InputError
from ticketlab.seatlock import StoreUnavailable

pytestmark = pytest.mark.server

SECRET = "instructor-secret-7f3a"


class Room:
    """A redis-server with an admin user, one open room on it, and its referee on a thread."""

    def __init__(self, tmp_path, seats: int = 6, strategy: str = "optimistic", latency_ms: float = 20.0):
        self.server = RedisServer(tmp_path).start()
        try:
            admin = self.server.client()
            admin.execute_command("ACL", "SETUSER", "admin", "on", f">{SECRET}", "~*", "&*", "+@all")
            admin.execute_command("ACL", "SETUSER", "default", "off")  # nobody connects without a password
            admin.close()
            self.admin_url = f"redis://admin:{SECRET}@127.0.0.1:{self.server.port}/0"
            self.store, self.learner_url = classroom.open_room(self.admin_url, seats=seats, strategy=strategy,
                                                               latency_ms=latency_ms)
        except BaseException:
            self.server.stop()  # a room that failed to open leaves no server behind
            raise
        self.referee = classroom.Referee(self.store)
        self.thread = threading.Thread(target=self.referee.serve, daemon=True)
        self.thread.start()

    def learner_client(self) -> redis.Redis:
        return redis.Redis.from_url(self.learner_url, decode_responses=True)

    def close(self):
        self.referee.stop()
        self.thread.join(timeout=10)
        self.store.close()
        self.server.stop()


@pytest.fixture
def room(tmp_path):
    made = Room(tmp_path)
    yield made
    made.close()


# --- names, and what a learner can do for herself ----------------------------------------


@pytest.mark.parametrize("name", ["", "a" * 25, "ada lovelace", "ada{x}", "ada|x", "ada\n", "é", None, 7])
def test_a_name_outside_the_charset_or_too_long_is_refused_before_anything_is_sent(room, name):
    with pytest.raises(InputError, match="name"):
        classroom.join(room.learner_url, name)


def test_a_learner_holds_confirms_and_releases_her_own_seats(room):
    ada = classroom.join(room.learner_url, "ada")
    hold = ada.hold("GA-1-1", "GA-1-2")
    booking = ada.confirm(hold["hold_id"])
    assert booking["seat_ids"] == ["GA-1-1", "GA-1-2"]
    other = ada.hold("GA-1-3")
    ada.release(other["hold_id"])
    assert ada.seats()["GA-1-1"] == "SOLD" and ada.seats()["GA-1-3"] == "AVAILABLE"
    view = classroom.room_view(room.learner_url)
    assert view.owners == {"ada": 2} and view.double_bookings == () and view.violations == 0
    ada.close()


def test_a_taken_name_cannot_join_twice(room):
    classroom.join(room.learner_url, "ada").close()
    with pytest.raises(InputError, match="taken"):
        classroom.join(room.learner_url, "ada")


# --- every refusal, enforced -------------------------------------------------------------


def test_a_learner_cannot_confirm_or_release_another_learners_hold(room):
    ada, bob = classroom.join(room.learner_url, "ada"), classroom.join(room.learner_url, "bob")
    hold = ada.hold("GA-1-1")
    for step in (bob.confirm, bob.release):
        with pytest.raises(classroom.RequestRefused) as refused:
            step(hold["hold_id"])
        assert refused.value.kind == "NotHoldOwner"
    assert room.store.get_hold(hold["hold_id"]).user == "ada"
    ada.close(), bob.close()


def test_a_request_with_someone_elses_name_but_not_their_token_is_refused(room):
    ada, bob = classroom.join(room.learner_url, "ada"), classroom.join(room.learner_url, "bob")
    hold = ada.hold("GA-1-1")
    bob.name = "ada"  # bob claims to be ada, with his own token
    for step in (bob.release, bob.confirm):
        with pytest.raises(classroom.RequestRefused) as refused:
            step(hold["hold_id"])
        assert refused.value.kind == "InputError" and "token" in str(refused.value)
    assert room.store.get_hold(hold["hold_id"]).user == "ada"
    ada.close(), bob.close()


@pytest.mark.parametrize("command", [
    ("HSET", "ticketlab:{classroom-classroom}:status", "GA-1-1", "AVAILABLE"),  # a seat, directly
    ("HSET", "ticketlab:{classroom-classroom}:room:settings", "strategy", "naive"),  # the room's settings
    ("HSET", "ticketlab:{classroom-classroom}:room:learners", "ada", "0" * 64),  # someone's token hash
    ("DEL", "ticketlab:{classroom-classroom}:holds"),
    ("XADD", "ticketlab:{classroom-classroom}:room:reply:ada", "*", "ok", "1"),  # a forged answer
    ("EVAL", "return 1", "0"),
    ("SCRIPT", "LOAD", "return 1"),
    ("EVALSHA", "0" * 40, "1", "ticketlab:{classroom-classroom}:meta"),
    ("CONFIG", "SET", "maxmemory", "1"),
    ("ACL", "SETUSER", "learner", "+@all"),
    ("FLUSHALL",),
    ("LRANGE", "ticketlab-requests:{classroom-classroom}", "0", "-1"),  # other learners' tokens
    ("XADD", "ticketlab-requests:{classroom-classroom}", "MAXLEN", "0", "*", "op", "x"),  # wipe the queue
    ("LTRIM", "ticketlab-requests:{classroom-classroom}", "1", "0"),
    ("LPOP", "ticketlab-requests:{classroom-classroom}"),  # take someone's request
    ("DEL", "ticketlab-requests:{classroom-classroom}"),
])
def test_the_learner_acl_refuses_every_write_script_and_admin_command(room, command):
    client = room.learner_client()
    assert client.ping()
    with pytest.raises(redis.exceptions.NoPermissionError):
        client.execute_command(*command)
    client.close()


def test_the_instructors_commands_need_the_secret(room):
    wrong = room.admin_url.replace(SECRET, "guess")
    with pytest.raises(StoreUnavailable):
        classroom.start_room(wrong)
    with pytest.raises(StoreUnavailable):
        classroom.close_room(room.learner_url)  # a learner's URL is not enough
    with pytest.raises(StoreUnavailable):
        classroom.open_room(room.learner_url, seats=3)


def test_the_secret_can_come_from_a_file(room, tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text(SECRET + "\n")
    url = classroom.admin_url(f"redis://admin@127.0.0.1:{room.server.port}/0", str(secret_file))
    assert classroom.start_room(url, delay=0) > 0
    with pytest.raises(InputError, match="secret_file"):
        classroom.admin_url(url, str(tmp_path / "missing"))


# --- the rush: laptops in processes ---------------------------------------------------------

_LAPTOP = """
import json, sys
from ticketlab import classroom
me = classroom.join(sys.argv[1], sys.argv[2])
print("JOINED", flush=True)
result = me.rush(1)
print(json.dumps({"name": result.name, "bought": list(result.bought), "conflicts": result.conflicts}), flush=True)
"""


def rush_with_laptops(room: Room, learners: int) -> list[dict]:
    laptops = [subprocess.Popen([sys.executable, "-c", _LAPTOP, room.learner_url, f"laptop-{k}"],
                                stdout=subprocess.PIPE, text=True) for k in range(learners)]
    try:
        assert [p.stdout.readline().strip() for p in laptops] == ["JOINED"] * learners
        classroom.start_room(room.admin_url, delay=0.5)
        return [json.loads(p.stdout.readline()) for p in laptops]
    finally:
        for p in laptops:
            p.wait(timeout=60)


def test_naive_room_double_books_across_laptops_and_the_report_says_so(tmp_path):
    room = Room(tmp_path, seats=2, strategy="naive", latency_ms=150)
    try:
        results = rush_with_laptops(room, 6)
        assert sum(len(r["bought"]) for r in results) > 2  # more seats bought than the room has
        view = classroom.close_room(room.admin_url)
        assert view.double_bookings and view.violations > 0
        report = view.report()
        assert "DOUBLE BOOKINGS" in report and "SOLD_TWICE" in report
        assert {name for name in view.scores} == {f"laptop-{k}" for k in range(6)}
    finally:
        room.close()


@pytest.mark.parametrize("strategy", ["optimistic", "pessimistic", "distributed"])
def test_a_safe_room_sells_each_seat_once_across_laptops(tmp_path, strategy):
    room = Room(tmp_path, seats=3, strategy=strategy, latency_ms=50)
    try:
        results = rush_with_laptops(room, 5)
        assert sum(len(r["bought"]) for r in results) == 3
        assert sum(r["conflicts"] for r in results) > 0  # they really raced
        view = classroom.close_room(room.admin_url)
        assert view.double_bookings == () and view.violations == 0 and view.sold == 3
        assert "no violations" in view.report() or "OK" in view.report()
    finally:
        room.close()


def test_bots_join_and_rush_beside_the_learners(room):
    classroom.start_room(room.admin_url, delay=1.0)
    results = classroom.run_bots(room.learner_url, users=12, processes=2)
    assert len(results) == 12 and sum(len(r.bought) for r in results) == 6  # the room's six seats, once each
    view = classroom.room_view(room.learner_url)
    assert view.sold == 6 and view.double_bookings == ()


def test_a_closed_room_stops_its_referee_and_switches_the_learners_off(room):
    classroom.join(room.learner_url, "ada").close()
    view = classroom.close_room(room.admin_url)
    room.thread.join(timeout=10)
    assert not room.thread.is_alive() and view.state == "closed"
    with pytest.raises(redis.exceptions.AuthenticationError):
        room.learner_client().ping()


# --- the instructor's CLI and the leaderboard ---------------------------------------------


def test_the_cli_opens_a_room_referees_it_and_closes_it_with_the_report(tmp_path, capsys):
    from ticketlab.ui.cli import main

    server = RedisServer(tmp_path).start()
    try:
        admin = server.client()
        admin.execute_command("ACL", "SETUSER", "admin", "on", f">{SECRET}", "~*", "&*", "+@all")
        admin.execute_command("ACL", "SETUSER", "default", "off")
        admin.close()
        secret = tmp_path / "secret"
        secret.write_text(SECRET)
        url = f"redis://admin@127.0.0.1:{server.port}/0"  # no password: it comes from the file
        opened = subprocess.Popen(
            [sys.executable, "-c", "import sys; from ticketlab.ui.cli import main; sys.exit(main(sys.argv[1:]))",
             "classroom", "open", "--redis", url, "--secret-file", str(secret), "--seats", "2",
             "--strategy", "naive", "--latency-ms", "150"], stdout=subprocess.PIPE, text=True)
        printed = []
        while not printed or not printed[-1].startswith("refereeing"):
            printed.append(opened.stdout.readline())
        assert SECRET not in "".join(printed)  # the learners' URL carries the room password, never the secret
        join_line = next(line for line in printed if "classroom.join(" in line)
        learner_url = join_line.split("classroom.join(")[1].split(",")[0].strip("'\"")
        room = type("Room", (), {"learner_url": learner_url, "admin_url": url.replace("admin@", f"admin:{SECRET}@")})
        rush_with_laptops(room, 5)
        assert main(["classroom", "close", "--redis", url, "--secret-file", str(secret)]) == 0
        report = capsys.readouterr().out
        assert "DOUBLE BOOKINGS" in report and "laptop-0" in report and "checker:" in report
        assert opened.wait(timeout=15) == 0  # the referee saw the room close
    finally:
        server.stop()


def test_the_leaderboard_shows_who_bought_what_and_keeps_itself_up_to_date(room):
    from ticketlab.ui.widgets import leaderboard_panel

    ada = classroom.join(room.learner_url, "ada")
    ada.confirm(ada.hold("GA-1-1", "GA-1-2")["hold_id"])
    panel = leaderboard_panel(room.learner_url, live=True, every=0.1)
    try:
        assert list(panel.trace("bought").x) == ["ada"] and list(panel.trace("bought").y) == [2]
        assert "ada" in panel.table.value and panel.message.value == ""
        bob = classroom.join(room.learner_url, "bob")
        bob.hold("GA-1-3")
        deadline = time.monotonic() + 10
        while "bob" not in panel.table.value and time.monotonic() < deadline:
            time.sleep(0.05)
        assert list(panel.trace("holding").x) == ["ada", "bob"] and list(panel.trace("holding").y) == [0, 1]
        bob.close()
    finally:
        panel.state["stop"]()
        ada.close()


def test_the_leaderboard_names_the_seats_a_naive_room_sold_twice(tmp_path):
    from ticketlab.ui.widgets import leaderboard_panel

    room = Room(tmp_path, seats=2, strategy="naive", latency_ms=150)
    try:
        rush_with_laptops(room, 5)
        panel = leaderboard_panel(room.learner_url, live=False)
        assert "sold more than once" in panel.message.value and "GA-1-" in panel.message.value
        assert sum(panel.trace("bought").y) > 2
    finally:
        room.close()


def test_a_bot_that_cannot_reach_the_room_is_reported_not_lost_with_its_batch():
    from support import free_port

    from ticketlab.classroom.learner import _bot_or_failure

    name, bought, conflicts, error = _bot_or_failure(f"redis://learner:x@127.0.0.1:{free_port()}/0", "classroom",
                                                     "bot-7", 0)
    assert (name, bought, conflicts) == ("bot-7", (), 0)
    assert error.startswith("StoreUnavailable") and "127.0.0.1" in error


def test_nothing_a_learner_pushes_stops_the_referee_or_reaches_another_learner():
    """Bytes that are not UTF-8, text that is not JSON, JSON that is not a request, and forged
    requests in someone else's name: each is dropped or refused, and the room goes on serving."""
    import json
    import tempfile

    room = Room(tempfile.mkdtemp(prefix="ticketlab-room-"))
    try:
        ada = classroom.join(room.learner_url, "ada")
        client = room.learner_client()
        from ticketlab.classroom.room import RoomKeys

        queue = RoomKeys("classroom").requests
        client.rpush(queue, b"\xff\xfe", "not json", "[1, 2]", json.dumps({"op": "hold", "name": 5}),
                     json.dumps({"op": "hold", "name": "ada", "token": "forged", "rid": "f" * 32,
                                 "seats": json.dumps(["GA-1-1"])}))
        for _ in range(50):  # forged answers cannot crowd out ada's: each request has its own reply stream
            client.rpush(queue, json.dumps({"op": "confirm", "name": "ada", "token": "x", "rid": "0" * 32, "hold": "h"}))
        hold = ada.hold("GA-1-1")  # the referee is still serving, and the forged hold did not happen
        assert ada.confirm(hold["hold_id"])["seat_ids"] == ["GA-1-1"]
        assert room.thread.is_alive()
        client.close()
        ada.close()
    finally:
        room.close()
