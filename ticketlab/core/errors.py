"""One exception hierarchy for ticketlab.

Every error the package raises on purpose derives from :class:`TicketlabError`.
Errors about bad input also derive from :class:`ValueError`, so ``except ValueError``
catches them too. A message names the input that was wrong and shows a valid one.
"""

from __future__ import annotations

__all__ = [
    "TicketlabError",
    "InputError",
    "UnitError",
    "CascadeError",
    "UnknownScenarioError",
]


class TicketlabError(Exception):
    """Root of every error ticketlab raises on purpose."""


class InputError(TicketlabError, ValueError):
    """An input is malformed or out of range. The message names it and shows a valid one."""

    def __init__(self, name: str, value: object, expected: str) -> None:
        self.name = name
        self.value = value
        self.expected = expected
        shown = repr(value)
        if len(shown) > 200:  # a hostile megabyte-long value must not become a megabyte-long message
            shown = f"{shown[:160]}… ({len(shown):,} characters)"
        super().__init__(f"{name}={shown} is not valid: expected {expected}")


class UnitError(InputError):
    """A quantity carries a unit that does not fit where it is used."""


class CascadeError(TicketlabError, ValueError):
    """A timeout cascade is upside down: an inner layer may outlive the layer that waits for it."""


class UnknownScenarioError(TicketlabError, KeyError):
    """No scenario has that name."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""
