"""Response-time buckets of perfgate's histograms.

Locust rounds every response time to about two significant digits, and to whole milliseconds
below 100 ms (147 -> 150, 9.4 -> 9), so a percentile read from its histogram can be 5% off, and
on a fast API (p95 of 8 ms) far more. perfgate's gate compares percentiles to 1%, so it keeps three
significant digits on a 1-2-5 grid at every magnitude: steps of 0.01, 0.02 and 0.05 ms between 1,
2, 5 and 10 ms, and the same ten times coarser per decade. A bucket is then within 0.5% of every
time it holds, with at most 350 buckets per decade (plain three-digit rounding needs 900).

perfgate counts every request in these buckets beside Locust's own histograms, on every process
(locust/histograms.py); a worker sends them to its master as positions on the grid (`packed`).
Keys are ints from 100 ms up and floats below, which JSON carries unchanged.

The grid from 1 µs to 10^7 ms is built once, and a response time is found among the midpoints
between neighbouring buckets by bisection (`bucket_ms`: 305 ns against Locust's 123 ns rounding,
benchmarks/per_request.py; the formula cost ~3 µs a call); times outside the grid are rounded by
the formula the grid is built from. On the per-request path the times are not bucketed one by one
but counted in batches (`counted`): sorted, then one pair of bisections per bucket that holds any
(what each cost a saturated generator: docs/design/locust.md).
"""

from __future__ import annotations

import functools
import math
import sys
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from itertools import chain, pairwise, repeat

# (mantissa limit, step in units of the third significant digit)
_STEPS = ((2.0, 1), (5.0, 2), (10.0, 5))
GRID_DECADES = range(-3, 7)  # 0.001 ms .. 10^7 ms


def bucket_width_ms(response_time: float) -> float:
    """Width of the bucket that holds `response_time`."""
    if response_time <= 0:
        return 0.0
    exponent = math.floor(math.log10(response_time))
    mantissa = response_time / 10.0**exponent
    multiple = next((step for limit, step in _STEPS if mantissa < limit), 5)
    return multiple * 10.0 ** (exponent - 2)


def rounded_bucket_ms(response_time: int | float) -> int | float:
    """The bucket of `response_time` by the formula (the grid's definition)."""
    return _rounded(response_time, bucket_width_ms(response_time))


def _grid() -> tuple[list[int | float], list[float]]:
    """Every bucket of the grid, and the midpoints between neighbours: a time below a midpoint
    belongs to the bucket below it."""
    buckets: list[int | float] = []
    for exponent in GRID_DECADES:
        start = 100
        for limit, step in _STEPS:
            end = round(limit * 100)
            for third_digits in range(start, end, step):
                value = third_digits * 10.0 ** (exponent - 2)
                buckets.append(_rounded(value, step * 10.0 ** (exponent - 2)))
            start = end
    buckets.append(_rounded(10.0**GRID_DECADES.stop, 10.0 ** (GRID_DECADES.stop - 2)))
    midpoints = [(low + high) / 2 for low, high in pairwise(buckets)]
    return buckets, midpoints


@functools.cache  # called with bucket values, a set of a few thousand at most
def coarse_bucket_ms(response_time: int | float) -> int | float:
    """Two significant digits on the same grid (within 5%, at most 35 buckets per decade): for the
    per-window histograms stored in result.json, which only estimate between-window spread."""
    return _rounded(response_time, 10 * bucket_width_ms(response_time))


def _rounded(response_time: int | float, width: float) -> int | float:
    if response_time <= 0:
        return 0
    value = round(round(response_time / width) * width, max(0, 2 - math.floor(math.log10(width))))
    return int(value) if value.is_integer() else value


_BUCKETS, _MIDPOINTS = _grid()


def grid() -> tuple[list[int | float], list[float]]:
    """Every bucket from 1 µs to 10^7 ms, and the midpoints between neighbours."""
    return _BUCKETS, _MIDPOINTS


_LOW, _HIGH = _BUCKETS[0], _BUCKETS[-1]


def bucket_ms(
    response_time: int | float,
    _midpoints: list[float] = _MIDPOINTS,
    _buckets: list[int | float] = _BUCKETS,
    _bisect: Callable[[list[float], float], int] = bisect_right,
) -> int | float:
    """The bucket of `response_time` (a time exactly between two buckets goes to the upper one).
    The defaults bind the grid to the function: it is looked up twice per request."""
    if _LOW <= response_time < _HIGH:
        return _buckets[_bisect(_midpoints, response_time)]
    return rounded_bucket_ms(response_time)


def counted(times: list[float]) -> Counter[int | float]:
    """The buckets of `times` counted, as `bucket_ms` puts them (`times` is sorted in place)."""
    times.sort()
    counts: Counter[int | float] = Counter()
    start, end = bisect_left(times, _LOW), bisect_left(times, _HIGH)
    counts.update(map(rounded_bucket_ms, times[:start]))
    counts.update(map(rounded_bucket_ms, times[end:]))
    index, last = start, len(_MIDPOINTS)
    while index < end:
        position = bisect_right(_MIDPOINTS, times[index])
        # every time below the bucket's upper midpoint is in this bucket: counted by one bisection
        after = bisect_left(times, _MIDPOINTS[position], index, end) if position < last else end
        counts[_BUCKETS[position]] += after - index
        index = after
    return counts


# --- histograms in a worker's stats message ----------------------------------------------------

_POSITION = {bucket: position for position, bucket in enumerate(_BUCKETS)}
_POSITIONS = "H"  # unsigned 16-bit: the grid has fewer than 65,536 buckets
_BIG_ENDIAN = sys.byteorder == "big"  # the wire is little-endian, whatever the two machines are


def packed(histogram: Mapping[int | float, int]) -> tuple[bytes, dict[int | float, int]]:
    """A histogram for the wire: the grid's buckets as their positions, one 16-bit position per
    request, so that the master counts them with Counter's C loop instead of adding bucket by
    bucket in Python (with three digits almost every request of a 3 s report has its own
    bucket, so this is also about as short as (bucket, count) pairs); the buckets off the grid
    (below 1 µs, 0 ms included, and from 10^7 ms) as they are."""
    on_grid = [bucket for bucket in histogram if bucket in _POSITION]
    positions = array(
        _POSITIONS,
        chain.from_iterable(map(repeat, map(_POSITION.__getitem__, on_grid), map(histogram.__getitem__, on_grid))),
    )
    if _BIG_ENDIAN:
        positions.byteswap()
    off_grid = {bucket: count for bucket, count in histogram.items() if bucket not in _POSITION}
    return positions.tobytes(), off_grid


def count_packed(
    histogram: Counter[int | float], positions: Iterable[bytes], off_grid: Iterable[Mapping[int | float, int]]
) -> None:
    """Adds packed histograms (`packed`'s two parts, from any number of reports) to `histogram`."""
    grid_positions = array(_POSITIONS, b"".join(positions))
    if _BIG_ENDIAN:
        grid_positions.byteswap()
    histogram.update(map(_BUCKETS.__getitem__, grid_positions))
    for part in off_grid:
        histogram.update(part)
