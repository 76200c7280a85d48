"""What the perfgate tab of Locust's web UI shows, as plain rows: every check of the running test
with its limit, live value, requests so far and state; the abort rules; once the test is judged,
its verdict and the links to its reports. Pure: the web tab (perfgate.locust.web_tab) serves it."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from perfgate.core.evaluate import evaluate
from perfgate.core.live import LiveMonitor
from perfgate.core.metrics import shown
from perfgate.core.model import VERDICT_EXIT_CODES, Result, Snapshot, Status
from perfgate.core.profile import Profile, Rule
from perfgate.report.text import STATUS_LABELS, ordered, shown_name

# the states a check has while the test runs
PASSING, BREACHED, SUSTAINED, WAITING, WARMUP = (
    "pass",
    "breached",
    "sustained breach",
    "waiting for requests",
    "warm-up",
)
COLUMNS = (
    ("state", "State"),
    ("endpoint", "Endpoint"),
    ("check", "Check"),
    ("limit", "Limit"),
    ("value", "Now"),
    ("requests", "Requests"),
    ("note", "Note"),
)


@dataclass(frozen=True)
class Row:
    state: str
    endpoint: str
    check: str
    limit: str = ""
    value: str = ""
    requests: str = ""
    note: str = ""


def live_rows(profile: Profile, monitor: LiveMonitor, snapshot: Snapshot, test: int) -> list[dict[str, str]]:
    """The running test: during warm-up every check on what arrived so far, marked warm-up."""
    warming = monitor.measurement_start is None
    judged = snapshot if warming else monitor.measured(snapshot)
    rules = {rule.path: rule for rule in profile.rules}
    head = Row("running", f"test {test}", "verdict", note=f"{judged.duration_s:.0f}s measured" if not warming else "")
    rows = [head]
    for check in ordered(evaluate(profile, judged, monitor.findings)):
        rule = rules.get(check.rule)
        stats = judged.endpoints.get(check.endpoint) if check.endpoint != "global" else judged.total
        requests = stats.requests if stats is not None else 0
        state = WARMUP if warming else _state(check.status, rule, monitor, check.endpoint)
        note = _breaching_note(rule, monitor, check.endpoint, snapshot.at_s) if rule else ""
        rows.append(
            Row(
                state,
                shown_name(check.endpoint),
                check.metric,
                check.limit,
                shown(check.metric, check.actual),
                f"{requests:,}",
                note,
            )
        )
    rows += _abort_rows(profile, monitor)
    return [asdict(row) for row in rows]


def _state(status: Status, rule: Rule | None, monitor: LiveMonitor, endpoint: str) -> str:
    if status == Status.FAIL:
        return SUSTAINED if rule is not None and rule.for_s is not None else BREACHED
    if status in (Status.NO_DATA, Status.INCONCLUSIVE):
        return WAITING
    if rule is not None and (rule.path, endpoint) in monitor.breaching_since:
        return BREACHED
    return PASSING


def _breaching_note(rule: Rule, monitor: LiveMonitor, endpoint: str, now_s: float) -> str:
    since = monitor.breaching_since.get((rule.path, endpoint))
    if since is None:
        return f"for {rule.for_s:g}s to fail" if rule.for_s is not None else ""
    lasted = now_s - since
    return f"breached for {lasted:.0f}s" + (f" of {rule.for_s:g}s" if rule.for_s is not None else "")


def _abort_rows(profile: Profile, monitor: LiveMonitor) -> list[Row]:
    rows = []
    aborted = monitor.findings.abort
    for rule in profile.rules:
        if rule.abort is None:
            continue
        state = "aborted the test" if aborted is not None and aborted.rule == rule.path else "abort armed"
        terms = f"after {rule.abort.after_s:g}s" + (f", for {rule.abort.for_s:g}s" if rule.abort.for_s else "")
        rows.append(Row(state, rule.key, f"abort on {rule.limit.metric}", rule.limit.describe(), note=terms))
    return rows


def verdict_rows(result: Result, test: int, links: dict[str, str]) -> list[dict[str, str]]:
    """A judged test: its verdict, its reports (name -> URL) and every check as judged."""
    code = VERDICT_EXIT_CODES[result.verdict]
    rows = [Row(result.verdict.upper(), f"test {test}", "verdict", note=f"exit code {code}, {result.duration_s:.0f}s")]
    rows += [Row("report", f"test {test}", name, value=url) for name, url in links.items()]
    for check in ordered(result.checks):
        requests = result.endpoints.get(check.endpoint, {}).get("requests")
        rows.append(
            Row(
                STATUS_LABELS[check.status].lower(),
                shown_name(check.endpoint),
                check.metric,
                check.limit,
                shown(check.metric, check.actual),
                f"{requests:,}" if requests is not None else "",
                check.message,
            )
        )
    return [asdict(row) for row in rows]
