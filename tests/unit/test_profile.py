from pathlib import Path

import pytest

from perfgate.config.profile import ProfileError, load_profile

REPO = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ProfileError) as error:
        load_profile(path)
    return error.value.problems


@pytest.mark.parametrize("name", ["base.yaml", "ci.yaml", "staging.yaml", "nightly.yaml"])
def test_shipped_profiles_are_valid(name):
    profile = load_profile(REPO / "thresholds" / name)
    assert any(rule.scope == "global" and rule.limit.metric == "error_rate" for rule in profile.rules)


def test_ci_profile_has_the_guides_limits_and_a_bounded_load():
    profile = load_profile(REPO / "thresholds" / "ci.yaml")
    limits = {(rule.key, rule.limit.metric): rule.limit.describe() for rule in profile.rules}
    assert limits[("POST /api/v1/auth/login", "p95")] == "< 800ms"
    assert limits[("GET /api/v1/projects", "p95")] == "< 500ms"
    assert limits[("GET /api/v1/projects/:id/builds", "p95")] == "< 700ms"
    assert limits[("POST /api/v1/builds", "p95")] == "< 1,200ms"
    assert limits[("GET /api/v1/reports/*", "p95")] == "< 1,500ms"
    assert limits[("global", "error_rate")] == "< 1.00%"
    assert profile.load.users == 50 and profile.load.run_time_s == 60
    assert profile.regression is not None
    tolerances = {(rule.scope, rule.tolerance.metric): rule.tolerance.text for rule in profile.regression.rules}
    assert tolerances == {("default", "p95"): "+20%", ("global", "error_rate"): "+0.5pp"}


def test_error_names_file_line_key_path_expected_and_found(tmp_path):
    path = write(tmp_path, "ci.yaml", 'version: 1\nendpoints:\n  "GET /api/v1/projects":\n    p95: fast\n')
    assert problems_of(path) == [
        f'{path}:4 endpoints."GET /api/v1/projects".p95: expected a duration limit like "< 500ms", found "fast"'
    ]


def test_unknown_keys_are_errors_at_every_level(tmp_path):
    path = write(
        tmp_path,
        "p.yaml",
        'version: 1\nlaod: {users: 1}\nglobal: {error_rat: "< 1%"}\n'
        'endpoints:\n  "GET /a": {p95: "< 1s", latncy: "< 1s"}\n',
    )
    problems = problems_of(path)
    assert any(p.startswith(f"{path}:2 laod: unknown key") for p in problems)
    assert any(p.startswith(f"{path}:3 global.error_rat: unknown key") for p in problems)
    assert any(p.startswith(f'{path}:5 endpoints."GET /a".latncy: unknown key') for p in problems)
    top = next(p for p in problems if p.startswith(f"{path}:2 laod"))
    assert top.endswith(
        "regression, settings, version, or a key that starts with x- (ignored: a place for YAML anchors)"
    )
    (rules,) = [p for p in problems if "global.error_rat" in p]
    assert "x-" not in rules  # a rule mapping's keys are metrics


def test_top_level_x_keys_hold_anchors_that_rules_repeat(tmp_path):
    """Docker Compose's convention: perfgate ignores x- keys, YAML's anchors and merge keys do the rest."""
    path = write(
        tmp_path,
        "p.yaml",
        'version: 1\nx-fast: &fast {p95: "< 500ms"}\nendpoints:\n  "GET /a": *fast\n'
        '  "GET /b":\n    <<: *fast\n    p99: "< 1s"\n',
    )
    limits = sorted((rule.key, rule.limit.metric, rule.limit.describe()) for rule in load_profile(path).rules)
    assert limits == [("GET /a", "p95", "< 500ms"), ("GET /b", "p95", "< 500ms"), ("GET /b", "p99", "< 1,000ms")]


def test_syntax_error_and_duplicate_key_and_empty_file(tmp_path):
    assert problems_of(write(tmp_path, "a.yaml", "version: 1\nglobal: [\n"))[0].startswith(
        f"{tmp_path}/a.yaml:3: invalid YAML"
    )
    duplicate = write(tmp_path, "b.yaml", 'version: 1\nglobal: {p95: "< 1s"}\nglobal: {p99: "< 1s"}\n')
    assert problems_of(duplicate) == [f"{duplicate}:3 global: duplicate key"]
    assert "the profile is empty" in problems_of(write(tmp_path, "c.yaml", "# nothing\n"))[0]
    assert "expected a mapping" in problems_of(write(tmp_path, "d.yaml", "- 1\n"))[0]
    tabbed = write(tmp_path, "e.yaml", 'version: 1\ndefault:\n\tp95: "< 1s"\n')
    assert problems_of(tabbed) == [
        f"{tabbed}:3: invalid YAML: found character '\\t' that cannot start any token; "
        "YAML indents with spaces, not tabs"
    ]


def test_missing_version_and_wrong_version(tmp_path):
    assert problems_of(write(tmp_path, "a.yaml", "global: {p95: '< 1s'}\n")) == [
        f"{tmp_path}/a.yaml:1 (top level): missing key 'version'"
    ]
    assert (
        "expected 1 (the profile format version), found 2" in problems_of(write(tmp_path, "b.yaml", "version: 2\n"))[0]
    )


