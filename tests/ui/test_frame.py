"""The frame around every screen: steps, the bottom bar, calling staff, leaving, low screen.

What a citizen notices: the steps count consent and review; "Start over"
asks before it throws words away; the keyboard closes where there is nothing
to type; one tap moves everything down for a wheelchair user; staff are
called and come; staff figures never show to citizens.
"""

from __future__ import annotations

import logging

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from sync.status import SyncState, SyncStatus
from tests.conftest import KioskDB
from tests.integration.staff.door import open_door
from tests.ui.kiosk_fixtures import PORTRAIT, Citizen, FakeSync, make_window, visible_texts
from ui.fullscreen import ScreenFit, demo_geometry
from ui.i18n import translate
from ui.shell import KioskWindow


def ko(key: str, **params: object) -> str:
    return translate(key, "ko", **params)


class Bell:
    def __init__(self) -> None:
        self.rings = 0

    def play(self) -> None:
        self.rings += 1


# --- steps ---------------------------------------------------------------------------------


def test_the_steps_count_consent_and_review_as_the_citizen_meets_them(
    citizen: Citizen, kiosk: KioskWindow
) -> None:
    citizen.home_tile("complaint")
    steps = kiosk.header.steps
    assert steps.text.text() == ko("frame.step", current=1, total=6, name=ko("step.category"))
    kiosk.start_over()
    citizen.file_complaint()
    assert citizen.screen == "consent"
    assert steps.text.text() == ko("frame.step", current=5, total=6, name=ko("step.consent"))
    # The current step is marked in words too, not by colour alone.
    assert [s.text() for s in steps.segments()][4] == ko("frame.step.now", number=5)
    citizen.agree()
    assert steps.text.text() == ko("frame.step", current=6, total=6, name=ko("step.review"))


def test_an_event_sign_up_counts_the_event_choice_as_its_first_step(
    citizen: Citizen, kiosk: KioskWindow
) -> None:
    citizen.home_tile("signup")
    assert kiosk.header.steps.text.text() == ko(
        "frame.step", current=1, total=4, name=ko("step.event")
    )


# --- leaving -------------------------------------------------------------------------------


def test_start_over_asks_before_it_throws_away_what_was_written(
    citizen: Citizen, kiosk: KioskWindow
) -> None:
    citizen.home_tile("complaint")
    citizen.choose("category", "road")
    citizen.next()
    citizen.choose("district", "mapo")
    citizen.next()
    citizen.type_into("description", "보도블록이 깨져서 넘어질 뻔했습니다")
    citizen.tap(kiosk.bar.home)
    assert citizen.screen == "leave"  # a page of its own, two big answers
    citizen.tap(kiosk.leave.keep)
    assert citizen.screen == "complaint"
    assert citizen.form().value("description") == "보도블록이 깨져서 넘어질 뻔했습니다"
    citizen.tap(kiosk.bar.home)
    citizen.tap(kiosk.leave.discard)
    assert citizen.screen == "home"
    assert kiosk.complaint.value("description") == ""


def test_start_over_with_next_to_nothing_written_goes_home_at_once(
    citizen: Citizen, kiosk: KioskWindow
) -> None:
    citizen.home_tile("complaint")
    citizen.choose("category", "road")
    citizen.tap(kiosk.bar.home)
    assert citizen.screen == "home"


def test_the_keyboard_closes_where_there_is_nothing_to_type(
    citizen: Citizen, kiosk: KioskWindow
) -> None:
    keyboard = kiosk.keyboard
    assert keyboard is not None
    citizen.home_tile("complaint")
    assert not keyboard.isVisible()  # a choice first: no field, no keyboard
    citizen.choose("category", "road")
    citizen.next()
    citizen.choose("district", "mapo")
    citizen.next()
    assert keyboard.isVisible()  # the description page opens with its box focused
    citizen.tap(kiosk.bar.back)
    assert citizen.screen == "complaint" and not keyboard.isVisible()
    citizen.type_into("address", "망원동")
    assert keyboard.isVisible()
    citizen.tap(kiosk.bar.home)
    assert citizen.screen == "home" and not keyboard.isVisible()


def test_the_language_switch_keeps_the_words_and_the_keyboard_on_a_focused_field(
    citizen: Citizen, kiosk: KioskWindow
) -> None:
    citizen.home_tile("complaint")
    citizen.choose("category", "road")
    citizen.next()
    citizen.type_into("address", "망원동 412")
    citizen.tap(kiosk.bar.language)
    assert kiosk.i18n.language == "en"
    assert citizen.form().value("address") == "망원동 412"
    assert kiosk.keyboard is not None and kiosk.keyboard.isVisible()


# --- calling staff -------------------------------------------------------------------------


