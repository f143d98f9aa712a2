"""Shared by every test: the layout, and the helpers' import path.

The tests mirror the package: ``tests/core``, ``tests/worksheet``, ``tests/estimate``,
``tests/course``, ``tests/seatlock``, ``tests/sim`` and ``tests/ui`` test the layer of the same
name; the files directly in ``tests/`` check the project as a whole (layer rules, imports,
packaging, notebooks policy, the README, the book and the docs, the browser).

Helpers that start real servers or browsers live in ``tests/support.py`` (``from support import
free_port, missing, RedisServer``); this file's folder is on ``sys.path`` for every test, so the
import works from any sub-folder.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # pytest's prepend mode puts it there too; say so rather than rely on it
    sys.path.insert(0, str(HERE))
