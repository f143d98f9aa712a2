"""Controls for the course panels: a number with a slider and a box you can type into.

A :class:`Quantity` is one named input. The slider moves it by hand (on a log scale for
quantities that span orders of magnitude); the box beside it shows the value the way the
library says it (``10M``, ``30 s``, ``2.5``) and accepts anything the library can read in
that unit (``250M``, ``1.5 min``, ``90s``). A typed value the library cannot read, or one
outside the slider's range, is refused with a message, never silently replaced.

The value a panel computes with is :attr:`Quantity.value`, exactly as given (a slider set to
10M by code stays 10,000,000; it is not snapped to the slider's grid).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from ticketlab.core.errors import InputError
from ticketlab.core.numbers import format_quantity, parse_per_minute, parse_quantity

__all__ = ["Quantity", "Choice", "Control", "LABEL_WIDTH"]

LABEL_WIDTH = "15em"


def _short(value: float, unit: str) -> str:
    """How the box shows a value: the library's words without a count's unit word."""
    return format_quantity(value, unit if unit in {"B", "B/s", "s", "%", "x", "req/s"} else "", bits=False)


class Quantity:
    """One numeric input: ``name`` (the estimator's argument), a slider from ``low`` to ``high``.

    ``unit`` is how the value is said (``"s"``, ``"B"``, ``"%"``, ``""`` for a count);
    ``dimension`` is how typed text is read (``"seconds"``, ``"bytes"``, ``"fraction"``,
    ``"count"``..., or ``"per_minute"``: a bare number a minute, or a rate such as ``1K/min`` or ``20/s``). ``log`` puts the slider on a log scale; ``integer`` keeps whole numbers.
    """

    def __init__(self, name: str, value: Any, low: float, high: float, *, label: str | None = None,
                 unit: str = "", dimension: str | None = "count", log: bool = False, integer: bool = False,
                 steps: int = 200) -> None:
        import ipywidgets as w

        if not (low < high) or (log and low <= 0):
            raise InputError(name, (low, high), "a slider range low < high (and low > 0 on a log scale)")
        self.name, self.unit, self.dimension = name, unit, dimension
        self.low, self.high, self.log, self.integer = float(low), float(high), log, integer
        self.label = label or name.replace("_", " ")
        self._listeners: list[Callable[[Quantity], None]] = []
        self._quiet = False
        self.error = ""
        self._value = self.check(value)
        lo, hi = self._to_slider(self.low), self._to_slider(self.high)
        self.slider = w.FloatSlider(value=self._to_slider(self._value), min=lo, max=hi, step=(hi - lo) / steps,
                                    readout=False, continuous_update=False, layout=w.Layout(flex="1 1 auto"))
        self.box = w.Text(value=_short(self._value, unit), continuous_update=False, layout=w.Layout(width="7.5em"))
        # a label of one width for every control, so the sliders of a panel line up
        self.widget = w.HBox([w.Label(self.label, layout=w.Layout(width=LABEL_WIDTH)), self.slider, self.box],
                             layout=w.Layout(width="100%"))
        self.slider.observe(self._slid, names="value")
        self.box.observe(self._typed, names="value")

    # -- value ----------------------------------------------------------------------
    @property
    def value(self) -> float:
        return self._value

    @value.setter
    def value(self, value: Any) -> None:
        """Set from code: a number or a human string; raises InputError if it is not valid here."""
        self.assign(value)

    def assign(self, value: Any, *, notify: bool = True) -> None:
        """Set from code; ``notify=False`` leaves the listeners uncalled (a panel setting several at once)."""
        self._set(self.check(value), notify)

    def check(self, value: Any) -> float:
        """``value`` read in this control's unit and range, or InputError; changes nothing."""
        if self.dimension == "per_minute":  # a count a minute: a bare number, or a rate in any unit
            number = parse_per_minute(value, name=self.name)
        else:
            number = float(parse_quantity(value, name=self.name, dimension=self.dimension))
        if self.integer:
            number = float(round(number))
        if not (self.low <= number <= self.high):
            raise InputError(self.name, value, f"a value from {_short(self.low, self.unit)} to "
                                               f"{_short(self.high, self.unit)} on this slider")
        return number

    def _set(self, number: float, notify: bool = True) -> None:
        self._value, self.error = number, ""
        self._quiet = True
        try:
            self.slider.value = self._to_slider(number)
            self.box.value = _short(number, self.unit)
        finally:
            self._quiet = False
        if notify:
            for listener in self._listeners:
                listener(self)

    def _to_slider(self, number: float) -> float:
        return math.log10(number) if self.log else number

    def _from_slider(self, position: float) -> float:
        number = 10.0 ** position if self.log else position
        if self.integer:
            return float(round(number))
        digits = 3 - int(math.floor(math.log10(abs(number)))) - 1 if number else 0
        return float(round(number, digits))  # three significant figures: what the box can show

    # -- events ---------------------------------------------------------------------
    def observe(self, listener: Callable[["Quantity"], None]) -> None:
        """Call ``listener(self)`` after every change of the value (slider, box or code)."""
        self._listeners.append(listener)

    def _slid(self, change: dict) -> None:
        if not self._quiet:
            self._set(min(max(self._from_slider(change["new"]), self.low), self.high))

    def _typed(self, change: dict) -> None:
        if self._quiet:
            return
        try:
            number = self.check(change["new"])
        except InputError as error:
            self.error = str(error)
            for listener in self._listeners:
                listener(self)
            return
        self._set(number)


class Choice:
    """One input picked from a few options (a strategy, a policy): a row of toggle buttons."""

    def __init__(self, name: str, value: Any, options: Sequence[Any], *, label: str | None = None) -> None:
        import ipywidgets as w

        if value not in options:
            raise InputError(name, value, f"one of {', '.join(map(str, options))}")
        self.name, self.label, self.error = name, label or name.replace("_", " "), ""
        self.options = tuple(options)
        self._listeners: list[Callable[[Choice], None]] = []
        self._quiet = False
        self.buttons = w.ToggleButtons(options=[(str(o), o) for o in self.options], value=value,
                                       style={"button_width": "auto"})
        self.widget = w.HBox([w.Label(self.label, layout=w.Layout(width=LABEL_WIDTH)), self.buttons])
        self.buttons.observe(lambda change: self._changed(), names="value")

    @property
    def value(self) -> Any:
        return self.buttons.value

    @value.setter
    def value(self, value: Any) -> None:
        self.assign(value)

    def check(self, value: Any) -> Any:
        """``value`` if it is one of the options, else InputError; changes nothing."""
        if value not in self.options:
            raise InputError(self.name, value, f"one of {', '.join(map(str, self.options))}")
        return value

    def assign(self, value: Any, *, notify: bool = True) -> None:
        self.check(value)
        self._quiet = not notify
        try:
            self.buttons.value = value
        finally:
            self._quiet = False

    def observe(self, listener: Callable[["Choice"], None]) -> None:
        self._listeners.append(listener)

    def _changed(self) -> None:
        if not self._quiet:
            for listener in self._listeners:
                listener(self)


Control = Quantity | Choice
