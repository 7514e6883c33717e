"""A boxed label shows all of its text, and a new text does not lay out the whole window again."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
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
