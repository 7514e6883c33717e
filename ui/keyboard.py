"""The kiosk's own on-screen keyboard: a panel inside the window, not an input-method window.

Qt Virtual Keyboard is GPLv3-only and, for widgets, opens a window of its own
that cannot be driven offscreen, so the kiosk draws its keyboard as an
ordinary widget. It follows the focused text field (``QLineEdit``,
``QPlainTextEdit``, ``QTextEdit``) through ``QApplication.focusChanged`` and
types into it; its keys never take focus, so the field keeps the cursor.

Modes (a field asks for one with the dynamic property ``keyboard``):

- ``hangul``: 2-beolsik (두벌식) with syllable composition by
  ``kiosk.hangul.HangulComposer``; shift shows ㄲ ㄸ ㅃ ㅆ ㅉ ㅒ ㅖ.
- ``latin``: QWERTY with a one-shot shift.
- ``email``: QWERTY with ``@ . - _`` in place of space and the language key.
- ``digits``: a 3×4 phone pad (0-9, hyphen, backspace).
- ``text`` or no property: the default mode, hangul for a Korean UI and
  latin for an English one (``set_default_mode``).

How composition shows: the syllable under composition is real text in the
field, selected (the block highlight the Windows Korean IME uses). So the
field's ``text()`` always holds what the citizen sees, even when a screen
reads it while a syllable is still open (a "next" button that takes no focus,
the idle wipe). The next jamo replaces the selection; anything else (another
key, moving the cursor, focus leaving) ends the composition. Qt's preedit
(``QInputMethodEvent``) would draw an underline instead, but preedit text is
not part of ``text()`` and is silently dropped when the field loses focus
without an input context to commit it.

Texts on function keys and accessible names come from the catalog
(``LABEL_KEYS``), read through ``translate`` (``ui.i18n.tr`` unless a test or
demo passes its own); ``retranslate()`` re-reads them after a language switch
and makes the UI language's script the default mode.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QFontMetricsF, QKeyEvent, QResizeEvent, QShowEvent, QTextCursor
from PySide6.QtWidgets import (
    QApplication,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QStackedLayout,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from kiosk.hangul import DUBEOLSIK, HangulComposer, decompose_syllable
from ui.i18n import language, tr
from ui.theme import current_theme
from ui.touch import REFERENCE_DPI, mm_to_px, touch_target_px

__all__ = [
    "BACKSPACE",
    "ENTER",
    "LABEL_KEYS",
    "MODE_PROPERTY",
    "SHIFT",
    "SPACE",
    "TOGGLE",
    "Mode",
    "OnScreenKeyboard",
    "key_sequence",
]


class Mode(StrEnum):
    HANGUL = "hangul"
    LATIN = "latin"
    EMAIL = "email"
    DIGITS = "digits"


MODE_PROPERTY: Final = "keyboard"
# Property value meaning "whatever the UI language types" (ui.widgets.TEXT).
_DEFAULT_MODE_VALUES: Final = frozenset({"", "text"})

# Names of the keys that do not type a character (also what keyPressed carries for them).
SHIFT: Final = "shift"
BACKSPACE: Final = "backspace"
SPACE: Final = "space"
ENTER: Final = "enter"
TOGGLE: Final = "toggle_language"

LABEL_KEYS: Final = (
    "keyboard.panel",  # accessible name of the whole keyboard
    "keyboard.key",  # accessible name of a character key; "{key}" is the character
    "keyboard.shift",  # shift in Hangul mode (double consonants)
    "keyboard.capitals",  # shift in Latin modes
    "keyboard.backspace",
    "keyboard.space",
    "keyboard.enter",  # enter in a multi-line field: new line
    "keyboard.next",  # enter in a one-line field: go to the next field
    "keyboard.toggle_language",
)

Target = QLineEdit | QPlainTextEdit | QTextEdit

_LETTER_ROWS: Final = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_NUMBERS: Final = "1234567890"
# Shift on the number row gives what it gives on a US keyboard, which people know.
_NUMBERS_SHIFTED: Final = dict(zip(_NUMBERS, "!@#$%^&*()", strict=True))
# The question mark is shift on the full stop (as on Korean phone keyboards), which leaves
# the "next" key room for its words at the smallest text size.
_SHIFTED: Final = {**_NUMBERS_SHIFTED, ".": "?"}
_LETTERS: Final = frozenset("".join(_LETTER_ROWS))
_TEXT_MODES: Final = (Mode.HANGUL, Mode.LATIN)

# Units are half a letter key: every row of the letter page is 20 units wide.
# Between two keys: the barrier-free standard's 2.5 mm (ui.design.GAP_MM's floor).
_GAP_MM: Final = 2.5
_MARGIN: Final = 8
# Left and right of a key's label, inside its border; the theme draws a 2-pixel border.
_LABEL_PADDING: Final = 3
_KEY_BORDER: Final = 2


@dataclass(frozen=True)
class _Slot:
    """A key (or an empty gap when ``key`` is empty) taking ``units`` of its row."""

    key: str
    units: int
    role: str = "key"


def _letter_rows() -> list[list[_Slot]]:
    return [
        [_Slot(c, 2) for c in _LETTER_ROWS[0]],
        [_Slot("", 1), *(_Slot(c, 2) for c in _LETTER_ROWS[1]), _Slot("", 1)],
        [
            _Slot(SHIFT, 3, "key-action"),
            *(_Slot(c, 2) for c in _LETTER_ROWS[2]),
            _Slot(BACKSPACE, 3, "key-action"),
        ],
    ]


def _letter_page_rows(bottom: Sequence[_Slot]) -> list[list[_Slot]]:
    """Portrait: the digits in a row above the letters (five rows, ten keys across)."""
    return [[_Slot(n, 2) for n in _NUMBERS], *_letter_rows(), list(bottom)]


def _wide_page_rows(bottom: Sequence[_Slot]) -> list[list[_Slot]]:
    """Landscape: the digits as a pad right of the letters, so the keyboard is four rows
    tall and a short screen (1366×768) keeps room for the field above it."""
    pad = ("789", "456", "123")
    rows = [
        [*row, *(_Slot(d, 2) for d in digits)]
        for row, digits in zip(_letter_rows(), pad, strict=True)
    ]
    rows.append([*bottom, _Slot("0", 6)])
    return rows


_TEXT_BOTTOM: Final = (
    _Slot(TOGGLE, 3, "key-action"),
    _Slot(",", 2),
    _Slot(SPACE, 5, "key-action"),
    _Slot(".", 2),
    _Slot("-", 2),
    _Slot(ENTER, 6, "key-accent"),
)
_EMAIL_BOTTOM: Final = (
    _Slot("@", 4),
    _Slot(".", 4),
    _Slot("-", 3),
    _Slot("_", 3),
    _Slot(ENTER, 6, "key-accent"),
)
# A phone pad in four rows (a short screen keeps room for the field above it):
# delete and the hyphen on the right, "next" under them.
_DIGIT_ROWS: Final = (
    (_Slot("1", 2), _Slot("2", 2), _Slot("3", 2), _Slot(BACKSPACE, 3, "key-action")),
    (_Slot("4", 2), _Slot("5", 2), _Slot("6", 2), _Slot("-", 3)),
    (_Slot("7", 2), _Slot("8", 2), _Slot("9", 2), _Slot("", 3)),
    (_Slot("", 2), _Slot("0", 2), _Slot("", 2), _Slot(ENTER, 3, "key-accent")),
)


class _KeyPage(QWidget):
    """Rows of keys placed by units: exact proportions, and never below one touch target.

    A grid layout would share space by size hints, which differ per label;
    placing keys by hand keeps every letter key the same width in every mode.

    The keys are made the first time they are needed (``rows``): when the page
    is shown, asked for its keys, or asked for its size while shown or about
    to be. The keyboard is hidden until a text field has focus, most citizens
    never type, and a page seldom used (e-mail, digits, the other
    orientation) need not exist: the five pages' 187 styled buttons were ~4 MB
    of an idle kiosk's memory and ~20 ms of its start.
    """

    def __init__(
        self,
        rows: Sequence[Sequence[_Slot]],
        make_key: Callable[[_Slot, QWidget], QPushButton],
        touch: int,
        parent: QWidget | None = None,
        *,
        max_unit_factor: float,
        gap: int = 8,
    ) -> None:
        super().__init__(parent)
        self._touch = touch
        self._gap = gap
        # Keys grow at most this much beyond their own size hint: a keyboard
        # stretched across a 1920-pixel screen is a long reach for one hand.
        self._max_unit_factor = max_unit_factor
        self._slots = tuple(tuple(row) for row in rows)
        self._make_key = make_key
        self._rows: list[list[tuple[_Slot, QPushButton | None]]] | None = None
        self._units = max(sum(s.units for s in row) for row in rows)

    @property
    def rows(self) -> list[list[tuple[_Slot, QPushButton | None]]]:
        """Each row's slots with their keys (None for a gap), made on first use."""
        if self._rows is None:
            make = self._make_key
            self._rows = [
                [(s, make(s, self) if s.key else None) for s in row] for row in self._slots
            ]
            if self.isVisible():  # children made after their parent was shown stay hidden
                for button in self.buttons():
                    button.show()
            self.updateGeometry()  # the size hint now counts the keys' own
        return self._rows

    def make_keys(self) -> None:
        """Make the keys now if they are not yet (before the page is laid out to be shown)."""
        _ = self.rows

    def made_buttons(self) -> list[QPushButton]:
        """The keys made so far: none before the page was first needed."""
        return self.buttons() if self._rows is not None else []

    def set_touch(self, touch: int, gap: int) -> None:
        self._touch = touch
        self._gap = gap
        self.updateGeometry()
        self.place_keys()

    def buttons(self) -> list[QPushButton]:
        return [b for row in self.rows for _, b in row if b is not None]

    def _unit_extent(self, hint: str) -> QSize:
        """Width of one unit and height of a row that fit every character key's own hint.

        Hints, not fixed numbers, so large text and the style sheet's padding
        grow the keyboard instead of clipping labels. Function keys do not
        count: their words may be long, and they shrink to fit (``_fit_label``)
        rather than push a 1080-pixel portrait keyboard off the screen.
        """
        unit, height = (self._touch + self._gap) / 2, self._touch
        for row in self.rows:
            for slot, button in row:
                if button is None or button.isHidden() or slot.role != "key":
                    continue
                size: QSize = getattr(button, hint)()
                if size.isValid():
                    # A key spanning s units is s * unit - gap wide.
                    unit = max(unit, (size.width() + self._gap) / slot.units)
                    height = max(height, size.height())
        return QSize(math.ceil(unit), height)

    def _extent(self, unit: QSize) -> QSize:
        rows = len(self._slots)
        width = self._units * unit.width() - self._gap
        height = rows * unit.height() + (rows - 1) * self._gap
        return QSize(width, height)

    @override
    def sizeHint(self) -> QSize:
        if self._rows is None and not self.isVisible():
            # Layouts ask hidden pages too (a stacked layout asks every page, a window
            # its hidden keyboard): not a reason to make the keys. Once shown, the page
            # makes them and asks its layout to ask again (``rows``).
            return self.minimumSizeHint()
        return self._extent(self._unit_extent("sizeHint"))

    @override
    def minimumSizeHint(self) -> QSize:
        # As small as one touch target per key: a short screen (1366×768 with large text)
        # gets keys of 15 mm, their labels still whole (a jamo is far shorter than its line).
        return self._extent(QSize(math.ceil((self._touch + self._gap) / 2), self._touch))

    @override
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.place_keys()

    @override
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.place_keys()

    @override
    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.StyleChange:
            # A new theme (large text) changes what fits on the function keys.
            self.place_keys()

    def place_keys(self) -> None:
        """Lay the keys out over the page (and fit function-key words) again."""
        if self._rows is None and not self.isVisible():
            return  # nothing made yet, and nothing to see: placed when first shown
        rows = len(self._slots)
        row_height = (self.height() - (rows - 1) * self._gap) / rows
        unit = min(
            (self.width() + self._gap) / self._units,
            self._unit_extent("sizeHint").width() * self._max_unit_factor,
        )
        left = (self.width() - unit * self._units + self._gap) / 2
        for index, row in enumerate(self.rows):
            # Both edges rounded from the exact row, so the last row ends inside the page.
            exact = index * (row_height + self._gap)
            top, bottom = round(exact), round(exact + row_height)
            x = left
            for slot, button in row:
                span = slot.units * unit
                if button is not None:
                    button.setGeometry(
                        round(x), top, round(x + span - self._gap) - round(x), bottom - top
                    )
                    _fit_label(button)
                x += span


