"""Touch UI latency: cold start to the home screen, and a tap on Submit to the receipt painted.

    python -m bench.ui_latency [--starts 5] [--rows N] [--samples N]

Both on a real window when there is an X server to be had (Xvfb with the xcb
platform and no window manager, bench/startup.py), else offscreen.

Cold start runs the real ``civic-kiosk run`` (bench/startup.py) per sample
and times its first paint of the home screen, and the moment a tap there no
longer waits for start-up (its store open).

Tap to receipt presses and releases the mouse on the review screen's Submit
button (real mouse events, delivered as a tap is) on a store pre-seeded
with ``--rows`` submissions and outbox rows, and stops the clock when the
receipt screen has been painted: the sealing, the durable commit of the
record and its outbox row, the receipt with its QR, and the paint. The bare
baseline, in the same run, process and display, in turns of 20 taps with the
kiosk's so that both see the same load: a PySide6 window whose button
commits one row to SQLite (WAL, synchronous=FULL, as the kiosk's store) and
shows a label on the next page, timed the same way.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from bench.startup import Display, Kiosk, prepare, real_display, start_until_ready, stop
from bench.submit_latency import seeded_store
from bench.table import Row, median, percentile, print_table

if TYPE_CHECKING:
    from PySide6.QtWidgets import QAbstractButton, QWidget

START_TARGET_S = 1.5  # issue 13's figure for cold start with the new look
TAP_TARGET_MS = 100.0


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}/{five:.2f}/{fifteen:.2f}"


def cold_starts(count: int, display: Display) -> tuple[list[float], list[float]]:
    kiosk = Kiosk.source()
    home, ready = [], []
    with tempfile.TemporaryDirectory(prefix="civic-ui-start-") as tmp:
        prepare(kiosk, Path(tmp))
        for n in range(count + 1):
            process, shown, usable = start_until_ready(kiosk, Path(tmp), display)
            stop(process)
            if n > 0:  # the first one only warms the page cache
                home.append(shown)
                ready.append(usable)
    return home, ready


def tap_until_painted(button: QAbstractButton, painted: QWidget) -> float:
    """Seconds from a finger's press on ``button`` until ``painted`` has been painted."""
    from PySide6.QtCore import QEvent, QObject, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    class Painted(QObject):
        seen = False

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's
            if event.type() == QEvent.Type.Paint:
                self.seen = True
            return False

    probe = Painted()
    painted.installEventFilter(probe)
    try:
        started = time.perf_counter()
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)
        while not probe.seen:
            QApplication.processEvents()
        return time.perf_counter() - started
    finally:
        painted.removeEventFilter(probe)


class BareTap:
    """The floor: a tap that commits one row durably and shows the next page."""

    def __init__(self, directory: Path) -> None:
        from PySide6.QtWidgets import QLabel, QPushButton, QStackedWidget

        self.db = sqlite3.connect(directory / "bare.db", isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("CREATE TABLE IF NOT EXISTS receipts (id INTEGER PRIMARY KEY, code TEXT)")
        self.window = QStackedWidget()
        self.button = QPushButton("제출 / Submit")
        self.label = QLabel()
        self.window.addWidget(self.button)
        self.window.addWidget(self.label)
        self.button.clicked.connect(self._submit)
        self.window.resize(1920, 1080)

    def _submit(self) -> None:
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute("INSERT INTO receipts (code) VALUES (?)", (f"{time.monotonic_ns():x}",))
        self.label.setText(f"접수되었습니다 / Received {self.db.total_changes}")
        self.window.setCurrentWidget(self.label)

    def tap(self, _n: int) -> float:
        from PySide6.QtWidgets import QApplication

        self.window.setCurrentWidget(self.button)
        QApplication.processEvents()
        return tap_until_painted(self.button, self.label)

    def close(self) -> None:
        self.window.close()
        self.db.close()


class ReceiptTap:
    """The kiosk: a complaint filled in and agreed to, then Submit tapped on the review."""

    def __init__(self, directory: Path, rows: int) -> None:
        from app.launch import build_window
        from kiosk.config import Settings
        from ui.idle import IdleTiming

        self.store = seeded_store(directory, rows)
        # No idle warning in the middle of the measurement.
        calm = IdleTiming(timeout_ms=3_600_000, warning_ms=3_600_000)
        settings = Settings(data_dir=directory, physical_keyboard=True)
        self.window = build_window(settings, self.store, timing=calm, network=False)
        self.window.resize(1920, 1080)

    def tap(self, n: int) -> float:
        from PySide6.QtWidgets import QApplication

        window = self.window
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
        QApplication.processEvents()  # the review painted, the receipt made meanwhile
        took = tap_until_painted(window.review.nav.next_button, window.receipt)
        assert window.current_screen() is window.receipt, window.current_screen().objectName()
        window.end_session()
        return took

    def close(self) -> None:
        self.window.close()
        self.store.close()


def interleaved(
    subjects: list[BareTap | ReceiptTap], samples: int, block: int = 20
) -> list[list[float]]:
    """``samples`` taps of each, in turns of ``block``: both see the same load."""
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    times: list[list[float]] = [[] for _ in subjects]
    while len(times[-1]) < samples:
        for subject, taken in zip(subjects, times, strict=True):
            subject.window.show()
            QTest.qWaitForWindowExposed(subject.window)
            QApplication.processEvents()
            for _ in range(min(block, samples - len(taken))):
                taken.append(subject.tap(len(taken)))
            subject.window.hide()
            QApplication.processEvents()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    before = load()
    with real_display() as display, tempfile.TemporaryDirectory() as tmp:
        os.environ.update(display.env)  # this process's own windows open there too
        from app.launch import ensure_app

        app = ensure_app()
        directory = Path(tmp)
        subjects: list[BareTap | ReceiptTap] = [BareTap(directory)]
        subjects.append(ReceiptTap(directory, args.rows))
        bare, submits = interleaved(subjects, args.samples)
        for subject in subjects:
            subject.close()
        app.processEvents()
        home, ready = cold_starts(args.starts, display)
    start_median = median(home)
    p95 = percentile(submits, 95) * 1000
    bare_p95 = percentile(bare, 95) * 1000
    print_table(
        f"Touch UI latency ({args.rows:,} rows in the store; {display.name}; "
        f"load {before} before, {load()} after)",
        [
            Row(
                "cold start to home (median)",
                f"< {START_TARGET_S} s",
                f"{start_median:.2f} s",
                start_median < START_TARGET_S,
            ),
            Row("cold start to home (worst)", "-", f"{max(home):.2f} s"),
            Row("cold start until a tap is answered (median)", "-", f"{median(ready):.2f} s"),
            Row("tap Submit to receipt painted (median)", "-", f"{median(submits) * 1000:.1f} ms"),
            Row(
                "tap Submit to receipt painted (p95)",
                f"< {TAP_TARGET_MS:.0f} ms",
                f"{p95:.1f} ms (bare {bare_p95:.1f} ms, {p95 / bare_p95:.1f}x)",
                p95 < TAP_TARGET_MS,
            ),
            Row("tap Submit to receipt painted (max)", "-", f"{max(submits) * 1000:.1f} ms"),
            Row(
                "bare: tap, durable one-row commit, next page painted (median / p95)",
                "-",
                f"{median(bare) * 1000:.1f} / {bare_p95:.1f} ms",
            ),
        ],
    )


if __name__ == "__main__":
    main()
