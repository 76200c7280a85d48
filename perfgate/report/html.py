"""report.html: one self-contained page (no network, no script) with the verdict, the checks, the
endpoints against the baseline, the run over time and the response-time distributions.

Tables are plain HTML and charts inline SVG, so the page stays whole where a CI server blocks
scripts and styles (Jenkins' archived-artifact CSP); the <style> block only makes it nicer where
it is allowed."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from perfgate.core.inert import inert
from perfgate.core.limits import parse_limit
from perfgate.core.metrics import shown
from perfgate.core.model import CheckKind, CheckResult, Result, Status, histogram_of, profile_name
from perfgate.core.tolerances import parse_tolerance
from perfgate.report.console import format_change, status_line
from perfgate.report.junit import source_location
from perfgate.report.svg import AXIS_FLOOR_MS, Chart, Series, render
from perfgate.report.text import STATUS_LABELS, check_title, checks_counted, ordered, shown_name
from perfgate.store.files import write_atomic

FILE_NAME = "report.html"
MAX_ENDPOINT_LINES = 8  # more lines than this on one chart cannot be told apart
STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5rem auto; max-width: 1100px; color: #1f2328; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.9rem; }
th, td { border: 1px solid #d0d7de; padding: 0.25rem 0.5rem; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.why { min-width: 24em; }
table.facts th { text-align: left; font-weight: 600; background: #f6f8fa; }
tr.fail td, tr.regression td { background: #ffebe9; }
tr.inconclusive td, tr.no_data td { background: #fff8c5; }
tr.improvement td { background: #dafbe1; }
figure { margin: 0 0 1.5rem; }
svg { max-width: 100%; height: auto; }
h1.pass { color: #1a7f37; } h1.fail { color: #cf222e; }
h1.regression { color: #bc4c00; } h1.inconclusive { color: #9a6700; }
"""


def _value(metric: str, value: Any) -> str:
    return "-" if value is None else shown(metric, value)


def _table(header: list[str], rows: list[tuple[str, list[str]]], numeric: set[int], wide: int = -1) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = []
    for row_class, cells in rows:
        kinds = ["n" if i in numeric else "why" if i == wide else "" for i in range(len(cells))]
        tds = "".join(f'<td class="{kind}">{escape(cell)}</td>' for kind, cell in zip(kinds, cells, strict=True))
        body.append(f'<tr class="{row_class}">{tds}</tr>')
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _rule(source: str) -> str:
    """thresholds/base.yaml:15 rather than an absolute path that fills the column."""
    location = source_location(source)
    return f"{location[0]}:{location[1]}" if location else source


def _check_rows(checks: list[CheckResult]) -> list[tuple[str, list[str]]]:
    rows = []
    for check in checks:
        regression = check.kind == CheckKind.REGRESSION
        cells = [
            STATUS_LABELS[check.status],
            shown_name(check.endpoint),
            check_title(check),
            _value(check.metric, check.actual),
            _value(check.metric, check.baseline) if regression else "",
            format_change(check, check.adjusted_change) if regression else "",
            _rule(check.source),
            inert(check.message),
        ]
        rows.append((check.status, cells))
    return rows


def _checks(result: Result) -> str:
    """Checks that did not pass in the open; the passing ones folded (<details> needs no script)."""
    header = ["Status", "Endpoint", "Check", "Actual", "Baseline", "Change", "Rule", "Why"]
    open_checks = ordered([c for c in result.checks if c.status != Status.PASS])
    passed = [c for c in result.checks if c.status == Status.PASS]
    parts = [_table(header, _check_rows(open_checks), {3, 4, 5}, 7)] if open_checks else []
    if passed:
        summary = f"{checks_counted(len(passed))} passed"
        parts.append(
            f"<details><summary>{summary}</summary>{_table(header, _check_rows(passed), {3, 4, 5}, 7)}</details>"
        )
    return "".join(parts)


