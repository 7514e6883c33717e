"""The kiosk starts its sync worker only once the home screen has been painted.

``civic-kiosk run`` hands ``run_kiosk`` a way to start sync instead of a
running worker (app/cli.py): the engine, its HTTP client and its first round
are nothing a citizen waits for, so they come after the first paint
(``app.launch.FirstPaint``), exactly once.
"""

from __future__ import annotations

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.launch import FirstPaint, bind_sync
from tests.conftest import KioskDB
from tests.ui.kiosk_fixtures import FakeSync, make_window


def test_sync_starts_after_the_home_screen_is_painted_and_only_once(
    qtbot: QtBot, kiosk_db: KioskDB
) -> None:
    window = make_window(qtbot, kiosk_db, show=False)
    started: list[FakeSync] = []

    def start() -> None:
        # What run_kiosk does with what civic-kiosk run's start_sync returns.
        assert window.isVisible() and window.current_screen() is window.home
        started.append(FakeSync())
        bind_sync(window, started[-1])

    FirstPaint(window, start)
    QApplication.processEvents()
    assert started == []  # built but never shown: nothing painted yet

    window.show()
    qtbot.waitUntil(lambda: len(started) == 1)
    window.repaint()
    QApplication.processEvents()

    assert len(started) == 1
    assert started[0].observers, "the window follows the sync it started"
