"""Cold start of ``civic-kiosk run`` to the painted home screen: source install and bundle.

    python -m bench.cold_start [--starts 5] [--bundle dist/civic-kiosk]

A new process per start, from spawning it to its first paint of the home
screen (fonts, theme, store with migrations checked, every screen built,
sync worker started). One start is run first and not counted, so the figure
is for a warm page cache, as on a kiosk that restarts its program; a first
start after boot reads ~140 MB from disk more slowly. The bundle is measured
when it has been built (python installer/build_bundle.py).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench.startup import DEFAULT_BUNDLE, Kiosk, prepare, start, stop
from bench.table import Row, median, print_table

TARGET_S = 1.5


def starts(kiosk: Kiosk, count: int) -> list[float]:
    with tempfile.TemporaryDirectory(prefix=f"civic-cold-{kiosk.kind}-") as tmp:
        data_dir = Path(tmp)
        prepare(kiosk, data_dir)
        times = []
        for n in range(count + 1):
            process, seconds = start(kiosk, data_dir, probe="exit")
            process.wait(timeout=30)
            stop(process)
            if n > 0:  # the first one only warms the page cache
                times.append(seconds)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    args = parser.parse_args()
    rows = []
    for kind in ("source", "bundle"):
        kiosk = Kiosk.source() if kind == "source" else Kiosk.bundle(args.bundle)
        if kiosk is None:
            rows.append(Row(f"cold start, {kind}", f"< {TARGET_S} s", "not available (no bundle)"))
            continue
        times = starts(kiosk, args.starts)
        rows.append(
            Row(
                f"cold start to home, {kind} (median of {len(times)})",
                f"< {TARGET_S} s",
                f"{median(times):.2f} s (max {max(times):.2f} s)",
                median(times) < TARGET_S,
            )
        )
    print_table("Cold start of civic-kiosk run (warm page cache)", rows)


if __name__ == "__main__":
    main()
