"""A finger on the glass: real touch sequences (press, moves, release) through Qt.

A drag over a list scrolls it and presses nothing, even when it starts on a
button; a tap presses the button under the finger. The touches go to the
window as a touch screen sends them (QTest touch events from a touch-screen
device), not as clicks on a widget.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QInputDevice, QPointingDevice
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QLineEdit, QScrollArea, QWidget
from pytestqt.qtbot import QtBot

from tests.conftest import KioskDB
from tests.ui.kiosk_fixtures import PORTRAIT, Citizen, make_window
from ui.scrolling import scroll_area_of
from ui.shell import KioskWindow


@pytest.fixture(scope="module")
def finger() -> Iterator[QPointingDevice]:
    yield QTest.createTouchDevice(QInputDevice.DeviceType.TouchScreen)


def at(widget: QWidget, window: QWidget) -> QPoint:
    """The centre of ``widget`` in ``window``'s coordinates (where a finger lands)."""
    return widget.mapTo(window, widget.rect().center())


def drag(qtbot: QtBot, window: QWidget, finger: QPointingDevice, start: QPoint, dy: int) -> None:
    """Press at ``start``, move ``dy`` pixels in small steps as a finger does, let go."""
    QTest.touchEvent(window, finger).press(0, start).commit()
    qtbot.wait(20)
    steps = 12
    for i in range(1, steps + 1):
        QTest.touchEvent(window, finger).move(0, start + QPoint(0, dy * i // steps)).commit()
        qtbot.wait(16)
    QTest.touchEvent(window, finger).release(0, start + QPoint(0, dy)).commit()


def tap(qtbot: QtBot, window: QWidget, finger: QPointingDevice, point: QPoint) -> None:
    QTest.touchEvent(window, finger).press(0, point).commit()
    qtbot.wait(40)
    QTest.touchEvent(window, finger).release(0, point).commit()


def settled(qtbot: QtBot, area: QScrollArea) -> None:
    """Wait until the list stops gliding after the finger left."""
    bar = area.verticalScrollBar()
    last = [-1]

    def still() -> bool:
        value = bar.value()
        done = value == last[0]
        last[0] = value
        return done

    qtbot.waitUntil(still, timeout=5000)


@pytest.fixture
def tall(qtbot: QtBot, kiosk_db: KioskDB) -> KioskWindow:
    """A portrait kiosk at large text: the districts and dongs are a long list."""
    return make_window(qtbot, kiosk_db, size=PORTRAIT, large_text=True)


def on_the_place_page(citizen: Citizen) -> None:
    citizen.home_tile("complaint")
    citizen.choose("category", "road")
    citizen.next()
    citizen.choose("district", "songpa")  # the longest list of dongs (27)


def test_a_drag_that_starts_on_a_button_scrolls_the_list_and_presses_nothing(
    qtbot: QtBot, tall: KioskWindow, finger: QPointingDevice
) -> None:
    citizen = Citizen(qtbot, tall)
    on_the_place_page(citizen)
    grid = citizen.form().grid("dong")
    area = scroll_area_of(grid)
    assert area is not None
    settled(qtbot, area)  # the dongs' question has come up to the top
    bar = area.verticalScrollBar()
    assert bar.maximum() - bar.value() > 300, "the list must go on below the page"
    before = bar.value()
    visible = [b for b in grid.buttons() if not b.visibleRegion().isEmpty()]
    start_on: QAbstractButton = visible[len(visible) // 2]

    drag(qtbot, tall, finger, at(start_on, tall), -300)  # the finger pushes the list up
    settled(qtbot, area)

    assert bar.value() > before  # the list moved with the finger
    assert grid.value() == ""  # and no dong was chosen on the way
    assert not start_on.isChecked()


def test_a_tap_presses_the_button_under_the_finger(
    qtbot: QtBot, tall: KioskWindow, finger: QPointingDevice
) -> None:
    citizen = Citizen(qtbot, tall)
    on_the_place_page(citizen)
    grid = citizen.form().grid("dong")
    area = scroll_area_of(grid)
    assert area is not None
    settled(qtbot, area)
    citizen.scroll_to(grid.button_for("jamsil-2"))

    tap(qtbot, tall, finger, at(grid.button_for("jamsil-2"), tall))

    qtbot.waitUntil(lambda: grid.value() == "jamsil-2")
    assert citizen.form().field("dong").chosen.isVisible()  # the choice, said in words


def test_a_drag_over_the_home_cards_opens_nothing(
    qtbot: QtBot, tall: KioskWindow, finger: QPointingDevice
) -> None:
    tile = tall.home.tiles["proposal"]

    drag(qtbot, tall, finger, at(tile, tall), -250)
    qtbot.wait(300)

    assert tall.current_screen() is tall.home


def test_a_tap_on_a_home_card_opens_its_flow(
    qtbot: QtBot, kiosk: KioskWindow, finger: QPointingDevice
) -> None:
    tap(qtbot, kiosk, finger, at(kiosk.home.tiles["proposal"], kiosk))

    qtbot.waitUntil(lambda: kiosk.current_screen() is kiosk.proposal)


def test_the_keyboard_types_by_touch_too(
    qtbot: QtBot, kiosk: KioskWindow, finger: QPointingDevice
) -> None:
    citizen = Citizen(qtbot, kiosk)
    citizen.home_tile("signup")
    citizen.tap(kiosk.events.buttons[0])
    name = citizen.form().field("name").editor
    assert isinstance(name, QLineEdit)
    assert kiosk.keyboard is not None and kiosk.keyboard.isVisible()  # the name has the focus
    keyboard = kiosk.keyboard
    for key in ("r", "k", "s"):  # ㄱ ㅏ ㄴ
        button = keyboard.button(key)  # type: ignore[attr-defined]
        tap(qtbot, kiosk, finger, at(button, kiosk))

    qtbot.waitUntil(lambda: name.text() == "간")
