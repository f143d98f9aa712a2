"""The on-sale rush simulator: deterministic, correct through the real core, and honest about its model."""

from __future__ import annotations

import math

import pytest

from ticketlab.core.errors import InputError
from ticketlab.sim import Rush, rush_config, simulate
from ticketlab.sim.analytic import compare
from ticketlab.sim.loop import EventLoop, SleepOutsideProcess
from ticketlab.sim.room import LOTTERY_OVERSUBSCRIBE

SMALL = dict(users=1_200, seats=600, max_active=2_000)


def _stable(result):
    data = result.as_dict()
    for key in ("wall_seconds", "events_per_second"):
        data.pop(key)
    return data


def test_the_same_seed_gives_the_same_rush_and_another_seed_another():
    a, b = simulate(rush_config(**SMALL, seed=7)), simulate(rush_config(**SMALL, seed=7))
    assert _stable(a) == _stable(b)
    assert _stable(simulate(rush_config(**SMALL, seed=8))) != _stable(a)


@pytest.mark.parametrize("strategy", ["optimistic", "pessimistic", "distributed"])
@pytest.mark.parametrize("choice", ["best-available", "pick"])
def test_safe_strategies_never_sell_a_seat_twice_and_the_checker_agrees(strategy, choice):
    result = simulate(rush_config(**SMALL, strategy=strategy, seat_choice=choice, db_time="20 ms"))
    assert result.ok, result.violation_kinds
    assert result.double_bookings == 0
    assert result.seats_sold > 0.9 * 600  # the rush sold the house
    assert result.conflicts > 0  # real contention happened, through the core


def test_the_naive_strategy_sells_seats_twice_when_writers_overlap():
    result = simulate(rush_config(**SMALL, strategy="naive", db_time="50 ms", think_time=0))
    assert result.double_bookings > 0 and not result.ok
    assert "SOLD_TWICE" in result.violation_kinds


def test_every_user_ends_with_exactly_one_outcome_and_bookings_match_the_store():
    rush = Rush(rush_config(**SMALL)).run()
    result = rush.result()
    assert sum(result.outcomes.values()) == 1_200 and "" not in result.outcomes
    assert result.outcomes["booked"] == result.bookings == len(rush.store.bookings())
    assert sum(rush.booked_seats) == result.seats_sold
    assert result.times == tuple(sorted(result.times)) and result.sold[-1] == result.seats_sold


def test_fifo_announces_each_wait_almost_exactly_when_the_throttle_limits_admissions():
    result = simulate(rush_config(**SMALL, admit_per_minute=600))
    assert result.wait_error_p50 < 0.01
    assert result.last_admitted_seconds == pytest.approx(1_200 / 10, rel=0.02)  # 10 people a second


def test_policies_change_the_bots_share_of_the_seats():
    base = dict(users=2_000, seats=500, arrival="fans-and-bots", bot_share=0.2, admit_per_minute=600,
                max_active=3_000)
    share = {p: simulate(rush_config(**base, policy=p)).bot_seat_share for p in ("fifo", "prequeue", "priority")}
    assert share["fifo"] > 0.5  # bots come first and buy the largest parties
    assert share["priority"] < 0.05  # verified fans go first
    assert share["priority"] < share["prequeue"] < share["fifo"]


def test_a_lottery_turns_away_the_losers_at_once_and_its_winners_buy():
    config = rush_config(**SMALL, policy="lottery", arrival="fans-and-bots", bot_share=0.0)
    rush = Rush(config).run()
    result = rush.result()
    assert result.ok and result.seats_sold > 0 and result.outcomes["booked"] > 0
    winners = round(config.seats / config.party_mean * LOTTERY_OVERSUBSCRIBE)
    early = sum(1 for at in rush.crowd.arrival if at < 0)  # in the room before the draw at the on-sale
    # the losers of the draw, and everyone who came after it, are told at once: they never wait
    assert result.outcomes["turned-away"] == config.users - min(winners, early)
    assert all(rush.outcome[u] == "turned-away" for u, at in enumerate(rush.crowd.arrival) if at >= 0)


@pytest.mark.parametrize("typed,per_minute", [("1K/min", 1_000), ("20/s", 1_200), ("30K per minute", 30_000),
                                               ("1K", 1_000), (600, 600)])
