"""Mutation testing of one part of ticketlab, judged by that part's own tests, scored per module.

    python tools/mutation.py [PATH ...]        (what `make mutation TARGET=PATH` runs)

A PATH is a target listed in ``[tool.ticketlab.mutation]`` of pyproject.toml, or a file or
folder inside one; with no PATH the ``default`` targets run, one after another. mutmut 3 makes each
mutant (one small edit of one function), reruns the target's tests that reach that function,
and records whether a test failed (killed) or not (survived). Each target starts from a clean
``mutants/`` folder, so a verdict is never one cached from older code or older tests.

mutmut mutates code inside functions only, so it never touches a formula: an estimator's steps
are module-level ``Equation`` values whose formula text *is* the computation. This script adds
those mutants itself: every formula of the target gets mutmut's operators applied inside it
(``+``↔``-``, ``*``↔``/``, ``**``→``*``, each number + 1, ``minimum``↔``maximum``, ``napkin(x, n)``
→ ``napkin(x)``), and the target's tests run against each in a forked process. They are scored
in rows of their own, marked "(formulas)".

The score of a module is killed ÷ (killed + survived). A mutant whose function no test reaches
counts as survived. String-only mutants inside the calls named in ``unscored_strings`` (text a
person reads, such as an error's explanation) are left out of the score and counted apart.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"
FORMULA_VERDICTS = MUTANTS / "formula-verdicts.json"


def settings() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["ticketlab"]["mutation"]


def _inside(path: str, target: str) -> bool:
    return path == target or path.startswith(target.rstrip("/") + "/")


def plan(paths: list[str], targets: dict[str, list[str]]) -> dict[str, list[str]]:
    """Which configured target each PATH belongs to: ``{target: [paths]}``, in the order given."""
    chosen: dict[str, list[str]] = {}
    for raw in paths:
        path = Path(raw).as_posix().rstrip("/")
        owners = [t for t in targets if _inside(path, t)]
        if not owners or not (ROOT / path).exists():
            sys.exit(f"mutation: {raw!r} is not one of the targets or inside one: {', '.join(targets)}")
        chosen.setdefault(max(owners, key=len), []).append(path)
    return chosen


def without(paths: list[str], skipped: dict[str, str]) -> tuple[list[str], list[str]]:
    """``paths`` with the files in ``skipped`` taken out (a folder holding one becomes its other
    files), and the skipped files that were inside ``paths``."""
    kept, left_out = [], []
    for path in paths:
        modules = _modules(path)
        inside = [m for m in modules if m in skipped]
        left_out += inside
        kept += [path] if not inside else [m for m in modules if m not in skipped]
    return kept, left_out


def _modules(path: str) -> list[str]:
    p = ROOT / path
    files = [p] if p.is_file() else sorted(p.rglob("*.py"))
    return [f.relative_to(ROOT).as_posix() for f in files if "__pycache__" not in f.parts]


def run_mutmut(paths: list[str], tests: list[str]) -> None:
    """In this process: point mutmut 3 at ``paths`` and ``tests``, then ``mutmut run`` their mutants."""
    from mutmut.configuration import config

    cfg = config()
    cfg.only_mutate = [p if p.endswith(".py") else p + "/*" for p in paths]
    cfg.pytest_add_cli_args_test_selection = list(tests)
    names = [p.removesuffix(".py").replace("/", ".") + ".*" for p in paths]
    from mutmut.__main__ import cli

    cli.main(["run", *names], standalone_mode=False)


# ----------------------------------------------------------------------------- formula mutants

_SWAP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.Pow: ast.Mult}
_CALL_SWAP = {"minimum": "maximum", "maximum": "minimum"}


def formula_mutants(text: str) -> list[str]:
    """Each single edit of ``text`` that mutmut would make to the same expression written as code."""
    count = sum(1 for _ in ast.walk(ast.parse(text, mode="eval")))
    out: list[str] = []
    for i in range(count):
        for variant in range(2):
            tree = ast.parse(text, mode="eval")
            node = list(ast.walk(tree))[i]
            if variant == 0 and isinstance(node, ast.BinOp) and type(node.op) in _SWAP:
                node.op = _SWAP[type(node.op)]()
            elif variant == 0 and isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
                node.value += 1
            elif variant == 0 and isinstance(node, ast.Call) and getattr(node.func, "id", "") in _CALL_SWAP:
                node.func.id = _CALL_SWAP[node.func.id]  # type: ignore[attr-defined]
            elif variant == 1 and isinstance(node, ast.Call) and getattr(node.func, "id", "") == "napkin" \
                    and len(node.args) > 1:
                node.args = node.args[:1]
            else:
                continue
            out.append(ast.unparse(tree))
    return out


def owned_equations(modules: list[str]) -> list[tuple[str, object]]:
    """``(module, equation)`` for every Equation a module creates as it is imported, in creation order.

    Must run before anything imports ``modules``: each equation is credited to the module whose
    code created it, so that a module that only gathers another's equations is not credited.
    """
    import importlib

    from ticketlab.worksheet import Equation

    dotted = {m.removesuffix(".py").removesuffix("/__init__").replace("/", "."): m for m in modules}
    # the core layer sits below the worksheet (importing Equation loads it) and makes no equations
    for name in [n for n in dotted if n.startswith("ticketlab.core.") and n in sys.modules]:
        del dotted[name]
    assert not set(dotted) & set(sys.modules), "the modules were imported before their equations could be traced"
    made: list[tuple[str, object]] = []
    init = Equation.__init__

    def tracing_init(self, *args, **kwargs) -> None:
        init(self, *args, **kwargs)
        made.append((sys._getframe(1).f_globals["__name__"], self))

    Equation.__init__ = tracing_init  # type: ignore[method-assign]
    try:
        for name in dotted:
            importlib.import_module(name)
    finally:
        Equation.__init__ = init  # type: ignore[method-assign]
    return [(dotted[name], eq) for name, eq in made if name in dotted]


def run_formula_mutants(target: str, paths: list[str], tests: list[str], out: Path) -> None:
    """In forked children: every formula mutant of ``paths`` against ``tests``; verdicts written to ``out``.

    Which module a formula belongs to is decided over the whole ``target``, so that a module that
    imports another's equations is not credited with them.
    """
    import pytest

    from ticketlab.worksheet import Equation, Formula

    args = ["-x", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "-p", "no:nbval", "--no-header", *tests]
    chosen = {m for p in paths for m in _modules(p)}
    work = [(module, eq, mutant) for module, eq in owned_equations(_modules(target)) if module in chosen
            for mutant in formula_mutants(eq.formula)]
    if not work:
        out.write_text("[]")
        return
    with open(os.devnull, "w") as quiet:  # load the test modules once; each child reuses them
        saved = os.dup(1)
        os.dup2(quiet.fileno(), 1)
        pytest.main(["--collect-only", *args])
        os.dup2(saved, 1)
    verdicts, running = [], {}
    original = Equation.expression
    for module, eq, mutant in work:
        while len(running) >= (os.cpu_count() or 2):
            pid, status = os.wait()
            verdicts.append((*running.pop(pid), os.waitstatus_to_exitcode(status)))
        pid = os.fork()
        if pid == 0:
            Equation.expression = property(  # type: ignore[method-assign]
                lambda self, eq=eq, mutant=mutant: Formula.parse(mutant, self.functions) if self is eq
                else original.fget(self))
            with open(os.devnull, "w") as quiet:
                os.dup2(quiet.fileno(), 1), os.dup2(quiet.fileno(), 2)
                os._exit(int(pytest.main(args)))
        running[pid] = (module, eq.key, eq.formula, mutant)
    while running:
        pid, status = os.wait()
        verdicts.append((*running.pop(pid), os.waitstatus_to_exitcode(status)))
    out.write_text(json.dumps(verdicts))


def formula_rows(verdicts: list) -> tuple[list[tuple], list[tuple[str, str]]]:
    rows, survivors = [], []
    for module in dict.fromkeys(v[0] for v in verdicts):
        mine = [v for v in verdicts if v[0] == module]
        killed = sum(1 for v in mine if v[4] != 0)
        rows.append((f"{module} (formulas)", len(mine), killed, len(mine) - killed, 0))
        survivors += [(f"{key}: {formula}", mutant) for _, key, formula, mutant, code in mine if code == 0]
    return rows, survivors


# ----------------------------------------------------------------------------- scoring

def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _holder(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> dict[str, str]:
    """Where a literal sits: ``{"call": name}`` of the nearest call whose arguments hold it (through
    ``+``, f-strings, tuples), or ``{"default_of": parameter}`` for a parameter's default value."""
    child = node
    while child in parents:
        parent = parents[child]
        if isinstance(parent, ast.Call):
            f = parent.func
            return {"call": f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""}
        if isinstance(parent, ast.arguments):
            params = [*parent.posonlyargs, *parent.args]
            defaults = dict(zip(map(id, parent.defaults), params[len(params) - len(parent.defaults):]))
            defaults.update((id(d), a) for a, d in zip(parent.kwonlyargs, parent.kw_defaults) if d is not None)
            return {"default_of": defaults[id(child)].arg} if id(child) in defaults else {}
        if not isinstance(parent, (ast.BinOp, ast.JoinedStr, ast.FormattedValue, ast.Tuple, ast.keyword)):
            return {}
        child = parent
    return {}


