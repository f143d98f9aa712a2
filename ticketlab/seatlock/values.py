"""Building frozen values on the hot path: the same objects as the class's own ``__init__``, made faster.

Invariant: :func:`maker` returns a function whose result is equal, field by field, to ``cls(*values)``
and of the same frozen type; it only skips work the generated ``__init__`` repeats on every call
(binding keywords, and looking ``object.__setattr__`` up by name for each field). A class that checks
its fields in ``__post_init__`` is refused, because the maker would skip the check.

Why: a hold plus its confirm builds two seats, three history records, a hold and a booking. In
CPython 3.11 a frozen dataclass's ``__init__`` costs several times what the fields are worth, and
these values are the bulk of the core's time per operation.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["maker"]

T = TypeVar("T")


def maker(cls: type[T]) -> Callable[..., T]:
    """A constructor of ``cls`` (a frozen dataclass with ``slots=True``) taking its fields positionally, in order,
    with the same defaults.

    Raises :class:`TypeError` for a class that is not a slotted dataclass or has a ``__post_init__``.
    """
    if not dataclasses.is_dataclass(cls) or "__slots__" not in cls.__dict__:
        raise TypeError(f"{cls.__name__} is not a dataclass with slots")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__} checks its fields in __post_init__; build it with {cls.__name__}(...)")
    fields = dataclasses.fields(cls)
    names = [f.name for f in fields]
    scope: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    params = []
    for i, f in enumerate(fields):
        scope[f"_set{i}"] = getattr(cls, f.name).__set__  # the slot's own setter, found once
        if f.default_factory is not dataclasses.MISSING:
            raise TypeError(f"{cls.__name__}.{f.name} has a default factory; build it with {cls.__name__}(...)")
        if f.default is not dataclasses.MISSING:  # a field added later with a default keeps old callers working
            scope[f"_default{i}"] = f.default
            params.append(f"{f.name}=_default{i}")
        else:
            params.append(f.name)
    body = "".join(f"    _set{i}(self, {name})\n" for i, name in enumerate(names))
    exec(f"def make_{cls.__name__}({', '.join(params)}):\n    self = _new(_cls)\n{body}    return self\n", scope)
    make = scope[f"make_{cls.__name__}"]
    make.__doc__ = f"{cls.__name__}({', '.join(names)}), every field given, in order."
    return make
