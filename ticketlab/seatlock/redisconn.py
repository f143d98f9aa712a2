"""Reaching a Redis server: one way to build a client from a URL, one way to turn its failures
into the core's own errors.

Invariant: nothing above this module sees a redis-py exception. Whatever goes wrong on the way
to the server (refused, timed out, still loading its data after a restart, a command the server
or an ACL refuses) is raised as the error class the caller names
(:class:`~ticketlab.seatlock.errors.LockServiceUnavailable` for the lock manager,
:class:`~ticketlab.seatlock.errors.StoreUnavailable` for the store), with the server's
address and redis-py's reason, and the redis-py exception chained as its cause.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from ticketlab.core.errors import InputError
from ticketlab.seatlock.clock import seconds

__all__ = ["redis_client", "server_address", "call", "EXAMPLE_URL"]

_T = TypeVar("_T")

EXAMPLE_URL = "redis://127.0.0.1:6379/0"


def redis_client(url: Any, socket_timeout: float = 2.0, decode_responses: bool = False, name: str = "url"):
    """A ``redis.Redis`` for ``url`` that gives up on a server silent for ``socket_timeout`` s.

    Raises :class:`InputError` (naming ``name``) for a value that is not a ``redis://``,
    ``rediss://`` or ``unix://`` URL, or one redis-py cannot parse (port, database number).
    Connects lazily: a server that is down is found on the first command.
    """
    import redis

    if not isinstance(url, str) or urlsplit(url).scheme not in ("redis", "rediss", "unix"):
        raise InputError(name, url, f"a Redis URL such as '{EXAMPLE_URL}'")
    timeout = seconds("socket_timeout", socket_timeout)
    try:
        return redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout,
                                    decode_responses=decode_responses)
    except ValueError as error:  # redis-py's own parse of the URL
        raise InputError(name, url, f"a Redis URL such as '{EXAMPLE_URL}' ({error})") from None


def server_address(client) -> str:
    """``host:port`` (or the socket path) that ``client`` talks to, for error messages."""
    kwargs = client.connection_pool.connection_kwargs
    return kwargs.get("path") or f"{kwargs.get('host', '?')}:{kwargs.get('port', '?')}"


def call(where: str, unavailable: Callable[[str, str], Exception], step: Callable[..., _T], *args, **kwargs) -> _T:
    """``step(*args, **kwargs)``: one round trip; a redis-py failure becomes ``unavailable(where, reason)``."""
    import redis

    try:
        return step(*args, **kwargs)
    except (redis.ConnectionError, redis.TimeoutError) as error:  # BusyLoadingError is a ConnectionError
        raise unavailable(where, f"{type(error).__name__}: {error}") from error
    except redis.RedisError as error:  # READONLY, MASTERDOWN, NOPERM, OOM: the server answered no
        raise unavailable(where, f"the server refused the command: {error}") from error
