"""Finger scrolling, and the scrolling page every citizen screen puts its content in.

Touch first: every scrollable area follows a finger with kinetic scrolling
(``QScroller``), and a drag that starts on a button scrolls instead of
pressing it. The scroller listens to the left mouse button, not to touch
events: Qt turns a touch nobody takes into mouse events, so the same
recogniser serves a touch screen with XInput2, a panel that only emulates a
mouse under X, and a mouse. It holds a press back for a moment and sends it
on only when the finger did not move (tested with real touch sequences in
tests/ui/test_touch.py). Qt's touch recogniser would let the press through at
once and the button under a scrolling finger fire.

``ScrollPage`` is a screen's content: it shrinks when the on-screen keyboard
takes the lower part of the window and scrolls the focused field, with its
question and error, into view above it. On a portrait screen its content sits
at the bottom of the page, next to the main button, where a seated person or
a child reaches it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QApplication,
    QFrame,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QScroller,
    QScrollerProperties,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

__all__ = ["ScrollPage", "enable_finger_scrolling", "scroll_area_of", "scroll_into_view"]

_EDITORS = (QLineEdit, QPlainTextEdit, QTextEdit)
# A press is held back this long to see whether the finger moves (Qt's default is 0.25 s).
PRESS_DELAY_S = 0.15
# A list stops soon after the finger lets go: citizens lose track of a fast fling.
DECELERATION = 0.3


def _properties() -> QScrollerProperties:
    properties = QScrollerProperties()
    metric = QScrollerProperties.ScrollMetric
    properties.setScrollMetric(metric.MousePressEventDelay, PRESS_DELAY_S)
    properties.setScrollMetric(metric.DecelerationFactor, DECELERATION)
    # No rubber band past the ends: content that springs back looks broken to a novice.
    off = QScrollerProperties.OvershootPolicy.OvershootAlwaysOff
    properties.setScrollMetric(metric.HorizontalOvershootPolicy, off)
    properties.setScrollMetric(metric.VerticalOvershootPolicy, off)
    return properties


_PROPERTIES: list[QScrollerProperties] = []  # made once: building it is slow in Python


def enable_finger_scrolling(area: QAbstractScrollArea) -> QScroller:
    """Kinetic scrolling by finger (or mouse) on ``area``; a drag never presses a button."""
    viewport = area.viewport()
    QScroller.grabGesture(viewport, QScroller.ScrollerGestureType.LeftMouseButtonGesture)
    scroller = QScroller.scroller(viewport)
    if not _PROPERTIES:
        _PROPERTIES.append(_properties())
    scroller.setScrollerProperties(_PROPERTIES[0])
    return scroller


def scroll_area_of(widget: QWidget) -> QScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QScrollArea):
        parent = parent.parentWidget()
    return parent


def scroll_into_view(
    widget: QWidget, *, margin: int = 0, top: QWidget | None = None, to_top: bool = False
) -> None:
    """Scroll the nearest scroll area so ``widget`` is in view (with ``top`` if given).

    ``top`` is a widget above it that should be seen too (a field's question
    and error above its box); if both do not fit, the top of ``top`` wins, so
    the question is never what is cut off. ``to_top`` puts it at the top of
    the view even when it would fit lower (a list that just opened: as much
    of it in sight as the page holds).
    """
    area = scroll_area_of(widget)
    content = area.widget() if area is not None else None
    if area is None or content is None or not widget.isVisible():
        return
    QScroller.scroller(area.viewport()).stop()
    first = top if top is not None and top.isVisible() else widget
    upper = first.mapTo(content, QPoint(0, 0)).y() - margin
    lower = widget.mapTo(content, QPoint(0, widget.height())).y() + margin
    bar = area.verticalScrollBar()
    view = area.viewport().height()
    value = bar.value()
    if lower - value > view:
        value = lower - view
    if upper < value or lower - upper > view or to_top:
        value = upper
    bar.setValue(max(bar.minimum(), min(bar.maximum(), value)))


class ScrollPage(QScrollArea):
    """A screen's content, scrolled by finger; bottom-aligned in portrait (``bottom_aligned``).

    It keeps the focused text field, with its question and error
    (``ui.widgets.Field``), in sight whenever the page changes size: when the
    keyboard opens, when the error appears. When the page is too short to
    show them whole, ``room_wanted`` says how many pixels it lacks (the
    window then makes the keyboard smaller, down to its 15 mm keys).
    """

    room_wanted = Signal(int)

    def __init__(
        self, content: QWidget, parent: QWidget | None = None, *, grow: bool = False
    ) -> None:
        super().__init__(parent)
        # ``grow``: the content takes all the height there is (a page with a text box,
        # which grows into it), rather than sitting at the top or bottom of the page.
        self._grow = grow
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.content = content
        self._holder = QWidget()
        self._column = QVBoxLayout(self._holder)
        self._column.setContentsMargins(0, 0, 0, 0)
        self._column.setSpacing(0)
        # Empty space above the content in portrait (bottom-aligned), below it otherwise.
        self._column.addStretch(0)
        self._column.addWidget(content, 1 if grow else 0)
        self._column.addStretch(0 if grow else 1)
        self._bottom = False
        self.setWidget(self._holder)
        enable_finger_scrolling(self)
        self._follow = QTimer(self)
        self._follow.setSingleShot(True)
        self._follow.setInterval(0)
        self._follow.timeout.connect(self.reveal_focus)
        self._refit = QTimer(self)
        self._refit.setSingleShot(True)
        self._refit.setInterval(0)
        self._refit.timeout.connect(self._fit_content)
        content.installEventFilter(self)
        # The page grew or shrank (a list opened, the keyboard came): keep the focus in sight.
        self.verticalScrollBar().rangeChanged.connect(lambda _low, _high: self._follow.start())
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        # A field of this page got the focus (a tap, the keyboard's "next box"): show it.
        if isinstance(new, _EDITORS) and self.content.isAncestorOf(new):
            self._follow.start()

    def set_bottom_aligned(self, bottom: bool) -> None:
        """Portrait: content that is shorter than the page sits at its bottom."""
        if bottom == self._bottom or self._grow:
            return
        self._bottom = bottom
        self._column.setStretch(0, 1 if bottom else 0)
        self._column.setStretch(2, 0 if bottom else 1)

    @override
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._follow.start()

    @override
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The content grew (an error appeared, the dongs opened, a grid of choices took
        # another row when the scroll bar came and left it narrower): fit the page to it
        # again, and keep the focus in sight.
        if watched is self.content and event.type() == QEvent.Type.LayoutRequest:
            self._refit.start()
        return False

    def _fit_content(self) -> None:
        # QScrollArea sizes a resizable widget only on its own resize and scroll-bar
        # changes; a layout that grew inside it afterwards would be squeezed (its rows
        # drawn over each other). Asking again re-runs that sizing.
        self.setWidgetResizable(True)
        self._follow.start()

    def reveal_focus(self) -> None:
        """Scroll the focused field of this page, with its question and error, into view.

        Only a text field: a tapped button keeps the focus too, but the citizen
        has moved on from it (a district chosen, its dongs now in view).
        """
        focused = QApplication.focusWidget()
        if not isinstance(focused, _EDITORS) or not self.content.isAncestorOf(focused):
            return
        group = _field_of(focused, self.content)
        scroll_into_view(focused, margin=8, top=group)
        first = group if group is not None else focused
        top = first.mapTo(self.content, QPoint(0, 0)).y()
        bottom = focused.mapTo(self.content, QPoint(0, focused.height())).y()
        lacking = bottom - top + 16 - self.viewport().height()
        if lacking > 0:
            self.room_wanted.emit(lacking)

    def visible_rect_of(self, widget: QWidget) -> QRect:
        """Where ``widget`` is inside the page's viewport (may lie outside it)."""
        corner = widget.mapTo(self.viewport(), QPoint(0, 0))
        return QRect(corner, widget.size())


def _field_of(widget: QWidget, stop: QWidget) -> QWidget | None:
    """The question-and-answer group around ``widget`` (a ``ui.widgets.Field``), if any."""
    node: QWidget | None = widget
    while node is not None and node is not stop:
        if node.property("field_group"):
            return node
        node = node.parentWidget()
    return None
