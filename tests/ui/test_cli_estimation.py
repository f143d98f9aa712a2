"""The estimation verbs of the CLI: solve, estimate, audit (run in-process, plus one real process)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ticketlab.ui.cli import main
from ticketlab.course.scenarios import SCENARIOS

DAY = 86_400

#: Every key the issue names for `solve ticketmaster --json`, with its base unit.
ISSUE_KEYS = {
    "search_qps": "req/s",
    "peak_qps": "req/s",
    "extreme_peak_qps": "req/s",
    "total_storage": "B",
    "peak_bandwidth": "B/s",
    "total_cache": "B",
    "contention_ratio": ":1",
    "lock_qps_ceiling": "req/s",
    "admit_rate": "users/s",
    "sale_duration_seconds": "s",
    "total_seats": "seats",
    "bookings_storage": "B",
}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def solve_json(capsys, name: str, *extra: str) -> dict:
    code, out, err = run(capsys, "solve", name, "--json", *extra)
    assert code == 0, err
    return json.loads(out)


def test_solve_ticketmaster_json_has_every_key_the_issue_names(capsys):
    doc = solve_json(capsys, "ticketmaster")
    assert doc["scenario"] == "ticketmaster"
    results = doc["results"]
    for key, unit in ISSUE_KEYS.items():
        assert {"exact", "napkin", "unit"} <= set(results[key]), key
        assert results[key]["unit"] == unit, key
        assert isinstance(results[key]["exact"], float) and isinstance(results[key]["napkin"], float)


def test_solve_ticketmaster_json_is_in_base_units(capsys):
    r = solve_json(capsys, "ticketmaster")["results"]
    assert r["search_qps"]["napkin"] == 500  # requests per second, not "500 QPS"
    assert r["search_qps"]["exact"] == pytest.approx(50e6 / DAY)
    assert r["peak_qps"]["napkin"] == 5_000 and r["extreme_peak_qps"]["napkin"] == 50_000
    assert r["total_storage"]["napkin"] == 5e12  # bytes: 5 TB
    assert r["peak_bandwidth"]["napkin"] == pytest.approx(250e6, rel=0.01)  # bytes/s: 250 MB/s
    assert r["total_seats"]["exact"] == 500e3 * 10e3
    assert r["bookings_storage"]["exact"] == pytest.approx(500e3 * 365 * 5 * 500)
    assert r["contention_ratio"]["exact"] == 100e3 / 50e3
    assert r["lock_qps_ceiling"]["exact"] == pytest.approx(50e3 / 5 / 2.5)  # bookings, not seat-locks
    assert r["sale_duration_seconds"]["exact"] == pytest.approx(100e3 / (1_000 / 60))  # seconds
    assert r["total_cache"]["exact"] > 1e9  # bytes, and more than the printed 1.5 GB's parts


@pytest.mark.parametrize("name", ["ticketmaster", "superbowl", "broadway"])
def test_solve_json_carries_every_figure_the_source_prints(capsys, name):
    results = solve_json(capsys, name)["results"]
    for key in SCENARIOS[name].source:
        assert key in results, key


def test_solve_superbowl_json_gives_the_corrected_answers(capsys):
    r = solve_json(capsys, "superbowl")["results"]
    assert r["contention_ratio"]["napkin"] == 10
    assert r["booking_qps"]["napkin"] == pytest.approx(12_500 / 1_800)  # printed "~7"
    assert r["attempt_qps"]["napkin"] == pytest.approx(500e3 / 1_800)  # 277.8, printed 70
    assert r["booking_qps_capacity"]["napkin"] == pytest.approx(500e3 / 1_800 * 2)  # 555.6, printed 140
    assert r["room_qps_capacity"]["exact"] == 100 * 2
    assert r["admit_rate"]["napkin"] == pytest.approx(500e3 / 1_800)  # printed 278
    assert r["sale_duration_seconds"] == {"exact": 5_000.0, "napkin": 5_000.0, "unit": "s"}
    assert r["waitlisted_users"]["exact"] == 500e3 - 50e3 / 4
    assert r["success_rate"]["exact"] == pytest.approx(0.025)


def test_solve_broadway_json_gives_the_printed_answers(capsys):
    r = solve_json(capsys, "broadway")["results"]
    assert r["total_seats"]["napkin"] == 20 * 1_500 * 8 * 12
    assert r["peak_booking_qps"]["napkin"] == 167
    assert r["booking_qps_capacity"]["napkin"] == 334
    assert r["seats_storage"]["napkin"] == 2.88e6 * 100
    assert r["bookings_storage"]["exact"] == 1_500 * 8 * 52 * 20 * 500
    assert r["seat_map_cache"]["exact"] == 5 * 1_500 * 100


def test_solve_set_overrides_a_given(capsys):
    r = solve_json(capsys, "superbowl", "--set", "users=1M")["results"]
    assert r["contention_ratio"]["exact"] == 1e6 / 50e3


def test_solve_no_givens_leaves_out_the_inputs(capsys):
    r = solve_json(capsys, "superbowl", "--no-givens")["results"]
    assert "users" not in r and "booking_qps_capacity" in r


def test_solve_prints_the_worksheet_as_a_table(capsys):
    code, out, _ = run(capsys, "solve", "ticketmaster")
    assert code == 0
    assert "Search QPS" in out and "500 QPS" in out and "579 QPS" in out


def test_estimate_with_a_dau_range_gives_ordered_percentiles(capsys):
    code, out, err = run(capsys, "estimate", "--dau", "5M..20M", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["mode"] == "range"
    row = doc["results"]["search_qps"]
    assert row["p5"] < row["p50"] < row["p95"]
    assert row["p5"] == pytest.approx(5e6 * 5 / DAY, rel=0.05)
    assert row["p95"] == pytest.approx(20e6 * 5 / DAY, rel=0.05)
    storage = doc["results"]["total_storage"]
    assert storage["p5"] < storage["p50"] < storage["p95"]


def test_estimate_with_point_flags_recomputes_the_template(capsys):
    code, out, err = run(capsys, "estimate", "--dau", "20M", "--searches-per-user", "10",
                         "--peak-multiplier", "10", "--json")
    assert code == 0, err
    r = json.loads(out)["results"]
    assert r["search_qps"]["exact"] == pytest.approx(20e6 * 10 / DAY)
    assert r["peak_qps"]["napkin"] == 20e6 * 10 / 100_000 * 10


def test_estimate_accepts_an_http_call_inside_the_cascade(capsys):
    code, out, err = run(capsys, "estimate", "--http-call", "10s", "--json")
    assert code == 0, err
    r = json.loads(out)["results"]
    assert r["http_call"]["exact"] == 10
    assert r["db_statement_headroom"]["exact"] == 10 / 5
    assert r["http_call_headroom"]["exact"] == 30 / 10


def test_estimate_refuses_the_sources_3s_http_call_under_a_5s_statement(capsys):
    code, out, err = run(capsys, "estimate", "--http-call", "3s")
    assert code == 2 and out == ""
    assert "db_statement (5 s) must be shorter than http_call (3 s)" in err
    assert "lock_ttl" not in err.split(".")[0]  # only the upside-down pair is the verdict


def test_estimate_is_reproducible_with_its_seed(capsys):
    first = run(capsys, "estimate", "--dau", "5M..20M", "--json", "--seed", "3")[1]
    second = run(capsys, "estimate", "--dau", "5M..20M", "--json", "--seed", "3")[1]
    assert first == second


def test_audit_json_lists_the_findings(capsys):
    code, out, err = run(capsys, "audit", "--json", "--gaps")
    assert code == 0, err
    doc = json.loads(out)
    ids = {f["id"] for f in doc["findings"]}
    assert {"broadway-bookings-storage", "seat-map-size", "concurrent-sessions", "read-write-ratio-table",
            "booking-attempts"} <= ids
    broadway = next(f for f in doc["findings"] if f["id"] == "broadway-bookings-storage")
    assert broadway["value"] == 1_500 * 8 * 52 * 20 * 500 and broadway["printed"] == 600e6
    assert broadway["factor"] == pytest.approx(1_500 * 8 * 52 * 20 * 500 / 600e6)
    assert broadway["kind"] == "arithmetic" and broadway["arithmetic"] and len(broadway["readings"]) == 2
    assert not any(i.startswith("unexplained-") for i in ids)
    sessions = next(f for f in doc["findings"] if f["id"] == "concurrent-sessions")
    assert sessions["kind"] == "inconsistency" and sessions["factor"] is None
    assert [r["value"] for r in sessions["readings"]] == pytest.approx([10e3, 100e3, 100e3])
    gap = next(g for g in doc["gaps"] if g["key"] == "search_qps" and g["scenario"] == "ticketmaster")
    assert gap["relative"] == pytest.approx(100_000 / DAY - 1) and gap["precision"] == pytest.approx(0.1)


def test_audit_prints_each_finding_with_its_arithmetic(capsys):
    code, out, _ = run(capsys, "audit")
    assert code == 0
    assert "broadway-bookings-storage" in out and "6.24 GB" in out
    assert "[reasoning] attempt-qps-per-seat" in out and "556 QPS" in out
    assert out.count("arithmetic:") == out.count("source says:") > 40
    quiet = run(capsys, "audit", "--quiet")[1]
    assert "why:" in out and "why:" not in quiet and "arithmetic:" in quiet


@pytest.mark.parametrize(
    ("argv", "names"),
    [
        (["solve", "superbowl", "--set", "users=-5"], "users"),
        (["solve", "superbowl", "--set", "seats=ten thousand"], "seats"),
        (["solve", "superbowl", "--set", "nonsense"], "--set"),
        (["solve", "superbowl", "--set", "dau=10M"], "dau"),
        (["solve", "woodstock"], "woodstock"),
        (["estimate", "--dau", "ten million"], "dau"),
        (["estimate", "--dau", "20M..5M"], "dau"),
        (["estimate", "--booking-success-rate", "150%"], "booking_success_rate"),
        (["estimate", "--lock-hold-time", "0s"], "lock_hold_time"),
        (["estimate", "--lock-ttl", "20 min"], "lock_ttl"),
    ],
)
def test_bad_input_exits_2_with_the_message_on_stderr(capsys, argv, names):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert names in err
    assert err.startswith(f"ticketlab {argv[0]}:")


def test_an_unknown_flag_is_a_usage_error(capsys):
    assert main(["estimate", "--daus", "5M"]) == 2
    assert "--daus" in capsys.readouterr().err


def test_python_dash_m_ticketlab_solve_superbowl_runs_as_a_process():
    proc = subprocess.run([sys.executable, "-m", "ticketlab", "solve", "superbowl"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "Super Bowl" in proc.stdout
    assert "Booking QPS capacity needed (no waiting room)" in proc.stdout and "556 QPS" in proc.stdout
    assert "278 users/s" in proc.stdout  # 500K users ÷ 1,800 s


README = Path(__file__).resolve().parents[2] / "README.md"


def _readme_block(command: str) -> str:
    text = README.read_text()
    start = text.index(f"$ {command}\n") + len(f"$ {command}\n")
    return text[start:text.index("```", start)]


def test_the_readme_solve_superbowl_example_is_the_real_output(capsys):
    code, out, _ = run(capsys, "solve", "superbowl", "--no-givens")
    assert code == 0
    assert _readme_block("ticketlab solve superbowl --no-givens") == out


def test_the_readme_slip_table_is_what_the_audit_prints():
    from ticketlab.core.numbers import format_quantity
    from ticketlab.course.audit import audit

    findings = {f.id: f for f in audit()}
    text = README.read_text()
    table = text[text.index("| finding | kind | the source says | correct |"):]
    rows = [line for line in table.split("\n\n")[0].splitlines()[2:]]
    shown = set()
    for row in rows:
        fid, kind, says, correct = (cell.strip() for cell in row.strip("|").split(" | "))
        f = findings[fid.strip("`")]
        factor = f" ({format_quantity(f.factor, 'x')})" if f.factor is not None else ""
        assert (kind, says, correct) == (str(f.kind), f.source_says, f.correct + factor), fid
        shown.add(f.id)
    assert shown == {f.id for f in findings.values() if f.kind in {"arithmetic", "reasoning", "unit"}}
    counts = ", ".join(f"{sum(f.kind == k for f in findings.values())} {k}" for k in
                       ("arithmetic", "unit", "reasoning"))
    assert f"reports {len(findings)} findings: {counts}" in " ".join(text.split())
