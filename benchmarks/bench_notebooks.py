"""Execution time of every course notebook, top to bottom in a fresh kernel, as CI runs them.

    python benchmarks/bench_notebooks.py [notebooks/NN_name.ipynb ...]

Each notebook runs once with nbclient in its own python3 kernel (kernel start included, as
nbval pays it too). Prints seconds per notebook and the total; the course's targets are at most
30 s for one notebook and 3 minutes for all of them on a 2-core machine.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
EACH_S, ALL_S = 30.0, 180.0


def run(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - started


def main() -> None:
    paths = [Path(p).resolve() for p in sys.argv[1:]] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    total, over = 0.0, []
    for path in paths:
        seconds = run(path)
        total += seconds
        if seconds > EACH_S:
            over.append(path.name)
        print(f"{path.name:<32} {seconds:6.1f} s  {'ok' if seconds <= EACH_S else 'OVER'} (target <= {EACH_S:g} s)",
              flush=True)
    print(f"{'all ' + str(len(paths)) + ' notebooks':<32} {total:6.1f} s  "
          f"{'ok' if total <= ALL_S else 'OVER'} (target <= {ALL_S:g} s)" + (f"; over: {', '.join(over)}" if over else ""))


if __name__ == "__main__":
    main()
