"""The rows of the web UI's perfgate tab, from the live monitor on synthetic snapshots."""

from pathlib import Path

from perfgate.report.live_view import BREACHED, PASSING, SUSTAINED, WAITING, WARMUP, live_rows, verdict_rows

from .synthetic import Stream
from .test_live import monitor, run
from .test_reports import sample


def states(rows: list[dict[str, str]]) -> dict[tuple[str, str], str]:
    return {(row["endpoint"], row["check"]): row["state"] for row in rows}


def test_each_check_shows_its_state_while_the_test_runs(tmp_path: Path):
    text = 'endpoints:\n  "GET /a": {p95: "< 100ms"}\n  "GET /b": {p95: {limit: "< 100ms", for: 20s}}\n'
    text += 'global: {error_rate: {limit: "< 5%", abort: {after: 10s}}}\n'
    live = monitor(tmp_path, text)
    a = Stream("GET /a")
    assert states(live_rows(live.profile, live, a.advance(2, [900] * 5), 1))[("GET /a", "p95")] == WARMUP
    live.start_measurement(a.advance(0, []))
    final = run(live, a, [[900] * 20] * 2)
    rows = live_rows(live.profile, live, final, 1)
    found = states(rows)
    assert found[("GET /a", "p95")] == BREACHED and found[("global", "error_rate")] == PASSING
    assert found[("GET /b", "p95")] == WAITING  # no request yet
    assert rows[0]["state"] == "running" and rows[0]["endpoint"] == "test 1"
    assert any(row["state"] == "abort armed" and "after 10s" in row["note"] for row in rows)
    breached = next(row for row in rows if row["endpoint"] == "GET /a")
    assert breached["limit"] == "< 100ms" and breached["value"] == "900ms" and breached["requests"] == "40"


def test_a_for_rule_is_breached_first_then_sustained(tmp_path: Path):
    live = monitor(tmp_path, 'endpoints:\n  "GET /a": {p95: {limit: "< 100ms", for: 6s}}\n')
    stream = Stream("GET /a")
    live.start_measurement(stream.advance(0, []))
    early = run(live, stream, [[900] * 20])
    row = next(r for r in live_rows(live.profile, live, early, 1) if r["endpoint"] == "GET /a")
    assert row["state"] == BREACHED and row["note"] == "breached for 2s of 6s"
    late = run(live, stream, [[900] * 20] * 4)
    assert states(live_rows(live.profile, live, late, 1))[("GET /a", "p95")] == SUSTAINED


def test_a_judged_test_shows_its_verdict_and_its_reports_first():
    rows = verdict_rows(sample(), 2, {"report.html": "/perfgate/tests/2/report.html"})
    assert rows[0]["state"] == "FAIL" and rows[0]["endpoint"] == "test 2" and "exit code 3" in rows[0]["note"]
    assert rows[1] == {
        "state": "report",
        "endpoint": "test 2",
        "check": "report.html",
        "limit": "",
        "value": "/perfgate/tests/2/report.html",
        "requests": "",
        "note": "",
    }
    assert rows[2]["state"] == "fail"  # then the checks, failures first
