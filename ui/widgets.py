"""Building blocks every screen shares: translated labels and buttons, fields with
their error beside them, choice grids, tiles and the back/next bar.

Each keeps a catalog key, not a text, and implements ``retranslate()``; a screen
retranslates by walking its children. Each control takes its accessible name
from the same catalog text it shows, so a screen reader says what is on screen.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from PySide6.QtCore import QEvent, QPoint, QSize, Qt, Signal
from PySide6.QtGui import QFontMetrics, QIcon, QPainter, QPixmap, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QBoxLayout,
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

from ui.bigtext import BigTextLabel
from ui.i18n import language, tr
from ui.icons import icon, icon_pixmap
from ui.theme import current_theme

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


class TrLabel(BigTextLabel):
    """A label showing one catalog entry (with parameters).

    Set to plain text, words taller than Qt's glyph cache (a count at the door,
    a title at large text) are painted from cached glyph images (ui/bigtext.py).
    """

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
        if not self._key:
            return  # no key: the label shows what its owner put in (data, not a text)
        text = tr(self._key, **self._params)
        self.setText(text)
        self.setAccessibleName(text)


# Which palette colour an icon takes on a button of each role (and when checked).
_ICON_COLOUR = {
    "primary": ("on_primary", "on_primary"),
    "danger": ("on_danger", "on_danger"),
    "bar": ("text", "on_frame_accent"),
    "choice": ("icon", "on_chosen"),
    "tile": ("icon", "icon"),
}
# Which size of the design system an icon has on a button of each role.
_ICON_SIZE = {"bar": "bar_icon", "tile": "tile_icon"}


def paint_icon(button: QAbstractButton, name: str) -> None:
    """Give ``button`` the pictogram ``name`` in its role's colour and size (again on restyle)."""
    if not name:
        button.setIcon(QIcon())
        return
    theme = current_theme()
    role = str(button.property("role") or "secondary")
    plain, checked = _ICON_COLOUR.get(role, ("on_secondary", "on_secondary"))
    colour = getattr(theme.palette, checked if button.isChecked() else plain)
    size = int(getattr(theme.metrics, _ICON_SIZE.get(role, "icon")))
    drawing = icon_pixmap(name, size, colour)
    # Room between the pictogram and the word, on the side the word is (the style's own
    # gap is a few pixels, whatever the size).
    gap = round(size * 0.3)
    padded = QPixmap(size + gap, size)
    padded.fill(Qt.GlobalColor.transparent)
    painter = QPainter(padded)
    after = button.layoutDirection() == Qt.LayoutDirection.RightToLeft
    painter.drawPixmap(gap if after else 0, 0, drawing)
    painter.end()
    button.setIcon(QIcon(padded))
    button.setIconSize(padded.size())


def breakable(address: str) -> str:
    """A web address that may wrap after its slashes and dots (zero-width spaces).

    A status link is one long "word": at large text it is wider than a
    portrait screen, and a label cuts a word it cannot break.
    """
    return re.sub(r"([/.?&=])(?=.)", "\\1\u200b", address)


def two_lines(text: str) -> str:
    """``text`` broken at the space nearest its middle (unchanged without a space)."""
    spaces = [i for i, ch in enumerate(text) if ch == " "]
    if not spaces:
        return text
    middle = min(spaces, key=lambda i: abs(i - len(text) / 2))
    return f"{text[:middle]}\n{text[middle + 1 :]}"


