"""Staff mode: the hidden long press, the PIN (right, wrong, lockout), and leaving by itself.

The PIN is checked against the real store (``kiosk.staff``: scrypt, lockout
in the database); the wall clock is the test's, so a 30-second wait is one
``advance`` away; the countdown on the pad runs on a real one-second timer.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractButton, QLabel
from pytestqt.qtbot import QtBot

from kiosk.staff import FIRST_DELAY_S
from tests.conftest import KioskDB
from tests.integration.staff.door import PIN, Door, open_door
from ui.i18n import translate
from ui.shell import KioskWindow

# Long enough to be deliberate, short enough for a test; production holds for 3 s.
HOLD_MS = 150


def ko(key: str, **params: object) -> str:
    return translate(key, "ko", **params)


@pytest.fixture
def door(qtbot: QtBot, kiosk_db: KioskDB) -> Iterator[Door]:
    opened = open_door(qtbot, kiosk_db)
    opened.window.gesture.set_hold_ms(HOLD_MS)
    yield opened


def long_press(qtbot: QtBot, window: KioskWindow, hold_ms: int = HOLD_MS + 100) -> None:
    label = window.header.title
    centre = QPoint(label.width() // 2, label.height() // 2)
    qtbot.mousePress(label, Qt.MouseButton.LeftButton, pos=centre)  # type: ignore[no-untyped-call]
    qtbot.wait(hold_ms)
    qtbot.mouseRelease(label, Qt.MouseButton.LeftButton, pos=centre)  # type: ignore[no-untyped-call]


def type_pin(qtbot: QtBot, window: KioskWindow, pin: str) -> None:
    """Digits and OK as staff tap them, then the wait for the answer (checked off the GUI)."""
    pad = window.staff_pin
    for digit in pin:
        qtbot.mouseClick(pad.keys[digit], Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
    with qtbot.waitSignal(window.staff_mode.checked, timeout=10_000):
        qtbot.mouseClick(pad.ok, Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]


def screen(window: KioskWindow) -> str:
    return window.current_screen().objectName()


def texts(window: KioskWindow) -> list[str]:
    return [
        w.text()
        for w in window.findChildren(QLabel) + window.findChildren(QAbstractButton)
        if w.isVisible() and w.text()
    ]


def test_a_long_press_and_the_right_pin_open_staff_mode_and_leaving_goes_home(
    qtbot: QtBot, door: Door
) -> None:
    window = door.window
    # A short press is just a touch: 20 ms against a 3 s hold, so load cannot blur the two.
    window.gesture.set_hold_ms(3000)
    long_press(qtbot, window, hold_ms=20)
    assert screen(window) == "home"
    window.gesture.set_hold_ms(HOLD_MS)
    long_press(qtbot, window)
    assert screen(window) == "staff_pin"
    pad = window.staff_pin
    for digit in PIN[:3]:
        qtbot.mouseClick(pad.keys[digit], Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
    assert pad.dots.text() == "●●●"
    assert not any(PIN[:3] in text for text in texts(window))
    for digit in PIN[3:]:
        qtbot.mouseClick(pad.keys[digit], Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
    with qtbot.waitSignal(window.staff_mode.checked, timeout=10_000):
        qtbot.mouseClick(pad.ok, Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
        # The check runs on its own thread: meanwhile the pad says so and takes no digits.
        assert pad.message.text() == ko("staff.pin.checking")
        assert not pad.keys["1"].isEnabled()
    assert screen(window) == "staff"
    assert window.staff_mode.active and window.lockdown.staff_active
    assert window.staff.current_page() == "dashboard"
    qtbot.mouseClick(window.staff.leave_button, Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
    assert screen(window) == "home"
    assert (window.staff_mode.active, window.lockdown.staff_active) == (False, False)


def test_a_wrong_pin_is_refused_and_says_how_many_tries_are_left(qtbot: QtBot, door: Door) -> None:
    window = door.window
    long_press(qtbot, window)
    type_pin(qtbot, window, "111111")
    assert screen(window) == "staff_pin"
    assert not window.staff_mode.active
    assert window.staff_pin.message.text() == ko("staff.pin.wrong", tries=1)


def test_wrong_tries_lock_the_pad_with_a_growing_wait_that_survives_a_restart(
    qtbot: QtBot, door: Door, kiosk_db: KioskDB
) -> None:
    window, pad = door.window, door.window.staff_pin
    long_press(qtbot, window)
    for _ in range(3):
        type_pin(qtbot, window, "111111")
    assert pad.message.text() == ko("staff.pin.locked", seconds=round(FIRST_DELAY_S))
    assert not pad.ok.isEnabled() and not pad.keys["1"].isEnabled()
    # Even the right PIN, typed on a keyboard while locked, does nothing.
    type_pin_keys(qtbot, window, PIN)
    assert screen(window) == "staff_pin"

    # A new window on the same store (the kiosk restarted): still locked.
    window.start_over()
    again = open_again(qtbot, kiosk_db, door)
    long_press(qtbot, again)
    assert not again.staff_pin.ok.isEnabled()

    door.clock.advance(FIRST_DELAY_S + 1)
    again.staff_mode.refresh_lock()  # what the pad's one-second countdown does
    assert again.staff_pin.ok.isEnabled()
    type_pin(qtbot, again, "222222")  # the fourth wrong one: twice as long now
    assert again.staff_pin.message.text() == ko(
        "staff.pin.locked", seconds=round(2 * FIRST_DELAY_S)
    )
    door.clock.advance(2 * FIRST_DELAY_S - 5)
    again.staff_mode.refresh_lock()
    assert again.staff_pin.message.text() == ko("staff.pin.locked", seconds=5)
    door.clock.advance(6)
    again.staff_mode.refresh_lock()
    type_pin(qtbot, again, PIN)
    assert screen(again) == "staff"


def type_pin_keys(qtbot: QtBot, window: KioskWindow, pin: str) -> None:
    for digit in pin:
        qtbot.keyClick(window.staff_pin, getattr(Qt.Key, f"Key_{digit}"))  # type: ignore[no-untyped-call]
    qtbot.keyClick(window.staff_pin, Qt.Key.Key_Return)  # type: ignore[no-untyped-call]


def open_again(qtbot: QtBot, kiosk_db: KioskDB, door: Door) -> KioskWindow:
    from app.launch import build_window
    from kiosk.config import Settings
    from tests.integration.staff.door import CALM

    window = build_window(
        Settings().with_overrides(data_dir=str(kiosk_db.path.parent), screen_dpi=96.0),
        kiosk_db.store,
        timing=CALM,
        clock=door.clock,
        network=False,
    )
    window.gesture.set_hold_ms(HOLD_MS)
    qtbot.addWidget(window)  # closed and deleted after the test
    window.resize(1920, 1080)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_without_a_pin_set_staff_mode_cannot_be_entered(qtbot: QtBot, kiosk_db: KioskDB) -> None:
    door = open_door(qtbot, kiosk_db, pin=None)
    door.window.gesture.set_hold_ms(HOLD_MS)
    long_press(qtbot, door.window)
    pad = door.window.staff_pin
    assert pad.message.text() == ko("staff.pin.none")
    assert not pad.ok.isEnabled()
    qtbot.mouseClick(pad.cancel, Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
    assert screen(door.window) == "home"


def test_staff_mode_leaves_by_itself_after_inactivity(qtbot: QtBot, door: Door) -> None:
    window = door.window
    window.staff_mode.set_timeout_ms(300)
    long_press(qtbot, window)
    type_pin(qtbot, window, PIN)
    assert screen(window) == "staff"
    with qtbot.waitSignal(window.staff_mode.left, timeout=2000):
        pass
    assert screen(window) == "home"
    assert not window.lockdown.staff_active
    long_press(qtbot, window)
    assert screen(window) == "staff_pin"  # the PIN is asked again


def test_a_scan_at_the_door_keeps_staff_mode_alive(qtbot: QtBot, door: Door) -> None:
    window = door.window
    long_press(qtbot, window)
    type_pin(qtbot, window, PIN)
    # Three scans 1.5 s apart outlast a 3 s staff timeout only if each scan restarts it.
    # The gaps leave 1.5 s of slack, so a loaded machine cannot end staff mode early.
    window.staff_mode.set_timeout_ms(3000)
    window.staff.checkin.click()
    window.checkin.event_buttons[0].click()
    started = time.monotonic()
    for index in range(3):
        qtbot.wait(1500)
        door.monotonic.advance(5)
        window.checkin.handle_scan(door.ticket(index))  # as the pipeline delivers it
    assert time.monotonic() - started > 3.0  # longer than the timeout: the scans kept it alive
    assert window.staff_mode.active
    assert screen(window) == "checkin"
    window.checkin.desk_back.click()
    assert screen(window) == "staff"  # back to the staff screen, not home


def test_a_right_pin_answered_after_the_pad_was_cancelled_opens_nothing(
    qtbot: QtBot, door: Door
) -> None:
    window = door.window
    long_press(qtbot, window)
    pad = window.staff_pin
    for digit in PIN:
        qtbot.mouseClick(pad.keys[digit], Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
    with qtbot.waitSignal(window.staff_mode.checked, timeout=10_000):
        qtbot.mouseClick(pad.ok, Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
        qtbot.mouseClick(pad.cancel, Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
    assert screen(window) == "home"
    assert not window.staff_mode.active and not window.lockdown.staff_active


def test_a_store_that_cannot_answer_shows_a_calm_message_and_the_pad_stays_usable(
    qtbot: QtBot, door: Door
) -> None:
    window = door.window
    long_press(qtbot, window)
    with door.store.engine.begin() as conn:  # a damaged store: the table is gone
        conn.exec_driver_sql("ALTER TABLE staff_pin RENAME TO staff_pin_elsewhere")
    type_pin(qtbot, window, PIN)
    assert screen(window) == "staff_pin"
    assert window.staff_pin.message.text() == ko("staff.pin.unavailable")
    assert window.staff_pin.ok.isEnabled()
