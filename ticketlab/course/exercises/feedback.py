"""What a learner is told: one :class:`Feedback` per answer, one :class:`Score` per exercise.

Both render as plain text (``str``, for terminals, the gradebook and nbval) and as HTML in
Jupyter (``_repr_html_``); neither imports anything from Jupyter.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Status", "Feedback", "Score"]


class Status(StrEnum):
    """How an answer was judged."""

    PASS = "pass"  # within the stated tolerance: full credit
    CLOSE = "close"  # right order of magnitude, no known mistake: partial credit
    WRONG = "wrong"  # a diagnosed mistake, the wrong unit or option, or too far off: no credit
    INVALID = "invalid"  # could not be read as an answer at all
    NOT_ATTEMPTED = "not attempted"  # the placeholder (``...``), None or an empty string

    @property
    def mark(self) -> str:
        return {"pass": "✓", "close": "~", "wrong": "✗", "invalid": "?", "not attempted": "·"}[self.value]


_COLOURS = {Status.PASS: "#1b7f3b", Status.CLOSE: "#9a6700", Status.WRONG: "#b42318",
            Status.INVALID: "#b42318", Status.NOT_ATTEMPTED: "#57606a"}


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer: status, points, and a message that names the mistake when one is known.

    ``diagnosis`` is the id of the recognised mistake (``"forgot-peak"``, ``"wrong-unit"``,
    ``"source-slip:broadway-bookings-storage"``...) or ``None``.
    """

    question: str
    status: Status
    points: float
    max_points: float
    message: str
    answer: str = ""
    diagnosis: str | None = None

    @property
    def ok(self) -> bool:
        """Full credit."""
        return self.status is Status.PASS

    def __str__(self) -> str:
        return f"{self.status.mark} {self.status.value} ({_pts(self.points)}/{_pts(self.max_points)}) {self.question}: {self.message}"

    def _repr_html_(self) -> str:
        colour = _COLOURS[self.status]
        return (f"<div class='ticketlab-feedback' style='border-left:4px solid {colour};padding:4px 10px'>"
                f"<b style='color:{colour}'>{self.status.mark} {html.escape(self.status.value)}</b> "
                f"<code>{html.escape(self.question)}</code> ({_pts(self.points)}/{_pts(self.max_points)})"
                f"<br>{html.escape(self.message)}</div>")


def _pts(x: float) -> str:
    return f"{x:g}"


@dataclass(frozen=True)
class Score:
    """Every question of an exercise with its latest feedback (not attempted where none)."""

    title: str
    results: tuple[Feedback, ...]

    @property
    def points(self) -> float:
        return sum(r.points for r in self.results)

    @property
    def max_points(self) -> float:
        return sum(r.max_points for r in self.results)

    def count(self, status: Status) -> int:
        return sum(r.status is status for r in self.results)

    def _headline(self) -> str:
        pct = 100 * self.points / self.max_points if self.max_points else 0.0
        tally = ", ".join(f"{self.count(s)} {s.value}" for s in Status if self.count(s))
        return f"{self.title}: {_pts(self.points)} of {_pts(self.max_points)} points ({pct:.0f}%) — {tally or 'no questions'}"

    def __str__(self) -> str:
        width = max((len(r.status.value) for r in self.results), default=0)
        lines = [self._headline()]
        lines += [f"  {r.status.mark} {r.status.value:<{width}}  {_pts(r.points)}/{_pts(r.max_points)}  {r.question}"
                  for r in self.results]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td style='color:{_COLOURS[r.status]}'>{r.status.mark} {html.escape(r.status.value)}</td>"
            f"<td>{_pts(r.points)}/{_pts(r.max_points)}</td><td><code>{html.escape(r.question)}</code></td></tr>"
            for r in self.results)
        return (f"<div class='ticketlab-score'><b>{html.escape(self._headline())}</b>"
                f"<table>{rows}</table></div>")
