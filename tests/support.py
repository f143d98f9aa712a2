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
