"""Too many request names: a locustfile that forgets `name=` on URLs with ids makes one Locust
entry per id. Locust keeps them all; perfgate bounds what it adds (time line, windows, reports)
and says how to group them."""

from __future__ import annotations

from collections import Counter

from perfgate.core.naming import grouped

# above this many endpoints a run is almost surely ungrouped ids; reports list the busiest ones
MAX_ENDPOINTS = 300
TIMELINE_ENDPOINTS = 50  # per time-line row, the busiest of the interval


def busiest(requests: dict[str, int], count: int) -> set[str]:
    """The `count` keys with the most requests (ties by key, so the choice is stable)."""
    return {key for key, _ in sorted(requests.items(), key=lambda item: (-item[1], item[0]))[:count]}


def warning(keys: list[str]) -> str | None:
    """What to do when there are more endpoints than a locustfile plausibly has."""
    if len(keys) <= MAX_ENDPOINTS:
        return None
    groups = Counter(grouped(key) for key in keys).most_common(3)
    examples = "; ".join(f"{group} ({count} names)" for group, count in groups)
    return (
        f"{len(keys)} distinct request names: ids in URLs are probably not grouped. Pass name= to group "
        f"them (self.client.get(f'/builds/{{id}}', name='/builds/:id')); the largest groups: {examples}. "
        f"Reports list the {MAX_ENDPOINTS} busiest endpoints; thresholds still judge all of them"
    )
