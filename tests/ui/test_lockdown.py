"""Lock-down: outside staff mode the kiosk window cannot be closed or escaped, and has no menus.

Alt+F4 and a window manager's close button both arrive as a close request
(``QCloseEvent``); Escape and a context-menu request go through the
application's event filter. A probe widget on the kiosk window records what
reaches it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QCloseEvent, QContextMenuEvent, QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from typing_extensions import override

from tests.conftest import KioskDB
from tests.integration.staff.door import PIN, Door, open_door
from tests.ui.kiosk_fixtures import press


class Probe(QWidget):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.keys: list[int] = []
        self.menus = 0

    @override
    def keyPressEvent(self, event: QKeyEvent) -> None:
        self.keys.append(event.key())

    @override
    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        self.menus += 1


@pytest.fixture
def door(qtbot: QtBot, kiosk_db: KioskDB) -> Iterator[Door]:
    yield open_door(qtbot, kiosk_db)


@pytest.fixture
def probe(door: Door) -> Probe:
    widget = Probe(door.window.home)
    widget.show()
    widget.setFocus()
    return widget


def menu_request(reason: QContextMenuEvent.Reason) -> QContextMenuEvent:
    """A right click or a long press (or the Menu key) asking for a context menu."""
    return QContextMenuEvent(reason, QPoint(5, 5), QPoint(5, 5), Qt.KeyboardModifier.NoModifier)


def enter_staff_mode(door: Door) -> None:
    door.enter_pin(PIN)
    assert door.window.staff_mode.active


def test_close_and_alt_f4_are_ignored_outside_staff_mode(qtbot: QtBot, door: Door) -> None:
    window = door.window
    assert not window.close()
    request = QCloseEvent()  # what Alt+F4 and the window manager's close button send
    QApplication.sendEvent(window, request)
    assert not request.isAccepted()
    qtbot.keyClick(window, Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier)  # type: ignore[no-untyped-call]
    assert window.isVisible()


def test_escape_reaches_nothing_outside_staff_mode_and_works_in_it(
    qtbot: QtBot, door: Door, probe: Probe
) -> None:
    qtbot.keyClick(probe, Qt.Key.Key_Escape)  # type: ignore[no-untyped-call]
    qtbot.keyClick(probe, Qt.Key.Key_A)  # type: ignore[no-untyped-call]
    assert probe.keys == [Qt.Key.Key_A]
    enter_staff_mode(door)
    probe.setParent(door.window.staff)
    probe.show()
    probe.setFocus()
    qtbot.keyClick(probe, Qt.Key.Key_Escape)  # type: ignore[no-untyped-call]
    assert probe.keys[-1] == Qt.Key.Key_Escape


def test_no_widget_ever_gets_a_context_menu(door: Door, probe: Probe) -> None:
    for reason in (QContextMenuEvent.Reason.Mouse, QContextMenuEvent.Reason.Keyboard):
        QApplication.sendEvent(probe, menu_request(reason))
    enter_staff_mode(door)
    QApplication.sendEvent(probe, menu_request(QContextMenuEvent.Reason.Mouse))
    assert probe.menus == 0


def test_exit_kiosk_is_the_one_way_out_and_asks_twice(qtbot: QtBot, door: Door) -> None:
    window = door.window
    enter_staff_mode(door)
    assert not window.close()  # staff mode alone does not make the window closable
    exit_button = window.staff.exit_button
    press(qtbot, exit_button)
    assert window.isVisible()
    assert exit_button.text() == "한 번 더 누르면 종료"
    with qtbot.waitSignal(window.exited, timeout=1000):
        press(qtbot, exit_button)
    assert not window.isVisible()
