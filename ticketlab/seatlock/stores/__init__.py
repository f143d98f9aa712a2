"""Where seat state lives: the contract in :mod:`.base`, stores in memory and SQLite.

Invariant: every store changes state only through ``apply``, checks the guard list that
:func:`~ticketlab.seatlock.stores.base.required_guards` derives, and passes one contract
test suite (``tests/seatlock/test_store_contract.py``).
"""
