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


def test_the_top_level_package_reaches_what_the_readme_uses():
    import ticketlab as tl

    assert tl.estimate.traffic(dau="10M")["search_qps"].napkin == 500
    assert tl.solve("superbowl")["contention_ratio"].exact == 10
    assert tl.audit() and all(f.id for f in tl.audit())
    assert tl.seatlock.BookingService and tl.Range and tl.Worksheet
    assert "superbowl" in tl.scenarios.SCENARIOS
    assert set(tl.__all__) <= set(dir(tl))


def test_an_unknown_top_level_name_is_an_attribute_error_that_names_it():
    import ticketlab as tl

    try:
        tl.estimat  # noqa: B018
    except AttributeError as error:
        assert "estimat" in str(error)
    else:
        raise AssertionError("tl.estimat should not exist")
