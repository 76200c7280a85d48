"""The metric table is the one place a metric lives: the schema, the parsers, the evaluator and
the history read it, and disagree with it nowhere."""

import json
from pathlib import Path

import pytest

from perfgate.config import schema as profile_schema
from perfgate.config.profile import ProfileError, load_profile
from perfgate.core.evaluate import evaluate
from perfgate.core.limits import parse_k6, parse_limit
from perfgate.core.metrics import ALIASES, NAMED, metric, trended
from perfgate.core.model import EndpointStats, Snapshot, Status
from perfgate.core.tolerances import parse_tolerance
from perfgate.store import history

SCHEMA_FILE = Path(profile_schema.__file__).with_name(profile_schema.FILE)


def test_the_packaged_schema_is_the_one_the_metric_table_writes():
    committed = json.loads(SCHEMA_FILE.read_text())
    assert committed == profile_schema.with_metrics(committed), "run: python -m perfgate.config.schema"


def test_a_metric_missing_from_the_schema_is_caught(monkeypatch):
    committed = json.loads(SCHEMA_FILE.read_text())
    stale = json.loads(json.dumps(committed))
    del stale["$defs"]["rules"]["properties"]["median"]
    assert profile_schema.with_metrics(stale) != stale


def test_every_metric_of_the_table_parses_validates_and_reads(tmp_path):
    stats = EndpointStats("GET", "/a", 100, 5, {10: 50, 20: 50}, 1500.0, 10, 20)
    for row in NAMED:
        text = {"latency": "< 1s", "error_rate": "< 10%", "count": "> 1", "rps": "> 1/s"}[row.kind]
        path = tmp_path / f"{row.name}.yaml"
        path.write_text(f'version: 1\nendpoints:\n  "GET /a": {{{row.name}: "{text}"}}\n')
        (rule,) = load_profile(path).rules
        assert rule.limit.metric == row.name
        assert isinstance(row.read(stats, 10.0), float)


@pytest.mark.parametrize("alias", list(ALIASES))
def test_an_alias_is_its_metric_everywhere(alias, tmp_path):
    assert parse_limit(alias, "< 100ms").metric == "p50"
    assert parse_tolerance(alias, "+20%").metric == "p50"
    path = tmp_path / "p.yaml"
    path.write_text(
        f'version: 1\nendpoints:\n  "GET /a": {{{alias}: "< 100ms"}}\nregression:\n  default: {{{alias}: "+10%"}}\n'
    )
    profile = load_profile(path)
    assert profile.rules[0].limit.metric == "p50" and profile.regression.rules[0].tolerance.metric == "p50"


def test_k6_names_come_from_the_table():
    assert parse_k6("med<100").metric == "p50"
    assert parse_k6("rate<0.01").metric == "error_rate"
    assert {row.k6 for row in NAMED if row.k6} == {"avg", "min", "max", "rate", "count"}


def test_an_unknown_metric_is_refused_with_the_tables_names(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text('version: 1\nendpoints:\n  "GET /a": {p96x: "< 1s"}\n')
    with pytest.raises(ProfileError) as error:
        load_profile(path)
    assert "unknown key; expected p50 ... p99.9, avg, min, max" in str(error.value)


def test_requests_a_check_needs():
    assert [metric(name).needs for name in ("p50", "p90", "p95", "p99", "p99.9", "p100")] == [30, 30, 60, 300, 3000, 30]
    assert metric("rps").needs == 0 and metric("requests").needs == 0 and metric("error_rate").needs == 30


def test_the_history_columns_are_the_tables_trended_metrics():
    """A new trended metric changes the history's endpoint table: bump its SCHEMA_VERSION with it."""
    assert history.TREND_METRICS == trended() == ("p50", "p95", "p99", "error_rate", "rps")
    assert history.SCHEMA_VERSION == 1
    for name in trended():
        assert f"{name} REAL" in history._SCHEMA


def test_stddev_limits_the_spread_of_response_times(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text('version: 1\nendpoints:\n  "GET /a": {stddev: "< 20ms"}\n')
    profile = load_profile(path)
    steady = EndpointStats("GET", "/a", 100, 0, {10: 50, 20: 50})  # 10 and 20 ms: a spread of 5 ms
    jumpy = EndpointStats("GET", "/a", 100, 0, {10: 90, 400: 10})  # a slow tenth: 117 ms
    (calm,) = evaluate(profile, Snapshot({"GET /a": steady}, steady, 10.0))
    (spread,) = evaluate(profile, Snapshot({"GET /a": jumpy}, jumpy, 10.0))
    assert (calm.status, calm.actual) == (Status.PASS, 5.0)
    assert spread.status == Status.FAIL and round(spread.actual) == 117
    assert spread.message == "stddev 117ms breaks the limit < 20ms"