def _fit_label(button: QPushButton) -> None:
    """Shrink a key's font until its label fits the key, never below the smallest text.

    Keys may be as small as one 15 mm target (a short screen with large text),
    and a jamo or digit drawn at the key size would then be cut, a function
    key's word too wide. The smallest text (``ui.design``, 12 mm of Hangul at
    the panel's size) is a floor: a label that does not fit above it is a
    layout to fix, which the layout audit reports. A per-key style sheet (it
    outranks the application's) keeps the pressed and checked colours.
    """
    font = button.font()
    if button.styleSheet():
        button.setStyleSheet("")  # back to the theme's size, then measure
        font = button.font()
    size = font.pixelSize()
    text = button.text().replace("&&", "&")
    if size <= 0 or not text:
        return
    metrics = QFontMetricsF(font)
    room_w = button.width() - 2 * (_KEY_BORDER + _LABEL_PADDING)
    room_h = button.height() - 2 * _KEY_BORDER
    need_w = metrics.horizontalAdvance(text)
    need_h = metrics.tightBoundingRect(text).height()
    if room_w <= 0 or room_h <= 0 or (need_w <= room_w and need_h <= room_h):
        return
    scale = min(room_w / need_w, room_h / need_h)
    fitted = max(math.floor(size * scale), current_theme().metrics.min_text_px)
    if fitted < size:
        button.setStyleSheet(f"font-size: {fitted}px")


