"""Whatever the bytes of a profile, a result or a baseline file, the outcome is a located error
(exit 2) or a valid object, never a traceback. Hypothesis generates the inputs; the nasty cases it
found, and the classics, are kept in tests/data/nasty as regression tests."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfgate.cli import main

NASTY = Path(__file__).resolve().parents[1] / "data" / "nasty"
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

KEYS = [
    *("version", "extends", "load", "settings", "global", "default", "endpoints", "regression", "capacity"),
    *("stages", "p95", "error_rate", "abort", "for", "window", "users", "type", "duration", "histogram", "runs"),
    *("schema", "checks", "measurement", "requests", "failures", "windows", "verdict", "total"),
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["< 500ms", "+20%", "60s", "spawn", "p95", "*", "${HOME}", "$${X}", "-1", "1e999"]),
)
keys = st.one_of(
    st.text(max_size=12),
    st.sampled_from(KEYS),
)
documents = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5))


def run_cli(*args: str) -> tuple[int, str]:
    """The perfgate command in this process: its exit code and stderr (a traceback fails the test)."""
    errors = io.StringIO()
    with redirect_stdout(io.StringIO()), redirect_stderr(errors):
        code = main(list(args))
    return code, errors.getvalue()


def assert_located(code: int, stderr: str, path: Path) -> None:
    assert code in (0, 2), stderr
    if code == 2:
        lines = [line for line in stderr.splitlines() if line.strip()]
        assert lines and all(str(path) in line or line.startswith("perfgate:") for line in lines), stderr


@FUZZ
@given(text=st.text(max_size=300))
def test_any_text_as_a_profile_is_valid_or_a_located_error(tmp_path, text):
    path = tmp_path / "fuzzed.yaml"
    path.write_text(text, encoding="utf-8")
    assert_located(*run_cli("validate", str(path)), path)


@FUZZ
@given(document=st.dictionaries(keys, documents, max_size=6))
def test_any_mapping_as_a_profile_is_valid_or_a_located_error(tmp_path, document):
    path = tmp_path / "fuzzed.yaml"
    path.write_text("version: 1\n" + yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    assert_located(*run_cli("validate", str(path)), path)


def result_like(document: dict) -> dict:
    return {"schema": "perfgate.result/1", **document}


@FUZZ
@given(baseline=st.dictionaries(keys, documents, max_size=6), current=st.dictionaries(keys, documents, max_size=6))
def test_any_json_as_a_baseline_or_result_is_judged_or_a_clear_error(tmp_path, baseline, current):
    base, run = tmp_path / "baseline.json", tmp_path / "result.json"
    base.write_text(json.dumps(result_like(baseline)))
    run.write_text(json.dumps(result_like(current)))
    code, stderr = run_cli("compare", str(base), str(run))
    assert code in (0, 2, 3, 4, 5), stderr
    assert "Traceback" not in stderr


@FUZZ
@given(cut=st.integers(min_value=0, max_value=len((NASTY.parent / "result-sample.json").read_text())))
def test_a_truncated_result_file_is_a_clear_error(tmp_path, cut):
    whole = (NASTY.parent / "result-sample.json").read_text()
    path = tmp_path / "result.json"
    path.write_text(whole[:cut])
    code, stderr = run_cli("compare", str(path), str(path))
    assert code in (0, 2, 3, 4, 5) and (code != 2 or str(path) in stderr), stderr


@pytest.mark.parametrize("case", sorted(NASTY.glob("*")), ids=lambda p: p.name)
def test_nasty_inputs_stay_located_errors(tmp_path, case):
    if case.suffix == ".yaml":
        code, stderr = run_cli("validate", str(case))
        assert code == 2 and stderr.startswith(str(case)), stderr
    else:
        code, stderr = run_cli("compare", str(case), str(case))
        assert code == 2 and str(case) in stderr, stderr


@pytest.mark.parametrize(
    ("case", "command"), [("utf16-powershell.yaml", "validate"), ("utf16-powershell.json", "compare")]
)
def test_a_file_saved_as_utf16_says_so_and_what_to_do(case, command):
    path = NASTY / case
    code, stderr = run_cli(command, *[str(path)] * (2 if command == "compare" else 1))
    expected = f"{path}: expected UTF-8 text, found UTF-16 (it starts with a UTF-16 byte-order mark): save it as UTF-8"
    assert code == 2 and expected in stderr, stderr


def test_a_stray_byte_is_named_with_its_offset():
    code, stderr = run_cli("validate", str(NASTY / "not-utf8.yaml"))
    assert code == 2 and "expected UTF-8 text, found the byte 0x" in stderr and " at offset " in stderr, stderr