#: An SQL keyword as this code writes it (upper case, a whole word): the mark of a statement or a fragment.
_SQL_KEYWORD = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|FROM|WHERE|AND|SET|INTO|VALUES|ORDER BY|LIMIT)\b")
_QUOTED = re.compile(r"'[^']*'")


def sql_case_only(old: str, new: str) -> bool:
    """``new`` is the SQL ``old`` with only the case of its keywords and names changed: its quoted
    values (data, whose case matters) are the same, and ``old`` reads as SQL."""
    return (old != new and old.lower() == new.lower() and _QUOTED.findall(old) == _QUOTED.findall(new)
            and _SQL_KEYWORD.search(old) is not None)


def _changed_string(a: ast.AST, b: ast.AST) -> tuple[ast.Constant, ast.Constant] | None:
    """The one string literal that differs between two trees, if that is their only difference."""
    changed = [(x, y) for x, y in zip(ast.walk(a), ast.walk(b)) if type(x) is not type(y)
               or (isinstance(x, ast.Constant) and (type(x.value), x.value) != (type(y.value), y.value))]
    if len(changed) != 1 or not all(isinstance(n, ast.Constant) and isinstance(n.value, str) for n in changed[0]):
        return None
    return changed[0]


def string_only_holder(original: str, mutant: str) -> dict[str, str] | None:
    """If the mutant changes exactly one string literal, where that literal sits (see :func:`_holder`),
    plus ``{"equivalent": "sql-letter-case"}`` when the literal is SQL whose keywords and names only
    changed case (:func:`sql_case_only`: SQLite ignores their case, so the program is the same)."""
    a, b = ast.parse(original), ast.parse(mutant)
    pair = _changed_string(a, b)
    if pair is None:
        return None
    holder = _holder(pair[0], _parents(a))
    old, new = pair[0].value, pair[1].value
    if sql_case_only(old, new):
        holder = {**holder, "equivalent": "sql-letter-case"}
    return holder