class OnScreenKeyboard(QWidget):
    """A keyboard panel that types into the focused text field of its own window.

    Signals carry plain strings: ``keyPressed`` the character typed or the
    name of a function key (``SHIFT``, ``BACKSPACE``, ...), for click sounds
    or speech; ``modeChanged`` the new ``Mode`` value; ``targetChanged``
    whether there is a field to type into (the shell may hide the panel).
    """

    # Qt's naming for signals, as in the brief the screens are written against.
    keyPressed = Signal(str)  # noqa: N815
    modeChanged = Signal(str)  # noqa: N815
    targetChanged = Signal(bool)  # noqa: N815

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        dpi: float = REFERENCE_DPI,
        translate: Callable[[str], str] = tr,
    ) -> None:
        super().__init__(parent)
        self.setProperty("role", "keyboard")
        # Paint the panel colour behind the keys (a plain QWidget paints no style sheet).
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._translate = translate
        self._touch = touch_target_px(dpi)
        self._default_mode = _mode_for_language(language())
        self._mode = self._default_mode
        self._shift = False
        self._physical = False
        self._target: Target | None = None
        self._composer = HangulComposer()
        # Length of composer.committed already written into the field.
        self._flushed = 0

        make = self._make_key
        self._wide = False
        # Keys up to twice their own size: room for the function keys' words at the
        # smallest text, and still no screen-wide stretch on a 1920-pixel panel.
        self._narrow_pages = (
            _KeyPage(_letter_page_rows(_TEXT_BOTTOM), make, self._touch, max_unit_factor=2.0),
            _KeyPage(_letter_page_rows(_EMAIL_BOTTOM), make, self._touch, max_unit_factor=2.0),
        )
        self._wide_pages = (
            _KeyPage(_wide_page_rows(_TEXT_BOTTOM), make, self._touch, max_unit_factor=2.0),
            _KeyPage(_wide_page_rows(_EMAIL_BOTTOM), make, self._touch, max_unit_factor=2.0),
        )
        self._text_page, self._email_page = self._narrow_pages
        # A phone pad is used with one finger: keep it compact, not screen-wide.
        self._digit_page = _KeyPage(_DIGIT_ROWS, make, self._touch, max_unit_factor=2.6)
        self._stack = QStackedLayout()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(_MARGIN, _MARGIN, _MARGIN, _MARGIN)
        # The stack in place before its pages: a page added to a stack that has no widget
        # yet is shown as a window of its own (and, shown, would make its keys).
        outer.addLayout(self._stack)
        for page in (*self._narrow_pages, *self._wide_pages, self._digit_page):
            self._stack.addWidget(page)

        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)
        self.set_dpi(dpi)
        self._show_mode()

    # -- public API -----------------------------------------------------------------------

    def mode(self) -> Mode:
        return self._mode

    def set_mode(self, mode: Mode) -> None:
        """Switch layout; ends any composition (the syllable stays typed)."""
        self.commit()
        self._shift = False
        if mode != self._mode:
            self._mode = mode
            self.modeChanged.emit(mode.value)
        self._show_mode()

    def default_mode(self) -> Mode:
        return self._default_mode

    def set_default_mode(self, mode: Mode) -> None:
        """The mode for fields that ask for none: HANGUL in a Korean UI, LATIN in English."""
        self._default_mode = mode
        if self._target is not None and self._requested_mode(self._target) is None:
            self.set_mode(mode)

    def retranslate(self) -> None:
        """After a language switch: new key texts, and the new language's script as default.

        The field being typed into keeps its mode if it asked for one (the
        screens' fields re-ask for the new language's script when they
        retranslate, which happens first).
        """
        self._default_mode = _mode_for_language(language())
        if self._target is not None:
            self.set_mode(self._requested_mode(self._target) or self._default_mode)
        self._refresh_labels()

    def set_dpi(self, dpi: float) -> None:
        """Resize keys for a panel of ``dpi`` logical pixels per inch (15 mm each side)."""
        self._touch = touch_target_px(dpi)
        gap = mm_to_px(_GAP_MM, dpi)
        for page in self._pages():
            for button in page.made_buttons():
                button.setMinimumSize(self._touch, self._touch)
            page.set_touch(self._touch, gap)
        self.updateGeometry()

    def set_wide(self, wide: bool) -> None:
        """Landscape: digits as a pad beside the letters (four rows); portrait: above them."""
        if wide == self._wide:
            return
        self._wide = wide
        self._text_page, self._email_page = self._wide_pages if wide else self._narrow_pages
        self._show_mode()

    def is_wide(self) -> bool:
        return self._wide

    def touch_px(self) -> int:
        return self._touch

    def set_physical_keyboard(self, present: bool) -> None:
        """A configured hardware keyboard replaces this one: hide and stop typing."""
        self.commit()
        self._physical = present
        self.setVisible(not present)
        if present:
            self.set_target(None)

    def target(self) -> Target | None:
        return self._target

    def set_target(self, widget: Target | None) -> None:
        """Type into ``widget`` from now on (normally done by following focus)."""
        if widget is self._target:
            return
        self.commit()
        if self._target is not None:
            self._target.destroyed.disconnect(self._target_destroyed)
        self._target = widget
        if widget is not None:
            widget.destroyed.connect(self._target_destroyed)
            self.set_mode(self._requested_mode(widget) or self._default_mode)
        self._refresh_labels()
        self.targetChanged.emit(widget is not None)

    def button(self, name: str) -> QPushButton:
        """The visible key that types ``name`` now (after shift), or the function key ``name``.

        For tests and for pointing at a key in help screens.
        """
        for button in self.buttons():
            if not button.isHidden() and name in (button.property("key"), self._output(button)):
                return button
        raise KeyError(f"no key {name!r} in {self._mode.value} mode (shift={self._shift})")

    def buttons(self) -> list[QPushButton]:
        """Every key of the current layout."""
        page = self._stack.currentWidget()
        return page.buttons() if isinstance(page, _KeyPage) else []

    def shift_active(self) -> bool:
        return self._shift

    def press(self, key: str) -> None:
        """Act as if a key was tapped (what every key button calls).

        ``key`` is the key's id, not its label: the QWERTY letter for letter
        keys (``"t"`` types ㅅ, or ㅆ after shift, in Hangul mode), the
        character for the others, or a function-key name (``SHIFT`` ...).
        Tests tap real buttons instead, found with ``button``.
        """
        if key == SHIFT:
            self._shift = not self._shift
            self._refresh_labels()
        elif key == TOGGLE:
            self.set_mode(Mode.LATIN if self._mode == Mode.HANGUL else Mode.HANGUL)
        elif self._target is None or self._target.isReadOnly():
            return
        elif key == BACKSPACE:
            self._backspace(self._target)
        elif key == ENTER:
            self._enter(self._target)
        else:
            ch = " " if key == SPACE else self._char_for(key)
            self._type(self._target, ch)
            if self._shift:
                self._shift = False  # one-shot, as on phones
                self._refresh_labels()
            self.keyPressed.emit(ch)
            return
        self.keyPressed.emit(key)

    def commit(self) -> None:
        """End the composition: the syllable stays in the field, the next jamo starts anew."""
        target = self._target
        if target is not None and self._composer.composing and self._composition_intact(target):
            if isinstance(target, QLineEdit):
                target.setCursorPosition(target.selectionEnd())
            else:
                cursor = target.textCursor()
                cursor.clearSelection()
                target.setTextCursor(cursor)
        self._forget_composition()

    def composing(self) -> str:
        """The syllable under composition ("" if none)."""
        return self._composer.composing

    # -- Qt overrides ---------------------------------------------------------------------

    @override
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # Shown after a field already got focus: pick it up now.
        if self._target is None and not self._physical:
            self._focus_changed(None, QApplication.focusWidget())

    @override
    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.StyleChange:
            self.updateGeometry()

    @override
    def sizeHint(self) -> QSize:
        # The page on show, not the tallest of all (a stacked layout's own answer):
        # the four-row landscape page leaves the field above it a row more.
        page = self._stack.currentWidget()
        if isinstance(page, _KeyPage) and not self.isHidden():
            # About to be laid out for showing: with the keys' own sizes, the first time too.
            page.make_keys()
        margins = 2 * _MARGIN
        hint = page.sizeHint() if page is not None else QSize()
        return QSize(hint.width() + margins, hint.height() + margins)

    @override
    def minimumSizeHint(self) -> QSize:
        page = self._stack.currentWidget()
        margins = 2 * _MARGIN
        hint = page.minimumSizeHint() if page is not None else QSize()
        return QSize(hint.width() + margins, hint.height() + margins)

    # -- keys -----------------------------------------------------------------------------

    def _make_key(self, slot: _Slot, parent: QWidget) -> QPushButton:
        button = QPushButton(parent)
        button.setProperty("role", slot.role)
        button.setProperty("key", slot.key)
        # The field being typed into must keep the focus (and its cursor).
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setAutoDefault(False)
        button.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        if slot.key == SHIFT:
            button.setCheckable(True)
        if slot.key == BACKSPACE:
            # Holding backspace clears a field; the long delay spares a slow finger.
            button.setAutoRepeat(True)
            button.setAutoRepeatDelay(700)
            button.setAutoRepeatInterval(120)
        button.clicked.connect(lambda: self.press(slot.key))
        # Made when its page is first needed: sized and labelled for the keyboard as it is now.
        button.setMinimumSize(self._touch, self._touch)
        self._label_key(button, self._label("keyboard.key"))
        return button

    # -- following focus ------------------------------------------------------------------

    def _focus_changed(self, old: QWidget | None, new: QWidget | None) -> None:
        if self._physical or new is self._target:
            return
        if isinstance(new, Target) and new.window() is self.window():
            self.set_target(new)
        elif new is not None and new.window() is self.window():
            self.set_target(None)
        else:
            # Focus left the window (a dialog, the app deactivated): keep the field,
            # but end the syllable so nothing half-typed hangs around.
            self.commit()

    def _target_destroyed(self, _obj: QObject | None = None) -> None:
        self._target = None
        self._forget_composition()
        self.targetChanged.emit(False)

    def _requested_mode(self, widget: QWidget) -> Mode | None:
        value = widget.property(MODE_PROPERTY)
        if not isinstance(value, str) or value in _DEFAULT_MODE_VALUES:
            return None
        try:
            return Mode(value)
        except ValueError:
            return None

    # -- typing ---------------------------------------------------------------------------

    def _type(self, target: Target, ch: str) -> None:
        if self._mode == Mode.HANGUL and ch in _JAMO_KEYS:
            self._type_jamo(target, ch)
        else:
            self.commit()
            self._write(target, ch, 0)

    def _type_jamo(self, target: Target, jamo: str) -> None:
        if self._composer.composing and not self._composition_intact(target):
            self._forget_composition()
        self._composer.feed(jamo)
        finished = self._composer.committed[self._flushed :]
        composing = self._composer.composing
        self._write(target, finished + composing, len(composing))
        self._flushed = len(self._composer.committed)
        if not composing:
            self._forget_composition()

    def _backspace(self, target: Target) -> None:
        if self._composer.composing and self._composition_intact(target):
            self._composer.backspace()
            composing = self._composer.composing
            self._write(target, composing, len(composing))
            if not composing:
                self._forget_composition()
            return
        self._forget_composition()
        if isinstance(target, QLineEdit):
            target.backspace()
        else:
            cursor = target.textCursor()
            cursor.deletePreviousChar()
            target.setTextCursor(cursor)

    def _enter(self, target: Target) -> None:
        self.commit()
        if not isinstance(target, QLineEdit):
            self._write(target, "\n", 0)
            return
        # Let the screen react as to a real Enter (returnPressed, editingFinished) ...
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            event = QKeyEvent(kind, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier, "\r")
            QApplication.sendEvent(target, event)
        # ... then move on, the way "다음" on a phone keyboard does.
        following = self._next_field(target)
        if following is not None:
            following.setFocus(Qt.FocusReason.TabFocusReason)

    def _next_field(self, target: Target) -> Target | None:
        widget = target.nextInFocusChain()
        window = target.window()
        # The chain is a ring through the window itself; stopping there means no wrap-around.
        while widget is not None and widget is not target and widget is not window:
            if (
                isinstance(widget, Target)
                and widget.isVisible()
                and widget.isEnabled()
                and not widget.isReadOnly()
                and widget.focusPolicy() & Qt.FocusPolicy.TabFocus
            ):
                return widget
            widget = widget.nextInFocusChain()
        return None

    def _write(self, target: Target, text: str, composing: int) -> None:
        """Replace the selection (the open syllable, if any) by ``text``; select its last
        ``composing`` characters as the new open syllable."""
        if isinstance(target, QLineEdit):
            target.insert(text)
            end = target.cursorPosition()
            if composing:
                target.setSelection(end - composing, composing)
        else:
            cursor = target.textCursor()
            cursor.insertText(text)
            if composing:
                end = cursor.position()
                cursor.setPosition(end - composing)
                cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
            target.setTextCursor(cursor)
        if composing and not self._composition_intact(target):
            # A max length or validator refused part of it: stop composing, keep what took.
            self._forget_composition()

    def _composition_intact(self, target: Target) -> bool:
        """Whether the field still shows the open syllable selected (the citizen may have
        tapped elsewhere in the field, or a screen cleared it)."""
        composing = self._composer.composing
        if isinstance(target, QLineEdit):
            return bool(composing) and target.selectedText() == composing
        return bool(composing) and target.textCursor().selectedText() == composing

    def _forget_composition(self) -> None:
        self._composer.reset()
        self._flushed = 0

    # -- labels ---------------------------------------------------------------------------

    def _pages(self) -> tuple[_KeyPage, ...]:
        return (*self._narrow_pages, *self._wide_pages, self._digit_page)

    def _show_mode(self) -> None:
        page = {Mode.EMAIL: self._email_page, Mode.DIGITS: self._digit_page}.get(
            self._mode, self._text_page
        )
        if not self.isHidden():
            page.make_keys()  # made before it is shown, so they show with it
        self._stack.setCurrentWidget(page)
        self._refresh_labels()
        self.updateGeometry()

    def _char_for(self, key: str) -> str:
        if key in _LETTERS:
            if self._mode == Mode.HANGUL:
                return DUBEOLSIK[key.upper() if self._shift else key]
            return key.upper() if self._shift else key
        if self._shift and key in _SHIFTED and self._mode != Mode.DIGITS:
            return _SHIFTED[key]
        return key

    def _output(self, button: QPushButton) -> str:
        key = str(button.property("key"))
        return key if key in _FUNCTION_KEYS else self._char_for(key)

    def _label(self, key: str) -> str:
        return self._translate(key)

    def _function_label(self, key: str) -> str:
        if key == SHIFT:
            return self._label(
                "keyboard.shift" if self._mode == Mode.HANGUL else "keyboard.capitals"
            )
        if key == ENTER:
            one_line = self._target is None or isinstance(self._target, QLineEdit)
            return self._label("keyboard.next" if one_line else "keyboard.enter")
        return self._label(f"keyboard.{key}")

    def _refresh_labels(self) -> None:
        self.setAccessibleName(self._label("keyboard.panel"))
        template = self._label("keyboard.key")
        for page in self._pages():
            for button in page.made_buttons():
                self._label_key(button, template)
            if page.isVisible():
                page.place_keys()  # new words may need fitting

    def _label_key(self, button: QPushButton, template: str) -> None:
        """The key's text and accessible name (``template``: "keyboard.key") for now."""
        key = str(button.property("key"))
        if key in _FUNCTION_KEYS:
            text = self._function_label(key)
            button.setText(_literal(text))
            button.setAccessibleName(text)
        else:
            ch = self._char_for(key)
            button.setText(_literal(ch))
            # A screen reader says "ㄱ 키" / "a key", not just a letter.
            button.setAccessibleName(template.replace("{key}", ch))
        if key == SHIFT:
            button.setChecked(self._shift)


