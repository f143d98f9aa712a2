"""Several rushes at once: worker processes beside this one, for a panel that runs a few rushes a move.

The fairness panel runs the same crowd through five waiting-room policies each time a slider moves;
one after another they take five times as long as one. Python runs one thread at a time, so the other
cores are reached through processes: :class:`RushPool` keeps a few workers (one fewer than the cores,
at most four), each a fresh interpreter (``python -c``, so nothing of the caller's ``__main__`` runs
again) with the simulator imported, fed pickled configs over its stdin and answering on its stdout. A batch is
split: workers take their share while this process runs the rest, then their results come back.

Invariants:

- **Same results, either way.** A rush is a function of its config (the seed included), so where it
  runs changes nothing; :meth:`RushPool.simulate_all` returns results in the order of its configs.
- **Never in the way.** Until the workers have reported ready, after one has died, or if the pool
  is off (``TICKETLAB_WORKERS=0``, one core, or a system without ``select`` on pipes), every rush
  runs here. A worker that fails a rush
  sends the failure back and the rush is run here again, so an error is raised as the plain call
  would raise it. Workers are daemons (they end with this process) and end on their own when the
  pipe closes.
- Only the thread that uses a pool talks to its pipes (a lock makes concurrent batches take turns).
"""

from __future__ import annotations

import atexit
import math
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

from ticketlab.core.errors import InputError
from ticketlab.sim.config import RushConfig
from ticketlab.sim.result import RushResult

__all__ = ["RushPool", "shared_pool", "default_workers", "MAX_WORKERS"]

MAX_WORKERS = 4
_READY, _DONE, _FAILED = "ready", "done", "failed"


def default_workers() -> int:
    """Workers to start: ``TICKETLAB_WORKERS`` if set (0 turns the pool off), else one fewer than the
    cores this process may use, at most :data:`MAX_WORKERS`."""
    text = os.environ.get("TICKETLAB_WORKERS")
    if text is not None and text.strip():
        try:
            value = int(text)
        except ValueError:
            value = -1
        if not 0 <= value <= 64:
            raise InputError("TICKETLAB_WORKERS", text, "a whole number from 0 to 64 (0 runs every rush in "
                             "this process)")
        return value
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(0, min(MAX_WORKERS, cores - 1))


def _read_frame(stream: Any) -> Any:
    """One pickled message: a 4-byte big-endian length, then the pickle; EOFError at the end of the pipe."""
    head = _read_exactly(stream, 4)
    return pickle.loads(_read_exactly(stream, struct.unpack(">I", head)[0]))


def _read_exactly(stream: Any, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = stream.read(left)
        if not chunk:
            raise EOFError("the pipe closed")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _write_frame(stream: Any, message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack(">I", len(data)) + data)
    stream.flush()


def serve() -> None:
    """A worker's life (``python -c "from ticketlab.sim.pool import serve; serve()"``): import the simulator,
    say ready, then run each config read from stdin and write its result to stdout, until stdin closes.
    Anything printed goes to stderr: stdout carries only the frames."""
    out = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)
    source = os.fdopen(os.dup(0), "rb", buffering=0)
    from ticketlab.sim.rush import simulate

    _write_frame(out, (_READY, os.getpid()))
    while True:
        try:
            config = _read_frame(source)
        except EOFError:
            return
        try:
            _write_frame(out, (_DONE, simulate(config)))
        except Exception as error:  # sent back as text: the caller runs the rush itself to raise it
            _write_frame(out, (_FAILED, f"{type(error).__name__}: {error}"))


class _Worker:
    def __init__(self) -> None:
        code = f"import sys; sys.path[:0] = {[p for p in sys.path if p]!r}; from ticketlab.sim.pool import serve; serve()"
        self.process = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, bufsize=0, close_fds=True)
        self.ready = False

    def send(self, config: RushConfig) -> None:
        _write_frame(self.process.stdin, config)

    def receive(self) -> Any:
        return _read_frame(self.process.stdout)

    def poll_ready(self, timeout: float = 0.0) -> bool:
        if not self.ready:
            readable, _, _ = select.select([self.process.stdout], [], [], timeout)
            if readable:
                kind, _ = self.receive()
                self.ready = kind == _READY
        return self.ready

    def stop(self) -> None:
        try:
            self.process.stdin.close()  # the worker's read ends and it returns
        except OSError:
            pass
        try:
            self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=2)
        self.process.stdout.close()


class RushPool:
    """``workers`` processes beside this one (``None``: :func:`default_workers`); see the module's notes."""

    def __init__(self, workers: int | None = None) -> None:
        count = default_workers() if workers is None else workers
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= 64:
            raise InputError("workers", workers, "a whole number from 0 to 64, or None for one fewer than the cores")
        self._lock = threading.Lock()
        self._workers: list[_Worker] = []
        self.broken = False
        self.answered = 0  # rushes a worker answered, over the pool's life
        if count and os.name == "posix":  # select() on a pipe; elsewhere every rush runs here
            self._workers = [_Worker() for _ in range(count)]

    @property
    def workers(self) -> int:
        return len(self._workers)

    def ready(self, timeout: float = 0.0) -> bool:
        """True once every worker has imported the simulator; waits up to ``timeout`` seconds for it."""
        if not self._workers or self.broken:
            return False
        deadline = time.monotonic() + timeout
        with self._lock:
            try:
                return all(w.poll_ready(max(0.0, deadline - time.monotonic())) for w in self._workers)
            except (EOFError, OSError):
                self.broken = True
                return False

    def simulate_all(self, configs: Sequence[RushConfig]) -> list[RushResult]:
        """Every config's result, in order; the workers take a share when they are ready."""
        from ticketlab.sim.rush import simulate

        configs = list(configs)
        if len(configs) < 2 or not self.ready():
            return [simulate(c) for c in configs]
        with self._lock:
            share = math.ceil(len(configs) / (self.workers + 1))  # this process's share; the rest go out
            sent: list[tuple[_Worker | None, RushConfig]] = []
            for index, config in enumerate(configs[share:]):
                worker = self._workers[index % self.workers]
                try:
                    worker.send(config)
                except (OSError, ValueError):
                    self.broken, worker = True, None
                sent.append((worker, config))
            try:
                results = [simulate(c) for c in configs[:share]]
            except BaseException:  # answers already asked for would be read by the next batch: start afresh
                self.broken = True
                self._stop_all()
                raise
            for worker, config in sent:
                results.append(self._receive(worker, config))
            return results

    def _receive(self, worker: _Worker | None, config: RushConfig) -> RushResult:
        from ticketlab.sim.rush import simulate

        if worker is not None:
            try:
                kind, payload = worker.receive()
                if kind == _DONE:
                    self.answered += 1
                    return payload
            except (EOFError, OSError):
                self.broken = True
        return simulate(config)  # the worker is gone or failed: run it here (and raise what it raises)

    def close(self) -> None:
        with self._lock:
            self._stop_all()

    def _stop_all(self) -> None:
        for worker in self._workers:
            worker.stop()
        self._workers = []

    def __enter__(self) -> "RushPool":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


_shared: RushPool | None = None
_shared_lock = threading.Lock()


def shared_pool() -> RushPool:
    """The pool panels share in this process, started on first use (its workers start importing then)."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared.broken:
            if _shared is not None:
                _shared.close()
            _shared = RushPool()
            atexit.register(_shared.close)
        return _shared
