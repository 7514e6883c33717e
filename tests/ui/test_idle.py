"""Inactivity: the warning, Continue, and the wipe that leaves nothing behind."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from kiosk.config import Settings
from tests.conftest import KioskDB
from tests.ui.kiosk_fixtures import Citizen, make_window, typed_texts
from tests.ui.photo_source import StillPhotoSource
from ui.idle import IdleTiming
from ui.shell import KioskWindow

FAST = IdleTiming(timeout_ms=300, warning_ms=600)


def fill_everything(citizen: Citizen, kiosk: KioskWindow) -> None:
    """Type into every kind of flow so the wipe has something to wipe on each screen."""
    citizen.home_tile("proposal")
    citizen.choose("area", "housing")
    citizen.next()
    citizen.type_into("title", "공공임대 확대")
    kiosk.start_over()
    citizen.home_tile("signup")
    citizen.tap(kiosk.events.buttons[0])
    citizen.type_into("name", "정하나")
    kiosk.start_over()
    citizen.file_complaint(description="가로등이 꺼져 있어요")
    citizen.agree(share=True)


def test_production_timing_comes_from_settings_with_at_least_20_s_warning() -> None:
    timing = IdleTiming.from_settings(Settings(idle_timeout_s=90, idle_warning_s=5))
    assert timing == IdleTiming(timeout_ms=90_000, warning_ms=20_000)
    assert IdleTiming.from_settings(Settings(idle_warning_s=45)).warning_ms == 45_000


def test_warning_then_continue_keeps_everything(qtbot: QtBot, kiosk_db: KioskDB) -> None:
    window = make_window(qtbot, kiosk_db, timing=FAST)
    citizen = Citizen(qtbot, window)
    citizen.home_tile("complaint")
    citizen.choose("category", "waste")
    citizen.next()
    citizen.type_into("address", "연남동")
    qtbot.waitUntil(window.idle_warning.isVisible, timeout=3000)
    central = window.centralWidget()
    assert central is not None
    assert window.idle_warning.geometry() == central.rect()
    assert window.idle_warning.continue_button.height() >= 100
    citizen.tap(window.idle_warning.continue_button)
    assert not window.idle_warning.isVisible()
    assert citizen.screen == "complaint"
    assert citizen.form().value("address") == "연남동"
    assert window.watcher.active


def test_expiry_wipes_every_field_of_every_screen_and_goes_home(
    qtbot: QtBot, kiosk_db: KioskDB
) -> None:
    window = make_window(qtbot, kiosk_db, timing=IdleTiming(timeout_ms=400, warning_ms=300))
    citizen = Citizen(qtbot, window)
    citizen.tap(window.bar.language)
    fill_everything(citizen, window)
    assert typed_texts(window)  # something to wipe
    with qtbot.waitSignal(window.idle_warning.expired, timeout=5000):
        pass
    assert citizen.screen == "home"
    assert typed_texts(window) == []
    assert not window.consent.required.isChecked()
    assert all(not f.grid("category").value() for f in (window.complaint, window.suggestion))
    assert window.proposal.value("area") == ""
    assert window.signup.item is None
    assert window.i18n.language == "ko"  # the next citizen starts in the kiosk's language
    assert window.state.kind == ""


def test_nothing_to_warn_about_on_an_untouched_home_screen(qtbot: QtBot, kiosk_db: KioskDB) -> None:
    window = make_window(qtbot, kiosk_db, timing=FAST)
    with qtbot.waitSignal(window.watcher.idle, timeout=3000):
        pass
    assert not window.idle_warning.isVisible()
    assert window.watcher.active


def test_expiry_wipes_the_photo_too(qtbot: QtBot, kiosk_db: KioskDB) -> None:
    camera = StillPhotoSource()
    window = make_window(
        qtbot, kiosk_db, timing=IdleTiming(timeout_ms=400, warning_ms=300), photo_source=camera
    )
    citizen = Citizen(qtbot, window)
    citizen.file_complaint(photo=True)
    citizen.agree()
    panel = window.complaint.photo
    assert panel is not None and panel.jpeg  # something to wipe, shown on the review
    assert any(not label.pixmap().isNull() for label in window.review.findChildren(QLabel))
    with qtbot.waitSignal(window.idle_warning.expired, timeout=5000):
        pass
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert citizen.screen == "home"
    assert panel.jpeg == b"" and panel.view.pixmap().isNull()
    assert all(label.pixmap().isNull() for label in window.review.findChildren(QLabel))
    assert window.complaint.form().photo == b""
    assert not camera.running()
