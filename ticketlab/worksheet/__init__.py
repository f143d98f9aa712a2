"""Worked derivations: every estimate is a :class:`Worksheet`, never a bare float.

- :mod:`~ticketlab.worksheet.formula`: a formula written once, computed and shown from one parse;
- :mod:`~ticketlab.worksheet.calc`: :class:`Equation` (a step written down) and :class:`Calc`
  (evaluates equations napkin and exact);
- :mod:`~ticketlab.worksheet.sheet`: :class:`Worksheet` and :class:`Step`, the data;
- :mod:`~ticketlab.worksheet.render`: the terminal table, HTML, Markdown and LaTeX.
"""

from ticketlab.worksheet.calc import Calc, Equation
from ticketlab.worksheet.formula import CONSTANTS, EXACT, NAPKIN, SHORTCUTS, Formula, FormulaError
from ticketlab.worksheet.sheet import Step, Worksheet

__all__ = ["Calc", "Equation", "Formula", "FormulaError", "CONSTANTS", "SHORTCUTS", "NAPKIN", "EXACT",
           "Step", "Worksheet"]