def function_of(name: str) -> str:
    """``pkg.mod.x_fn__mutmut_3`` → ``fn``; ``pkg.mod.xǁClassǁmethod__mutmut_1`` → ``Class.method``."""
    mangled = name.rpartition(".")[2].rpartition("__mutmut_")[0]
    return mangled[2:] if mangled.startswith("x_") else mangled.removeprefix("xǁ").replace("ǁ", ".")


def is_unscored(rules: list[dict], module: str, name: str, original: str, mutant: str) -> bool:
    if any(rule.get("function") == f"{module}:{function_of(name)}" for rule in rules):
        return True
    holder = string_only_holder(original, mutant)
    return holder is not None and any(rule.get(k) == v for rule in rules for k, v in holder.items())


def _source_pair(name: str, module: str) -> tuple[str, str]:
    import libcst as cst
    from mutmut.mutation.diff_apply import read_functions_from_index

    functions = read_functions_from_index(name, module)
    assert functions is not None, name
    return tuple(cst.Module([f]).code for f in functions)  # type: ignore[return-value]


def score(modules: list[str], unscored: list[dict]) -> tuple[list[tuple], list[tuple[str, str]]]:
    """Rows ``(module, mutants, killed, survived, unscored)`` and the survivors ``(name, changed line)``."""
    from mutmut.stats import status_by_exit_code

    rows, survivors = [], []
    os.chdir(ROOT)
    for module in modules:
        meta = MUTANTS / (module + ".meta")
        if not meta.exists():
            continue
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        count: Counter[str] = Counter()
        for name, code in sorted(codes.items()):
            status = status_by_exit_code[code]
            original, mutant = _source_pair(name, module)
            if is_unscored(unscored, module, name, original, mutant):
                count["unscored"] += 1
            elif status in ("killed", "timeout", "caught by type check"):
                count["killed"] += 1
            else:  # survived, no tests, suspicious, not checked: nothing showed the change was wrong
                count["survived"] += 1
                line = next((l[1:].strip() for l in _diff(original, mutant) if l.startswith("+")), "")
                survivors.append((f"{name} ({status})", line))
        rows.append((module, sum(count.values()), count["killed"], count["survived"], count["unscored"]))
    return rows, survivors