_FUNCTION_KEYS: Final = frozenset({SHIFT, BACKSPACE, SPACE, ENTER, TOGGLE})


def _literal(text: str) -> str:
    """Button text shown as is: a lone "&" would mark a shortcut and vanish."""
    return text.replace("&", "&&")


def _mode_for_language(lang: str) -> Mode:
    return Mode.LATIN if lang == "en" else Mode.HANGUL


_JAMO_KEYS: Final = frozenset(DUBEOLSIK.values())


# -- typing a text by keys (tests, demos) -------------------------------------------------

# Compound jamo are typed as two keys; the composer joins them again.
_COMPOUND_JAMO: Final = {
    "ㅘ": "ㅗㅏ", "ㅙ": "ㅗㅐ", "ㅚ": "ㅗㅣ", "ㅝ": "ㅜㅓ",
    "ㅞ": "ㅜㅔ", "ㅟ": "ㅜㅣ", "ㅢ": "ㅡㅣ",
    "ㄳ": "ㄱㅅ", "ㄵ": "ㄴㅈ", "ㄶ": "ㄴㅎ", "ㄺ": "ㄹㄱ", "ㄻ": "ㄹㅁ", "ㄼ": "ㄹㅂ",
    "ㄽ": "ㄹㅅ", "ㄾ": "ㄹㅌ", "ㄿ": "ㄹㅍ", "ㅀ": "ㄹㅎ", "ㅄ": "ㅂㅅ",
}  # fmt: skip
_SHIFTED_JAMO: Final = frozenset(
    jamo for key, jamo in DUBEOLSIK.items() if key.isupper() and DUBEOLSIK[key.lower()] != jamo
)


