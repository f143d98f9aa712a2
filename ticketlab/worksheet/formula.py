"""A step's formula, written once: the text a learner reads is the expression that is computed.

A formula is a small arithmetic expression over names: ``"searches_per_day / seconds_per_day"``.
It is parsed once (Python's :mod:`ast`, checked against a whitelist) and then

- **evaluated** in two moods: *napkin*, where the constants take the source's shortcuts (a day
  is 100K s, a month 4 weeks) and ``napkin(x)`` rounds to one significant figure, and *exact*,
  where a day is 86,400 s and ``napkin(x)`` is just ``x``;
- **shown** as its canonical text (``ast.unparse`` of the parsed tree), and as LaTeX through
  sympy, built from the same tree.

So the number and the formula shown beside it cannot drift apart: there is nothing else to edit.

Allowed: numbers; names of inputs, earlier steps and :data:`CONSTANTS`; ``+ - * / **``,
unary minus, parentheses; calls to :data:`FUNCTIONS` or to functions an equation brings along.
Anything else (attributes, subscripts, comparisons, keywords, strings) is refused when the
formula is parsed, with :class:`FormulaError`.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import CodeType
from typing import Any, NamedTuple

import numpy as np

from ticketlab.core.errors import TicketlabError
from ticketlab.core.numbers import SECONDS_PER_DAY, SECONDS_PER_MONTH, SECONDS_PER_YEAR, napkin_round

__all__ = ["Formula", "FormulaError", "Constant", "CONSTANTS", "FUNCTIONS", "SHORTCUTS", "Mood", "NAPKIN", "EXACT"]


class FormulaError(TicketlabError, ValueError):
    """A formula uses something the formula language does not allow, or a name nobody defined."""


class Constant(NamedTuple):
    """A named number a formula may use, as the napkin remembers it and as it really is."""

    napkin: float
    exact: float
    note: str

    @property
    def is_shortcut(self) -> bool:
        return self.napkin != self.exact


#: Constants a formula may name. Those whose napkin and exact values differ are shortcuts, and a
#: step that uses one (directly or through an input) lists it in ``Step.shortcuts``.
CONSTANTS: Mapping[str, Constant] = {
    "seconds_per_day": Constant(SECONDS_PER_DAY.napkin, SECONDS_PER_DAY.exact, "a day ≈ 100K s (exactly 86,400 s)"),
    "seconds_per_month": Constant(SECONDS_PER_MONTH.napkin, SECONDS_PER_MONTH.exact,
                                  "a month ≈ 2.5M s (exactly 2.59M s)"),
    "seconds_per_year": Constant(SECONDS_PER_YEAR.napkin, SECONDS_PER_YEAR.exact, "a year ≈ 30M s (exactly 31.5M s)"),
    "weeks_per_month": Constant(4.0, 52 / 12, "4 weeks a month (exactly 52/12 ≈ 4.33)"),
    "days_per_year": Constant(365.0, 365.0, "365 days a year"),
    "weeks_per_year": Constant(52.0, 52.0, "52 weeks a year"),
    "seconds_per_minute": Constant(60.0, 60.0, "60 s a minute"),
    "bits_per_byte": Constant(8.0, 8.0, "8 bits a byte"),
}

#: What each napkin shortcut is, for notes and the audit: every shortcut constant, and rounding.
SHORTCUTS: Mapping[str, str] = {
    **{name: c.note for name, c in CONSTANTS.items() if c.is_shortcut},
    "napkin": "rounded to one significant figure, as the source does at this step",
}


class Mood(NamedTuple):
    """Napkin or exact: the values the constants take and what ``napkin()`` does."""

    exact: bool
    constants: Mapping[str, float]

    def napkin(self, x: Any, sig: Any = 1) -> Any:
        return x if self.exact else napkin_round(x, int(sig))


NAPKIN = Mood(False, {name: c.napkin for name, c in CONSTANTS.items()})
EXACT = Mood(True, {name: c.exact for name, c in CONSTANTS.items()})


def _minimum(a: Any, b: Any) -> Any:
    return np.minimum(a, b)


def _maximum(a: Any, b: Any) -> Any:
    return np.maximum(a, b)


#: Functions every formula may call, and their LaTeX. ``napkin`` is special: it depends on the mood.
FUNCTIONS: Mapping[str, Callable[..., Any]] = {"minimum": _minimum, "maximum": _maximum}
_MOOD_FUNCTIONS = ("napkin",)

_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}


@lru_cache(maxsize=None)
def _parse(text: str) -> ast.Expression:
    try:
        return ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        raise FormulaError(f"formula {text!r} is not an expression: {error.msg}") from None


@dataclass(frozen=True)
class Formula:
    """A parsed formula. Build with :meth:`parse`; ``text`` is what a worksheet shows."""

    text: str
    names: tuple[str, ...]  # every name it reads that is not a constant, first use first
    constants: tuple[str, ...]  # the constants it reads
    calls: tuple[str, ...]  # the functions it calls
    code: CodeType
    tree: ast.Expression

    @classmethod
    def parse(cls, text: str, functions: Mapping[str, Callable[..., Any]] | None = None) -> "Formula":
        """Parse and check ``text``; ``functions`` are extra callables the formula may use."""
        if not isinstance(text, str) or not text.strip():
            raise FormulaError(f"a formula must be a non-empty expression, not {text!r}")
        return _compile(text, tuple(sorted((functions or {}).keys())))

    def shortcuts(self) -> tuple[str, ...]:
        """The napkin shortcuts this formula itself uses."""
        used = [c for c in self.constants if CONSTANTS[c].is_shortcut]
        if "napkin" in self.calls:
            used.append("napkin")
        return tuple(used)

    def evaluate(self, values: Mapping[str, Any], mood: Mood,
                 functions: Mapping[str, Callable[..., Any]] | None = None) -> Any:
        """The formula's value with ``values`` for its names, in ``mood``."""
        missing = [n for n in self.names if n not in values]
        if missing:
            raise FormulaError(f"formula {self.text!r} reads {', '.join(missing)}, which no input or earlier "
                               "step defines")
        scope = _scope(mood.exact, tuple((functions or {}).items()))
        local = {n: values[n] for n in self.names}
        if not self.calls and all(type(v) is float or type(v) is int for v in local.values()):
            # plain Python numbers never consult numpy's error state, and entering it costs more than the
            # arithmetic: skip it (a division by zero raises ZeroDivisionError either way)
            return eval(self.code, scope, local)  # noqa: S307 (whitelisted tree)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return eval(self.code, scope, local)  # noqa: S307 (whitelisted tree)

    def latex(self, lhs: str | None = None) -> str:
        """The formula as LaTeX (needs sympy), e.g. ``\\text{search\\_qps} = \\frac{...}{...}``."""
        import sympy

        def name(n: str) -> str:
            return r"\text{" + n.replace("_", r"\_") + "}"

        symbols = {n: sympy.Symbol(n) for n in (*self.names, *self.constants)}

        def to_sympy(node: ast.AST) -> Any:
            if isinstance(node, ast.Expression):
                return to_sympy(node.body)
            if isinstance(node, ast.Constant):
                return sympy.Float(node.value) if isinstance(node.value, float) else sympy.Integer(node.value)
            if isinstance(node, ast.Name):
                return symbols[node.id]
            if isinstance(node, ast.UnaryOp):
                return -to_sympy(node.operand)
            if isinstance(node, ast.BinOp):
                a, b = to_sympy(node.left), to_sympy(node.right)
                op = type(node.op)
                if op is ast.Add:
                    return sympy.Add(a, b, evaluate=False)
                if op is ast.Sub:
                    return sympy.Add(a, sympy.Mul(-1, b, evaluate=False), evaluate=False)
                if op is ast.Mult:
                    return sympy.Mul(a, b, evaluate=False)
                if op is ast.Div:
                    return sympy.Mul(a, sympy.Pow(b, -1, evaluate=False), evaluate=False)
                return sympy.Pow(a, b, evaluate=False)
            assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            args = [to_sympy(a) for a in node.args]
            known = {"minimum": sympy.Min, "maximum": sympy.Max}
            fn = known.get(node.func.id) or sympy.Function(node.func.id)
            return fn(*args, evaluate=False) if node.func.id in known else fn(*args)

        body = sympy.latex(to_sympy(self.tree), symbol_names={s: name(n) for n, s in symbols.items()},
                             mul_symbol="times")
        return f"{name(lhs)} = {body}" if lhs else body


