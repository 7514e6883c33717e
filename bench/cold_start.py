"""Cold start of ``civic-kiosk run`` to the painted home screen: source install and bundle.

    python -m bench.cold_start [--starts 5] [--bundle dist/civic-kiosk]

A new process per start, from spawning it to its first paint of the home
screen (fonts, theme, store with migrations checked, the window, sync worker
started). One start of each is run first and not counted, so the figure is
for a warm page cache, as on a kiosk that restarts its program; a first start
after boot reads ~140 MB from disk more slowly. The bundle is measured when it
has been built (python installer/build_bundle.py).

The bare baseline, started in turns with the kiosk in the same run: a
PySide6 full-screen window with one label (bench/bare_window.py), timed to
its first paint the same way. The ratio says how much of a start is ours.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench.startup import DEFAULT_BUNDLE, Kiosk, prepare, start, stop
from bench.table import Row, median, print_table

TARGET_S = 1.0


def starts(kiosks: list[Kiosk], count: int) -> dict[str, list[float]]:
    """``count`` timed starts of each, in turns (bare, kiosk, bare, kiosk...)."""
    times: dict[str, list[float]] = {kiosk.kind: [] for kiosk in kiosks}
    with tempfile.TemporaryDirectory(prefix="civic-cold-") as tmp:
        directories = {}
        for kiosk in kiosks:
            directories[kiosk.kind] = Path(tmp) / kiosk.kind.replace(" ", "-")
            directories[kiosk.kind].mkdir()
            prepare(kiosk, directories[kiosk.kind])
        for n in range(count + 1):
            for kiosk in kiosks:
                process, seconds = start(kiosk, directories[kiosk.kind], probe="exit")
                process.wait(timeout=30)
                stop(process)
                if n > 0:  # the first one only warms the page cache
                    times[kiosk.kind].append(seconds)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    args = parser.parse_args()
    bare = Kiosk.bare()
    kiosks = [bare, Kiosk.source()]
    bundle = Kiosk.bundle(args.bundle)
    if bundle is not None:
        kiosks.append(bundle)
    times = starts(kiosks, args.starts)
    floor = median(times[bare.kind])
    rows = [
        Row(
            f"cold start to first paint, bare PySide6 window (median of {args.starts})",
            "-",
            f"{floor:.2f} s (max {max(times[bare.kind]):.2f} s)",
        )
    ]
    for kind in ("source", "bundle"):
        if kind not in times:
            rows.append(Row(f"cold start, {kind}", f"< {TARGET_S} s", "not available (no bundle)"))
            continue
        took = median(times[kind])
        rows.append(
            Row(
                f"cold start to home, {kind} (median of {len(times[kind])})",
                f"< {TARGET_S} s",
                f"{took:.2f} s (max {max(times[kind]):.2f} s; {took / floor:.1f}x the bare window)",
                took < TARGET_S,
            )
        )
    print_table("Cold start of civic-kiosk run (warm page cache)", rows)


if __name__ == "__main__":
    main()
