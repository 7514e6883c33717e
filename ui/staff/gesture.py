"""The hidden way into staff mode: a long press on the office name in the header.

Nothing on screen says it is there. A citizen who happens on it meets a PIN
pad and a Cancel button, nothing more. Touches arrive as synthesised mouse
events on a label, so a mouse press is what is watched; a release or a move
off the label before the time is up cancels.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QWidget
from typing_extensions import override

LONG_PRESS_MS = 3000


class LongPress(QObject):
    """Emits ``held`` when one of the watched widgets is pressed for ``hold_ms``."""

    held = Signal()

    def __init__(self, parent: QObject | None = None, *, hold_ms: int = LONG_PRESS_MS) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(hold_ms)
        self._timer.timeout.connect(self.held)
        self._pressed: QWidget | None = None

    def set_hold_ms(self, hold_ms: int) -> None:
        self._timer.setInterval(hold_ms)

    def watch(self, widget: QWidget) -> None:
        widget.installEventFilter(self)

    @property
    def pressing(self) -> bool:
        return self._timer.isActive()

    @override
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress and isinstance(watched, QWidget):
            self._pressed = watched
            self._timer.start()
        elif kind in (QEvent.Type.MouseButtonRelease, QEvent.Type.Leave, QEvent.Type.Hide):
            self._cancel()
        elif kind == QEvent.Type.MouseMove and isinstance(event, QMouseEvent):
            widget = self._pressed
            if widget is not None and not widget.rect().contains(event.position().toPoint()):
                self._cancel()
        return False  # the label itself does nothing with a press anyway

    def _cancel(self) -> None:
        self._timer.stop()
        self._pressed = None
