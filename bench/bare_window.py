"""The bare baseline of the start-up benchmarks: a PySide6 window and nothing else.

    python -m bench.bare_window

A full-screen ``QMainWindow`` with one label, shown the way the kiosk shows
its home screen, reporting its first paint exactly as ``civic-kiosk run``
does under ``CIVIC_BENCH_PROBE`` (``HOME_SHOWN`` on stdout; with ``exit`` it
then quits, with ``stay`` it idles). ``bench.cold_start`` and ``bench.rss``
start it beside the kiosk, in the same run and environment: the floor under
any Qt program's start and memory on this machine.
"""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

PROBE_LINE = "HOME_SHOWN"


class FirstPaint(QObject):
    def __init__(self, window: QMainWindow, leave: bool) -> None:
        super().__init__(window)
        self.window = window
        self.leave = leave
        self.seen = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if not self.seen and watched is self.window and event.type() == QEvent.Type.Paint:
            self.seen = True
            print(PROBE_LINE, flush=True)
            if self.leave:
                QTimer.singleShot(0, QApplication.quit)
        return False


def main() -> int:
    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setCentralWidget(QLabel("시민 키오스크 / Civic Kiosk"))
    probe = FirstPaint(window, leave=os.environ.get("CIVIC_BENCH_PROBE") != "stay")
    window.installEventFilter(probe)
    window.showFullScreen()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
