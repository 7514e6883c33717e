"""A box for a widget whose text changes often, so the change does not re-lay out the window.

Qt answers a label's new text with ``updateGeometry()``, and each layout that
activates calls it again on its widget, so one new count climbs every layout
up to the top-level window. On the kiosk window (every screen in one stack)
that costs 3–8 ms of CPU each time: more than the rest of a check-in verdict.

``SteadyBox`` stops the climb. It has no layout of its own: it gives its one
child its whole rectangle and answers the child's layout requests itself.
The layout above it hears of the child only when the child needs more room
than it has had so far (a count that gains a digit, a verdict that wraps to a
second line), so the window is laid out again rarely, not on every change.
The room only grows while the screen is in use; ``settle`` (called on
retranslation: a new language, a new text size) fits it to the child again.

An ``opaque`` box also paints its own background, the window's colour. Qt
repaints every widget under a changed one that does not cover its rectangle,
and every widget of the kiosk has a style-sheet background: at the check-in
desk a new verdict repainted ten layers of window colour under it (~1 ms a
scan) before the verdict itself.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QWidget
from typing_extensions import override


class SteadyBox(QWidget):
    """Holds ``child`` at its full size; tells the layout above only when the child outgrows it."""

    def __init__(
        self, child: QWidget, parent: QWidget | None = None, *, opaque: bool = False
    ) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, opaque)
        self.child = child
        child.setParent(self)
        self.setSizePolicy(child.sizePolicy())
        self._hint = child.sizeHint()
        self._minimum = child.minimumSizeHint()
        # The child posts its layout requests to us (we have no layout); its
        # own layout, if any, asks us through updateGeometry the same way.
        child.installEventFilter(self)

    @override
    def sizeHint(self) -> QSize:
        return self._hint

    @override
    def minimumSizeHint(self) -> QSize:
        return self._minimum

    # Words that wrap need a height for the width they get (a verdict at 200 % text on
    # a portrait screen): the layout above asks the child through the box.
    @override
    def hasHeightForWidth(self) -> bool:
        return self.child.hasHeightForWidth()

    @override
    def heightForWidth(self, width: int) -> int:
        return self.child.heightForWidth(width)

    @override
    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:
            self._follow(grow_only=True)
            return True
        return super().event(event)

    @override
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # A child shown or hidden again needs placing like a new one.
        if watched is self.child and event.type() in (QEvent.Type.Show, QEvent.Type.Hide):
            self._follow(grow_only=True)
        return False

    @override
    def paintEvent(self, event: QPaintEvent) -> None:
        if self.testAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent):
            painter = QPainter(self)
            painter.fillRect(event.rect(), self.palette().window())
            painter.end()

    @override
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.child.setGeometry(self.rect())

    def settle(self) -> None:
        """Fit the room to the child as it is now (it may shrink): after a language or text size."""
        self._follow(grow_only=False)

    def retranslate(self) -> None:
        self.settle()

    def _follow(self, *, grow_only: bool) -> None:
        hint, minimum = self.child.sizeHint(), self.child.minimumSizeHint()
        if grow_only:
            hint, minimum = hint.expandedTo(self._hint), minimum.expandedTo(self._minimum)
        if (hint, minimum) != (self._hint, self._minimum):
            self._hint, self._minimum = hint, minimum
            self.updateGeometry()
        self.child.setGeometry(self.rect())
