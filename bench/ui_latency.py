"""Touch UI latency: cold start to the home screen, and tap Submit to receipt shown.

    QT_QPA_PLATFORM=offscreen python -m bench.ui_latency [--starts 5] [--rows N] [--samples N]

Cold start runs a fresh Python process per sample (imports, fonts, theme,
window) and stops the clock when that process reports the home screen shown
and painted. Submit-to-receipt taps the real Submit button of the review
screen on a store pre-seeded with ``--rows`` submissions and outbox rows, and
stops when the receipt screen (with its QR) has been laid out and painted.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.startup import installed_env
from bench.submit_latency import seeded_store
from bench.table import Row, median, percentile, print_table

ROOT = Path(__file__).resolve().parents[1]

# The domain before Qt, as `civic-kiosk run` imports them (ui/cli.py): PySide6
# hooks every import made after it.
CHILD = """
import sys, time
from pathlib import Path
from kiosk.config import Settings
from kiosk.store import open_store
from PySide6.QtCore import QTimer
from app.launch import build_window, ensure_app

app = ensure_app()
store = open_store(sys.argv[1])
window = build_window(Settings(data_dir=Path(sys.argv[2])), store, network=False)
window.resize(1920, 1080)
window.show()
window.repaint()
def shown():
    print("HOME" if window.current_screen() is window.home else "OTHER", flush=True)
    # exit(), not quit(): the locked-down kiosk window refuses a quit request.
    app.exit(0)
QTimer.singleShot(0, shown)
app.exec()
"""


def cold_starts(db_url: str, data_dir: Path, count: int) -> list[float]:
    env = {**installed_env(), "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    env["PYTHONPATH"] = str(ROOT)
    times = []
    for _ in range(count):
        start = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", CHILD, db_url, str(data_dir)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        elapsed = time.perf_counter() - start
        if "HOME" not in out.stdout:
            raise RuntimeError(f"home screen not shown: {out.stdout} {out.stderr}")
        times.append(elapsed)
    return times


def submit_to_receipt(directory: Path, rows: int, samples: int) -> list[float]:
    from PySide6.QtWidgets import QApplication

    from app.launch import build_window, ensure_app
    from kiosk.config import Settings
    from ui.idle import IdleTiming

    app = ensure_app()
    store = seeded_store(directory, rows)
    # No idle warning in the middle of the measurement.
    calm = IdleTiming(timeout_ms=3_600_000, warning_ms=3_600_000)
    settings = Settings(data_dir=directory, physical_keyboard=True)
    window = build_window(settings, store, timing=calm, network=False)
    window.resize(1920, 1080)
    window.show()
    QApplication.processEvents()
    times = []
    for n in range(samples):
        window.start("complaint")
        form = window.complaint
        form.grid("category").set_value("road")
        form.grid("district").set_value("mapo")
        form.field("description").editor.setPlainText(f"보도블록이 깨져 있습니다 {n}")  # type: ignore[union-attr]
        form.field("name").editor.setText("김민수")  # type: ignore[union-attr]
        form.field("phone").editor.setText("010-1234-5678")  # type: ignore[union-attr]
        form.completed.emit()
        window.consent.required.setChecked(True)
        window.consent.nav.next_button.click()
        assert window.current_screen() is window.review
        QApplication.processEvents()
        start = time.perf_counter()
        window.review.nav.next_button.click()
        window.receipt.repaint()  # laid out and painted, not just queued
        QApplication.processEvents()
        times.append(time.perf_counter() - start)
        assert window.current_screen() is window.receipt, window.current_screen().objectName()
        window.end_session()
    window.close()
    store.close()
    app.processEvents()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        submits = submit_to_receipt(directory, args.rows, args.samples)
        starts = cold_starts(f"sqlite:///{directory / 'bench.db'}", directory, args.starts)
    start_median = median(starts)
    p95 = percentile(submits, 95) * 1000
    print_table(
        f"Touch UI latency ({args.rows:,} rows in the store)",
        [
            Row(
                "cold start to home (median)",
                "< 1.5 s",
                f"{start_median:.2f} s",
                start_median < 1.5,
            ),
            Row("cold start to home (worst)", "-", f"{max(starts):.2f} s"),
            Row("tap Submit to receipt (median)", "-", f"{median(submits) * 1000:.1f} ms"),
            Row("tap Submit to receipt (p95)", "< 100 ms", f"{p95:.1f} ms", p95 < 100),
            Row("tap Submit to receipt (max)", "-", f"{max(submits) * 1000:.1f} ms"),
        ],
    )


if __name__ == "__main__":
    main()