def _endpoints(result: Result) -> str:
    compared = {
        c.endpoint: (c.baseline, format_change(c, c.adjusted_change))
        for c in result.checks
        if c.kind == CheckKind.REGRESSION and c.metric == "p95" and c.adjusted_change is not None
    }
    header = ["Endpoint", "Requests", "Failures", "Errors", "rps", "p50", "p90", "p95", "p99", "max"]
    if result.comparison:
        header += ["p95 baseline", "p95 change"]
    rows = []
    for key, stats in sorted(result.endpoints.items()):
        cells = [
            shown_name(key),
            f"{stats['requests']:,}",
            f"{stats['failures']:,}",
            f"{stats['error_rate']:.2%}",
            f"{stats['rps']:.1f}",
            *(_value(q, stats.get(q)) for q in ("p50", "p90", "p95", "p99")),
            _value("max", stats.get("max")),
        ]
        if result.comparison:
            baseline, change = compared.get(key, (None, ""))
            cells += [_value("p95", baseline), change]
        rows.append(("", cells))
    return _table(header, rows, set(range(1, len(header))))


def _warmup(timeline: list[dict[str, Any]]) -> list[tuple[float, float]]:
    ranges, start = [], 0.0
    for point in timeline:
        if point.get("warmup"):
            ranges.append((start, point["t"]))
        start = point["t"]
    return ranges


def time_charts(result: Result) -> list[Chart]:
    timeline = result.timeline
    warmup = _warmup(timeline)
    label = "warm-up (excluded from the verdict)"

    def line(name: str, key: str, scale: float = 1.0) -> Series:
        return Series(name, [(p["t"], p[key] * scale) for p in timeline if p.get(key) is not None])

    per_endpoint = [
        Series(
            shown_name(key), [(p["t"], p["endpoints"][key]["p95"]) for p in timeline if key in p.get("endpoints", {})]
        )
        for key in charted(result)
    ]
    return [
        Chart(
            "Response time over time",
            "seconds",
            "ms",
            [line("p50", "p50"), line("p95", "p95"), line("p99", "p99")],
            warmup,
            label,
        ),
        Chart("p95 per endpoint over time", "seconds", "ms", per_endpoint, warmup, label),
        Chart("Throughput", "seconds", "requests/s", [line("rps", "rps")], warmup, label),
        Chart("Errors", "seconds", "% failed", [line("error rate", "error_rate", 100.0)], warmup, label),
        Chart("Users", "seconds", "users", [line("users", "users")], warmup, label),
    ]


def charted(result: Result) -> list[str]:
    """The endpoints drawn: those with a check that did not pass first, then the busiest."""
    flagged = {c.endpoint for c in result.checks if c.status not in (Status.PASS, Status.IMPROVEMENT)}
    stats = result.endpoints
    return sorted(stats, key=lambda k: (k not in flagged, -stats[k]["requests"], k))[:MAX_ENDPOINT_LINES]


FAILED_CHARTS = 4  # above the fold: the first failing checks, each on its own chart


def failing_charts(result: Result) -> list[tuple[Chart, str]]:
    """What failed and since when: each failing threshold or regression on a percentile or the
    error rate, its endpoint's value per interval with the limit drawn, and when it first broke it."""
    found = []
    for check in ordered([c for c in result.checks if c.status in (Status.FAIL, Status.REGRESSION)]):
        limit = _limit_value(check)
        key = "error_rate" if check.metric == "error_rate" else check.metric
        scale = 100.0 if key == "error_rate" else 1.0
        rows = [
            (p, p if check.endpoint == "global" else p.get("endpoints", {}).get(check.endpoint))
            for p in result.timeline
        ]
        points = [(p["t"], row[key] * scale) for p, row in rows if row and row.get(key) is not None]
        if limit is None or not points:
            continue
        broke = next((p["t"] for p, row in rows if not p.get("warmup") and row and (row.get(key) or 0) > limit), None)
        label = f"{check.limit} ({check.kind})" if check.kind == CheckKind.REGRESSION else f"limit {check.limit}"
        unit = "% failed" if key == "error_rate" else "ms"
        chart = Chart(
            f"{shown_name(check.endpoint)}: {check_title(check)}",
            "seconds",
            unit,
            [Series(f"{check.metric} per interval", points, "#cf222e")],
            _warmup(result.timeline),
            "warm-up (excluded from the verdict)",
            limits=[(label, limit * scale)],
        )
        since = f"beyond it since {broke:.0f} s" if broke is not None else "never beyond it in a single interval"
        found.append((chart, f"{STATUS_LABELS[check.status]}: {since} (of {result.duration_s:.0f} s)"))
        if len(found) == FAILED_CHARTS:
            break
    return found