def test_a_citizen_calls_staff_sees_it_and_can_take_it_back(
    citizen: Citizen, kiosk: KioskWindow, caplog: pytest.LogCaptureFixture
) -> None:
    bell = Bell()
    kiosk.call.sounder = bell
    citizen.home_tile("complaint")
    with caplog.at_level(logging.WARNING):
        citizen.tap(kiosk.bar.call)
    assert kiosk.call.active and bell.rings == 1  # heard, here and now
    assert kiosk.call_line.isVisible()
    assert kiosk.call_line.text.text() == ko("call.waiting")
    assert kiosk.bar.call.text() == ko("bar.call.cancel")
    assert "staff called" in caplog.text and "complaint" in caplog.text
    citizen.tap(kiosk.bar.call)
    assert kiosk.call.since is None  # taken back
    assert not kiosk.call_line.isVisible()
    assert kiosk.bar.call.text() == ko("bar.call")


def test_the_call_rings_again_until_staff_answer_on_the_staff_screen(
    qtbot: QtBot, kiosk_db: KioskDB
) -> None:
    door = open_door(qtbot, kiosk_db)
    window = door.window
    bell = Bell()
    window.call.sounder = bell
    window.call._again.setInterval(50)
    Citizen(qtbot, window).tap(window.bar.call)
    qtbot.waitUntil(lambda: bell.rings >= 2)
    door.enter_pin()  # staff arrive and open staff mode on this kiosk
    assert window.current_screen() is window.staff
    assert window.call_line.isVisible() and window.call_line.answer.isVisible()
    assert "민원" not in window.call_line.text.text()  # where the citizen was, nothing typed
    Citizen(qtbot, window).tap(window.call_line.answer)
    assert window.call.since is None
    rings = bell.rings
    qtbot.wait(200)
    assert bell.rings == rings  # quiet once answered


def test_the_idle_wipe_ends_a_waiting_call_only_with_the_session(
    citizen: Citizen, kiosk: KioskWindow
) -> None:
    kiosk.call.sounder = Bell()
    citizen.home_tile("proposal")
    citizen.tap(kiosk.bar.call)
    kiosk._idle()  # the idle timer: a citizen waiting for staff is not warned away
    assert not kiosk.idle_warning.isVisible()
    kiosk.end_session()
    assert not kiosk.call.active


# --- low screen ------------------------------------------------------------------------------


def test_one_tap_moves_the_whole_screen_down_until_the_next_citizen(
    qtbot: QtBot, kiosk_db: KioskDB
) -> None:
    kiosk = make_window(qtbot, kiosk_db, size=PORTRAIT)
    citizen = Citizen(qtbot, kiosk)
    citizen.tap(kiosk.bar.low_screen)
    half = kiosk.height() // 2
    qtbot.waitUntil(lambda: kiosk.header.mapTo(kiosk, QPoint(0, 0)).y() >= half - 1)
    assert kiosk.frame.shade.isVisible()
    assert kiosk.frame.shade.text() == ko("low_screen.moved")
    citizen.home_tile("complaint")  # it stays for the session
    assert kiosk.frame.band_active()
    for widget in (kiosk.bar.home, kiosk.complaint.nav.next_button):
        assert widget.mapTo(kiosk, QPoint(0, 0)).y() >= half - 1
    kiosk.end_session()  # the idle wipe and "Done" hand the kiosk on as configured
    assert not kiosk.frame.band_active()


# --- what citizens see ---------------------------------------------------------------------


def test_citizens_never_see_staff_figures(citizen: Citizen, kiosk: KioskWindow) -> None:
    citizen.file_complaint()
    shown = " ".join(visible_texts(kiosk))
    assert not kiosk.status.isVisible()
    assert ko("status.pending", count=0).split("0")[0] not in shown


@pytest.mark.parametrize(("state", "told"), [(SyncState.OFFLINE, True), (SyncState.ONLINE, False)])
def test_the_receipt_says_a_record_made_offline_waits_for_the_connection(
    citizen: Citizen, kiosk: KioskWindow, fake_sync: FakeSync, state: SyncState, told: bool
) -> None:
    kiosk.show_sync_status(SyncStatus(state, pending=0))
    citizen.file_complaint()
    citizen.agree()
    citizen.submit()
    assert kiosk.receipt.queued.isVisible() is told


# --- full screen -----------------------------------------------------------------------------


def test_kiosk_mode_puts_the_window_on_its_screen_and_keeps_it_there(
    qtbot: QtBot, kiosk: KioskWindow
) -> None:
    fit = ScreenFit(kiosk)
    fit.start()
    screen = kiosk.screen().geometry()
    qtbot.waitUntil(lambda: kiosk.geometry() == screen)
    kiosk.setGeometry(QRect(0, 0, 700, 500))  # as a bare X server leaves a window
    kiosk.screen().geometryChanged.emit(screen)  # the screen turned or changed size
    qtbot.waitUntil(lambda: kiosk.geometry() == screen)


def test_the_demo_window_fits_the_screen_it_opens_on() -> None:
    screen = QGuiApplication.primaryScreen()
    rect = demo_geometry(screen, (5000, 5000))
    assert screen.availableGeometry().contains(rect)
