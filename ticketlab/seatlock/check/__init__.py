"""Checking a sale after the fact.

Invariant: whatever a store and a strategy did, :func:`~ticketlab.seatlock.check.history.check_history`
replays the recorded history and names every broken rule (a seat sold twice, a stale fencing
token accepted, money neither booked nor refunded, ...); a clean report is the proof.
"""
