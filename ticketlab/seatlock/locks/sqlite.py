"""Leases in a SQLite table (its own file), so processes on one machine can share them.

Invariant, as in :mod:`ticketlab.seatlock.locks.base`: a lease is owned by the random token
that set it, until its ``expires_at`` on the shared clock; only that token can delete or
extend it. Each step is one write transaction (:meth:`SqliteFile.write
<ticketlab.seatlock.sqlitedb.SqliteFile.write>`, the same transaction the seat store uses), so
checking a lease and taking it cannot be split by another process, and a lease's fencing
token is incremented in the same transaction that grants it.
"""

from __future__ import annotations

from ticketlab.seatlock.clock import Clock
from ticketlab.seatlock.locks.base import LockGrant, LockManager
from ticketlab.seatlock.sqlitedb import SqliteFile

__all__ = ["SqliteLockManager"]


class SqliteLockManager(LockManager):
    """Leases in the SQLite file at ``path``; the same semantics as
    :class:`~ticketlab.seatlock.locks.memory.MemoryLockManager`.

    The clock must be shared by the processes (``RealClock`` is: it is the system's
    monotonic clock). Waiting longer than ``busy_timeout`` for the file's write lock raises
    :class:`~ticketlab.seatlock.errors.LockTimeout`.
    """

    def __init__(self, path: str, clock: Clock, sleep: float = 0.001, busy_timeout: float = 5.0) -> None:
        super().__init__(clock, sleep)
        self.path = str(path)
        self.busy_timeout = busy_timeout
        # leases are short-lived; losing one to a power cut only frees a lock
        self._db = SqliteFile(self.path, busy_timeout, "NORMAL")
        self._db.conn().executescript(
            "CREATE TABLE IF NOT EXISTS leases (name TEXT PRIMARY KEY, token TEXT NOT NULL, expires_at REAL NOT NULL);"
            "CREATE TABLE IF NOT EXISTS fences (name TEXT PRIMARY KEY, n INTEGER NOT NULL);")

    def _try_acquire(self, name: str, token: str, ttl: float) -> LockGrant | None:
        with self._db.write("the lease table") as conn:
            now = self.clock.now()
            taken = conn.execute("SELECT 1 FROM leases WHERE name = ? AND expires_at > ?", (name, now)).fetchone()
            if taken:
                return None
            conn.execute("INSERT OR REPLACE INTO leases VALUES (?, ?, ?)", (name, token, now + ttl))
            fencing = conn.execute("INSERT INTO fences VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET n = n + 1"
                                   " RETURNING n", (name,)).fetchone()[0]
            return LockGrant(name, token, fencing, now + ttl)

    def _release_if_owner(self, name: str, token: str) -> bool:
        with self._db.write("the lease table") as conn:
            return conn.execute("DELETE FROM leases WHERE name = ? AND token = ? AND expires_at > ?",
                                (name, token, self.clock.now())).rowcount == 1

    def _extend_if_owner(self, name: str, token: str, seconds: float, replace_ttl: bool) -> float | None:
        with self._db.write("the lease table") as conn:
            now = self.clock.now()
            row = conn.execute("SELECT expires_at FROM leases WHERE name = ? AND token = ? AND expires_at > ?",
                               (name, token, now)).fetchone()
            if row is None:
                return None
            expires_at = (now if replace_ttl else row[0]) + seconds
            conn.execute("UPDATE leases SET expires_at = ? WHERE name = ?", (expires_at, name))
            return expires_at

    def owner(self, name: str) -> str | None:
        row = self._db.conn().execute("SELECT token FROM leases WHERE name = ? AND expires_at > ?",
                                      (name, self.clock.now())).fetchone()
        return row[0] if row else None

    def close(self) -> None:
        """Close every thread's connection to the lease file."""
        self._db.close()