def _diff(a: str, b: str) -> list[str]:
    from difflib import unified_diff

    return [l for l in unified_diff(a.splitlines(), b.splitlines(), lineterm="", n=0) if not l.startswith("+++")]


def table(rows: list[tuple]) -> str:
    head = f"{'module':<40} {'mutants':>7} {'killed':>7} {'survived':>8} {'unscored':>8} {'score':>7}"
    out = [head, "-" * len(head)]
    for module, total, killed, survived, unscored in rows:
        pct = f"{100 * killed / (killed + survived):.1f}%" if killed + survived else "-"
        out.append(f"{module:<40} {total:>7} {killed:>7} {survived:>8} {unscored:>8} {pct:>7}")
    return "\n".join(out)


def main(argv: list[str]) -> int:
    # the seat-lock targets are judged on the in-process stores: a server per mutant would take hours,
    # and the server stores' own code has its own tests (tests/seatlock/conftest.py reads this)
    os.environ.setdefault("TICKETLAB_TEST_STORES", "memory,sqlite")
    if argv[:1] == ["--mutmut"]:  # the child: one target, in a fresh interpreter (mutmut keeps global state)
        tests, paths = argv[1].split(","), argv[2:]
        run_mutmut(paths, tests)
        return 0
    if argv[:1] == ["--formulas"]:
        run_formula_mutants(argv[2], argv[3:], argv[1].split(","), FORMULA_VERDICTS)
        return 0
    config = settings()
    targets: dict[str, list[str]] = config["targets"]
    unscored = config.get("unscored", [])
    skipped = {rule["path"]: rule["reason"] for rule in config.get("not_mutated", [])}
    results = []
    for target, paths in plan(argv or config["default"], targets).items():
        paths, left_out = without(paths, skipped)
        for path in left_out:
            print(f"not mutated: {path} ({skipped[path]})")
        shutil.rmtree(MUTANTS, ignore_errors=True)
        started = time.monotonic()
        done = subprocess.run([sys.executable, __file__, "--mutmut", ",".join(targets[target]), *paths], cwd=ROOT)
        if done.returncode:
            return done.returncode
        rows, survivors = score([m for p in paths for m in _modules(p)], unscored)
        done = subprocess.run([sys.executable, __file__, "--formulas", ",".join(targets[target]), target, *paths], cwd=ROOT)
        if done.returncode:
            return done.returncode
        more_rows, more_survivors = formula_rows(json.loads(FORMULA_VERDICTS.read_text()))
        rows, survivors = rows + more_rows, survivors + more_survivors
        seconds = time.monotonic() - started
        results.append((target, paths, seconds, rows, survivors))
    for target, paths, seconds, rows, survivors in results:
        killed, survived = sum(r[2] for r in rows), sum(r[3] for r in rows)
        total = f"{100 * killed / (killed + survived):.1f}%" if killed + survived else "-"
        print(f"\n== {' '.join(paths)}: score {total} ({killed} killed, {survived} survived) in {seconds:.0f} s,"
              f" judged by {' '.join(targets[target])}\n")
        print(table(rows))
        if survivors:
            print(f"\nsurvivors ({len(survivors)}; `.venv/bin/mutmut show NAME` shows one):")
            for name, line in survivors:
                print(f"  {name}\n      {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
