"""The UI tests' own guard: a kiosk window a test leaves alive is found, so the test fails."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from app.launch import build_window
from kiosk.config import Settings
from tests.conftest import KioskDB
from tests.ui.kiosk_fixtures import destroy, kiosk_windows_alive


def test_a_window_no_test_owns_is_found_alive_until_deleted(
    qapp: QApplication, kiosk_db: KioskDB
) -> None:
    settings = Settings().with_overrides(data_dir=str(kiosk_db.path.parent), screen_dpi=96.0)
    window = build_window(settings, kiosk_db.store, network=False)  # given to no qtbot

    try:
        assert kiosk_windows_alive(qapp) == [window]
    finally:
        destroy(window)

    assert kiosk_windows_alive(qapp) == []
