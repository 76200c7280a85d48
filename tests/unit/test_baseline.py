import json

import pytest

from perfgate.core.baseline import BASELINE_SCHEMA, BaselineError, merge, promotion_refusal
from perfgate.core.model import RESULT_SCHEMA, histogram_of
from perfgate.store.results import read_baseline
from tests.unit.synthetic import ENDPOINTS, run


def result_file(tmp_path, name, seed, verdict="pass"):
    data = run(seed, windows=4)
    path = tmp_path / name
    document = {
        "schema": RESULT_SCHEMA,
        "verdict": verdict,
        "exit_code": 0,
        "host": "http://127.0.0.1:1",
        "profile": "ci.yaml",
        "endpoints": data.endpoints,
        "measurement": {"measured_s": data.measured_s, "windows_s": data.windows_s},
        "load": {"users": 50},
    }
    path.write_text(json.dumps(document))
    return path


def test_a_result_file_is_a_one_run_baseline_with_its_windows(tmp_path):
    baseline = read_baseline(result_file(tmp_path, "r.json", 1))
    assert len(baseline.runs) == 1
    only = baseline.runs[0]
    assert only.load == {"users": 50} and only.windows_s == [15.0] * 4
    assert sum(only.windows("GET /api/v1/e0")["requests"]) == 2000


def test_merge_pools_histograms_and_keeps_each_run(tmp_path):
    paths = [result_file(tmp_path, f"r{i}.json", i) for i in range(3)]
    merged = merge([read_baseline(p) for p in paths])
    assert merged["schema"] == BASELINE_SCHEMA and len(merged["runs"]) == 3
    key = "GET /api/v1/e0"
    pooled = merged["endpoints"][key]
    assert pooled["requests"] == 6000 and sum(histogram_of(pooled["histogram"]).values()) == 6000
    assert all("windows" not in r["endpoints"][key] for r in merged["runs"])
    again = tmp_path / "merged.json"
    again.write_text(json.dumps(merged))
    assert [r.source for r in read_baseline(again).runs] == [str(p) for p in paths]
    assert len(merge([read_baseline(again), read_baseline(paths[0])])["runs"]) == 4
    assert set(merged["endpoints"]) == set(ENDPOINTS)


def test_merge_refuses_runs_that_did_not_pass(tmp_path):
    good, bad = result_file(tmp_path, "good.json", 1), result_file(tmp_path, "bad.json", 2, verdict="regression")
    with pytest.raises(BaselineError, match=r"only passing runs make a baseline; not passing: .*bad.json \(verdict"):
        merge([read_baseline(good), read_baseline(bad)])


def test_unusable_files_name_the_file_and_what_is_wrong(tmp_path):
    with pytest.raises(BaselineError, match=r"missing.json: baseline file not found"):
        read_baseline(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"schema": ')
    with pytest.raises(BaselineError, match=r"broken.json:1: not valid JSON"):
        read_baseline(broken)
    other = tmp_path / "other.json"
    other.write_text('{"schema": "k6/summary"}')
    with pytest.raises(BaselineError, match=r"other.json: schema: expected 'perfgate.result/1'.*found 'k6/summary'"):
        read_baseline(other)
    bad_histogram = tmp_path / "histogram.json"
    endpoint = {"requests": 3, "failures": 0, "histogram": {"fast": 3}}
    bad_histogram.write_text(json.dumps({"schema": RESULT_SCHEMA, "endpoints": {"GET /x": endpoint}}))
    with pytest.raises(BaselineError, match=r'endpoints."GET /x".histogram: expected a mapping of bucket'):
        read_baseline(bad_histogram)


def test_only_a_passing_result_may_be_promoted():
    assert promotion_refusal({"schema": RESULT_SCHEMA, "verdict": "pass"}) is None
    assert "verdict is 'inconclusive'" in promotion_refusal(
        {"schema": RESULT_SCHEMA, "verdict": "inconclusive", "exit_code": 5}
    )
    assert "expected a result.json" in promotion_refusal({"schema": BASELINE_SCHEMA})
