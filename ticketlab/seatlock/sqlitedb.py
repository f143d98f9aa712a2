"""One SQLite file shared by threads and processes: its connections and its write transaction.

Invariant: every write to the file happens inside :meth:`SqliteFile.write`, which opens
``BEGIN IMMEDIATE`` and either commits when the block ends or rolls everything back if it
raises. ``IMMEDIATE`` takes the file's write lock up front, so two writers never deadlock
trying to upgrade a read. Inside a transaction this thread already opened (the pessimistic
strategy's), ``write`` opens a ``SAVEPOINT`` instead, so a refused change undoes itself
alone. Waiting for the write lock longer than the busy timeout raises
:class:`~ticketlab.seatlock.errors.LockTimeout`.

Python's ``sqlite3`` opens transactions implicitly before DML unless told otherwise; here
every connection is opened with ``isolation_level=None`` (autocommit) and the transaction
is written out, so it starts exactly where the code says. WAL mode lets readers run beside
the one writer. The seat store and the lease table both use this module.
"""

from __future__ import annotations

import sqlite3
import threading

from ticketlab.core.errors import InputError
from ticketlab.seatlock.clock import seconds
from ticketlab.seatlock.errors import LockTimeout

__all__ = ["SYNCHRONOUS", "connect", "SqliteFile"]

SYNCHRONOUS = ("FULL", "NORMAL")


def connect(path: str, busy_timeout: float = 5.0, synchronous: str = "FULL") -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit) with WAL and a busy timeout.

    ``synchronous="FULL"`` syncs the WAL on every commit, so a confirmed sale survives a power
    cut; ``"NORMAL"`` syncs only at checkpoints (faster; the last commits can be lost on power
    loss, never on a crash of the program). Raises :class:`InputError` for another value.
    """
    if synchronous not in SYNCHRONOUS:
        raise InputError("synchronous", synchronous, "'FULL' (durable commits) or 'NORMAL'")
    conn = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    return conn


class SqliteFile:
    """The file at ``path``: one connection per thread, and :meth:`write` transactions.

    Raises :class:`~ticketlab.seatlock.errors.InvalidTTL` for a ``busy_timeout`` that is not a
    positive duration.
    """

    def __init__(self, path: str, busy_timeout: float = 5.0, synchronous: str = "FULL") -> None:
        self.path = str(path)
        self.busy_timeout = seconds("busy_timeout", busy_timeout)
        self.synchronous = synchronous
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()

    def conn(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = connect(self.path, self.busy_timeout, self.synchronous)
            self._local.depth = 0
            with self._all_lock:
                self._all.append(conn)
        return conn

    def write(self, what: str, timeout: float | None = None) -> _Write:
        """A write transaction (or a savepoint inside this thread's open one), as a context
        manager that yields this thread's connection.

        ``what`` names the lock in the :class:`LockTimeout` raised after ``timeout`` seconds
        (default: the busy timeout) of waiting for the write lock.
        """
        return _Write(self, what, timeout)

    def _begin(self, conn: sqlite3.Connection, what: str, timeout: float | None) -> None:
        wait = self.busy_timeout if timeout is None else timeout
        if wait != self.busy_timeout:
            conn.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if "locked" in str(error) or "busy" in str(error):
                raise LockTimeout(what, wait) from error
            raise
        finally:
            if wait != self.busy_timeout:
                conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")

    def close(self) -> None:
        """Close every thread's connection; call it once the threads using the file are done."""
        with self._all_lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()


class _Write:
    """One :meth:`SqliteFile.write`: ``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` if the block
    raises), or ``SAVEPOINT`` … ``RELEASE`` inside a transaction this thread already opened.

    A class rather than a generator: every seat write enters one, and this is cheaper.
    """

    __slots__ = ("file", "what", "timeout", "conn", "savepoint")

    def __init__(self, file: SqliteFile, what: str, timeout: float | None) -> None:
        self.file, self.what, self.timeout = file, what, timeout
        self.savepoint: str | None = None

    def __enter__(self) -> sqlite3.Connection:
        file = self.file
        conn = self.conn = file.conn()
        local = file._local
        if local.depth:  # inside this thread's transaction: a savepoint undoes this block alone
            self.savepoint = f"nested_{local.depth}"
            conn.execute(f"SAVEPOINT {self.savepoint}")
        else:
            file._begin(conn, self.what, self.timeout)
        local.depth += 1
        return conn

    def __exit__(self, error_type, error, traceback) -> None:
        conn, local = self.conn, self.file._local
        local.depth -= 1
        if self.savepoint is not None:
            if error_type is not None:
                conn.execute(f"ROLLBACK TO {self.savepoint}")
            conn.execute(f"RELEASE {self.savepoint}")
        elif error_type is not None:
            conn.execute("ROLLBACK")
        else:
            conn.execute("COMMIT")