@lru_cache(maxsize=None)
def _scope(exact: bool, extra: tuple[tuple[str, Callable[..., Any]], ...]) -> dict[str, Any]:
    """The globals a formula runs with: no builtins, the functions, the mood's constants."""
    mood = EXACT if exact else NAPKIN
    return {"__builtins__": {}, **FUNCTIONS, **dict(extra), "napkin": mood.napkin, **mood.constants}


@lru_cache(maxsize=None)
def _compile(text: str, extra: tuple[str, ...]) -> Formula:
    tree = _parse(text)
    allowed_calls = set(FUNCTIONS) | set(_MOOD_FUNCTIONS) | set(extra)
    names: dict[str, None] = {}
    constants: dict[str, None] = {}
    calls: dict[str, None] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Expression):
            continue
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY:
                raise FormulaError(f"formula {text!r} uses an operator outside + - * / **")
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.USub):
                raise FormulaError(f"formula {text!r} uses a unary operator other than minus")
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise FormulaError(f"formula {text!r} contains {node.value!r}; only numbers are allowed")
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in allowed_calls or node.keywords:
                what = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
                raise FormulaError(f"formula {text!r} calls {what}(); allowed: {', '.join(sorted(allowed_calls))}")
            calls[node.func.id] = None
        elif isinstance(node, ast.Name):
            if not isinstance(node.ctx, ast.Load):
                raise FormulaError(f"formula {text!r} assigns to {node.id}")
        elif not isinstance(node, (ast.operator, ast.unaryop, ast.expr_context)):
            raise FormulaError(f"formula {text!r} uses {type(node).__name__}, which formulas do not allow")
    # names in reading order (ast.walk is breadth first)
    for node in _in_order(tree):
        if node.id in calls and _is_called(tree, node):
            continue
        (constants if node.id in CONSTANTS else names)[node.id] = None
    canonical = ast.unparse(tree)
    return Formula(canonical, tuple(names), tuple(constants), tuple(calls),
                   compile(tree, f"<formula {canonical}>", "eval"), tree)


def _in_order(tree: ast.AST) -> list[ast.Name]:
    found: list[ast.Name] = []

    class Visitor(ast.NodeVisitor):
        def visit_Name(self, node: ast.Name) -> None:
            found.append(node)

    Visitor().visit(tree)
    return found


def _is_called(tree: ast.AST, name: ast.Name) -> bool:
    return any(isinstance(n, ast.Call) and n.func is name for n in ast.walk(tree))
