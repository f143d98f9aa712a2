"""How a worksheet looks: a terminal table, HTML and Markdown for Jupyter, LaTeX for a formula.

Kept apart from :mod:`ticketlab.worksheet.sheet` so the data has one shape and every form is
computed from it. A value is said the way an engineer says it (``5.79K QPS``, ``2 Gbps``); a
sweep shows its first and last point; a range shows ``median [p5 – p95]``.
"""

from __future__ import annotations

import numpy as np

from ticketlab.core.numbers import format_quantity
from ticketlab.core.uncertainty import summarise
from ticketlab.core.vocab import Mode
from ticketlab.worksheet.sheet import Step, Value, Worksheet

__all__ = ["show", "rows", "to_text", "to_markdown", "to_html", "latex", "HEADINGS"]

HEADINGS = ("step", "formula", "napkin", "exact", "note")
# units whose symbol stays on both ends of a range; other ends are bare numbers
_SYMBOL_UNITS = {"B", "B/s", "s", "%", "req/s", ":1", "x"}
_WIDEST_FORMULA = 44  # a longer formula is cut with "…" in the terminal table (never a step label)


def _say(v: float, step: Step, *, brief: bool = False) -> str:
    if step.show is not None:
        return step.show(v)
    if brief:
        return format_quantity(v, step.unit if step.unit in _SYMBOL_UNITS else "", bits=False)
    return format_quantity(v, step.unit)


def show(v: Value, step: Step, mode: Mode) -> str:
    """One value of ``step`` in words: a point, a sweep's ends, or a range's median [p5 – p95]."""
    arr = np.asarray(v, dtype=float)
    if arr.ndim == 0:
        return _say(float(arr), step)
    if mode is Mode.RANGE:
        s = summarise(arr)
        median = _say(s["p50"], step, brief=True) if step.unit == "B/s" else _say(s["p50"], step)
        return f"{median} [{_say(s['p5'], step, brief=True)} – {_say(s['p95'], step, brief=True)}]"
    flat = arr.ravel()
    return f"{_say(flat[0], step)} … {_say(flat[-1], step)}"


def rows(ws: Worksheet) -> list[tuple[str, str, str, str, str]]:
    """(label, formula, napkin, exact, note) for every step; a given's formula reads 'given'."""
    return [(s.label, "given" if s.is_given else s.formula, show(s.napkin, s, ws.mode), show(s.exact, s, ws.mode),
             s.note) for s in ws]


def to_text(ws: Worksheet) -> str:
    """A fixed-width table for the terminal."""
    body = rows(ws)
    cols = [max(len(r[i]) for r in [HEADINGS, *body]) for i in range(4)]
    cols = [cols[0], *(min(c, _WIDEST_FORMULA) for c in cols[1:])]

    def cut(text: str, n: int) -> str:
        return text if len(text) <= n else text[: n - 1] + "…"

    lines = [ws.title, "=" * len(ws.title)]
    if ws.mode is Mode.RANGE:
        lines.append("(range estimate: median [5th – 95th percentile])")
    fmt = "  ".join(f"{{:<{c}}}" for c in cols)
    lines.append(fmt.format(*(cut(h, c) for h, c in zip(HEADINGS, cols))) + "  " + HEADINGS[4])
    lines.append("  ".join("-" * c for c in cols) + "  ----")
    for r in body:
        lines.append((fmt.format(*(cut(x, c) for x, c in zip(r, cols))) + "  " + r[4]).rstrip())
    return "\n".join(lines)


def to_markdown(ws: Worksheet) -> str:
    out = [f"**{ws.title}**", "", "| " + " | ".join(HEADINGS) + " |", "|---|---|---|---|---|"]
    for label, formula, napkin, exact, note in rows(ws):
        out.append(f"| {label} | `{formula}` | {napkin} | {exact} | {note} |")
    return "\n".join(out)


def to_html(ws: Worksheet) -> str:
    import html  # only Jupyter needs it

    def cell(i: int, text: str) -> str:
        inner = f"<code>{html.escape(text)}</code>" if i == 1 else html.escape(text)
        return f"<td style='text-align:left'>{inner}</td>"

    body = "".join("<tr>" + "".join(cell(i, x) for i, x in enumerate(r)) + "</tr>" for r in rows(ws))
    head = "".join(f"<th style='text-align:left'>{h}</th>" for h in HEADINGS)
    caption = html.escape(ws.title) + (" — median (p5 – p95)" if ws.mode is Mode.RANGE else "")
    return (f"<table class='ticketlab-worksheet'><caption style='text-align:left'><b>{caption}</b></caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def latex(step: Step) -> str:
    """``\\text{key} = ...`` from the parsed formula the step was computed with (needs sympy)."""
    name = r"\text{" + step.key.replace("_", r"\_") + "}"
    if step.is_given or step.expression is None:
        return name
    return step.expression.latex(step.key)