def test_the_rooms_rate_reads_a_unit_it_is_given(typed, per_minute):
    """'1K/min' is a thousand a minute, not 1K per second read back as 16.7 a minute."""
    assert rush_config(admit_per_minute=typed).admit_per_minute == per_minute


@pytest.mark.parametrize("arrival", ["at-once", "ramp"])
def test_a_lottery_needs_people_in_the_room_before_its_draw(arrival):
    """Everyone of an at-once or ramped crowd arrives after the on-sale: the draw would have no one in it."""
    with pytest.raises(InputError, match="arrival.*fans-and-bots.*lottery"):
        rush_config(**SMALL, policy="lottery", arrival=arrival)
    with pytest.raises(InputError, match="arrival"):
        rush_config(**SMALL, arrival="fans-and-bots", policy="lottery").replace(arrival=arrival)


@pytest.mark.parametrize("fields", [dict(users=600, seats=300, seed=3), dict(users=3_000, seats=1_500, admit_per_minute=1e7),
                                    dict(users=1_200, seats=600, db_time="50 ms", think_time=0)])
def test_no_seat_is_left_free_while_someone_it_fits_is_on_the_waitlist(fields):
    """Seats nobody took (a party too big for what was left, a shopper who gave up) are freed by no release:
    once the room is empty and the site quiet they are offered to the waitlist, to the parties they fit."""
    rush = Rush(rush_config(**fields)).run()
    result = rush.result()
    free = rush.store.available()
    assert result.ok and rush.samples[-1][0] < rush.config.horizon  # it ended by itself, not cut by the horizon
    assert all(rush.crowd.party[user] > free for user in rush.waitlist), (free, len(rush.waitlist))
    assert result.outcomes.get("waitlisted", 0) == len(rush.waitlist)
    assert result.seats_sold == rush.config.seats or not rush.waitlist  # the crowd offered them did not scatter


def test_at_the_horizon_the_waitlist_is_who_is_on_it_and_everyone_on_the_site_is_unfinished():
    """People offered seats from the waitlist and still shopping when the run stops are on the site, not waiting."""
    rush = Rush(rush_config(users=200, seats=100, seed=323, strategy="conditional", policy="priority", think_time=5,
                            max_party=10, admit_per_minute=10, horizon=3600)).run()
    result = rush.result()
    waitlisted = {user for user, outcome in enumerate(rush.outcome) if outcome == "waitlisted"}
    assert waitlisted == set(rush.waitlist)
    assert rush.active > 0 and result.outcomes["unfinished"] >= rush.active
    assert sum(result.outcomes.values()) == 200


def test_people_offered_seats_they_cannot_get_keep_their_place_on_the_waitlist():
    """Seats picked by section are scattered at the end: whoever is offered them and cannot place a party
    there goes back to the front of the waitlist, rather than leaving while seats stay free."""
    rush = Rush(rush_config(users=600, seats=300, seed=3, seat_choice="pick")).run()
    result = rush.result()
    assert result.ok and rush.store.available() > 0  # a few scattered seats no party could take
    assert len(rush.waitlist) == result.outcomes["waitlisted"] > 100


def test_abandoned_holds_come_back_through_the_sweeper_and_are_resold():
    quick = simulate(rush_config(**SMALL, abandon_rate=0))
    slow = simulate(rush_config(**SMALL, abandon_rate=0.7))
    assert slow.holds > quick.holds  # the same seats held again after they came back
    assert slow.mean_hold_seconds > quick.mean_hold_seconds


def test_the_simulation_agrees_with_the_formulas_where_their_assumptions_hold():
    result = simulate(rush_config(**SMALL, admit_per_minute=600))
    rows = {row.quantity: row for row in compare(result)}
    assert rows["sale duration (last person let in)"].ratio == pytest.approx(1, abs=0.02)
    # seats ÷ mean party, a little low: the last seats go to the small parties on the waitlist that fit them
    assert 1 <= rows["bookings made"].ratio <= 1.08
    assert rows["booking throughput (formula: a ceiling)"].simulated < rows["booking throughput (formula: a ceiling)"].analytic
    assert rows["holds alive at once"].ratio == pytest.approx(1, rel=1e-9)
    naive = rows["holds alive, if a hold lived only until paid"]
    assert not naive.holds and naive.ratio > 2  # abandoned holds live the whole TTL


