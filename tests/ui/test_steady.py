"""A boxed label shows all of its text, and a new text does not lay out the whole window again."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, QRect
from PySide6.QtGui import QColor, QPaintEvent
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot
from typing_extensions import override

from ui.steady import SteadyBox


class LayoutRequests(QObject):
    """Counts the layout requests a widget receives."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    @override
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:
            self.count += 1
        return False


def window_with_count(qtbot: QtBot) -> tuple[QWidget, QLabel, SteadyBox, LayoutRequests]:
    window = QWidget()
    qtbot.addWidget(window)
    column = QVBoxLayout(window)
    row = QHBoxLayout()
    row.addWidget(QLabel("현장 시장실"), 1)
    count = QLabel("입장 1 / 신청 9")
    box = SteadyBox(count, window)
    row.addWidget(box)
    column.addLayout(row)
    column.addWidget(QLabel("본문"), 1)
    window.resize(800, 300)
    window.show()
    qtbot.waitExposed(window)
    QApplication.processEvents()
    requests = LayoutRequests()
    window.installEventFilter(requests)
    return window, count, box, requests


def settle() -> None:
    # A layout request posted while handling another is delivered on the next pass.
    for _ in range(3):
        QApplication.processEvents()


def fits(label: QLabel) -> bool:
    return label.width() >= label.sizeHint().width() and label.height() >= label.sizeHint().height()


def test_a_new_text_of_the_same_size_leaves_the_window_layout_alone(qtbot: QtBot) -> None:
    _window, count, _box, requests = window_with_count(qtbot)
    for n in range(2, 9):
        count.setText(f"입장 {n} / 신청 9")
        settle()
    assert requests.count == 0
    assert count.text() == "입장 8 / 신청 9" and fits(count)


def test_a_longer_text_gets_the_room_it_needs_and_keeps_it(qtbot: QtBot) -> None:
    _window, count, box, requests = window_with_count(qtbot)
    count.setText("입장 12,345 / 신청 67,890")
    settle()
    assert requests.count >= 1  # the window made room once
    assert fits(count)
    wide = box.width()
    count.setText("입장 1 / 신청 9")
    settle()
    assert box.width() == wide  # no shrinking (and no new layout) while in use
    box.settle()  # a new language or text size: fit again
    settle()
    assert box.width() < wide and fits(count)


class Paints(QObject):
    """The rectangles a widget is asked to paint."""

    def __init__(self) -> None:
        super().__init__()
        self.rects: list[QRect] = []

    @override
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if isinstance(event, QPaintEvent):
            self.rects.append(event.rect())
        return False


def test_an_opaque_box_repaints_its_own_background_and_nothing_under_it(qtbot: QtBot) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    # Every widget has a style-sheet background, as in the kiosk's theme.
    window.setStyleSheet("QWidget { background-color: #f0f2f5 } QLabel { background: transparent }")
    column = QVBoxLayout(window)
    page = QWidget(window)
    column.addWidget(page)
    inner = QVBoxLayout(page)
    count = QLabel("입장 1 / 신청 9")
    box = SteadyBox(count, page, opaque=True)
    inner.addWidget(box)
    window.resize(600, 200)
    window.show()
    qtbot.waitExposed(window)
    count.setText("입장 2 / 신청 9")  # the window's first paints done before watching
    settle()
    under, words = Paints(), Paints()
    page.installEventFilter(under)
    count.installEventFilter(words)
    count.setText("입장 3 / 신청 9")
    settle()
    page.removeEventFilter(under)
    in_the_page = QRect(box.mapTo(page, QPoint(0, 0)), box.size())
    assert words.rects  # the new words were painted
    assert not [rect for rect in under.rects if rect.intersects(in_the_page)]
    corner = box.mapTo(window, QPoint(0, 0))
    assert window.grab().toImage().pixelColor(corner) == QColor("#f0f2f5")  # the page's colour