def test_k6_lists_and_metric_maps_give_the_same_rules(tmp_path):
    k6 = load_profile(write(tmp_path, "k6.yaml", 'version: 1\nendpoints:\n  "GET /a": ["p(95)<500", "rate<0.01"]\n'))
    ours = load_profile(
        write(tmp_path, "ours.yaml", 'version: 1\nendpoints:\n  "GET /a": {p95: "< 500ms", error_rate: "< 1%"}\n')
    )
    assert [(r.limit.metric, r.limit.op, r.limit.value) for r in k6.rules] == [
        (r.limit.metric, r.limit.op, r.limit.value) for r in ours.rules
    ]
    assert k6.rules[1].path == 'endpoints."GET /a"[1]' and k6.rules[1].location.line == 3


def test_extends_merges_key_by_key_and_locates_each_rule_in_its_file(tmp_path):
    base = write(
        tmp_path, "base.yaml", 'version: 1\nglobal:\n  error_rate: "< 1%"\nendpoints:\n  "GET /a": {p95: "< 1s"}\n'
    )
    child = write(
        tmp_path,
        "child.yaml",
        'version: 1\nextends: base.yaml\nendpoints:\n  "GET /a": {p95: "< 2s"}\n  "GET /b": {p99: "< 3s"}\n',
    )
    profile = load_profile(child)
    rules = {(r.key, r.limit.metric): r for r in profile.rules}
    assert rules[("GET /a", "p95")].limit.value == 2000.0
    assert str(rules[("GET /a", "p95")].location) == f"{child}:4"
    assert str(rules[("global", "error_rate")].location) == f"{base}:3"
    assert ("GET /b", "p99") in rules


def test_extends_cycles_and_missing_bases_are_errors(tmp_path):
    write(tmp_path, "a.yaml", "version: 1\nextends: b.yaml\n")
    write(tmp_path, "b.yaml", "version: 1\nextends: a.yaml\n")
    assert "extends forms a cycle" in problems_of(tmp_path / "a.yaml")[0]
    missing = write(tmp_path, "c.yaml", "version: 1\nextends: nowhere.yaml\n")
    assert problems_of(missing) == [f"{missing}:2 extends: base profile {tmp_path}/nowhere.yaml not found"]


def test_environment_interpolation_with_defaults(tmp_path, monkeypatch):
    path = write(
        tmp_path, "p.yaml", "version: 1\nload:\n  users: ${USERS:-5}\n  run_time: ${RUN_TIME}\n  spawn_rate: $${X}\n"
    )
    monkeypatch.delenv("USERS", raising=False)
    monkeypatch.delenv("RUN_TIME", raising=False)
    assert problems_of(path) == [f"{path}:4: environment variable RUN_TIME is not set and has no default"]
    monkeypatch.setenv("RUN_TIME", "90s")
    # $${X} is a literal "${X}", which is not a number
    assert "load.spawn_rate: expected users started per second" in problems_of(path)[0]
    path.write_text("version: 1\nload:\n  users: ${USERS:-5}\n  run_time: ${RUN_TIME}\n")
    assert load_profile(path).load.users == 5 and load_profile(path).load.run_time_s == 90
    monkeypatch.setenv("USERS", "40")
    assert load_profile(path).load.users == 40


def test_missing_file(tmp_path):
    assert "profile file not found" in problems_of(tmp_path / "nope.yaml")[0]


def test_regression_block_rules_settings_and_locations(tmp_path):
    path = write(
        tmp_path,
        "reg.yaml",
        "version: 1\n"
        "regression:\n"
        "  confidence: 99%\n"
        "  min_delta: 10ms\n"
        "  global_shift: off\n"
        "  noise: { run: 8%, endpoint: 0.02 }\n"
        '  global: { error_rate: "+0.5pp", rps: "-15%" }\n'
        '  default: { p95: "+20%" }\n'
        "  endpoints:\n"
        '    "GET /api/v1/builds/:id/status": { p99: "+30%", min_delta: 20ms }\n',
    )
    regression = load_profile(path).regression
    assert regression is not None
    assert (regression.confidence, regression.min_delta_ms, regression.global_shift) == (0.99, 10.0, None)
    assert (regression.run_noise, regression.endpoint_noise) == (0.08, 0.02)
    found = {(r.scope, r.tolerance.metric): (r.tolerance.value, r.min_delta_ms) for r in regression.rules}
    assert found == {
        ("global", "error_rate"): (0.005, None),
        ("global", "rps"): (0.15, None),
        ("default", "p95"): (0.2, None),
        ("endpoint", "p99"): (0.3, 20.0),
    }
    status = next(r for r in regression.rules if r.scope == "endpoint")
    assert status.matches("GET", "/api/v1/builds/:id/status") and str(status.location) == f"{path}:10"


def test_regression_errors_say_what_a_tolerance_looks_like(tmp_path):
    path = write(
        tmp_path,
        "reg.yaml",
        'version: 1\nregression:\n  default: { p95: "20%", error_rate: "+1%", avg: "+5%" }\n  confidence: 100%\n',
    )
    assert problems_of(path) == [
        f"{path}:3 regression.default.avg: unknown key; "
        "expected p50 ... p99.9, error_rate, rps, median, med, or min_delta",
        f'{path}:3 regression.default.error_rate: expected a rise in percentage points like "+0.5pp", found "+1%"',
        f'{path}:3 regression.default.p95: expected a rise like "+20%", found "20%"',
    ]
    path = write(tmp_path, "conf.yaml", "version: 1\nregression:\n  confidence: 100%\n")
    assert problems_of(path) == [f"{path}:3 regression.confidence: expected from 50% to 99.9%, found 100.0%"]


def test_keys_that_are_not_text_are_located(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text('version: 1\nendpoints:\n  200: {p95: "< 1s"}\n')
    with pytest.raises(ProfileError) as error:
        load_profile(path)
    assert error.value.problems == [f"{path}:3 endpoints: expected a key in quotes or text, found 200"]
