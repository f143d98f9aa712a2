"""Several rushes at once: worker processes beside this one, for a panel that runs a few rushes a move.

The fairness panel runs the same crowd through five waiting-room policies each time a slider moves;
one after another they take five times as long as one. Python runs one thread at a time, so the other
cores are reached through processes: :class:`RushPool` keeps a few workers (one fewer than the cores,
at most four), each a fresh interpreter (``python -c``, so nothing of the caller's ``__main__`` runs
again) importing the same ``ticketlab`` as this process, fed numbered, pickled configs over a pipe of
its own and answering on another (its stdout stays free for stray prints). A batch is
split: workers take their share while this process runs the rest, then their results come back.

Invariants:

- **Same results, either way.** A rush is a function of its config (the seed included), so where it
  runs changes nothing; :meth:`RushPool.simulate_all` returns results in the order of its configs.
- **Never in the way.** Until the workers have reported ready, if one imported another ``ticketlab``,
  after one has died, or if the pool is off (``TICKETLAB_WORKERS=0``, one core, or a system without
  ``select`` on pipes), every rush runs here. A rush that fails in a worker runs here again once
  every answer of the batch is in, so an error is raised as the plain call would raise it.
- **No answer is ever read by the wrong batch.** Replies carry their request's number and are
  checked; anything unexpected (an interrupt mid-batch, a frame out of step, an error in this
  process's share) stops the workers and marks the pool broken, and the next :func:`shared_pool`
  starts a fresh one. A batch sends each worker at most :data:`OUTSTANDING` configs (they fit in a
  pipe's buffer, so a worker writing a long answer can never wait on a parent still writing).
- Workers ignore Ctrl-C (a kernel's interrupt reaches its whole process group) and end when their
  request pipe closes: at :meth:`RushPool.close`, when the pool is garbage-collected, or when this
  process ends.
"""

from __future__ import annotations

import itertools
import math
import os
import pickle
import re
import select
import struct
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Sequence
from typing import Any

from ticketlab.core.errors import InputError
from ticketlab.sim.config import RushConfig
from ticketlab.sim.result import RushResult

__all__ = ["RushPool", "shared_pool", "default_workers", "MAX_WORKERS", "OUTSTANDING"]

MAX_WORKERS = 4
#: Configs a batch sends one worker before reading its answers (a pickled config is about 1 KB).
OUTSTANDING = 16
_MAGIC = b"TLRP"
_MAX_FRAME = 1 << 30
_READY, _DONE, _FAILED = "ready", "done", "failed"


def default_workers() -> int:
    """Workers to start: ``TICKETLAB_WORKERS`` if set (0 turns the pool off), else one fewer than the
    cores this process may use, at most :data:`MAX_WORKERS`."""
    text = os.environ.get("TICKETLAB_WORKERS")
    if text is not None and text.strip():
        value = int(text.strip()) if re.fullmatch(r"[0-9]{1,2}", text.strip()) else -1
        if not 0 <= value <= 64:
            raise InputError("TICKETLAB_WORKERS", text, "a whole number from 0 to 64 (0 runs every rush in "
                             "this process)")
        return value
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(0, min(MAX_WORKERS, cores - 1))


def _package_file() -> str:
    """Where this process's ``ticketlab`` lives: a worker must import the very same one."""
    import ticketlab

    return os.path.realpath(ticketlab.__file__)


def _read_exactly(fd: int, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, left)
        if not chunk:
            raise EOFError("the pipe closed")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _read_frame(fd: int) -> Any:
    """One message: ``TLRP``, a 4-byte big-endian length, then the pickle; EOFError at the pipe's end,
    ValueError for bytes that are not a frame."""
    head = _read_exactly(fd, 8)
    size = struct.unpack(">I", head[4:])[0]
    if head[:4] != _MAGIC or size > _MAX_FRAME:
        raise ValueError(f"not a frame: {head!r}")
    return pickle.loads(_read_exactly(fd, size))


