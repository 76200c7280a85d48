"""The live gate as pure data: fed a cumulative Snapshot every `settings.evaluate_every`, it keeps
the time line, the warm-up cut, the windows, the sustained (`for:`) breaches and decides aborts.

Locust's stats are cumulative and additive, so every interval or window is the difference of two
snapshots; nothing is recomputed from raw samples. Only the snapshots a window can still need are
kept, so memory does not grow with the length of the run (the time line keeps numbers, not
histograms).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from perfgate.core.cardinality import MAX_ENDPOINTS, TIMELINE_ENDPOINTS, busiest
from perfgate.core.evaluate import LiveFindings, breached, endpoint_label, targets
from perfgate.core.metrics import TRENDED_PERCENTILES, format_value, percentiles
from perfgate.core.model import AbortRecord, EndpointStats, Snapshot
from perfgate.core.profile import Profile, Rule

# The measured run is kept as at most this many windows (adjacent ones merge as the run grows):
# enough for batch-means variances (regression.py), small enough for result.json.
MAX_WINDOWS = 32


def empty_snapshot(at_s: float = 0.0) -> Snapshot:
    return Snapshot({}, EndpointStats("", "Aggregated"), at_s, at_s)


def interval_summary(stats: EndpointStats, duration_s: float) -> dict[str, float]:
    summary = {
        "requests": stats.requests,
        "rps": round(stats.requests / duration_s, 3) if duration_s > 0 else 0.0,
        "error_rate": round(stats.error_rate, 5),
    }
    return summary | percentiles(stats, TRENDED_PERCENTILES)


@dataclass
class WindowCut:
    """The measured run as coarse cumulative snapshots at window boundaries: at most MAX_WINDOWS
    windows, every other boundary dropped when there would be more. Fed the same instants, two
    cuts keep the same boundaries (a duet's sides)."""

    boundaries: list[Snapshot] = field(default_factory=list)

    def start(self, snapshot: Snapshot) -> None:
        self.boundaries.append(snapshot.coarse())

    def add(self, snapshot: Snapshot) -> None:
        if not self.boundaries or snapshot.at_s <= self.boundaries[-1].at_s:
            return
        if len(snapshot.endpoints) > MAX_ENDPOINTS:  # ungrouped ids: windows of the aggregate only
            snapshot = Snapshot({}, snapshot.total, snapshot.duration_s, snapshot.at_s)
        coarse = snapshot.coarse()
        self.boundaries.append(coarse)
        if len(self.boundaries) > MAX_WINDOWS + 1:
            self.boundaries = self.boundaries[::2] + ([] if len(self.boundaries) % 2 else [coarse])

    def windows(self) -> list[Snapshot]:
        """Consecutive windows (on coarse buckets); their sum is the measured run."""
        return [later.minus(earlier) for earlier, later in zip(self.boundaries, self.boundaries[1:], strict=False)]


@dataclass
class PairedSide:
    """A duet's baseline side: where its measurement started and its windows."""

    measurement_start: Snapshot
    cut: WindowCut = field(default_factory=WindowCut)

    def measured(self, final: Snapshot) -> Snapshot:
        return final.minus(self.measurement_start)


@dataclass
class LiveMonitor:
    profile: Profile
    measurement_start: Snapshot | None = None
    previous: Snapshot = field(default_factory=empty_snapshot)
    recent: deque[Snapshot] = field(default_factory=deque)
    breaching_since: dict[tuple[str, str], float] = field(default_factory=dict)
    findings: LiveFindings = field(default_factory=LiveFindings)
    timeline: list[dict[str, Any]] = field(default_factory=list)
    cut: WindowCut = field(default_factory=WindowCut)
    paired: PairedSide | None = None  # a duet's baseline side, cut into the same windows

    @property
    def longest_window_s(self) -> float:
        return max((rule.window_s or 0.0 for rule in self.profile.rules), default=0.0)

    def start_measurement(self, snapshot: Snapshot, paired: Snapshot | None = None) -> None:
        """Everything before `snapshot` is warm-up, excluded from every verdict; `paired`: the
        baseline side of a duet at the same moment."""
        if self.measurement_start is None:
            self.measurement_start = snapshot
            self.recent.append(snapshot)
            self.cut.start(snapshot)
            if paired is not None:
                self.paired = PairedSide(paired)
                self.paired.cut.start(paired)

    def observe(
        self, snapshot: Snapshot, users: int = 0, cpu: float | None = None, paired: Snapshot | None = None
    ) -> AbortRecord | None:
        """Takes the next cumulative snapshot (and the duet's baseline side's, taken with it);
        returns the abort decision if a check demands one."""
        interval = snapshot.minus(self.previous)
        self.previous = snapshot
        self._record(interval, users, cpu)
        if self.measurement_start is None:
            return None
        self.recent.append(snapshot)
        self.cut.add(snapshot)
        if self.paired is not None and paired is not None:
            self.paired.cut.add(paired)
        while len(self.recent) > 2 and self.recent[1].at_s <= snapshot.at_s - self.longest_window_s:
            self.recent.popleft()
        self._track_breaches(interval)
        if self.findings.abort is None:
            self.findings.abort = self._abort_decision(snapshot)
            return self.findings.abort
        return None

    def measured(self, final: Snapshot) -> Snapshot:
        """Stats after warm-up; empty when the run ended before the warm-up did."""
        if self.measurement_start is None:
            return empty_snapshot(final.at_s)
        return final.minus(self.measurement_start)

    def windows(self) -> list[Snapshot]:
        return self.cut.windows()

    def finish(self, final: Snapshot) -> LiveFindings:
        """The findings for the final verdict, with each rule window ending at `final`."""
        for rule in self.profile.rules:
            if rule.window_s is not None:
                self.findings.windows[rule.window_s] = final.minus(self._snapshot_before(final.at_s - rule.window_s))
        self._late_requests(final)
        return self.findings

    def _late_requests(self, final: Snapshot) -> None:
        """Each endpoint's requests in the second half of the measurement: none there means that
        a longer run would add none (a login made once per user in on_start)."""
        boundaries = self.cut.boundaries
        if len(boundaries) < 3:
            return
        middle = (boundaries[0].at_s + final.at_s) / 2
        start = next((b for b in boundaries if b.at_s >= middle), None)
        if start is None or start.at_s >= final.at_s or not start.endpoints:
            return
        self.findings.late = {key: stats.requests for key, stats in final.minus(start).endpoints.items()}
        self.findings.peak_users = max((row["users"] for row in self.timeline), default=0)

    def _snapshot_before(self, at_s: float) -> Snapshot:
        earliest = self.measurement_start or empty_snapshot()
        candidates = [s for s in self.recent if s.at_s <= at_s + 1e-6]
        return candidates[-1] if candidates else earliest

    def _record(self, interval: Snapshot, users: int, cpu: float | None) -> None:
        row: dict[str, Any] = {
            "t": round(interval.at_s, 3),
            "users": users,
            "cpu": cpu,
            "warmup": self.measurement_start is None,
            **interval_summary(interval.total, interval.duration_s),
            "endpoints": {
                key: interval_summary(interval.endpoints[key], interval.duration_s)
                for key in busiest(
                    {k: s.requests for k, s in interval.endpoints.items() if s.requests}, TIMELINE_ENDPOINTS
                )
            },
        }
        self.timeline.append(row)

    def _track_breaches(self, interval: Snapshot) -> None:
        """`for:` judges each evaluation interval on its own: a breach is sustained when every
        interval from its start on broke the limit (Taurus's `for`, not k6's cumulative value)."""
        for rule in self.profile.rules:
            sustain = rule.for_s if rule.for_s is not None else (rule.abort.for_s if rule.abort else None)
            if sustain is None:
                continue
            seen = set()
            for stats in targets(self.profile, rule, interval):
                key = (rule.path, endpoint_label(rule, stats))
                seen.add(key)
                if not breached(rule, stats, interval.duration_s)[0]:
                    self.breaching_since.pop(key, None)
                    continue
                start = self.breaching_since.setdefault(key, interval.at_s - interval.duration_s)
                lasted = interval.at_s - start
                self.findings.longest[key] = max(self.findings.longest.get(key, 0.0), lasted)
                if rule.for_s is not None and lasted >= rule.for_s:
                    first_start = self.findings.sustained.get(key, (start, 0.0))[0]
                    self.findings.sustained[key] = (first_start, interval.at_s)
            # an interval without requests is no evidence of a breach: the streak ends
            for key in [k for k in self.breaching_since if k[0] == rule.path and k not in seen]:
                del self.breaching_since[key]

    def _abort_decision(self, snapshot: Snapshot) -> AbortRecord | None:
        assert self.measurement_start is not None
        measured_for = snapshot.at_s - self.measurement_start.at_s
        for rule in self.profile.rules:
            if rule.abort is None or measured_for < rule.abort.after_s:
                continue
            decision = self._abort_for(rule, snapshot)
            if decision is not None:
                return decision
        return None

    def _abort_for(self, rule: Rule, snapshot: Snapshot) -> AbortRecord | None:
        assert rule.abort is not None
        sustain = rule.abort.for_s if rule.abort.for_s is not None else rule.for_s
        if rule.window_s is not None:
            judged = snapshot.minus(self._snapshot_before(snapshot.at_s - rule.window_s))
        else:
            judged = self.measured(snapshot)
        for stats in targets(self.profile, rule, judged):
            endpoint = endpoint_label(rule, stats)
            if sustain is not None:
                since = self.breaching_since.get((rule.path, endpoint))
                if since is None or snapshot.at_s - since < sustain:
                    continue
            is_breached, value = breached(rule, stats, judged.duration_s)
            if sustain is None and not is_breached:
                continue
            shown = format_value(rule.limit.kind, value)
            message = f"{rule.limit.metric} {shown} broke the limit {rule.limit.describe()} ({rule.path})"
            return AbortRecord(rule.path, endpoint, rule.limit.metric, round(snapshot.at_s, 3), value, message)
        return None