class TrButton(QPushButton):
    """A push button labelled from the catalog; its accessible name is the same text.

    ``icon_name`` adds a pictogram (assets/icons) beside the label, drawn in
    the role's colour at the design system's size, redrawn when the theme or
    the checked state changes.
    """

    def __init__(
        self,
        key: str,
        role: str = "secondary",
        parent: QWidget | None = None,
        *,
        a11y_key: str = "",
        icon_name: str = "",
        **params: Any,
    ) -> None:
        super().__init__(parent)
        set_role(self, role)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._key = key
        self._a11y_key = a11y_key
        self._params = params
        self._wrapped = False
        self.icon_name = icon_name
        self.toggled.connect(lambda _on: paint_icon(self, self.icon_name))
        paint_icon(self, icon_name)
        self.retranslate()

    @property
    def key(self) -> str:
        return self._key

    def set_key(self, key: str, **params: Any) -> None:
        self._key = key
        self._params = params
        self.retranslate()

    def set_a11y_key(self, key: str, **params: Any) -> None:
        self._a11y_key = key
        self._a11y_params = params
        self.retranslate()

    def set_wrapped(self, wrapped: bool) -> None:
        """Words on two lines (at the space nearest the middle) where one line is too wide."""
        if wrapped != self._wrapped:
            self._wrapped = wrapped
            self.retranslate()

    def retranslate(self) -> None:
        text = tr(self._key, **self._params)
        self.setText(two_lines(text) if getattr(self, "_wrapped", False) else text)
        a11y_params = getattr(self, "_a11y_params", None) or self._params
        self.setAccessibleName(accessible(tr(self._a11y_key or self._key, **a11y_params)))

    @override
    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.StyleChange:
            paint_icon(self, self.icon_name)


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
    """A home-screen card: its pictogram, a title and, right under it, what it is for.

    Title and description stay together at the card's left, beside the
    pictogram, however wide the card is; the card is as tall as its words
    need (they wrap, never clip), never stretched to fill the screen.
    """

    def __init__(
        self, title_key: str, hint_key: str, parent: QWidget | None = None, *, icon_name: str = ""
    ) -> None:
        super().__init__(parent)
        set_role(self, "tile")
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.icon_name = icon_name
        self._row = QHBoxLayout(self)
        self.picture = QLabel(self)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        column = QVBoxLayout()
        column.setSpacing(4)
        self.title = TrLabel(title_key, "tile-title", self)
        self.hint = TrLabel(hint_key, "tile-hint", self)
        for label in (self.picture, self.title, self.hint):
            # The button, not its labels, takes the touch.
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        column.addWidget(self.title)
        column.addWidget(self.hint)
        column.addStretch(1)
        self._row.addWidget(self.picture, 0, Qt.AlignmentFlag.AlignTop)
        self._row.addLayout(column, 1)
        self._restyle()
        self.retranslate()

    def _restyle(self) -> None:
        theme = current_theme()
        m = theme.metrics
        self._row.setContentsMargins(m.pad * 2, m.pad * 2, m.pad * 2, m.pad * 2)
        self._row.setSpacing(m.pad * 2)
        size = m.tile_icon
        self.picture.setPixmap(icon(self.icon_name, size, theme.palette.icon).pixmap(size, size))
        self.picture.setFixedSize(size, size)
        self.picture.setVisible(bool(self.icon_name))

    @override
    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.StyleChange:
            self._restyle()

    @override
    def sizeHint(self) -> QSize:
        # A push button sizes itself by its own text; this one holds labels instead.
        return self._row.sizeHint()

    @override
    def minimumSizeHint(self) -> QSize:
        return self._row.minimumSize()

    @override
    def hasHeightForWidth(self) -> bool:
        return True

    @override
    def heightForWidth(self, width: int) -> int:
        return self._row.heightForWidth(width)

    def words(self) -> str:
        """What the card says: its title, then its description."""
        return f"{self.title.text()}\n{self.hint.text()}"

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


