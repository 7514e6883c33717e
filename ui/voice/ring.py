"""The focus ring: a thick outline around the item the keypad is on.

Drawn by a widget of its own on top of the window, not by the style sheet:
it must show the same on every screen and theme (a yellow line inside a
black one reads on light, dark and high-contrast backgrounds), it must not
change the size of what it surrounds, and the screens it lies over are
reworked by others. It takes no touch: a finger goes through it.
"""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QPoint, QRect, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget
from typing_extensions import override

from ui.voice.targets import alive

OUTER: Final = QColor("#000000")
INNER: Final = QColor("#FFD400")  # the high-contrast theme's yellow
WIDTH: Final = 6


class FocusRing(QWidget):
    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("focus-ring")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._target: QWidget | None = None
        self._suppressed = False
        # Layouts move things after a key press (a list opens, a page scrolls): follow.
        self._follow = QTimer(self)
        self._follow.setInterval(200)
        self._follow.timeout.connect(self.place)
        self.hide()

    @property
    def target(self) -> QWidget | None:
        return self._target if alive(self._target) else None

    def surround(self, widget: QWidget | None) -> None:
        self._target = widget
        if widget is None:
            self._follow.stop()
            self.hide()
            return
        self.place()
        self._follow.start()

    def set_suppressed(self, suppressed: bool) -> None:
        """Kept hidden (the screen is covered for privacy) while it still follows its item."""
        self._suppressed = suppressed
        self.place()

    def place(self) -> None:
        target = self.target
        window = self.parentWidget()
        if self._suppressed or target is None or window is None or not target.isVisible():
            self.hide()
            return
        corner = target.mapTo(window, QPoint(0, 0))
        area = QRect(corner, target.size()).adjusted(-WIDTH, -WIDTH, WIDTH, WIDTH)
        if self.geometry() != area:
            self.setGeometry(area)
        if not self.isVisible():
            self.show()
        self.raise_()

    @override
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        half = WIDTH // 2
        painter.setPen(QPen(OUTER, WIDTH))
        painter.drawRect(self.rect().adjusted(half, half, -half - 1, -half - 1))
        painter.setPen(QPen(INNER, half))
        inner = half + half // 2
        painter.drawRect(self.rect().adjusted(inner, inner, -inner - 1, -inner - 1))
        painter.end()
