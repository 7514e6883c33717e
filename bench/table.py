"""Printing benchmark results as one table, the same way in every script."""

from __future__ import annotations

import json
import os
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass

# bench/report.py runs every benchmark with BENCH_JSON=1 and reads these lines.
JSON_PREFIX = "BENCH_JSON "


@dataclass(frozen=True)
class Row:
    figure: str
    target: str
    result: str
    ok: bool | None = None


def percentile(samples: Sequence[float], p: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples)


def emit_json(title: str, rows: Sequence[Row]) -> None:
    """One machine-readable line: ``BENCH_JSON {"title": ..., "rows": [{figure, target, ...}]}``."""
    print(JSON_PREFIX + json.dumps({"title": title, "rows": [asdict(r) for r in rows]}), flush=True)


def print_table(title: str, rows: Sequence[Row]) -> None:
    headers = ("figure", "target", "result", "")
    body = [
        (r.figure, r.target, r.result, "" if r.ok is None else ("ok" if r.ok else "MISSED"))
        for r in rows
    ]
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(headers)]
    print(f"\n{title}")
    print("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for b in body:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(b, widths, strict=True)) + " |")
    if os.environ.get("BENCH_JSON") == "1":
        emit_json(title, rows)
