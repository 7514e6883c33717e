"""Starting the kiosk window (minimal until the touch UI lands)."""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

from kiosk.config import Settings
from kiosk.store import Store


def run_kiosk(settings: Settings, store: Store) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    window = QMainWindow()
    label = QLabel(f"Civic Kiosk — {settings.office_name or '서울특별시'}")
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    window.setCentralWidget(label)
    window.resize(1280, 800)
    window.show()
    return app.exec()
