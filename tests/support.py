"""Helpers for tests that start real servers or browsers on this machine."""

from __future__ import annotations

import os
import socket

import pytest


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
