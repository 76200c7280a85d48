"""GitLab merge-request widgets: `gl-load-performance.json` for artifacts:reports:load_performance
and `metrics.txt` (OpenMetrics text) for artifacts:reports:metrics.

The load-performance widget reads exactly four values of k6's summary export (docs/ci/gitlab.md):
metrics.http_reqs.rate, metrics.http_req_waiting["p(90)"] and ["p(95)"], and
metrics.checks.passes / fails. We fill them from the measured aggregate (full response time, not
time to first byte: Locust does not measure TTFB) and from perfgate's checks. GitLab's metrics
parser strips `#...` to the end of a line and shell-splits the rest, so label values carry no `#`,
quotes or backslashes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from perfgate.core.model import UNRESOLVED, Result, Status
from perfgate.store.files import write_atomic

LOAD_PERFORMANCE_FILE = "gl-load-performance.json"
METRICS_FILE = "metrics.txt"
_UNSAFE_LABEL = re.compile(r"[#'\"\\\n]")


def load_performance(result: Result) -> dict[str, Any]:
    total = result.total
    passes = sum(c.status in (Status.PASS, Status.IMPROVEMENT) for c in result.checks)
    fails = len(result.checks) - passes
    return {
        "metrics": {
            "http_reqs": {"count": total.get("requests", 0), "rate": round(total.get("rps", 0.0), 2)},
            "http_req_waiting": {
                "avg": round(total.get("avg", 0.0), 2),
                "min": total.get("min") or 0.0,
                "med": total.get("p50", 0.0),
                "max": total.get("max", 0.0),
                "p(90)": total.get("p90", 0.0),
                "p(95)": total.get("p95", 0.0),
            },
            "checks": {
                "passes": passes,
                "fails": fails,
                "value": round(passes / len(result.checks), 4) if result.checks else 1.0,
            },
        }
    }


def _label(value: str) -> str:
    return _UNSAFE_LABEL.sub("_", value)


def _number(value: float) -> str:
    """Rounded: GitLab lists every changed digit as a change."""
    return f"{value:.4g}" if abs(value) < 1 else f"{value:.1f}".removesuffix(".0")


def metrics_text(result: Result) -> str:
    counted = {status: sum(c.status == status for c in result.checks) for status in Status}
    total = result.total
    families: dict[str, list[tuple[str, str]]] = {
        "perfgate_exit_code": [("", str(result.exit_code))],
        "perfgate_failed_checks": [("", str(counted[Status.FAIL]))],
        "perfgate_regressed_checks": [("", str(counted[Status.REGRESSION]))],
        "perfgate_inconclusive_checks": [("", str(sum(c.status in UNRESOLVED for c in result.checks)))],
        "perfgate_requests": [("", str(total.get("requests", 0)))],
        "perfgate_rps": [("", _number(total.get("rps", 0.0)))],
        "perfgate_error_ratio": [("", _number(total.get("error_rate", 0.0)))],
        "perfgate_p95_ms": [],
    }
    for key, stats in sorted(result.endpoints.items()):
        label = f'{{endpoint="{_label(key)}"}}'
        families["perfgate_p95_ms"].append((label, _number(stats.get("p95", 0.0))))
        families["perfgate_error_ratio"].append((label, _number(stats.get("error_rate", 0.0))))
    lines = []
    for name, samples in families.items():
        lines.append(f"# TYPE {name} gauge")
        lines += [f"{name}{labels} {value}" for labels, value in samples]
    return "\n".join([*lines, "# EOF", ""])


def write(result: Result, report_dir: Path) -> list[Path]:
    performance, metrics = report_dir / LOAD_PERFORMANCE_FILE, report_dir / METRICS_FILE
    write_atomic(performance, json.dumps(load_performance(result), indent=2) + "\n")
    write_atomic(metrics, metrics_text(result))
    return [performance, metrics]