class ChoiceGrid(QWidget):
    """Big toggle buttons in a grid, one of which may be chosen.

    ``none_key`` adds a first button meaning "none of these" for optional
    questions, because an exclusive group cannot be unticked by touch.
    """

    changed = Signal(str)  # the citizen tapped an option (its code)
    shown_changed = Signal()  # what shows as chosen changed (a tap, a wipe, a new language)

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
        self._grid.setSpacing(current_theme().metrics.gap)
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
            name = choice.icon if choice is not None else ""
            button.setProperty("icon_name", name)
            paint_icon(button, name)
            button.toggled.connect(lambda _on, b=button, n=name: paint_icon(b, n))
            self._group.addButton(button)
            self._grid.addWidget(button, index // self._columns, index % self._columns)
            # A layout shows a new child of a visible grid only on the next event-loop
            # turn; a tap right after a refill must find the buttons there already.
            button.show()
        self.set_value(kept)
        self.retranslate()
        self.updateGeometry()  # more or fewer buttons: the layouts ask its size again

    @override
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_columns(event.size().width())

    @override
    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.StyleChange:
            self._grid.setSpacing(current_theme().metrics.gap)
            for button in self._group.buttons():
                paint_icon(button, str(button.property("icon_name") or ""))
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.FontChange):
            self._fit_columns(self.width(), force=True)

    @override
    def minimumSizeHint(self) -> QSize:
        # One column is always possible: a narrow or 200% screen gets fewer, longer rows.
        widest = max((b.sizeHint().width() for b in self._group.buttons()), default=0)
        return QSize(min(widest, 200), super().minimumSizeHint().height())

    def _columns_for(self, width: int) -> int:
        """As many columns as fit the longest name on one line, up to the number asked for."""
        buttons = self._group.buttons()
        spacing = self._grid.spacing()
        # Called with every name back on one line (``_fit_columns``): hints measure that.
        widest = max(b.sizeHint().width() for b in buttons)
        return max(1, min(self._max_columns, (width + spacing) // (widest + spacing)))

    def _fit_columns(self, width: int, *, force: bool = False) -> None:
        """As many columns as fit the longest name, up to the number asked for."""
        buttons = self._group.buttons()
        if not buttons or width <= 0:
            return
        for button in buttons:
            button.setText(str(button.property("words") or ""))  # measured on one line
        columns = self._columns_for(width)
        if columns != self._columns or force:
            # Fewer columns, more rows: the layouts holding the grid must ask its size
            # again, or a page squeezes the new rows over each other.
            self.updateGeometry()
            self._columns = columns
            for button in buttons:
                self._grid.removeWidget(button)
            for index, button in enumerate(buttons):
                self._grid.addWidget(button, index // columns, index % columns)
            for column in range(self._grid.columnCount()):
                # Equal columns, so a long name does not make its column wider than the others.
                self._grid.setColumnStretch(column, 1 if column < columns else 0)
        if columns == 1:
            # One column and still too wide (200 % text on a portrait screen): two lines.
            for button in buttons:
                if button.sizeHint().width() > width:
                    button.setText(two_lines(button.text()))

    def chosen_text(self) -> str:
        """The chosen option's name as shown, or "" (the "none" button counts as a choice)."""
        checked = self._group.checkedButton()
        return str(checked.property("words") or "") if checked is not None else ""

    def checked_button(self) -> QAbstractButton | None:
        return self._group.checkedButton()

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
                self.shown_changed.emit()
                return
        self.clear()

    def clear(self) -> None:
        # An exclusive group keeps one button down; lift that rule to untick all.
        self._group.setExclusive(False)
        for button in self._group.buttons():
            button.setChecked(False)
        self._group.setExclusive(True)
        self.shown_changed.emit()

    def retranslate(self) -> None:
        names = {c.code: c.name() for c in self._choices}
        for button in self._group.buttons():
            code = str(button.property("code"))
            text = names.get(code, "") if code or not self._none_key else tr(self._none_key)
            button.setProperty("words", text)  # the name on one line, however it is shown
            button.setText(text)
            button.setAccessibleName(text)
        # New words (another language, another list): as many columns as they now fit.
        self._fit_columns(self.width(), force=True)
        self.shown_changed.emit()

    def _clicked(self, button: QAbstractButton) -> None:
        self.changed.emit(str(button.property("code")))
        self.shown_changed.emit()


Editor = QLineEdit | QPlainTextEdit | ChoiceGrid


class Field(QWidget):
    """A question: its label, the error beside it (hidden until needed), the editor.

    A choice (``ChoiceGrid``) also says in words what was chosen, between the
    question and the list, so the choice stays confirmed while the list is
    scrolled. The whole group is what ``ui.scrolling`` keeps in view above
    the keyboard (the dynamic property ``field_group``).
    """

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
        self.setProperty("field_group", True)
        layout = QVBoxLayout(self)
        self._layout = layout
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(current_theme().metrics.pad // 2)
        self.label = TrLabel(label_key, "field-label", self)
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        set_role(self.error, "error")
        self.error.hide()
        self.chosen = QLabel(self)
        self.chosen.setWordWrap(True)
        set_role(self.chosen, "chosen-note")
        self.chosen.hide()
        self.label.setBuddy(editor)
        layout.addWidget(self.label)
        layout.addWidget(self.error)
        layout.addWidget(self.chosen)
        layout.addWidget(editor)
        if isinstance(editor, ChoiceGrid):
            editor.shown_changed.connect(self._render_chosen)
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
        self._render_chosen()

    def retranslate(self) -> None:
        self.label.retranslate()
        name = tr(self.label.key)
        self.editor.setAccessibleName(name)
        # "text" lets the on-screen keyboard type the UI language (Hangul or Latin).
        self.editor.setProperty("keyboard", self._keyboard)
        self._render_error()
        self._render_chosen()

    @override
    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.StyleChange:
            self._layout.setSpacing(current_theme().metrics.pad // 2)

    def _render_error(self) -> None:
        if self._error_key:
            text = tr(f"error.{self._error_key}")
            # The word "오류"/"Error" too: the colour alone does not say it.
            self.error.setText(f"⚠ {tr('error.word')}: {text}")
            self.error.setAccessibleName(text)
            # A screen reader on the editor hears the error too (its description).
            self.editor.setAccessibleDescription(text)

    def _render_chosen(self) -> None:
        if not isinstance(self.editor, ChoiceGrid):
            return
        chosen = self.editor.chosen_text()
        text = tr("field.chosen", choice=chosen) if chosen else ""
        self.chosen.setText(text)
        self.chosen.setAccessibleName(text)
        self.chosen.setVisible(bool(chosen))


def line_field(
    name: str, label_key: str, parent: QWidget | None = None, *, keyboard: str = TEXT
) -> Field:
    editor = QLineEdit()
    editor.setObjectName(name)
    return Field(name, label_key, editor, parent, keyboard=keyboard)


class TextBox(QPlainTextEdit):
    """A box for a few lines of text: at least two lines tall, scrolled by finger.

    Two, not more: on a short screen with the keyboard open, its question and
    the main button must fit above the keyboard too. Where there is room the
    page gives it more.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)
        from ui.scrolling import enable_finger_scrolling  # ui.scrolling imports this module

        enable_finger_scrolling(self)
        self._size_for_theme()

    @override
    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.FontChange):
            self._size_for_theme()

    @override
    def sizeHint(self) -> QSize:
        # Asks for no more than its two lines: a scroll page sizes its content by the
        # hints (height-for-width), and the box grows into whatever room is left.
        return QSize(super().sizeHint().width(), self.minimumHeight())

    def _size_for_theme(self) -> None:
        m = current_theme().metrics
        line = round(m.font["body"] * 1.15)
        self.setMinimumHeight(2 * line + 2 * m.pad)


def text_field(name: str, label_key: str, parent: QWidget | None = None) -> Field:
    editor = TextBox()
    editor.setObjectName(name)
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


def _two_line_width(widget: QWidget) -> int:
    """How wide a button is with its words on two lines (its own width for anything else)."""
    if not isinstance(widget, QPushButton):
        return widget.minimumSizeHint().width()
    metrics = QFontMetrics(widget.font())
    one_line = max(metrics.horizontalAdvance(line) for line in widget.text().split("\n"))
    two = max(metrics.horizontalAdvance(line) for line in two_lines(widget.text()).split("\n"))
    return widget.sizeHint().width() - one_line + two


def _row_high(button: QWidget) -> None:
    """As high as the main button (ui.theme styles ``nav``): a second answer beside it
    is never the lower one, and its words have the main button's room at any text size."""
    button.setProperty("nav", True)


class NavBar(QWidget):
    """A screen's actions, just above the bottom bar: the one main action on the right.

    "Back" lives in the bottom bar of every screen (``ui.frame``). A screen
    that offers a second way on (review: "No, change it") names it with
    ``back_key``; it sits left of the main action and emits ``back``.
    """

    back = Signal()
    forward = Signal()

    def __init__(
        self,
        next_key: str = "nav.next",
        back_key: str = "",
        parent: QWidget | None = None,
        *,
        next_icon: str = "next",
    ) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        self._row = layout
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(current_theme().metrics.gap)
        self.next_button = TrButton(next_key, "primary", self, icon_name=next_icon)
        self.next_button.setLayoutDirection(Qt.LayoutDirection.RightToLeft)  # the arrow after
        self.next_button.clicked.connect(self.forward)
        _row_high(self.next_button)
        self.back_button: TrButton | None = None
        if back_key:
            self.back_button = TrButton(back_key, "secondary", self)
            _row_high(self.back_button)
            self.back_button.clicked.connect(self.back)
            layout.addWidget(self.back_button, 1)
        else:
            layout.addStretch(1)
        layout.addWidget(self.next_button, 2)

    def add_middle(self, button: QWidget) -> None:
        """A second choice left of the main one (e.g. "I do not agree")."""
        item = self._row.itemAt(0)
        if item is not None and item.widget() is None:
            self._row.removeItem(item)  # the placeholder stretch
        _row_high(button)
        self._row.insertWidget(self._row.count() - 1, button, 1)

    @override
    def minimumSizeHint(self) -> QSize:
        # Stacked, words on two lines, is always possible: never wider than that.
        widest = max((_two_line_width(b) for b in self._buttons()), default=0)
        return QSize(widest, super().minimumSizeHint().height())

    def _buttons(self) -> list[QWidget]:
        items = (self._row.itemAt(i) for i in range(self._row.count()))
        return [w for item in items if item is not None and (w := item.widget()) is not None]

    @override
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange(event.size().width())

    @override
    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.StyleChange:
            self._row.setSpacing(current_theme().metrics.gap)
            self._arrange(self.width())

    def _arrange(self, width: int) -> None:
        """Side by side when both answers' words fit; one above the other when not."""
        buttons = [b for b in self._buttons() if not b.isHidden()]
        # Measured on one line: a button wrapped for an earlier width is narrower.
        for button in buttons:
            if isinstance(button, TrButton):
                button.set_wrapped(False)
        # Each takes its stretch's share of the row (the main one twice the other's).
        shares = [self._row.stretch(self._row.indexOf(b)) or 1 for b in buttons]
        room = width - self._row.spacing() * max(0, len(buttons) - 1)
        fits = all(
            b.sizeHint().width() <= room * share / sum(shares)
            for b, share in zip(buttons, shares, strict=True)
        )
        stacked = len(buttons) > 1 and width > 0 and not fits
        direction = (
            QBoxLayout.Direction.TopToBottom if stacked else QBoxLayout.Direction.LeftToRight
        )
        if self._row.direction() != direction:
            self._row.setDirection(direction)
        # Stacked and still too wide (200 % text on a portrait screen): two lines of words.
        total = sum(self._row.stretch(i) for i in range(self._row.count())) or 1
        for button in buttons:
            if isinstance(button, TrButton):
                share = self._row.stretch(self._row.indexOf(button)) or 1
                room_for = width if stacked else room * share // total
                button.set_wrapped(width > 0 and button.sizeHint().width() > room_for)
