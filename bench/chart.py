"""The latency chart of bench/report.py: each timed figure against its target, log scale.

Drawn with Pillow (already a kiosk dependency) rather than matplotlib, which
would bring numpy into the test environment for one picture.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from bench.table import Row

FONT = Path(__file__).resolve().parents[1] / "assets" / "fonts" / "NanumSquareR.ttf"
_TIME = re.compile(r"([\d][\d,]*(?:\.\d+)?)\s*(ms|s)\b")
# The axis: 0.1 ms to 100 s, one decade per tick.
LOW_MS, HIGH_MS = 0.1, 100_000.0
WIDTH, ROW, TOP, LEFT, RIGHT = 1400, 46, 70, 560, 40
OK, MISSED, TARGET, GRID, INK = "#2e7d32", "#c62828", "#111111", "#dddddd", "#222222"


def milliseconds(text: str) -> float | None:
    """The first duration in ``text`` ("12.3 ms", "< 1.5 s", "4.2 s (3 rounds)"), in ms."""
    match = _TIME.search(text)
    if match is None:
        return None
    value = float(match.group(1).replace(",", ""))
    return value * 1000 if match.group(2) == "s" else value


def timed(rows: Sequence[tuple[str, Row]]) -> list[tuple[str, Row, float, float]]:
    """(bench, row, result ms, target ms) for every row timed against a timed target."""
    found = []
    for name, row in rows:
        result, target = milliseconds(row.result), milliseconds(row.target)
        if result is not None and target is not None and row.target.strip().startswith("<"):
            found.append((name, row, result, target))
    return found


def _x(ms: float) -> float:
    span = math.log10(HIGH_MS) - math.log10(LOW_MS)
    share = (math.log10(min(max(ms, LOW_MS), HIGH_MS)) - math.log10(LOW_MS)) / span
    return LEFT + share * (WIDTH - LEFT - RIGHT)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(str(FONT), size)
    except OSError:
        return ImageFont.load_default()


def latency_chart(rows: Sequence[tuple[str, Row]], path: Path) -> Path:
    bars = timed(rows)
    height = TOP + ROW * max(1, len(bars)) + 60
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    title, label, small = _font(22), _font(16), _font(13)
    draw.text(
        (20, 18),
        "Latencies against their targets (log scale; bar = result, | = target)",
        fill=INK,
        font=title,
    )
    bottom = TOP + ROW * max(1, len(bars))
    for exponent in range(-1, 6):
        ms = 10.0**exponent
        x = _x(ms)
        draw.line([(x, TOP - 8), (x, bottom)], fill=GRID, width=1)
        text = f"{ms:g} ms" if ms < 1000 else f"{ms / 1000:g} s"
        draw.text((x - 18, bottom + 8), text, fill=INK, font=small)
    if not bars:
        draw.text((LEFT, TOP + 10), "no timed figures", fill=INK, font=label)
    for n, (name, row, result, target) in enumerate(bars):
        y = TOP + n * ROW
        draw.text((20, y + 12), f"{name}: {row.figure}"[:62], fill=INK, font=label)
        colour = OK if row.ok else MISSED
        draw.rectangle([(LEFT, y + 8), (_x(result), y + ROW - 10)], fill=colour)
        tx = _x(target)
        draw.line([(tx, y + 2), (tx, y + ROW - 4)], fill=TARGET, width=3)
        draw.text((_x(result) + 6, y + 13), row.result.split(" (")[0], fill=INK, font=small)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, optimize=True)
    return path
