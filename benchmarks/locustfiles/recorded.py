"""bare.py's users with every raw response time kept by a request listener, and the size of every
stats message a worker sends its master, so benchmarks/accuracy.py can check reported percentiles
against exact ones. Each process that saw requests writes $PERFGATE_BENCH_RAW-<pid>.json at quit."""

import json
import os
from collections import defaultdict
from typing import Any

import locust.stats
from bare import ApiReader, SaturatingReader
from locust import events
from locust.rpc.protocol import Message

# Locust's own rounding, taken before perfgate (if the locustfile loads it) replaces it
LOCUST_BUCKET = locust.stats.bucket_response_time
QUANTILES = (0.5, 0.95, 0.99, 0.999)
TIMES: dict[str, list[float]] = defaultdict(list)
STATS_MESSAGE_BYTES: list[int] = []
_serialize = Message.serialize


def _measured_serialize(message: Message) -> bytes:
    data = _serialize(message)
    if message.type == "stats":
        STATS_MESSAGE_BYTES.append(len(data))
    return data


Message.serialize = _measured_serialize


@events.request.add_listener
def _record(request_type: str, name: str, response_time: float, **_: Any) -> None:
    TIMES[f"{request_type} {name}"].append(response_time)


def _locust_percentiles(times: list[float]) -> dict[str, float]:
    histogram: dict[int, int] = defaultdict(int)
    for time in times:
        histogram[LOCUST_BUCKET(time)] += 1
    return {str(q): locust.stats.calculate_response_time_percentile(histogram, len(times), q) for q in QUANTILES}


@events.quitting.add_listener
def _write(**_: Any) -> None:
    if not TIMES and not STATS_MESSAGE_BYTES:
        return
    record = {
        "times": TIMES,
        "stats_message_bytes": STATS_MESSAGE_BYTES,
        "locust_buckets": {key: _locust_percentiles(times) for key, times in TIMES.items()},
    }
    with open(f"{os.environ['PERFGATE_BENCH_RAW']}-{os.getpid()}.json", "w") as file:
        json.dump(record, file)


__all__ = ["ApiReader", "SaturatingReader"]
