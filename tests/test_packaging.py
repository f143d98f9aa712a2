"""The two ways to install ticketlab (pip extras, conda environment.yml) stay in step, and the
project's tool configuration names files that exist."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PIP_TO_CONDA = {"redis": "redis-py"}  # the only names that differ on conda-forge


def _split(requirement: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?\s*(.*)$", requirement)
    assert m, requirement
    return m.group(1).lower(), m.group(2).replace(" ", "")


def pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        reqs += [r for r in extra if not r.startswith("ticketlab")]
    return {PIP_TO_CONDA.get(name, name): spec for name, spec in map(_split, reqs)}


def environment_requirements() -> tuple[dict[str, str], list[str]]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda, pip = {}, []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip += dep["pip"]
        else:
            name, spec = _split(dep)
            conda[name] = spec
    return conda, pip


def test_environment_yml_lists_every_pyproject_dependency_with_the_same_bounds():
    conda, _ = environment_requirements()
    conda.pop("python"), conda.pop("pip")
    assert conda == pyproject_requirements()


def test_environment_yml_installs_the_package_itself():
    _, pip = environment_requirements()
    assert any(line.replace("--editable", "-e").split()[-1] == "." for line in pip)


def test_environment_yml_python_matches_requires_python():
    conda, _ = environment_requirements()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert conda["python"] == project["requires-python"]


def test_console_script_and_module_entry_point_both_run():
    out = subprocess.run([sys.executable, "-m", "ticketlab", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("ticketlab ")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["ticketlab"] == "ticketlab.ui.cli:main"


def test_importing_ticketlab_does_not_import_jupyter_sympy_or_plotly():
    code = ("import sys, ticketlab, ticketlab.ui.cli, ticketlab.course.solve, ticketlab.course.audit; "
            "print(sorted(m for m in ('sympy','plotly','ipywidgets','IPython','redis') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _mutation_tool():
    import importlib.util

    spec = importlib.util.spec_from_file_location("mutation_tool", ROOT / "tools" / "mutation.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_mutation_targets_their_tests_and_the_files_left_out_all_exist():
    tool = _mutation_tool()
    config = tool.settings()
    for target, tests in config["targets"].items():
        assert (ROOT / target).exists(), target
        assert tests and all((ROOT / t).is_file() for t in tests), (target, tests)
    assert set(config["default"]) <= set(config["targets"])
    for rule in config["not_mutated"]:
        assert (ROOT / rule["path"]).is_file() and rule["reason"], rule
        assert any(tool._inside(rule["path"], t) for t in config["targets"]), rule["path"]


def test_a_target_folder_is_mutated_without_the_files_left_out():
    tool = _mutation_tool()
    skipped = {rule["path"]: rule["reason"] for rule in tool.settings()["not_mutated"]}
    stores = "ticketlab/seatlock/stores"
    kept, left_out = tool.without([stores, "ticketlab/core/numbers.py"], skipped)
    every = tool._modules(stores)
    assert sorted(left_out) == sorted(p for p in every if p in skipped) != []
    assert kept == [p for p in every if p not in skipped] + ["ticketlab/core/numbers.py"]
    assert f"{stores}/memory.py" in kept and f"{stores}/sqlite.py" in kept
    assert tool.without([stores], {}) == ([stores], [])  # nothing left out: the folder stays whole


def test_only_sql_whose_letters_changed_case_is_scored_as_the_same_program():
    tool = _mutation_tool()
    rules = tool.settings()["unscored"]
    code = 'def f(c):\n    return c.execute("SELECT n FROM counters WHERE k = ?", ("AVAILABLE",))\n'
    same = code.replace("SELECT n FROM counters WHERE", "select n from counters where")
    broken = code.replace("SELECT n FROM counters WHERE k = ?", "XXSELECT n FROM counters WHERE k = ?XX")
    data = code.replace('"AVAILABLE"', '"available"')  # a value in the data: its case matters
    assert tool.is_unscored(rules, "m.py", "m.x_f__mutmut_1", code, same)
    assert not tool.is_unscored(rules, "m.py", "m.x_f__mutmut_2", code, broken)
    assert not tool.is_unscored(rules, "m.py", "m.x_f__mutmut_3", code, data)
    # a fragment of a statement counts; a quoted value inside it, or prose, does not
    assert tool.sql_case_only(" AND expires_at > ?", " and expires_at > ?")
    assert not tool.sql_case_only(" AND status = 'CONFIRMED'", " and status = 'confirmed'")
    assert not tool.sql_case_only("the database write lock", "THE DATABASE WRITE LOCK")
