"""Buttons in as many columns as fit: three across a portrait screen, fewer at 200% text."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QGridLayout, QWidget
from typing_extensions import override


class FittingGrid(QWidget):
    """Its widgets, in order, in up to ``max_columns`` columns of the widest one's width."""

    def __init__(self, max_columns: int = 3, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(10)
        self._max_columns = max_columns
        self._columns = max_columns
        self.items: list[QWidget] = []

    def add(self, widget: QWidget) -> None:
        widget.setParent(self)
        self.items.append(widget)
        self._place()

    def set_max_columns(self, columns: int) -> None:
        self._max_columns = columns
        self._refit(self.width(), force=True)

    @override
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._refit(event.size().width())

    @override
    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.FontChange):
            self._refit(self.width())

    @override
    def minimumSizeHint(self) -> QSize:
        # One column always fits, so the grid never widens the window.
        return QSize(self._widest(), super().minimumSizeHint().height())

    def _widest(self) -> int:
        return max((item.sizeHint().width() for item in self.items), default=0)

    def _refit(self, width: int, *, force: bool = False) -> None:
        if not self.items or width <= 0:
            return
        spacing = self._grid.spacing()
        fitting = (width + spacing) // max(1, self._widest() + spacing)
        columns = max(1, min(self._max_columns, fitting))
        if columns != self._columns or force:
            self._columns = columns
            self._place()

    def _place(self) -> None:
        for item in self.items:
            self._grid.removeWidget(item)
        for index, item in enumerate(self.items):
            self._grid.addWidget(item, index // self._columns, index % self._columns)
        for column in range(self._grid.columnCount()):
            self._grid.setColumnStretch(column, 1 if column < self._columns else 0)
