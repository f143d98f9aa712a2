"""Every module imports on its own, in a fresh interpreter: no import cycles, whichever comes first."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import ticketlab

MODULES = sorted(m.name for m in pkgutil.walk_packages(ticketlab.__path__, "ticketlab.") if not m.name.endswith("__main__"))


def test_every_module_imports_first_in_a_fresh_interpreter():
    code = ("import importlib, sys, subprocess\n"
            "failed = []\n"
            f"for name in {MODULES!r}:\n"
            "    r = subprocess.run([sys.executable, '-c', f'import {name}'], capture_output=True, text=True)\n"
            "    if r.returncode: failed.append((name, r.stderr.strip().splitlines()[-1]))\n"
            "print(failed)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert len(MODULES) > 20  # the walk really found the package
