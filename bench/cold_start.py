"""Cold start of ``civic-kiosk run`` to the painted home screen: source install and bundle.

    python -m bench.cold_start [--starts 5] [--bundle dist/civic-kiosk]

A new process per start, from spawning it to its first paint of the home
screen on a real window (Xvfb with the xcb platform and no window manager,
when there is one: bench/startup.py), and on to the moment a tap on the
home screen no longer waits for start-up: the store open (SQLAlchemy, the
migrations check, the enrolment) and the sync engine started, which the
kiosk does after the first paint (app/opening.py). One start of each is run
first and not counted, so the figures are for a warm page cache, as on a
kiosk that restarts its program; a first start after boot reads ~140 MB from
disk more slowly. The bundle is measured when it has been built (python
installer/build_bundle.py).

The bare baseline, started in turns with the kiosk in the same run: a
PySide6 full-screen window with one label (bench/bare_window.py), timed to
its first paint the same way. The ratio says how much of a start is ours.
The load average is printed with the figures: this machine is shared.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from bench.startup import (
    DEFAULT_BUNDLE,
    Display,
    Kiosk,
    prepare,
    real_display,
    start_until_ready,
    stop,
)
from bench.table import Row, median, print_table

TARGET_S = 1.0


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}/{five:.2f}/{fifteen:.2f}"


def starts(
    kiosks: list[Kiosk], count: int, display: Display
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """``count`` timed starts of each, in turns (bare, kiosk, bare, kiosk...): home, ready."""
    home: dict[str, list[float]] = {kiosk.kind: [] for kiosk in kiosks}
    ready: dict[str, list[float]] = {kiosk.kind: [] for kiosk in kiosks}
    with tempfile.TemporaryDirectory(prefix="civic-cold-") as tmp:
        directories = {}
        for kiosk in kiosks:
            directories[kiosk.kind] = Path(tmp) / kiosk.kind.replace(" ", "-")
            directories[kiosk.kind].mkdir()
            prepare(kiosk, directories[kiosk.kind])
        for n in range(count + 1):
            for kiosk in kiosks:
                process, shown, usable = start_until_ready(kiosk, directories[kiosk.kind], display)
                stop(process)
                if n > 0:  # the first one only warms the page cache
                    home[kiosk.kind].append(shown)
                    ready[kiosk.kind].append(usable)
    return home, ready


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
    before = load()
    with real_display() as display:
        home, ready = starts(kiosks, args.starts, display)
    floor = median(home[bare.kind])
    rows = [
        Row(
            f"cold start to first paint, bare PySide6 window (median of {args.starts})",
            "-",
            f"{floor:.2f} s (max {max(home[bare.kind]):.2f} s)",
        )
    ]
    for kind in ("source", "bundle"):
        if kind not in home:
            rows.append(Row(f"cold start, {kind}", f"< {TARGET_S} s", "not available (no bundle)"))
            continue
        took = median(home[kind])
        usable = median(ready[kind])
        rows.append(
            Row(
                f"cold start to home, {kind} (median of {len(home[kind])})",
                f"< {TARGET_S} s",
                f"{took:.2f} s (max {max(home[kind]):.2f} s; {took / floor:.1f}x the bare window)",
                took < TARGET_S,
            )
        )
        rows.append(
            Row(
                f"cold start until a tap is answered (store open, sync started), {kind}",
                "-",
                f"{usable:.2f} s (max {max(ready[kind]):.2f} s; {usable / floor:.1f}x the bare)",
            )
        )
    print_table(
        f"Cold start of civic-kiosk run (warm page cache; {display.name}; "
        f"load {before} before, {load()} after)",
        rows,
    )


if __name__ == "__main__":
    main()
