"""``ticketlab classroom open|start|bots|view|close``: the instructor's commands of a classroom rush."""

from __future__ import annotations

import argparse
import sys

__all__ = ["classroom"]


def classroom(args: argparse.Namespace) -> int:
    """Run one classroom action; ``open`` referees the room until it is closed (or Ctrl-C)."""
    from ticketlab import classroom as room

    url = room.admin_url(args.redis, args.secret_file)
    if args.action == "open":
        store, learner_url = room.open_room(url, seats=args.seats, strategy=args.strategy, room=args.room,
                                            latency_ms=args.latency_ms, hold_ttl=args.hold_ttl)
        print(f"room {args.room} is open: {args.seats} seats, strategy {args.strategy}\n"
              "learners join from a notebook with:\n\n"
              "    from ticketlab import classroom\n"
              f"    me = classroom.join({learner_url!r}, \"your_name\"{_room_argument(args.room)})\n"
              "    me.rush()\n\n"
              f"start the rush:  ticketlab classroom start --redis URL{_room_flag(args.room)}\n"
              f"end it:          ticketlab classroom close --redis URL{_room_flag(args.room)}\n"
              "refereeing the room's requests (Ctrl-C stops)...", flush=True)
        referee = room.Referee(store, room=args.room)
        try:
            referee.serve()
        except KeyboardInterrupt:
            referee.stop()
            print("stopped refereeing; the room stays open until `ticketlab classroom close`", file=sys.stderr)
        store.close()
        return 0
    if args.action == "start":
        room.start_room(url, room=args.room, delay=args.delay)
        print(f"room {args.room} starts in {args.delay:g} s")
        return 0
    if args.action == "bots":
        results = room.run_bots(url, users=args.users, room=args.room, processes=args.processes)
        bought = sum(len(r.bought) for r in results)
        failed = [r for r in results if r.error]
        print(f"{len(results)} bots rushed: {bought} seats bought, {sum(r.conflicts for r in results)} conflicts"
              + (f", {len(failed)} failed (first: {failed[0].name}: {failed[0].error})" if failed else ""))
        return 1 if failed else 0
    if args.action == "view":
        print(room.room_view(url, room=args.room).report())
        return 0
    view = room.close_room(url, room=args.room)
    print(view.report())
    return 0


def _room_argument(name: str) -> str:
    return "" if name == "classroom" else f", room={name!r}"


def _room_flag(name: str) -> str:
    return "" if name == "classroom" else f" --room {name}"
