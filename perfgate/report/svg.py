"""Inline SVG charts for report.html: drawn with presentation attributes only (no CSS, no script),
so they render where a CI server blocks both (Jenkins serves archived HTML under a strict CSP)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f")
WIDTH, PLOT_HEIGHT = 760, 192
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 28, 40
LEGEND_ROW = 16
CHAR_WIDTH = 6.5  # of the 11 px sans-serif labels, for laying out the legend
LEGEND_CHARS = 52  # a longer label is cut in the legend (its line's tooltip has it whole)
MIN_BAND_PX = 4  # a one-second warm-up in a long run is still visible
WARMUP_FILL = "#d8dee4"
AXIS_FLOOR_MS = 0.01  # a log axis starts at 10 µs: a 0 ms bucket is a clock artefact


@dataclass
class Series:
    label: str
    points: list[tuple[float, float]]
    color: str = ""


@dataclass
class Chart:
    title: str
    x_label: str
    y_label: str
    series: list[Series]
    shaded: list[tuple[float, float]] = field(default_factory=list)  # x ranges, e.g. the warm-up
    shaded_label: str = ""
    log_x: bool = False
    y_max: float | None = None  # fixed upper bound (a share: 1.0)
    limits: list[tuple[str, float]] = field(default_factory=list)  # horizontal lines: a check's limit


def nice_ticks(high: float, count: int = 5) -> list[float]:
    """0 and round steps (1, 2, 5 × 10^k) up to at least `high`."""
    if high <= 0:
        return [0.0, 1.0]
    raw = high / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return [i * step for i in range(math.ceil(high / step - 1e-9) + 1)]


def log_ticks(low: float, high: float) -> list[float]:
    """1, 2, 5, 10, 20, 50 ... from the largest at or below `low` to the smallest at or above `high`."""
    exponent = math.floor(math.log10(max(low, AXIS_FLOOR_MS)))
    candidates: list[float] = []
    while not candidates or candidates[-1] < high:
        candidates += [mantissa * 10.0**exponent for mantissa in (1, 2, 5)]
        exponent += 1
    first = max(i for i, value in enumerate(candidates) if value <= low * 1.0001)
    last = min(i for i, value in enumerate(candidates) if value >= high / 1.0001)
    return candidates[first : last + 1]


def legend_label(label: str) -> str:
    return label if len(label) <= LEGEND_CHARS else label[: LEGEND_CHARS - 1] + "…"


def legend_positions(labels: list[str]) -> list[tuple[float, float]]:
    """(x, baseline y) of each legend entry: in a row while they fit, else in two aligned columns
    (eight endpoint names in a row wrap into a tangle)."""
    widths = [24 + CHAR_WIDTH * len(legend_label(label)) for label in labels]
    if sum(widths) <= WIDTH - RIGHT - LEFT:
        positions, x = [], float(LEFT)
        for width in widths:
            positions.append((x, 14.0))
            x += width
        return positions
    column = (WIDTH - RIGHT - LEFT) / 2
    return [(LEFT + (i % 2) * column, 14.0 + (i // 2) * LEGEND_ROW) for i in range(len(labels))]


def _label(value: float) -> str:
    if value >= 1000:
        return f"{value / 1000:g}k"
    return f"{value:g}"


def render(chart: Chart) -> str:
    points = [p for s in chart.series for p in s.points]
    if not points:
        return f'<p class="empty">{escape(chart.title)}: no data</p>'
    xs = [x for x, _ in points] + [x for r in chart.shaded for x in r]
    legend = legend_positions([s.label for s in chart.series])
    top = legend[-1][1] + 10 if legend else TOP
    height = top + PLOT_HEIGHT + BOTTOM
    plot_w, plot_h = WIDTH - LEFT - RIGHT, PLOT_HEIGHT
    if chart.log_x:
        x_ticks = log_ticks(max(min(xs), AXIS_FLOOR_MS), max(xs))
        x_low, x_high = math.log10(x_ticks[0]), math.log10(x_ticks[-1])
    else:  # the axis ends with the data: a 60 s run is not drawn to 80 s
        x_high = max(xs) or 1.0
        x_ticks = [tick for tick in nice_ticks(x_high) if tick <= x_high * 1.0001]
        x_low = 0.0
    highest = max([y for _, y in points] + [value for _, value in chart.limits])
    y_ticks = nice_ticks(chart.y_max if chart.y_max is not None else highest)
    y_high = y_ticks[-1]

    def sx(x: float) -> float:
        value = math.log10(max(x, x_ticks[0])) if chart.log_x else x
        return LEFT + (value - x_low) / ((x_high - x_low) or 1) * plot_w

    def sy(y: float) -> float:
        return top + plot_h - y / (y_high or 1) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'role="img" aria-label="{escape(chart.title)}" font-family="sans-serif" font-size="11">',
        f"<title>{escape(chart.title)}</title>",
        f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>',
    ]
    for low, high in chart.shaded:
        parts.append(
            f'<rect x="{sx(low):.1f}" y="{top}" width="{max(sx(high) - sx(low), MIN_BAND_PX):.1f}" height="{plot_h}" '
            f'fill="{WARMUP_FILL}"><title>{escape(chart.shaded_label)}</title></rect>'
            f'<text x="{sx(low) + 3:.1f}" y="{top + 11}" fill="#57606a">warm-up</text>'
        )
    for tick in y_ticks:
        y = sy(tick)
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#dddddd"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#444444">{_label(tick)}</text>')
    for tick in x_ticks:
        x = sx(tick)
        parts.append(f'<line x1="{x:.1f}" y1="{top + plot_h}" x2="{x:.1f}" y2="{top + plot_h + 4}" stroke="#444444"/>')
        parts.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle" fill="#444444">{_label(tick)}</text>'
        )
    parts.append(
        f'<line x1="{LEFT}" y1="{top + plot_h}" x2="{WIDTH - RIGHT}" y2="{top + plot_h}" stroke="#444444"/>'
        f'<text x="{LEFT + plot_w / 2:.0f}" y="{height - 6}" text-anchor="middle" fill="#222222">'
        f"{escape(chart.x_label)}</text>"
        f'<text x="14" y="{top + plot_h / 2:.0f}" text-anchor="middle" fill="#222222" '
        f'transform="rotate(-90 14 {top + plot_h / 2:.0f})">{escape(chart.y_label)}</text>'
    )
    for label, value in chart.limits:
        y = sy(value)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#cf222e" '
            f'stroke-dasharray="6 4" stroke-width="1.5"><title>{escape(label)}</title></line>'
            f'<text x="{WIDTH - RIGHT - 4}" y="{y - 4:.1f}" text-anchor="end" fill="#cf222e">{escape(label)}</text>'
        )
    for index, series in enumerate(chart.series):
        color = series.color or PALETTE[index % len(PALETTE)]
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in series.points)
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="1.8">'
            f"<title>{escape(series.label)}</title></polyline>"
        )
        x, y = legend[index]
        parts.append(f'<rect x="{x:.0f}" y="{y - 6}" width="12" height="4" fill="{color}"/>')
        parts.append(f'<text x="{x + 16:.0f}" y="{y}" fill="#222222">{escape(legend_label(series.label))}</text>')
    parts.append("</svg>")
    return "".join(parts)
