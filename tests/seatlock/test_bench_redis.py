"""The engines benchmark's Redis row still runs (tiny sizes; no timing is asserted here)."""

from __future__ import annotations

import importlib.util
import json
import pathlib

import pytest

BENCH = pathlib.Path(__file__).resolve().parents[2] / "benchmarks" / "bench_engines.py"


@pytest.mark.server
def test_engines_benchmark_reports_redis_core_beside_the_bare_set_nx_px_loop(capsys):
    spec = importlib.util.spec_from_file_location("bench_engines", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.main(["--seats", "30", "--repeat", "1", "--json"]) == 0
    rows = {r["engine"]: r for r in json.loads(capsys.readouterr().out)}
    redis_row = rows["redis"]
    assert redis_row["core_holds_s"] > 0 and redis_row["bare_holds_s"] > 0
    assert redis_row["ratio"] == pytest.approx(redis_row["core_holds_s"] / redis_row["bare_holds_s"])
    assert redis_row["target"] == 0.50
