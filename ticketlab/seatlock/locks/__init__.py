"""Leases with fencing tokens: the contract in :mod:`.base`, managers in memory, SQLite and Redis.

Invariant: a lease belongs to one token until its TTL runs out, and every grant of a name
carries a fencing token larger than any before it, so a store can refuse a late writer.
"""
