"""The window builds a screen when it is first shown and keeps it; the home screen needs no store.

A cold start builds only what the home screen shows (ui/shell.py): every
other screen is built, wired, translated and laid out for the screen's
orientation the first time it is asked for, and is the same object from then
on. The window can be painted before its store is open (app/opening.py):
nothing reads the store until a citizen taps a tile.
"""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot

from app.launch import build_window
from kiosk.config import Settings
from kiosk.store import Store
from tests.conftest import NOW, KioskDB
from tests.ui.kiosk_fixtures import CALM, Citizen, make_window
from ui.earphone import ManualJack
from ui.i18n import translate
from ui.keyboard import OnScreenKeyboard
from ui.shell import KioskWindow


def test_a_new_window_has_built_the_home_screen_only(qtbot: QtBot, kiosk_db: KioskDB) -> None:
    window = make_window(qtbot, kiosk_db)
    # And the accessibility panel, where the voice guide (attached with the window here,
    # after the first paint in a kiosk run) says whether the audio switch can be used.
    assert set(window.screens) == {"home", "accessibility"}
    assert window.current_screen() is window.home


def test_a_screen_is_built_on_first_use_and_kept(qtbot: QtBot, kiosk_db: KioskDB) -> None:
    window = make_window(qtbot, kiosk_db)
    window.start("complaint")
    form = window.complaint
    assert window.current_screen() is form
    assert "complaint" in window.screens and "proposal" not in window.screens
    window.end_session()
    window.start("complaint")
    assert window.complaint is form  # the same screen, not a new one


def test_a_screen_built_late_speaks_the_language_chosen_before(
    qtbot: QtBot, kiosk_db: KioskDB
) -> None:
    window = make_window(qtbot, kiosk_db)
    window._choose_language("en")
    window.start("proposal")
    assert window.proposal.nav.next_button.text() == translate("nav.next", "en")


def test_the_receipt_is_built_before_the_citizen_taps_submit(
    qtbot: QtBot, citizen: Citizen, kiosk: KioskWindow
) -> None:
    citizen.file_complaint()
    citizen.agree()
    assert kiosk.current_screen() is kiosk.review
    qtbot.waitUntil(lambda: "receipt" in kiosk.screens)
    citizen.submit()
    assert kiosk.current_screen() is kiosk.receipt


def test_the_keyboard_makes_its_keys_when_a_field_first_needs_them(
    citizen: Citizen, kiosk: KioskWindow
) -> None:
    keyboard = kiosk.keyboard
    assert isinstance(keyboard, OnScreenKeyboard) and not keyboard.isVisible()
    assert keyboard.findChildren(QPushButton) == []  # none on the home screen
    citizen.home_tile("signup")
    citizen.tap(kiosk.events.buttons[0])  # the form opens with the name in focus
    assert keyboard.isVisible()
    key = keyboard.button("r")
    assert key.isVisible() and key.text() == "ㄱ"
    # One page of keys: the other modes' pages are made when a field asks for them.
    assert len(keyboard.findChildren(QPushButton)) == len(keyboard.buttons())


def test_every_screen_can_still_be_reached_by_name(qtbot: QtBot, kiosk_db: KioskDB) -> None:
    window = make_window(qtbot, kiosk_db)
    every = window.every_screen()
    assert {"home", "complaint", "receipt", "checkin", "staff", "staff_pin"} <= set(every)
    assert all(screen.objectName() == name for name, screen in every.items())


def test_the_home_screen_is_painted_before_the_store_is_asked_for(
    qtbot: QtBot, kiosk_db: KioskDB
) -> None:
    asked: list[Store] = []

    def store() -> Store:
        asked.append(kiosk_db.store)
        return kiosk_db.store

    settings = Settings().with_overrides(
        data_dir=str(kiosk_db.path.parent), checkin_staff_only=False, office_name=""
    )
    window = build_window(
        settings, store, timing=CALM, clock=lambda: NOW, network=False, jack=ManualJack()
    )
    qtbot.addWidget(window)
    window.resize(1920, 1080)
    window.show()
    qtbot.waitExposed(window)
    window.repaint()
    QApplication.processEvents()
    assert asked == []  # shown and painted: nothing read the store
    window.home.chosen.emit("complaint")  # a tap on a tile
    assert asked == [kiosk_db.store]  # now it was needed, once
    assert window.current_screen() is window.complaint
    # The enrolled office's name came with the store.
    assert window.header.office.text() != ""
