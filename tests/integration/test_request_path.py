"""perfgate on Locust's per-request path (locust/patches.py), in a child process that loads Locust
and perfgate: every response time Locust's RequestStats logs is counted once in perfgate's
three-digit histogram of its entry, whether the histogram is read, reported to a master, or the
times wait past COUNT_EVERY."""

import json
import random
import sys
from collections import Counter

import pytest

from perfgate.core.buckets import bucket_ms
from perfgate.locust.histograms import COUNT_EVERY
from tests.processes import REPO, run_bounded

CHILD = """
import json, sys
from pathlib import Path
from collections import Counter
from perfgate.locust import patches
from locust.stats import RequestStats
from perfgate.core.buckets import count_packed

patches.install()

logged = json.loads(Path(sys.argv[1]).read_text())
out = {}
for how in ("read", "reported"):
    stats = RequestStats()
    for name, times in logged.items():
        for response_time in [*times, None]:  # Locust counts a request without a time; no bucket has it
            stats.log_request("GET", name, response_time, 100)
    fine = stats.perfgate_buckets
    out[how] = {"waiting": {k[0]: len(v) for k, v in fine.waiting.items()}}
    if how == "read":
        histograms = {name: fine.histogram((name, "GET")) for name in logged}
    else:
        histograms = {}
        for name, method, positions, off_grid in fine.report():
            count_packed(histograms.setdefault(name, Counter()), [positions], [off_grid])
        out[how]["after"] = [fine.report(), len(fine.waiting)]
    out[how]["histograms"] = {name: sorted(h.items()) for name, h in histograms.items()}
    out[how]["requests"] = {name: stats.entries[(name, "GET")].num_requests for name in logged}
print(json.dumps(out))
"""


@pytest.mark.integration
def test_every_logged_time_is_counted_once_read_or_reported_and_none_waits_past_count_every(tmp_path):
    draw = random.Random(4)
    sizes = {"/busy": 2 * COUNT_EVERY + 123, "/quiet": 40}
    logged = {name: [draw.lognormvariate(2.0, 1.0) for _ in range(size)] + [0] for name, size in sizes.items()}
    (tmp_path / "logged.json").write_text(json.dumps(logged))
    finished = run_bounded([sys.executable, "-c", CHILD, str(tmp_path / "logged.json")], 120, REPO)
    assert finished.returncode == 0, finished.output[-3000:]
    seen = json.loads(finished.stdout)
    expected = {name: sorted(Counter(map(bucket_ms, times)).items()) for name, times in logged.items()}
    for how in ("read", "reported"):
        assert seen[how]["waiting"] == {"/busy": 124, "/quiet": 41}  # two batches of /busy counted already
        assert {name: [tuple(pair) for pair in h] for name, h in seen[how]["histograms"].items()} == expected
        assert seen[how]["requests"] == {name: size + 2 for name, size in sizes.items()}
    assert seen["reported"]["after"] == [[], 0]  # a report takes everything: the next starts from nothing