def _limit_value(check: CheckResult) -> float | None:
    """The value a check's limit line sits at: its threshold, or the baseline plus the tolerance."""
    try:
        if check.kind == CheckKind.REGRESSION:
            if check.baseline is None:
                return None
            tolerance = parse_tolerance(check.metric, check.limit)
            return (
                check.baseline + tolerance.value
                if tolerance.kind == "error_rate"
                else check.baseline * (1 + tolerance.value)
            )
        return parse_limit(check.metric, check.limit.replace(",", "")).value
    except ValueError:
        return None


def distribution_chart(result: Result) -> Chart:
    """Share of requests at or below each response time (log scale), per endpoint."""
    series = []
    for key in charted(result):
        histogram = histogram_of(result.endpoints[key].get("histogram") or {})
        total = sum(histogram.values())
        if not total:
            continue
        seen, points = 0, []
        for bucket in sorted(histogram):
            seen += histogram[bucket]
            points.append((max(float(bucket), AXIS_FLOOR_MS), seen / total * 100))
        series.append(Series(shown_name(key), points))
    return Chart(
        "Response-time distribution (cumulative)", "ms (log scale)", "% of requests", series, log_x=True, y_max=100
    )


def load_text(load: dict[str, Any]) -> str:
    """ "users 50, spawn rate 25, run time 60 s, BuildPipelineUser 13, ...": the load as facts."""
    parts = []
    for key, value in load.items():
        if value is None:
            continue
        if isinstance(value, dict):
            parts += [f"{name} {count}" for name, count in value.items()]
        elif isinstance(value, list):
            parts.append(f"{len(value)} {key.replace('_', ' ')}")
        elif key.endswith("_s"):
            parts.append(f"{key.removesuffix('_s').replace('_', ' ')} {value:g} s")
        else:
            parts.append(f"{key.replace('_', ' ')} {value}")
    return ", ".join(parts)


def render_html(result: Result) -> str:
    verdict = escape(status_line(result))
    load = load_text(result.load)
    facts = [
        ("Profile", result.profile),
        ("Host", result.host),
        ("Started", result.started_at),
        ("Duration", f"{result.duration_s:.1f} s"),
        ("Load", load),
        ("Versions", ", ".join(f"{k} {v}" for k, v in result.versions.items())),
    ]
    if result.comparison:
        comparison = result.comparison
        facts.append(("Baseline", f"{comparison['baseline']} ({comparison['baseline_runs']} runs)"))
        facts += [(f"Shared shift {m}", f"{g:+.1%}") for m, g in comparison["global_shift"].items()]
    charts = [*time_charts(result), distribution_chart(result)]
    figures = "".join(f"<figure><figcaption>{escape(c.title)}</figcaption>{render(c)}</figure>" for c in charts)
    failed = "".join(
        f"<figure><figcaption>{escape(c.title)}: {escape(since)}</figcaption>{render(c)}</figure>"
        for c, since in failing_charts(result)
    )
    warnings = "".join(f"<li>{escape(inert(w))}</li>" for w in result.warnings)
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>perfgate {escape(result.verdict)}: {escape(profile_name(result.profile))}</title>",
            f"<style>{STYLE}</style></head><body>",
            f'<h1 class="{escape(result.verdict)}">{verdict}</h1>',
            '<table class="facts">'
            + "".join(f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in facts)
            + "</table>",
            f"<h2>What failed, and since when</h2>{failed}" if failed else "",
            f"<h2>Checks</h2>{_checks(result)}",
            f"<h2>Endpoints</h2>{_endpoints(result)}",
            f"<h2>Charts</h2>{figures}",
            f"<h2>Warnings</h2><ul>{warnings}</ul>" if warnings else "",
            "</body></html>",
            "",
        ]
    )


def write(result: Result, report_dir: Path) -> Path:
    path = report_dir / FILE_NAME
    write_atomic(path, render_html(result))
    return path
