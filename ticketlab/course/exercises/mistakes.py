"""Common mistakes, as data: each is a transform of the answer key computed from the problem's givens.

A :class:`Mistake` says what figure a learner lands on when they make it ("forgot the peak
multiplier" lands on ``key ÷ peak_multiplier``) and what to tell them. The figure is computed on
both sides of a worksheet (napkin and exact), so a learner who forgets the ×10 on the napkin
(500 instead of 5K) is recognised as surely as one who forgets it exactly (579 instead of 5.79K).

A mistake names the worksheet values it needs; where a worksheet lacks one (a schedule has no
``retry_factor``) the mistake simply does not apply. :data:`STEP_MISTAKES` lists the mistakes of
each worksheet step, :data:`MODEL_MISTAKES` those that depend on the kind of scenario, and
:func:`unit_mistakes` those that follow from the kind of quantity asked.

The lock ceiling counts bookings: seats ÷ hold time is seat-locks a second, and a booking takes
``seats_per_booking`` of them at once, so answering in seat-locks is a mistake of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ticketlab.core.numbers import SECONDS_PER_DAY, order_of_magnitude, parse_quantity
from ticketlab.core.vocab import ScenarioModel

__all__ = ["Mistake", "STEP_MISTAKES", "MODEL_MISTAKES", "unit_mistakes", "mistakes_for", "seconds_per_day",
           "COUNTED_DIGITS", "HOUR", "MINUTE", "BITS_PER_BYTE"]

Figure = Callable[[float, Mapping[str, float], str], float]

HOUR = float(parse_quantity("1 h", dimension="seconds"))
MINUTE = float(parse_quantity("1 min", dimension="seconds"))
BITS_PER_BYTE = 8.0
_MB, _KB, _GB = (float(parse_quantity(u, dimension="bytes")) for u in ("1 MB", "1 KB", "1 GB"))


def seconds_per_day(side: str) -> float:
    """A day as that side of the worksheet counts it: 100K s on the napkin, 86,400 s exactly."""
    return SECONDS_PER_DAY.napkin if side == "napkin" else SECONDS_PER_DAY.exact


@dataclass(frozen=True)
class Mistake:
    """One recognisable mistake.

    ``figure(key, values, side)`` is the number a learner who makes it arrives at, from the key
    and the worksheet's values on one side (``"napkin"`` or ``"exact"``). ``says`` is the
    diagnosis, a format string over the worksheet's values shown with their units
    (``"{peak_multiplier}"`` → ``"10×"``). Where either needs a value the worksheet lacks
    (``KeyError``), the mistake does not apply.
    """

    id: str
    says: str
    figure: Figure


def _m(id: str, says: str, figure: Figure) -> Mistake:
    return Mistake(id, says, figure)


# --------------------------------------------------------------------------- shared transforms

def _forgot(name: str, what: str, divides: bool = False) -> Mistake:
    """The step multiplies (or divides) by ``name``; the learner left it out."""
    return _m(f"forgot-{name.replace('_', '-')}",
              f"That is the figure before {what} ({{{name}}}): {'divide' if divides else 'multiply'} by it.",
              (lambda k, v, s: k * v[name]) if divides else (lambda k, v, s: k / v[name]))


def _swapped(used: str, asked: str, says: str) -> Mistake:
    """The step multiplies by ``asked``; the learner used ``used`` instead."""
    return _m(f"used-{used.replace('_', '-')}", says, lambda k, v, s: k / v[asked] * v[used])


def _is(name: str, id: str, says: str) -> Mistake:
    """The learner gave another figure of the worksheet instead of this one."""
    return _m(id, says, lambda k, v, s: v[name])


_HOUR_NOT_DAY = _m("divided-by-hour", "You divided by an hour (3,600 s). A day has 86,400 s (100K on the napkin).",
                   lambda k, v, s: k * seconds_per_day(s) / HOUR)
_MINUTES_IN_DAY = _m("divided-by-minutes-in-a-day", "You divided by the minutes in a day (1,440); per second "
                     "means dividing by the seconds in a day (86,400, or 100K on the napkin).",
                     lambda k, v, s: k * seconds_per_day(s) / (seconds_per_day(s) / MINUTE))
_WINDOW_MINUTES = _m("window-in-minutes", "You divided by the window in minutes; a rate per second needs it in "
                     "seconds ({sale_window} is that many seconds).", lambda k, v, s: k * MINUTE)
_SEATS_NOT_BOOKINGS = _m("per-seat-not-per-booking", "That counts seats, not bookings: a booking takes "
                         "{seats_per_booking}.", lambda k, v, s: k * v["seats_per_booking"])
_INVERTED = _m("upside-down", "That is upside down: divide the other way round.", lambda k, v, s: 1 / k)
_FORGOT_PEAK = _forgot("peak_multiplier", "the peak multiplier")
_USED_EXTREME = _swapped("extreme_multiplier", "peak_multiplier",
                         "You used the on-sale spike ({extreme_multiplier}); a normal peak is {peak_multiplier} the average.")
_USED_NORMAL = _swapped("peak_multiplier", "extreme_multiplier",
                        "You used the normal peak ({peak_multiplier}); an on-sale spike is {extreme_multiplier} the average.")
_SEAT_LOCKS = _m("per-seat-not-per-booking", "That counts seat-locks, not bookings: seats ÷ hold time is seat-locks a "
                 "second, and a booking locks {seats_per_booking} at once.", lambda k, v, s: k * v["seats_per_booking"])
_PER_SEAT_ATTEMPTS = _m("per-seat-attempts", "That multiplies the successful rate by users per seat "
                        "({contention_ratio}), as the source does. People chase bookings, and a group of "
                        "{seats_per_booking} takes its seats with one attempt: every user tries once in the window, "
                        "users ÷ window.", lambda k, v, s: k / v["attempt_qps"] * v["booking_qps"] * v["contention_ratio"])
_WHOLE_SEASON = _m("counted-away-games", "That counts every game of the season; a team sells its home games "
                   "({home_games}), and the away games are the visited venues' seats.",
                   lambda k, v, s: k / v["home_game_share"])
_AT_THROTTLE = _m("admitted-at-the-throttle", "That admits at the throttle ({throttle_rate}), but fewer people arrive "
                  "than that: the room admits min(throttle, users ÷ window) = {effective_admit_rate}.",
                  lambda k, v, s: k * v["effective_admit_rate"] / v["throttle_rate"])
_NO_ROOM_RATE = _m("used-admit-rate", "That admits everyone within the window ({admit_rate}); the waiting room lets "
                   "only {effective_admit_rate} through.", lambda k, v, s: k * v["effective_admit_rate"] / v["admit_rate"])
_FORGOT_RETRY_FACTOR = _forgot("retry_factor", "the retry headroom")
_CAPACITY = (
    _FORGOT_RETRY_FACTOR, _PER_SEAT_ATTEMPTS,
    _is("room_qps_capacity", "behind-the-room", "That is the capacity behind the waiting room (the admitted "
        "{effective_admit_rate} with retries); the question asks what the booking path needs with no waiting room."),
)

#: The shortcut's slip ("6 zeros − 5 zeros = 1 zero = 10"): the digits of the bookings counted as zeros.
COUNTED_DIGITS = _m("counted-digits", "That counts the digits of {bookings_per_day} as its zeros. Write both sides as "
                    "a number × 10^zeros, and the zeros of a day cancel as many of the bookings'.",
                    lambda k, v, s: 10.0 ** (len(f"{v['bookings_per_day']:.0f}")
                                             - order_of_magnitude(SECONDS_PER_DAY.napkin)))

#: Mistakes of each worksheet step, whatever the scenario.
STEP_MISTAKES: dict[str, tuple[Mistake, ...]] = {
    "contention_ratio": (
        _INVERTED,
        _m("per-booking-not-per-seat", "That is users per booking available; the contention ratio is per seat "
           "(users ÷ seats).", lambda k, v, s: k * v["seats_per_booking"]),
    ),
    "users_per_booking": (
        _m("per-seat-not-per-booking", "That is users per seat; people buy {seats_per_booking} at a time, so "
           "divide by the bookings the seats allow.", lambda k, v, s: k / v["seats_per_booking"]),
    ),
    "successful_bookings": (
        _is("seats", "per-seat-not-per-booking", "That is the number of seats; a booking takes {seats_per_booking}, "
            "so fewer bookings succeed."),
        _is("users", "everyone-books", "Not everyone can book: the seats run out first."),
    ),
    "booking_qps": (_WINDOW_MINUTES, _SEATS_NOT_BOOKINGS),
    "attempt_qps": (
        _is("booking_qps", "forgot-contention", "That is the rate of successful bookings; far more people try than "
            "succeed, so count the attempts."),
        _WINDOW_MINUTES, _PER_SEAT_ATTEMPTS,
    ),
    "admit_rate": (
        _WINDOW_MINUTES,
        _is("throttle_rate", "used-throttle", "That is the throttle; the question asks what admitting everyone "
            "within the window would take."),
    ),
    "sale_duration_seconds": (
        _is("sale_window", "used-window", "That is the booking window; at the throttled rate the queue takes "
            "longer to drain."),
        _is("sellout_seconds", "used-sellout", "That is when the seats run out; the question asks how long letting "
            "everyone through the queue takes."),
        _AT_THROTTLE,
    ),
    "waitlisted_users": (
        _m("per-seat-not-per-booking", "You subtracted seats; subtract the bookings the seats allow "
           "(each takes {seats_per_booking}).", lambda k, v, s: v["users"] - v["seats"]),
        _is("users_served", "gave-served", "That is the number who book; the question asks how many are left waiting."),
    ),
    "success_rate": (
        _m("per-seat-not-per-booking", "That is seats per user; each successful user takes {seats_per_booking}.",
           lambda k, v, s: v["seats"] / v["users"]),
    ),
    "sellout_seconds": (
        _m("per-seat-not-per-booking", "That admits one user per seat; each booking takes {seats_per_booking}.",
           lambda k, v, s: k * v["seats_per_booking"]),
        _is("sale_duration_seconds", "used-everyone", "That is how long the whole queue takes; the seats run out "
            "long before."),
        _AT_THROTTLE, _NO_ROOM_RATE,
    ),
    "bookings_storage": (_SEATS_NOT_BOOKINGS,),
    "lock_throughput_per_seat": (
        _is("lock_hold_time", "gave-hold-time", "That is the hold time; a seat's lock throughput is its reciprocal "
            "(1 ÷ hold time)."),
    ),
    "lock_qps_ceiling": (
        _SEAT_LOCKS,
        _m("forgot-hold-time", "That is the seats ÷ seats per booking, a count of bookings; a lock turns over once "
           "per hold time ({lock_hold_time}), so divide by it.", lambda k, v, s: k * v["lock_hold_time"]),
    ),
    "seat_lock_ceiling": (
        _m("per-booking-not-per-seat", "That counts bookings; the question asks for seat-locks, and a booking "
           "takes {seats_per_booking}.", lambda k, v, s: k / v["seats_per_booking"]),
    ),
    "retry_adjusted_capacity": (
        _m("multiplied-by-retries", "Retries eat capacity: divide by (1 + retry rate), don't multiply.",
           lambda k, v, s: k * (1 + v["retry_rate"]) ** 2),
        _m("forgot-retries", "That is the ceiling before retries; divide by (1 + retry rate).",
           lambda k, v, s: k * (1 + v["retry_rate"])),
        _SEAT_LOCKS,
        _is("seat_lock_ceiling", "seat-lock-ceiling", "That is the seat-lock ceiling (seats ÷ hold time): divide "
            "by the seats a booking locks ({seats_per_booking}) and by (1 + retry rate)."),
    ),
    "concurrent_lock_holders": (
        _is("retry_adjusted_capacity", "rate-not-count", "That is a rate (bookings per second). Little's law turns "
            "it into a count: multiply by the seats each holds ({seats_per_booking}) and the hold time "
            "({lock_hold_time})."),
        _m("rate-not-count", "That is a rate (seat-locks per second). Little's law turns it into a count: multiply "
           "by the hold time ({lock_hold_time}).", lambda k, v, s: k / v["lock_hold_time"]),
        _forgot("seats_per_booking", "counting every seat a booking locks"),
    ),
    "writers_at_once": (
        _is("effective_admit_rate", "rate-not-count", "That is a rate (users admitted a second). Little's law turns "
            "it into a count: multiply by the time each holds the lock ({lock_hold_time})."),
        _m("used-attempt-rate", "You used the attempt rate; behind the waiting room only the admitted "
           "{effective_admit_rate} reach the locks.", lambda k, v, s: v["attempt_qps"] * v["lock_hold_time"]),
        _m("used-booking-time", "That is everyone in a booking session (× the booking time, {booking_time}); a "
           "writer holds the lock only {lock_hold_time}.", lambda k, v, s: k / v["lock_hold_time"] * v["booking_time"]),
    ),
    "room_load": (_INVERTED,),
    "sellout_in_booking_times": (
        _INVERTED,
        _m("seconds-over-minutes", "You divided seconds by minutes: put both times in the same unit "
           "({booking_time} is that many seconds).", lambda k, v, s: k * MINUTE),
    ),
    "seat_events": (_WHOLE_SEASON,),
    "room_qps_capacity": (
        _FORGOT_RETRY_FACTOR,
        _is("booking_qps_capacity", "no-waiting-room", "That is the capacity with no waiting room (every attempt); "
            "behind the room only the admitted {effective_admit_rate} arrive, with the retry headroom."),
    ),
    "counter_ceiling": (
        _m("used-lock-hold", "That holds the counter for a seat lock's {lock_hold_time}; a booking is one "
           "conditional decrement, which takes {counter_update_time}.",
           lambda k, v, s: v["inventory_shards"] / v["lock_hold_time"]),
        _m("one-lock-per-pass", "That gives every pass its own row. General admission keeps one counter "
           "({inventory_shards}), and every booking decrements it.", lambda k, v, s: k / v["inventory_shards"] * v["seats"]),
    ),
    "counter_headroom": (
        _INVERTED,
        _m("no-waiting-room", "You compared with the capacity for every attempt with no waiting room "
           "({booking_qps_capacity}); behind the room the path needs {room_qps_capacity}.",
           lambda k, v, s: v["counter_ceiling"] / v["booking_qps_capacity"]),
    ),
    "held_counter_ceiling": (
        _is("counter_ceiling", "used-update-time", "That is the counter with a {counter_update_time} decrement; the "
            "question holds it for a seat lock's {lock_hold_time}."),
        _m("one-lock-per-pass", "That locks every pass on its own; the passes are one counter, and while one booking "
           "holds it nobody else can decrement it.", lambda k, v, s: k / v["inventory_shards"] * v["seats"]),
    ),
    "held_counter_sellout_seconds": (
        _m("per-seat-not-per-booking", "That sells one pass per decrement; a booking takes {seats_per_booking}.",
           lambda k, v, s: k * v["seats_per_booking"]),
        _m("used-update-time", "That is the time at the {counter_update_time} decrement; the question holds the "
           "counter for {lock_hold_time} per booking.", lambda k, v, s: v["successful_bookings"] / v["counter_ceiling"]),
    ),
    "seat_map_cache": (_forgot("hot_shows", "counting every hot show"),),
    "searches_per_day": (_forgot("searches_per_user", "the searches each user makes"),),
    "booking_attempts_per_day": (
        _m("multiplied-by-success-rate", "Attempts outnumber successes: divide the bookings by the success rate "
           "({booking_success_rate}), don't multiply.", lambda k, v, s: v["bookings_per_day"] * v["booking_success_rate"]),
        _is("bookings_per_day", "forgot-abandonment", "That is the successful bookings; most attempts are abandoned, "
            "so divide by the success rate ({booking_success_rate})."),
    ),
    "read_write_ratio": (_INVERTED,),
    "search_qps": (_HOUR_NOT_DAY, _MINUTES_IN_DAY),
    "booking_attempt_qps": (_HOUR_NOT_DAY,),
    "payment_qps": (_HOUR_NOT_DAY,),
    "peak_qps": (_FORGOT_PEAK, _USED_EXTREME, _HOUR_NOT_DAY),
    "extreme_peak_qps": (_USED_NORMAL, _forgot("extreme_multiplier", "the on-sale spike")),
    "extreme_booking_qps": (_USED_NORMAL, _forgot("extreme_multiplier", "the on-sale spike")),
    "peak_payment_qps": (_FORGOT_PEAK, _USED_EXTREME),
    "peak_bandwidth": (_FORGOT_PEAK,),
    "total_bookings": (_forgot("retention_years", "the years of retention"),),
    "concurrent_sessions": (
        _is("peak_bookings_per_minute", "rate-not-count", "That is a rate (bookings a minute), not how many are open "
            "at once. Little's law: rate × time each stays ({booking_attempt_time})."),
    ),
}

#: Mistakes of a venue schedule's steps.
_SCHEDULE_MISTAKES: dict[str, tuple[Mistake, ...]] = {
    "booking_qps_capacity": (_forgot("safety_factor", "the safety factor"),),
    "total_seats": (
        _m("months-not-weeks", "You multiplied by months; shows run every week, so count the weeks on sale "
           "({weeks_ahead}).", lambda k, v, s: k / v["weeks_ahead"] * v["horizon_months"]),
        _forgot("productions", "counting every production"),
    ),
    "peak_booking_qps": (
        _is("users", "count-not-rate", "That is how many people are in the system at once (a count, L). Little's "
            "law gives the rate: λ = L ÷ W, the users divided by the time one booking takes ({booking_time})."),
        _m("time-in-minutes", "You divided by the booking time in minutes; a rate per second needs it in seconds ({booking_time}).",
           lambda k, v, s: k * MINUTE),
    ),
}

#: Mistakes of steps whose meaning depends on the kind of scenario (a worksheet's ``model``); a block
#: release is a schedule first, so it shares the schedule's.
MODEL_MISTAKES: dict[tuple[str, str], tuple[Mistake, ...]] = {
    **{(model, step): m for model in (ScenarioModel.SCHEDULE, ScenarioModel.BLOCK_RELEASE)
       for step, m in _SCHEDULE_MISTAKES.items()},
    (ScenarioModel.ONSALE, "booking_qps_capacity"): _CAPACITY,
    (ScenarioModel.COUNTER, "booking_qps_capacity"): _CAPACITY,
    (ScenarioModel.SEASON, "seats_storage"): (_WHOLE_SEASON,),
    (ScenarioModel.TICKETMASTER, "booking_qps"): (_HOUR_NOT_DAY,),
    (ScenarioModel.TICKETMASTER, "peak_booking_qps"): (_FORGOT_PEAK, _USED_EXTREME),
    (ScenarioModel.TICKETMASTER, "total_cache"): (
        _m("admitted-sessions", "That counts the sessions behind the waiting room ({admitted_sessions}); this "
           "worksheet counts those in progress at the peak bookings a minute ({concurrent_sessions}). The source "
           "never says which it means (audit finding concurrent-sessions).",
           lambda k, v, s: k - (v["concurrent_sessions"] - v["admitted_sessions"]) * v["session_size"]),
    ),
}


def _bigger_unit(unit: str, size: float, wanted: str, example: str) -> Mistake:
    """A bare number counted in ``unit`` (``size`` base units each) where ``wanted`` was asked."""
    return _m(f"{unit}-not-{wanted.replace(' ', '-')}", f"That number is in {unit}; the question wants {wanted} "
              f"(or write the unit, such as '{example}').", lambda k, v, s: k / size)


def unit_mistakes(dimension: str) -> tuple[Mistake, ...]:
    """Mistakes that follow from the kind of quantity asked: bits for bytes, MB for bytes, minutes for seconds."""
    if dimension == "bytes":
        return (
            *(_bigger_unit(u, size, "bytes", "2.5 GB") for u, size in (("megabytes", _MB), ("kilobytes", _KB),
                                                                        ("gigabytes", _GB))),
            _m("bits-not-bytes", "That is bits, not bytes: a byte is 8 bits.", lambda k, v, s: k * BITS_PER_BYTE),
        )
    if dimension == "bytes/s":
        return (
            _m("bits-not-bytes", "That is bits per second, not bytes: a byte is 8 bits (write '… Gbps' for bits).",
               lambda k, v, s: k * BITS_PER_BYTE),
            _m("bytes-not-bits", "You divided by 8 once too often: the figure is already in bytes.",
               lambda k, v, s: k / BITS_PER_BYTE),
            _m("megabytes-not-bytes", "That number is in MB/s; the question wants bytes per second (or write the "
               "unit, such as '40 MB/s').", lambda k, v, s: k / _MB),
        )
    if dimension == "seconds":
        return (_bigger_unit("minutes", MINUTE, "seconds", "12 min"), _bigger_unit("hours", HOUR, "seconds", "4 h"))
    if dimension == "per_second":
        return (
            _m("per-minute-not-per-second", "That is a rate per minute; the question asks per second.",
               lambda k, v, s: k * MINUTE),
        )
    if dimension == "fraction":
        return (_m("complement", "That is the share who do not; the question asks for the share who do.",
                   lambda k, v, s: 1 - k),)
    return ()


def mistakes_for(step: str, model: str | None, dimension: str) -> tuple[Mistake, ...]:
    """Every mistake that may apply to ``step`` of a ``model`` worksheet asking for ``dimension``."""
    return STEP_MISTAKES.get(step, ()) + MODEL_MISTAKES.get((model or "", step), ()) + unit_mistakes(dimension)
