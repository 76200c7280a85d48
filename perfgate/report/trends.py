"""`perfgate history`: the recorded runs of one profile on one branch and each endpoint's trend, as
text for a CI log and as a self-contained HTML page of trend charts."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from perfgate.core.metrics import Kind, format_value, shown
from perfgate.core.trend import Trend
from perfgate.report.console import aligned
from perfgate.report.html import STYLE
from perfgate.report.svg import Chart, Series, render
from perfgate.store.history import RunRecord

SPARKS = "▁▂▃▄▅▆▇█"
SHOWN_METRICS = ("p95", "p99", "error_rate", "rps")  # p50 is in the charts
CAPACITY_METRICS = ("capacity_users", "capacity_rps")


@dataclass
class HistoryView:
    database: str
    profile: str
    branch: str
    runs: list[RunRecord]
    series: dict[str, dict[str, list[float | None]]]  # name -> metric -> value per run (None: absent)
    trends: list[Trend]

    @property
    def drifting(self) -> list[Trend]:
        return [t for t in self.trends if t.flagged]


def _format(metric: str, value: float | None) -> str:
    if metric == "capacity_users":
        return "-" if value is None else f"{value:.0f}"
    return format_value(Kind.RPS, value) if metric == "capacity_rps" else shown(metric, value)


def sparkline(values: list[float | None]) -> str:
    present = [v for v in values if v is not None]
    if not present:
        return ""
    low, high = min(present), max(present)
    span = high - low or 1.0
    return "".join(" " if v is None else SPARKS[round((v - low) / span * (len(SPARKS) - 1))] for v in values)


def _run_rows(view: HistoryView) -> list[tuple[str, ...]]:
    rows = [("RUN", "STARTED", "COMMIT", "VERDICT", "USERS", "RPS", "ERRORS", "CAPACITY")]
    for run in view.runs:
        capacity = "-" if run.capacity_users is None else f"{run.capacity_users} users"
        rows.append(
            (
                f"#{run.id}",
                run.started_at[:16].replace("T", " "),
                run.commit[:8],
                run.verdict,
                "-" if run.users is None else str(run.users),
                format_value(Kind.RPS, run.rps),
                format_value(Kind.ERROR_RATE, run.error_rate),
                capacity,
            )
        )
    return rows


def status_line(view: HistoryView) -> str:
    drifting = view.drifting
    if drifting:
        named = ", ".join(f"{t.series} {t.metric}" for t in drifting)
        return f"perfgate history: DRIFT in {len(drifting)} series ({named})"
    judged = sum(t.p_value is not None for t in view.trends)
    return f"perfgate history: no drift ({judged} series judged over {len(view.runs)} runs)"


def render_text(view: HistoryView) -> str:
    header = f"history {view.database}: profile {view.profile} on {view.branch}, {len(view.runs)} runs (oldest first)"
    judged = {(t.series, t.metric): t for t in view.trends}
    rows = [("TREND", "SERIES", "METRIC", "FIRST", "LAST", "SPARKLINE", "VERDICT")]
    for name, metrics in view.series.items():
        for metric, values in metrics.items():
            present = [v for v in values if v is not None]
            if not present or (metric not in SHOWN_METRICS and metric not in CAPACITY_METRICS):
                continue
            trend = judged.get((name, metric))
            label = "DRIFT" if trend and trend.flagged else "ok" if trend and trend.p_value is not None else "-"
            verdict = trend.message if trend else "not judged (no regression tolerance for it)"
            first, last = _format(metric, present[0]), _format(metric, present[-1])
            rows.append((label, name, metric, first, last, sparkline(values), verdict))
    lines = [header, "", *aligned(_run_rows(view)), "", *aligned(rows), "", status_line(view), ""]
    return "\n".join(lines)


def charts(view: HistoryView) -> list[Chart]:
    """Per series: latency percentiles, then throughput and errors, then capacity, against the run."""
    made = []
    groups = (("ms", ("p50", "p95", "p99")), ("requests/s", ("rps",)), ("error rate", ("error_rate",)))
    groups += (("capacity", CAPACITY_METRICS),)
    for name, metrics in view.series.items():
        for unit, wanted in groups:
            lines = [
                Series(metric, [(float(i + 1), v) for i, v in enumerate(metrics[metric]) if v is not None])
                for metric in wanted
                if any(v is not None for v in metrics.get(metric, []))
            ]
            if lines:
                made.append(Chart(f"{name}: {unit} per run", "run (oldest first)", unit, lines))
    return made


def render_html(view: HistoryView) -> str:
    flagged = "".join(f"<li>{escape(t.series)} {escape(t.metric)}: {escape(t.message)}</li>" for t in view.drifting)
    runs = _run_rows(view)
    head = "".join(f"<th>{escape(cell)}</th>" for cell in runs[0])
    body = "".join("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in runs[1:])
    figures = "".join(f"<figure><figcaption>{escape(c.title)}</figcaption>{render(c)}</figure>" for c in charts(view))
    state = "regression" if view.drifting else "pass"
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>perfgate history: {escape(view.profile)} on {escape(view.branch)}</title>",
            f"<style>{STYLE}</style></head><body>",
            f'<h1 class="{state}">{escape(status_line(view))}</h1>',
            f"<ul>{flagged}</ul>" if flagged else "",
            f"<h2>Runs</h2><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>",
            f"<h2>Trends</h2>{figures}",
            "</body></html>",
            "",
        ]
    )
