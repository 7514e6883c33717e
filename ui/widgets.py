"""Building blocks every screen shares: translated labels and buttons, fields with
their error beside them, choice grids, tiles and the back/next bar.

Each keeps a catalog key, not a text, and implements ``retranslate()``; a screen
retranslates by walking its children. Each control takes its accessible name
from the same catalog text it shows, so a screen reader says what is on screen.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from PySide6.QtCore import QEvent, QPoint, QSize, Qt, Signal
from PySide6.QtGui import QIcon, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QStyle,
    QStyleOptionButton,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from assets import asset
from ui.i18n import language, tr

# Keyboard modes the on-screen keyboard understands (dynamic property ``keyboard``).
DIGITS = "digits"
EMAIL = "email"
TEXT = "text"  # the UI language: Hangul in Korean, Latin in English


@runtime_checkable
class Retranslatable(Protocol):
    def retranslate(self) -> None: ...


def accessible(text: str) -> str:
    """``text`` as a screen reader (or the kiosk's voice) should say it: without the
    arrows and marks that only decorate it ("◀ 이전" → "이전", "⚠ …")."""
    kept = "".join(ch for ch in text if unicodedata.category(ch) != "So")
    return " ".join(kept.split())


def set_role(widget: QWidget, role: str) -> None:
    """The theme styles widgets by this dynamic property (primary, error, title …)."""
    widget.setProperty("role", role)


def retranslate_tree(root: QWidget) -> None:
    """Call ``retranslate`` on every translatable widget under ``root``."""
    for child in root.findChildren(QWidget):
        if isinstance(child, Retranslatable):
            child.retranslate()


class TrLabel(QLabel):
    """A label showing one catalog entry (with parameters)."""

    def __init__(
        self, key: str = "", role: str = "", parent: QWidget | None = None, **params: Any
    ) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        if role:
            set_role(self, role)
        self._key = key
        self._params = params
        self.retranslate()

    @property
    def key(self) -> str:
        return self._key

    def set_key(self, key: str, **params: Any) -> None:
        self._key = key
        self._params = params
        self.retranslate()

    def retranslate(self) -> None:
        text = tr(self._key, **self._params) if self._key else ""
        self.setText(text)
        self.setAccessibleName(text)


class TrButton(QPushButton):
    """A push button labelled from the catalog; its accessible name is the same text."""

    def __init__(
        self,
        key: str,
        role: str = "secondary",
        parent: QWidget | None = None,
        *,
        a11y_key: str = "",
        **params: Any,
    ) -> None:
        super().__init__(parent)
        set_role(self, role)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._key = key
        self._a11y_key = a11y_key
        self._params = params
        self.retranslate()

    def set_key(self, key: str, **params: Any) -> None:
        self._key = key
        self._params = params
        self.retranslate()

    def retranslate(self) -> None:
        self.setText(tr(self._key, **self._params))
        self.setAccessibleName(accessible(tr(self._a11y_key or self._key, **self._params)))


class TrCheckBox(QCheckBox):
    """A tick box labelled from the catalog (consent boxes start unticked).

    Its text is a word-wrapping label inside the box, because a QCheckBox's own
    text never wraps and a long consent sentence would widen a portrait screen.
    The whole row, box and text, takes the touch.
    """

    def __init__(self, key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._key = key
        self._row = QHBoxLayout(self)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._row.addWidget(self.label)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.retranslate()

    @override
    def hitButton(self, pos: QPoint) -> bool:
        return self.rect().contains(pos)

    @override
    def sizeHint(self) -> QSize:
        return self._row.sizeHint().expandedTo(super().sizeHint())

    @override
    def minimumSizeHint(self) -> QSize:
        return self._row.minimumSize().expandedTo(super().sizeHint())

    @override
    def hasHeightForWidth(self) -> bool:
        return True

    @override
    def heightForWidth(self, width: int) -> int:
        return max(self._row.heightForWidth(width), super().sizeHint().height())

    @override
    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.FontChange):
            self._indent()

    @override
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._indent()

    def retranslate(self) -> None:
        self.label.setText(tr(self._key))
        self.setAccessibleName(tr(self._key))

    def _indent(self) -> None:
        # The text starts where the style puts the end of the box, whatever its size.
        option = QStyleOptionButton()
        self.initStyleOption(option)
        box = self.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, option, self)
        self._row.setContentsMargins(box.right() + 16, 4, 0, 4)


class TileButton(QPushButton):
    """A large home-screen tile: a title and one line saying what it is for."""

    def __init__(self, title_key: str, hint_key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        set_role(self, "tile")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        layout = QVBoxLayout(self)
        self._column = layout
        layout.setContentsMargins(24, 16, 24, 16)
        self.title = TrLabel(title_key, "tile-title", self)
        self.hint = TrLabel(hint_key, "tile-hint", self)
        for label in (self.title, self.hint):
            # The button, not its labels, takes the touch.
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(label)
        self.retranslate()

    @override
    def sizeHint(self) -> QSize:
        # A push button sizes itself by its own text; this one holds labels instead.
        return self._column.sizeHint()

    @override
    def minimumSizeHint(self) -> QSize:
        return self._column.minimumSize()

    def retranslate(self) -> None:
        # Name and description apart, as a screen reader says them: title first, then the hint.
        self.setAccessibleName(tr(self.title.key))
        self.setAccessibleDescription(tr(self.hint.key))


@dataclass(frozen=True)
class Choice:
    """One option of a picker; names in both languages, as reference data has them."""

    code: str
    ko: str
    en: str
    icon: str = ""

    def name(self) -> str:
        return self.ko if language() == "ko" else self.en


def icon_for(name: str) -> QIcon:
    """A category icon from assets/icons, or none when the file is missing."""
    if not name:
        return QIcon()
    node = asset("icons", f"{name}.svg")
    return QIcon(str(node)) if node.is_file() else QIcon()


class ChoiceGrid(QWidget):
    """Big toggle buttons in a grid, one of which may be chosen.

    ``none_key`` adds a first button meaning "none of these" for optional
    questions, because an exclusive group cannot be unticked by touch.
    """

    changed = Signal(str)

    def __init__(
        self,
        choices: Sequence[Choice] = (),
        columns: int = 3,
        parent: QWidget | None = None,
        *,
        none_key: str = "",
    ) -> None:
        super().__init__(parent)
        self._max_columns = columns
        self._columns = columns
        self._none_key = none_key
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(10)
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self._group.buttonClicked.connect(self._clicked)
        self._choices: list[Choice] = []
        self.set_choices(choices)

    def set_choices(self, choices: Sequence[Choice]) -> None:
        kept = self.value()
        for button in self._group.buttons():
            self._group.removeButton(button)
            # Gone from the screen now, not when the deferred delete comes round.
            self._grid.removeWidget(button)
            button.hide()
            button.deleteLater()
        self._choices = list(choices)
        entries: list[Choice | None] = [None] if self._none_key else []
        entries.extend(self._choices)
        for index, choice in enumerate(entries):
            button = QPushButton(self)
            set_role(button, "choice")
            button.setCheckable(True)
            button.setProperty("code", "" if choice is None else choice.code)
            if choice is not None and choice.icon:
                button.setIcon(icon_for(choice.icon))
                button.setIconSize(QSize(40, 40))
            self._group.addButton(button)
            self._grid.addWidget(button, index // self._columns, index % self._columns)
            # A layout shows a new child of a visible grid only on the next event-loop
            # turn; a tap right after a refill must find the buttons there already.
            button.show()
        self.set_value(kept)
        self.retranslate()

    @override
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_columns(event.size().width())

    @override
    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.FontChange):
            self._fit_columns(self.width())

    @override
    def minimumSizeHint(self) -> QSize:
        # One column is always possible: a narrow or 200% screen gets fewer, longer rows.
        widest = max((b.sizeHint().width() for b in self._group.buttons()), default=0)
        return QSize(widest, super().minimumSizeHint().height())

    def _fit_columns(self, width: int) -> None:
        """As many columns as fit the longest name, up to the number asked for."""
        buttons = self._group.buttons()
        if not buttons or width <= 0:
            return
        widest = max(b.sizeHint().width() for b in buttons) + self._grid.spacing()
        columns = max(1, min(self._max_columns, (width + self._grid.spacing()) // widest))
        if columns == self._columns:
            return
        self._columns = columns
        for button in buttons:
            self._grid.removeWidget(button)
        for index, button in enumerate(buttons):
            self._grid.addWidget(button, index // columns, index % columns)

    def buttons(self) -> list[QAbstractButton]:
        return self._group.buttons()

    def button_for(self, code: str) -> QAbstractButton:
        for button in self._group.buttons():
            if button.property("code") == code:
                return button
        raise KeyError(code)

    def value(self) -> str:
        checked = self._group.checkedButton()
        return str(checked.property("code")) if checked is not None else ""

    def set_value(self, code: str) -> None:
        if not code and not self._none_key:
            self.clear()
            return
        for button in self._group.buttons():
            if button.property("code") == code:
                button.setChecked(True)
                return
        self.clear()

    def clear(self) -> None:
        # An exclusive group keeps one button down; lift that rule to untick all.
        self._group.setExclusive(False)
        for button in self._group.buttons():
            button.setChecked(False)
        self._group.setExclusive(True)

    def retranslate(self) -> None:
        names = {c.code: c.name() for c in self._choices}
        for button in self._group.buttons():
            code = str(button.property("code"))
            text = names.get(code, "") if code or not self._none_key else tr(self._none_key)
            button.setText(text)
            button.setAccessibleName(text)

    def _clicked(self, button: QAbstractButton) -> None:
        self.changed.emit(str(button.property("code")))


Editor = QLineEdit | QPlainTextEdit | ChoiceGrid


class Field(QWidget):
    """A question: its label, the error beside it (hidden until needed), the editor."""

    def __init__(
        self,
        name: str,
        label_key: str,
        editor: Editor,
        parent: QWidget | None = None,
        *,
        keyboard: str = TEXT,
    ) -> None:
        super().__init__(parent)
        self.name = name
        self.editor = editor
        self._keyboard = keyboard
        self._error_key = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.label = TrLabel(label_key, "field-label", self)
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        set_role(self.error, "error")
        self.error.hide()
        self.label.setBuddy(editor)
        layout.addWidget(self.label)
        layout.addWidget(self.error)
        layout.addWidget(editor)
        self.retranslate()

    @property
    def error_key(self) -> str:
        return self._error_key

    def value(self) -> str:
        if isinstance(self.editor, QLineEdit):
            return self.editor.text()
        if isinstance(self.editor, QPlainTextEdit):
            return self.editor.toPlainText()
        return self.editor.value()

    def show_error(self, key: str) -> None:
        self._error_key = key
        self.error.show()
        self._render_error()

    def clear_error(self) -> None:
        self._error_key = ""
        self.error.clear()
        self.error.setAccessibleName("")
        self.editor.setAccessibleDescription("")
        self.error.hide()

    def wipe(self) -> None:
        self.editor.clear()
        self.clear_error()

    def retranslate(self) -> None:
        self.label.retranslate()
        name = tr(self.label.key)
        self.editor.setAccessibleName(name)
        # "text" lets the on-screen keyboard type the UI language (Hangul or Latin).
        self.editor.setProperty("keyboard", self._keyboard)
        self._render_error()

    def _render_error(self) -> None:
        if self._error_key:
            text = tr(f"error.{self._error_key}")
            self.error.setText(f"⚠ {text}")
            self.error.setAccessibleName(text)
            # A screen reader on the editor hears the error too (its description).
            self.editor.setAccessibleDescription(text)


def line_field(
    name: str, label_key: str, parent: QWidget | None = None, *, keyboard: str = TEXT
) -> Field:
    editor = QLineEdit()
    editor.setObjectName(name)
    return Field(name, label_key, editor, parent, keyboard=keyboard)


def text_field(name: str, label_key: str, parent: QWidget | None = None) -> Field:
    editor = QPlainTextEdit()
    editor.setObjectName(name)
    editor.setTabChangesFocus(True)
    editor.setMinimumHeight(160)
    return Field(name, label_key, editor, parent)


def choice_field(
    name: str,
    label_key: str,
    choices: Sequence[Choice],
    parent: QWidget | None = None,
    *,
    columns: int = 3,
    none_key: str = "",
) -> Field:
    grid = ChoiceGrid(choices, columns, none_key=none_key)
    grid.setObjectName(name)
    return Field(name, label_key, grid, parent)


class NavBar(QWidget):
    """Back on the left, the next step on the right: the same place on every screen."""

    back = Signal()
    forward = Signal()

    def __init__(
        self, next_key: str = "nav.next", back_key: str = "nav.back", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        self._row = layout
        layout.setContentsMargins(0, 0, 0, 0)
        self.back_button = TrButton(back_key, "secondary", self)
        self.next_button = TrButton(next_key, "primary", self)
        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.forward)
        layout.addWidget(self.back_button, 1)
        layout.addStretch(1)
        layout.addWidget(self.next_button, 2)

    def add_middle(self, button: QWidget) -> None:
        """A third choice between back and next (e.g. "I do not agree")."""
        self._row.insertWidget(1, button, 1)
