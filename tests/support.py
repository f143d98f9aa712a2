"""Helpers for tests that start real servers or browsers on this machine."""

from __future__ import annotations

import gc
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest


@contextmanager
def collector_off() -> Iterator[None]:
    """The cyclic garbage collector off inside, put back as it was after: what is freed inside was freed by
    reference counting alone."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def missing(what: str, install: str) -> None:
    """Stop a test that needs ``what``: a failure under ``CI=true``, elsewhere a skip saying how to install it."""
    message = f"{what} is not installed; install it with: {install}"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI must run this test)")
    pytest.skip(message)


class RedisServer:
    """A throwaway ``redis-server`` on 127.0.0.1 that a test can kill, pause and restart.

    ``persistent`` turns on the append-only file (fsync on every write), so a restart keeps
    the data; without it a restart starts empty. The port stays the same across restarts.
    A missing binary fails under ``CI=true`` and skips elsewhere (see :func:`missing`).
    """

    def __init__(self, workdir, persistent: bool = False) -> None:
        import shutil

        self.binary = shutil.which("redis-server")
        if self.binary is None:
            missing("redis-server", "sudo apt-get install redis-server")
        self.workdir, self.persistent = str(workdir), persistent
        self.port = free_port()
        self.proc = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self, timeout: float = 0.5):
        """A redis-py client that gives up after ``timeout`` seconds and does not retry."""
        import redis
        from redis.retry import Retry
        from redis.backoff import NoBackoff

        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=timeout,
                           socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 0))

    def start(self) -> "RedisServer":
        import subprocess
        import time

        import redis

        persistence = (["--appendonly", "yes", "--appendfsync", "always"] if self.persistent
                       else ["--appendonly", "no"])
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--dir", self.workdir,
             *persistence], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        probe = self.client()
        try:
            for _ in range(200):
                try:
                    if probe.ping():
                        return self
                except redis.ConnectionError:  # BusyLoadingError too: still reading its file
                    time.sleep(0.025)
            raise RuntimeError(f"redis-server did not answer on 127.0.0.1:{self.port}")
        finally:
            probe.close()

    def kill(self) -> None:
        """SIGKILL: the server dies at once, as in a crash."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None

    def pause(self) -> None:
        """SIGSTOP: the server keeps its port but answers nothing."""
        import signal

        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        import signal

        self.proc.send_signal(signal.SIGCONT)

    def restart(self) -> None:
        self.kill()
        self.start()

    def stop(self) -> None:
        if self.proc is not None:
            self.resume()
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


def postgres_binaries() -> str | None:
    """The folder holding Debian's ``initdb`` and ``postgres`` (not on PATH there), newest
    version first; else the folder of an ``initdb`` on PATH; None if there is neither."""
    import glob
    import shutil

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0, reverse=True)
    if found:
        return os.path.dirname(found[0])
    on_path = shutil.which("initdb")
    return os.path.dirname(on_path) if on_path else None


class PostgresServer:
    """A throwaway PostgreSQL server on 127.0.0.1 and a free port, in its own temp folder.

    ``initdb`` refuses to run as root, so as root both it and ``postgres`` run as ``nobody``,
    who owns the folder. ``fsync=off``: a test never survives a power cut, and a commit then
    costs no disk flush. :meth:`new_database` gives each caller a database of its own. A
    missing PostgreSQL fails under ``CI=true`` and skips elsewhere (see :func:`missing`).
    """

    def __init__(self, fsync: bool = False) -> None:
        import tempfile

        self.bin = postgres_binaries()
        if self.bin is None:
            missing("PostgreSQL (initdb, postgres)", "sudo apt-get install postgresql")
        self.fsync = fsync
        self.port = free_port()
        self.root = tempfile.mkdtemp(prefix="ticketlab-pg-")
        self.data, self.sockets = os.path.join(self.root, "data"), os.path.join(self.root, "sockets")
        os.mkdir(self.sockets)
        self.proc = None
        self._databases = 0
        self._run_as: dict = {}
        if os.getuid() == 0:
            import pwd

            nobody = pwd.getpwnam("nobody")
            self._run_as = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
            for path in (self.root, self.sockets):
                os.chown(path, nobody.pw_uid, nobody.pw_gid)
        self._initdb()

    def _initdb(self) -> None:
        import subprocess

        result = subprocess.run(
            [os.path.join(self.bin, "initdb"), "-D", self.data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
             "--no-locale", "--no-sync"], capture_output=True, text=True, cwd=self.root, **self._run_as)
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed: {result.stderr.strip()}")

    @property
    def dsn(self) -> str:
        """The server's own ``postgres`` database, as the superuser ``postgres`` (trust auth, loopback only)."""
        return self.dsn_for("postgres")

    def dsn_for(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> "PostgresServer":
        import subprocess
        import time

        import psycopg

        settings = ["listen_addresses=127.0.0.1", f"fsync={'on' if self.fsync else 'off'}",
                    "full_page_writes=off" if not self.fsync else "full_page_writes=on", "max_connections=200"]
        command = [os.path.join(self.bin, "postgres"), "-D", self.data, "-p", str(self.port), "-k", self.sockets]
        for setting in settings:
            command += ["-c", setting]
        self.proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.root, "log"), "a"),
                                     cwd=self.root, start_new_session=True, **self._run_as)
        for _ in range(400):
            if self.proc.poll() is not None:
                raise RuntimeError(f"postgres exited: {open(os.path.join(self.root, 'log')).read()[-2000:]}")
            try:
                psycopg.connect(self.dsn, connect_timeout=1).close()
                return self
            except psycopg.OperationalError:
                time.sleep(0.025)
        raise RuntimeError(f"postgres did not answer on 127.0.0.1:{self.port}")

    def new_database(self) -> str:
        """A fresh, empty database on this server; returns its DSN."""
        import psycopg

        self._databases += 1
        name = f"test_{os.getpid()}_{self._databases}"
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.dsn_for(name)

    def kill(self) -> None:
        """SIGKILL to the server and every backend: a crash, with transactions left open."""
        import signal

        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=10)
            self.proc = None

    def stop(self) -> None:
        """A fast shutdown (open transactions rolled back), then the folder is removed."""
        import shutil
        import signal
        import subprocess

        if self.proc is not None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
            self.proc = None
        shutil.rmtree(self.root, ignore_errors=True)


_SHARED_POSTGRES: list[PostgresServer] = []


def shared_postgres() -> PostgresServer:
    """One server per test process, started on first use and stopped when the process exits."""
    if not _SHARED_POSTGRES:
        import atexit

        server = PostgresServer().start()
        _SHARED_POSTGRES.append(server)
        atexit.register(server.stop)
    return _SHARED_POSTGRES[0]