@pytest.mark.parametrize("field, value", [("users", 0), ("users", "lots"), ("seats", -5), ("abandon_rate", "120%"),
                                          ("hold_ttl", 0), ("policy", "vip"), ("strategy", "magic"),
                                          ("admit_per_minute", float("nan")), ("party_mean", 0.5), ("seed", -1),
                                          ("waitlist", "yes"), ("colour", "blue"), ("hold_ttl", "1s"),
                                          ("hold_ttl", 1e308), ("horizon", "2 weeks"), ("sample_every", 1e-9),
                                          ("sweep_interval", "1 ms")])
def test_a_bad_input_names_the_field(field, value):
    with pytest.raises(InputError) as info:
        rush_config(**{field: value})
    assert field in str(info.value)


@pytest.mark.parametrize("field, value", [("users", 0), ("policy", "vip"), ("hold_ttl", "1s"), ("colour", "blue"),
                                          ("max_party", 1)])
def test_replace_checks_what_it_changes_and_the_rules_across_fields(field, value):
    base = rush_config(**SMALL)
    with pytest.raises(InputError) as info:
        base.replace(**{field: value})
    assert field in str(info.value)
    changed = base.replace(users="2K", policy="raffle")
    assert (changed.users, changed.policy, changed.seats) == (2_000, "raffle", base.seats)


def test_every_input_of_the_simulator_has_its_check():
    from dataclasses import fields

    from ticketlab.sim import config

    assert set(config._CHECKS) == {f.name for f in fields(config.RushConfig)}


def test_the_loop_runs_events_in_time_order_and_refuses_to_sleep_outside_a_process():
    loop, seen = EventLoop(), []

    def process(name, pause):
        loop.wait(pause)
        seen.append((loop.now, name))

    loop.spawn(process, "slow", 2.0)
    loop.spawn(process, "quick", 1.0)
    loop.call_at(1.5, lambda: seen.append((loop.now, "callback")))
    loop.run()
    assert seen == [(1.0, "quick"), (1.5, "callback"), (2.0, "slow")]
    with pytest.raises(SleepOutsideProcess):
        loop.clock.sleep(1)
    with pytest.raises(SleepOutsideProcess):
        loop.clock.advance(1)
    assert math.isclose(loop.clock.now(), 2.0)


def test_a_callback_starts_a_process_inside_its_own_event_and_a_process_cannot():
    loop, seen = EventLoop(), []

    def process(name):
        seen.append((loop.now, name, "starts"))
        loop.wait(1.0)
        seen.append((loop.now, name, "resumes"))

    def callback():
        seen.append((loop.now, "callback", "before"))
        loop.start(process, "started")  # runs up to its first wait, then the callback goes on
        seen.append((loop.now, "callback", "after"))

    loop.call_at(1.0, callback)
    loop.call_at(1.0, lambda: seen.append((loop.now, "next event", "")))
    loop.spawn(lambda: loop.start(process, "nested"), at=3.0)
    with pytest.raises(SleepOutsideProcess, match="spawn"):
        loop.run()
    assert seen == [(1.0, "callback", "before"), (1.0, "started", "starts"), (1.0, "callback", "after"),
                    (1.0, "next event", ""), (2.0, "started", "resumes")]


@pytest.mark.parametrize("enabled", [True, False])
def test_the_cyclic_collector_is_paused_while_a_rush_runs_and_left_as_it_was(enabled):
    import gc

    seen = []
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        Rush(rush_config(users=300, seats=100, admit_per_minute=60)).run(progress=lambda share: seen.append(
            gc.isenabled()))
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
    assert seen and not any(seen)  # every sample inside the run saw it paused


