"""Review: what will be sent, read back before the one button that sends it."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from kiosk.spoken import PERSONAL_FIELDS
from ui.i18n import tr
from ui.screens.base import Screen
from ui.widgets import NavBar, TrLabel, set_role

# (label key, value): a text, or a picture (the complaint's photo) shown as a thumbnail.
Rows = Callable[[], list[tuple[str, str | QPixmap]]]


def _personal(key: str) -> bool:
    """Whether the row ``field.name`` (``.optional``) … shows a person's contact details."""
    parts = key.split(".")
    return len(parts) > 1 and parts[0] == "field" and parts[1] in PERSONAL_FIELDS


class ReviewScreen(Screen):
    title_key = "review.title"
    submit = Signal()
    back = Signal()
    errors_shown = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: Rows = list
        self._error_key = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.flow_title = TrLabel("", "title", self)
        layout.addWidget(self.flow_title)
        layout.addWidget(TrLabel("review.title", "subtitle", self))
        self._body = QWidget()
        self._rows_layout = QVBoxLayout(self._body)
        self._rows_layout.setSpacing(4)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self._body)
        layout.addWidget(scroll, 1)
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        set_role(self.error, "error")
        self.error.hide()
        layout.addWidget(self.error)
        self.checking = TrLabel("review.checking", "hint", self)
        self.checking.hide()
        layout.addWidget(self.checking)
        self.nav = NavBar("review.submit", "review.edit", self)
        layout.addWidget(self.nav)
        self.nav.forward.connect(self.submit)
        self.nav.back.connect(self.back)

    def show_for(self, flow_key: str, rows: Rows, *, submit_key: str = "review.submit") -> None:
        """Read back ``rows`` (label key, value); asked again on every retranslate."""
        self.flow_title.set_key(flow_key)
        self._rows = rows
        self.nav.next_button.set_key(submit_key)
        self.clear_error()
        self._fill()

    def show_error(self, key: str) -> None:
        self._error_key = key
        self.error.show()
        self._render_error()
        self.errors_shown.emit([f"error.{key}"])

    def clear_error(self) -> None:
        self._error_key = ""
        self.error.hide()

    def show_busy(self, busy: bool) -> None:
        """While the server is asked for a place: say so, and take no second tap."""
        self.nav.next_button.setEnabled(not busy)
        self.nav.back_button.setEnabled(not busy)
        self.checking.setVisible(busy)

    def retranslate(self) -> None:
        super().retranslate()
        self._fill()
        self._render_error()

    def wipe(self) -> None:
        self.show_busy(False)
        self._rows = list
        self.clear_error()
        self._fill()

    def _render_error(self) -> None:
        if self._error_key:
            text = tr(f"error.{self._error_key}")
            self.error.setText(f"⚠ {text}")
            self.error.setAccessibleName(text)

    def _fill(self) -> None:
        # Rebuilt on every show and language change: a handful of labels, no state in them.
        while self._rows_layout.count():
            item = self._rows_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        for key, value in self._rows():
            label = TrLabel(key, "field-label", self._body)
            if isinstance(value, QPixmap):
                shown = QLabel(self._body)
                shown.setPixmap(value)
                shown.setAccessibleName(tr(key))
            else:
                shown = QLabel(value.strip() or tr("review.empty"), self._body)
                shown.setWordWrap(True)
                shown.setTextFormat(Qt.TextFormat.PlainText)
                shown.setAccessibleName(f"{tr(key)}: {shown.text()}")
                # The voice counts a name or phone number, never reads it (ui.voice.reader).
                shown.setProperty("personal", bool(value.strip()) and _personal(key))
            self._rows_layout.addWidget(label)
            self._rows_layout.addWidget(shown)
            self._rows_layout.addSpacing(8)
        self._rows_layout.addStretch(1)