def _write_frame(fd: int, message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_MAGIC + struct.pack(">I", len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def serve(requests: int, replies: int) -> None:
    """A worker's life: say ready (with the ``ticketlab`` it imported), then run each numbered config
    read from ``requests`` and write its numbered result to ``replies``, until ``requests`` closes."""
    from ticketlab.sim.rush import simulate

    try:
        _write_frame(replies, (0, _READY, _package_file()))
        while True:
            try:
                number, config = _read_frame(requests)
            except EOFError:
                return
            try:
                reply = (number, _DONE, simulate(config))
            except Exception as error:  # sent back as text: the caller runs the rush itself to raise it
                reply = (number, _FAILED, f"{type(error).__name__}: {error}")
            _write_frame(replies, reply)
    except (BrokenPipeError, KeyboardInterrupt):  # the caller went away: nothing to say, no one to say it to
        return


class _Lost(Exception):
    """A worker died, or its pipe carried something that is not an answer: the batch runs here."""


class _Worker:
    def __init__(self, path: list[str]) -> None:
        to_child, self.requests = os.pipe()
        self.replies, from_child = os.pipe()
        code = ("import signal; signal.signal(signal.SIGINT, signal.SIG_IGN); import sys; "
                f"sys.path[:0] = {path!r}; from ticketlab.sim.pool import serve; serve({to_child}, {from_child})")
        try:
            self.process = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.DEVNULL,
                                            pass_fds=(to_child, from_child), close_fds=True)
        except BaseException:
            os.close(self.requests)
            os.close(self.replies)
            raise
        finally:
            os.close(to_child)
            os.close(from_child)
        self.ready = False
        self.package = ""
        self.answered = 0

    def send(self, number: int, config: RushConfig) -> None:
        try:
            _write_frame(self.requests, (number, config))
        except OSError as error:
            raise _Lost(f"a worker stopped taking requests: {error}") from error

    def receive(self) -> tuple[int, str, Any]:
        try:
            return _read_frame(self.replies)
        except (OSError, EOFError, ValueError, pickle.UnpicklingError) as error:
            raise _Lost(f"a worker's answer was lost: {error}") from error

    def poll_ready(self, timeout: float) -> bool:
        """True once the worker said ready; False while it has not yet (waiting up to ``timeout``)."""
        if not self.ready and select.select([self.replies], [], [], timeout)[0]:
            number, kind, self.package = self.receive()
            if (number, kind) != (0, _READY):
                raise ValueError(f"a worker's first word was {kind!r}, not {_READY!r}")
            self.ready = True
        return self.ready


def _stop(workers: list[_Worker]) -> None:
    """Close every request pipe (each worker's read ends and it returns), then wait; kill what lingers."""
    for worker in workers:
        fds, worker.requests, worker.replies = (worker.requests, worker.replies), -1, -1  # once only: a
        for fd in fds:  # closed number is soon another pipe's, and closing it twice would close that one
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
    deadline = time.monotonic() + 2
    for worker in workers:
        try:
            worker.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            worker.process.kill()
            worker.process.wait()


class RushPool:
    """``workers`` processes beside this one (``None``: :func:`default_workers`); see the module's notes."""

    def __init__(self, workers: int | None = None) -> None:
        count = default_workers() if workers is None else workers
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= 64:
            raise InputError("workers", workers, "a whole number from 0 to 64, or None for one fewer than the cores")
        self._lock = threading.Lock()
        self._workers: list[_Worker] = []
        self._numbers = itertools.count(1)
        self.broken = False
        self.answered = 0  # rushes a worker answered, over the pool's life
        self.package = _package_file()
        if count and os.name == "posix":  # select() on a pipe; elsewhere every rush runs here
            package_root = os.path.dirname(os.path.dirname(self.package))
            path = [package_root, *(os.path.abspath(p or os.curdir) for p in sys.path)]
            try:
                for _ in range(count):
                    self._workers.append(_Worker(path))
            except OSError:  # no interpreter to start (a frozen app, a missing file): every rush runs here
                _stop(self._workers)
                self._workers = []
        self._finalizer = weakref.finalize(self, _stop, self._workers)  # also at exit

    @property
    def workers(self) -> int:
        return len(self._workers)

    def ready(self, timeout: float = 0.0) -> bool:
        """True once every worker has imported the simulator (the same ``ticketlab`` as this process);
        waits up to ``timeout`` seconds for it. A worker that died or imported another one breaks the pool."""
        if not self._workers or self.broken:
            return False
        deadline = time.monotonic() + timeout
        with self._lock:
            try:
                if not all(w.poll_ready(max(0.0, deadline - time.monotonic())) for w in self._workers):
                    return False
            except (_Lost, ValueError, OSError):
                self._break()
                return False
            if any(w.package != self.package for w in self._workers):
                self._break()
                return False
            return True

    def simulate_all(self, configs: Sequence[RushConfig]) -> list[RushResult]:
        """Every config's result, in order; the workers take a share when they are ready."""
        from ticketlab.sim.rush import simulate

        configs = list(configs)
        if len(configs) < 2 or not self.ready():
            return [simulate(c) for c in configs]
        with self._lock:
            share = math.ceil(len(configs) / (self.workers + 1))  # this process's share; the rest go out
            out = configs[share:share + OUTSTANDING * self.workers]
            mine = configs[:share] + configs[share + len(out):]
            try:
                asked = []
                for index, config in enumerate(out):
                    worker, number = self._workers[index % self.workers], next(self._numbers)
                    worker.send(number, config)
                    asked.append((worker, number))
                results = [simulate(c) for c in mine]
                answers = [self._answer(worker, number) for worker, number in asked]
            except _Lost:  # a worker died or fell out of step: this batch runs here, the pool is done
                self._break()
                lost = True
            except BaseException:  # an interrupt, an error in this share: no answer may be left unread
                self._break()
                raise
            else:
                lost = False
        if lost:
            return [simulate(c) for c in configs]
        failed = [config for config, answer in zip(out, answers) if answer is None]
        rerun = iter([simulate(c) for c in failed])  # raises as the plain call would
        theirs = [answer if answer is not None else next(rerun) for answer in answers]
        return results[:share] + theirs + results[share:]

    def _answer(self, worker: _Worker, number: int) -> RushResult | None:
        got, kind, payload = worker.receive()
        if got != number:
            raise _Lost(f"a worker answered request {got}, not {number}")
        if kind == _DONE:
            self.answered += 1
            worker.answered += 1
            return payload
        return None  # it failed there: run it here

    def _break(self) -> None:
        self.broken = True
        workers, self._workers = self._workers, []
        _stop(workers)

    def close(self) -> None:
        with self._lock:
            self._break()
            self.broken = False  # closed, not broken: it runs every rush here from now on

    def __enter__(self) -> "RushPool":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


_shared: RushPool | None = None
_shared_lock = threading.Lock()


def shared_pool() -> RushPool:
    """The pool panels share in this process, started on first use (its workers start importing then)
    and started afresh after it broke."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared.broken:
            _shared = RushPool()
        return _shared
