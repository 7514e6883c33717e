"""Idle memory of a running kiosk on the home screen: source install and bundle (Linux).

    python -m bench.rss [--settle 10] [--bundle dist/civic-kiosk]

Starts ``civic-kiosk run`` on a demo store on a real window (Xvfb with the xcb
platform when there is one, bench/startup.py), waits for the home screen and
its store open, lets it idle for ``--settle`` seconds (sync worker waiting,
idle timer armed) and
reads ``/proc/<pid>/status``: VmRSS (resident, shared libraries counted in
full) against the target, and PSS from ``smaps_rollup`` (shared pages split
among the processes that map them) for comparison. The bare baseline, in the
same run: a PySide6 full-screen window with one label (bench/bare_window.py)
after the same settling time.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
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
from bench.table import Row, print_table

TARGET_MB = 150
MB = 1_000_000


def proc_kb(path: Path, field: str) -> int:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(f"{field} not in {path}")


def idle_memory(kiosk: Kiosk, settle_s: float, display: Display) -> tuple[float, float]:
    """(RSS, PSS) in MB after ``settle_s`` seconds on the home screen."""
    with tempfile.TemporaryDirectory(prefix=f"civic-rss-{kiosk.kind}-") as tmp:
        data_dir = Path(tmp)
        prepare(kiosk, data_dir)
        process, _, _ = start_until_ready(kiosk, data_dir, display)
        try:
            time.sleep(settle_s)
            if process.poll() is not None:
                raise RuntimeError(f"{kiosk.kind} kiosk exited while idle ({process.returncode})")
            proc = Path("/proc") / str(process.pid)
            rss = proc_kb(proc / "status", "VmRSS") * 1024 / MB
            pss = proc_kb(proc / "smaps_rollup", "Pss") * 1024 / MB
        finally:
            stop(process)
    return rss, pss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settle", type=float, default=10.0)
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    args = parser.parse_args()
    before = "/".join(f"{x:.2f}" for x in os.getloadavg())
    with real_display() as display:
        bare_rss, bare_pss = idle_memory(Kiosk.bare(), args.settle, display)
        measured = {"source": idle_memory(Kiosk.source(), args.settle, display)}
        bundle = Kiosk.bundle(args.bundle)
        if bundle is not None:
            measured["bundle"] = idle_memory(bundle, args.settle, display)
    rows = [Row("idle RSS / PSS, bare PySide6 window", "-", f"{bare_rss:.0f} / {bare_pss:.0f} MB")]
    for kind in ("source", "bundle"):
        if kind not in measured:
            rows.append(Row(f"idle RSS, {kind}", f"< {TARGET_MB} MB", "not available (no bundle)"))
            continue
        rss, pss = measured[kind]
        rows.append(
            Row(
                f"idle RSS, {kind}",
                f"< {TARGET_MB} MB",
                f"{rss:.0f} MB ({rss / bare_rss:.1f}x the bare window)",
                rss < TARGET_MB,
            )
        )
        rows.append(Row(f"idle PSS, {kind}", "-", f"{pss:.0f} MB"))
    print_table(
        f"Idle memory on the home screen ({args.settle:.0f} s after its store opened; "
        f"{display.name}; load {before} before)",
        rows,
    )


if __name__ == "__main__":
    main()