def test_simulate_builds_and_judges_the_rush_with_the_collector_paused_and_puts_it_back(monkeypatch):
    import gc

    import ticketlab.sim.rush as rush_module

    seen = {}
    real_check, real_draw = rush_module.check_history, rush_module.Crowd.draw

    def check(*args, **kwargs):
        seen["judged"] = gc.isenabled()
        return real_check(*args, **kwargs)

    def draw(*args, **kwargs):
        seen["built"] = gc.isenabled()
        return real_draw(*args, **kwargs)

    monkeypatch.setattr(rush_module, "check_history", check)
    monkeypatch.setattr(rush_module.Crowd, "draw", staticmethod(draw))
    assert gc.isenabled()
    result = simulate(rush_config(users=200, seats=80, admit_per_minute=60))
    assert result.ok and seen == {"built": False, "judged": False}
    assert gc.isenabled()
    seen.clear()
    Rush(rush_config(users=200, seats=80, admit_per_minute=60)).run().result()  # result() pauses on its own
    assert seen == {"built": True, "judged": False} and gc.isenabled()


def test_a_rush_that_fails_still_puts_the_collector_back():
    import gc

    assert gc.isenabled()

    def boom(share):
        raise RuntimeError("a progress bar that broke")

    with pytest.raises(RuntimeError):
        Rush(rush_config(users=100, seats=50, admit_per_minute=60)).run(progress=boom)
    assert gc.isenabled()


@pytest.mark.parametrize("horizon", [86_400.0, 200.0])
def test_a_finished_rush_is_freed_once_dropped_even_cut_short_with_shoppers_mid_purchase(horizon):
    """Its processes end with the run: a suspended greenlet would keep the whole rush alive for good
    (a notebook moving a slider a thousand times kept a thousand rushes)."""
    import gc
    import weakref

    rush = Rush(rush_config(users=400, seats=150, admit_per_minute=120, horizon=horizon, pay_time=300.0,
                            strategy="distributed"))
    rush.run()
    result = rush.result()
    assert result.ok
    if horizon < 1000:
        assert rush.active > 0  # cut short: people were still shopping or paying when it stopped
    gone = weakref.ref(rush)
    store = weakref.ref(rush.store)
    del rush
    gc.collect()
    assert gone() is None and store() is None


@pytest.mark.parametrize("policy", ["fifo", "raffle", "prequeue", "priority", "lottery"])
@pytest.mark.parametrize("strategy,choice,horizon", [("optimistic", "best-available", 86_400.0),
                                                     ("distributed", "pick", 200.0)])
def test_a_finished_rush_is_freed_by_reference_counting_alone(policy, strategy, choice, horizon):
    """No cycle holds a rush, whatever its room, strategy or end: freed at once when dropped, it costs the
    collector nothing. At 100,000 people a rush left in a cycle made the first collection after it a
    2.3-second scan of a million objects."""
    import weakref

    from support import collector_off

    rush = Rush(rush_config(users=400, seats=150, admit_per_minute=120, pay_time=300.0, policy=policy,
                            strategy=strategy, seat_choice=choice, horizon=horizon, arrival="fans-and-bots"))
    with collector_off():
        rush.run()
        rush.result()
        gone = weakref.ref(rush)
        del rush
        assert gone() is None


def test_an_interrupt_anywhere_while_the_pause_begins_leaves_the_collector_as_it_was():
    """Ctrl-C lands between two lines: injected (with a trace hook) before each line of the pause's
    beginning in turn, up to its yield (an interrupt inside its finally is not covered)."""
    import gc
    import inspect
    import sys

    import ticketlab.sim.rush as rush_module

    code = rush_module._cyclic_gc_paused.__wrapped__.__code__
    source, first = inspect.getsourcelines(code)
    until = first + next(i for i, line in enumerate(source) if line.strip() == "yield")
    lines = sorted({line for _, _, line in code.co_lines() if line and first + 1 < line <= until})
    assert len(lines) >= 6
    for target in lines:
        fired = []

        def tracer(frame, event, arg, target=target, fired=fired):
            if frame.f_code is not code:
                return None

            def local(frame, event, arg):
                if event == "line" and frame.f_lineno == target and not fired:
                    fired.append(target)
                    raise KeyboardInterrupt
                return local
            return local

        sys.settrace(tracer)
        try:
            simulate(rush_config(users=60, seats=20, admit_per_minute=60))
        except KeyboardInterrupt:
            pass
        finally:
            sys.settrace(None)
        assert gc.isenabled() and rush_module._gc_pauses == [], f"interrupted before line {target}"
    simulate(rush_config(users=60, seats=20, admit_per_minute=60))
    assert gc.isenabled() and rush_module._gc_pauses == []
