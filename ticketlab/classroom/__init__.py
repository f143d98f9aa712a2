"""Classroom mode: a whole room rushes one event on a shared Redis, and the checker keeps score.

The instructor opens a room (:func:`open_room`, or ``ticketlab classroom open``), serves it
with a :class:`Referee`, starts it (:func:`start_room`) and closes it (:func:`close_room`,
which gives the final :class:`RoomView`). Learners join from a notebook with one call,
:func:`join`, and :meth:`Learner.rush` at the start; :func:`run_bots` adds simulated fans.

Invariant: every write to the room is made by the referee, as the learner a request's token
proves it came from; learners can read the room and send requests, nothing more (a Redis
ACL, not a convention: see :mod:`ticketlab.classroom.room`).
"""

from __future__ import annotations

from ticketlab.classroom.learner import Learner, RequestRefused, RushResult, join, run_bots
from ticketlab.classroom.room import (
    DEFAULT_ROOM,
    LEARNER_USER,
    Referee,
    RoomView,
    admin_url,
    check_name,
    close_room,
    open_room,
    room_view,
    start_room,
)

__all__ = ["join", "Learner", "RequestRefused", "RushResult", "run_bots", "open_room", "start_room", "close_room",
           "room_view", "RoomView", "Referee", "admin_url", "check_name", "DEFAULT_ROOM", "LEARNER_USER"]
