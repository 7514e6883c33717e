"""Small bar charts as inline SVG, drawn on the server: no script, no build step.

Colours come from classes (``series-0`` …) that the stylesheet fills, so the
palette lives in one place (server/static/style.css). Every label is escaped;
category and district names come from kiosks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

WIDTH = 720
BAR_AREA_LEFT = 44
TOP = 12
PLOT_HEIGHT = 180
LABEL_HEIGHT = 40
ROW_HEIGHT = 26
# Bar lists sit in half-width columns: a narrower drawing keeps their text readable.
BARS_WIDTH = 480
LABEL_WIDTH = 170


def _nice_max(value: int) -> int:
    """The axis top: 1, 2 or 5 times a power of ten, at least ``value``."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def stacked_columns(
    columns: Sequence[tuple[str, Mapping[str, int]]],
    series: Sequence[str],
    legend: Mapping[str, str],
    title: str,
) -> str:
    """One column per label (e.g. a day), stacked by series (e.g. kind)."""
    height = TOP + PLOT_HEIGHT + LABEL_HEIGHT
    top = _nice_max(max((sum(v.values()) for _, v in columns), default=0))
    plot_width = WIDTH - BAR_AREA_LEFT - 8
    slot = plot_width / max(len(columns), 1)
    bar = max(slot * 0.7, 1.0)
    parts = [_open(WIDTH, height + 24, title)]
    for fraction in (0, 0.5, 1):
        y = TOP + PLOT_HEIGHT * (1 - fraction)
        parts.append(
            f'<line class="grid" x1="{BAR_AREA_LEFT}" x2="{WIDTH - 8}" y1="{y:.1f}" y2="{y:.1f}"/>'
        )
        parts.append(
            f'<text class="axis" x="{BAR_AREA_LEFT - 6}" y="{y + 4:.1f}" '
            f'text-anchor="end">{round(top * fraction)}</text>'
        )
    label_every = max(1, len(columns) // 10)
    for i, (label, values) in enumerate(columns):
        x = BAR_AREA_LEFT + i * slot + (slot - bar) / 2
        y = TOP + PLOT_HEIGHT
        for n, name in enumerate(series):
            value = values.get(name, 0)
            if not value:
                continue
            h = PLOT_HEIGHT * value / top
            y -= h
            parts.append(
                f'<rect class="series-{n}" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}"><title>{escape(label)} {escape(legend.get(name, name))}: '
                f"{value}</title></rect>"
            )
        if i % label_every == 0:
            parts.append(
                f'<text class="axis" x="{x + bar / 2:.1f}" y="{TOP + PLOT_HEIGHT + 16}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    x = BAR_AREA_LEFT
    for n, name in enumerate(series):
        parts.append(f'<rect class="series-{n}" x="{x}" y="{height + 6}" width="12" height="12"/>')
        text = escape(legend.get(name, name))
        parts.append(f'<text class="legend" x="{x + 16}" y="{height + 16}">{text}</text>')
        x += 24 + 9 * len(legend.get(name, name)) + 30
    parts.append("</svg>")
    return "".join(parts)


def horizontal_bars(items: Sequence[tuple[str, int]], title: str) -> str:
    """One labelled bar per item, longest first as given."""
    height = TOP + ROW_HEIGHT * max(len(items), 1) + 8
    top = _nice_max(max((v for _, v in items), default=0))
    plot_width = BARS_WIDTH - LABEL_WIDTH - 40
    parts = [_open(BARS_WIDTH, height, title)]
    for i, (label, value) in enumerate(items):
        y = TOP + i * ROW_HEIGHT
        w = plot_width * value / top
        parts.append(
            f'<text class="label" x="{LABEL_WIDTH - 8}" y="{y + 16}" '
            f'text-anchor="end">{escape(_clip(label))}</text>'
        )
        parts.append(
            f'<rect class="series-0" x="{LABEL_WIDTH}" y="{y + 3}" width="{w:.1f}" '
            f'height="{ROW_HEIGHT - 8}"><title>{escape(label)}: {value}</title></rect>'
        )
        parts.append(
            f'<text class="value" x="{LABEL_WIDTH + w + 6:.1f}" y="{y + 16}">{value}</text>'
        )
    if not items:
        parts.append(f'<text class="axis" x="{LABEL_WIDTH}" y="{TOP + 16}">–</text>')
    parts.append("</svg>")
    return "".join(parts)


def _clip(label: str, limit: int = 14) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _open(width: int, height: float, title: str) -> str:
    return (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height:.0f}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    )