def _jamo_keys(jamo: str) -> Iterable[str]:
    for part in _COMPOUND_JAMO.get(jamo, jamo):
        if part in _SHIFTED_JAMO:
            yield SHIFT
        yield part


def key_sequence(text: str, mode: Mode = Mode.HANGUL) -> list[str]:
    """The key names to tap, starting in ``mode``, to type ``text`` (for ``button``).

    Hangul syllables become jamo keys (with shift for ㄲ ㅆ ...), ASCII letters
    Latin keys, and the language key is tapped whenever the script changes.
    Works for text that the 2-beolsik automaton types back unchanged, which is
    any ordinary Korean.
    """
    keys: list[str] = []
    for ch in unicodedata.normalize("NFC", text):
        wanted: Mode | None = None
        if ch == " ":
            keys.append(SPACE)
            continue
        if ch == "\n":
            keys.append(ENTER)
            continue
        if "\uac00" <= ch <= "\ud7a3" or ch in _JAMO_KEYS:
            wanted = Mode.HANGUL
        elif ch.isascii() and ch.isalpha():
            wanted = Mode.LATIN
        if wanted is not None and wanted != mode and mode in _TEXT_MODES:
            keys.append(TOGGLE)
            mode = wanted
        if "\uac00" <= ch <= "\ud7a3":
            for jamo in decompose_syllable(ch):
                keys.extend(_jamo_keys(jamo) if jamo else ())
        elif ch in _JAMO_KEYS:
            keys.extend(_jamo_keys(ch))
        elif ch.isupper() or ch in _SHIFTED.values():
            keys.extend((SHIFT, ch))
        else:
            keys.append(ch)
    return keys
