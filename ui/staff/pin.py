"""The PIN pad between the hidden gesture and staff mode.

Its own keypad, not a text field: no on-screen keyboard, no input method, no
clipboard, nothing for the wedge scanner to type into, and the digits never
sit in a widget that ``Screen.wipe`` might miss. A physical keyboard's digits,
Backspace and Enter work too. The screen only shows; ``StaffMode`` decides.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget
from typing_extensions import override

from kiosk.staff import PIN_MAX_LENGTH, PinCheck
from ui.i18n import tr
from ui.screens.base import Screen
from ui.scrolling import ScrollPage
from ui.widgets import TrButton, TrLabel, set_role

_DIGIT_KEYS = {getattr(Qt.Key, f"Key_{d}"): str(d) for d in range(10)}


class PinScreen(Screen):
    title_key = "staff.pin.title"
    submitted = Signal(str)
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pin = ""
        self._message: tuple[str, dict[str, object]] = ("", {})
        self.session = 0  # counts wipes: an answer for an earlier session is stale
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(TrLabel("staff.pin.title", "question", content))
        self.dots = QLabel(content)
        set_role(self.dots, "title")
        self.dots.setAlignment(Qt.AlignmentFlag.AlignCenter)
        column.addWidget(self.dots)
        self.message = QLabel(content)
        self.message.setWordWrap(True)
        set_role(self.message, "error")
        # The message keeps its place when empty: the pad never jumps under a finger.
        policy = self.message.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.message.setSizePolicy(policy)
        column.addWidget(self.message)
        pad = QGridLayout()
        pad.setSpacing(12)
        self.keys: dict[str, QPushButton] = {}
        for index, digit in enumerate("123456789"):
            pad.addWidget(self._digit(digit), index // 3, index % 3)
        self.delete = TrButton("staff.pin.delete", "secondary", self)
        self.delete.clicked.connect(self._backspace)
        pad.addWidget(self.delete, 3, 0)
        pad.addWidget(self._digit("0"), 3, 1)
        self.ok = TrButton("staff.pin.ok", "primary", self)
        self.ok.clicked.connect(self._submit)
        pad.addWidget(self.ok, 3, 2)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addLayout(pad, 2)
        row.addStretch(1)
        column.addLayout(row)
        layout.addWidget(ScrollPage(content), 1)
        self.cancel = TrButton("staff.pin.cancel", "secondary", self)
        self.cancel.clicked.connect(self.cancelled)
        layout.addWidget(self.cancel)
        self._render()

    def _digit(self, digit: str) -> QPushButton:
        button = QPushButton(digit, self)
        set_role(button, "secondary")
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.clicked.connect(lambda _=False, d=digit: self.press(d))
        self.keys[digit] = button
        return button

    # --- input ------------------------------------------------------------------------

    def press(self, digit: str) -> None:
        if self.locked or len(self._pin) >= PIN_MAX_LENGTH:
            return
        self._pin += digit
        self._render()

    def _backspace(self) -> None:
        self._pin = self._pin[:-1]
        self._render()

    def _submit(self) -> None:
        if self.locked or not self._pin:
            return
        pin, self._pin = self._pin, ""
        self._render()
        self.submitted.emit(pin)

    @override
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in _DIGIT_KEYS:
            self.press(_DIGIT_KEYS[key])
        elif key == Qt.Key.Key_Backspace:
            self._backspace()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._submit()
        else:
            super().keyPressEvent(event)

    # --- what StaffMode tells it ------------------------------------------------------

    @property
    def locked(self) -> bool:
        return not self.ok.isEnabled()

    def show_check(self, check: PinCheck) -> None:
        """After a try, or when the pad opens: wrong, locked with a countdown, or no PIN set."""
        if check.no_pin:
            self._set_message("staff.pin.none")
            self._set_locked(True)
        elif check.locked:
            self._set_message("staff.pin.locked", seconds=max(1, round(check.wait_s)))
            self._set_locked(True)
        elif check.failed_tries:
            self._set_message("staff.pin.wrong", tries=check.tries_before_wait)
            self._set_locked(False)
        else:
            self._set_message("")
            self._set_locked(False)

    def show_checking(self) -> None:
        """While the PIN is checked: no more digits, and a word that something happens."""
        self._set_message("staff.pin.checking")
        self._set_locked(True)

    def show_unavailable(self) -> None:
        self._set_message("staff.pin.unavailable")
        self._set_locked(False)

    def _set_locked(self, locked: bool) -> None:
        for button in (*self.keys.values(), self.delete, self.ok):
            button.setEnabled(not locked)
        if locked:
            self._pin = ""
            self._render()

    def _set_message(self, key: str, **params: object) -> None:
        self._message = (key, params)
        self._render()

    def _render(self) -> None:
        self.dots.setText("●" * len(self._pin) if self._pin else "–")
        self.dots.setAccessibleName(tr("staff.pin.entered", count=len(self._pin)))
        key, params = self._message
        text = tr(key, **params) if key else ""
        self.message.setText(text)
        self.message.setAccessibleName(text)
        self.message.setVisible(bool(text))

    def retranslate(self) -> None:
        super().retranslate()
        self._render()

    def wipe(self) -> None:
        self.session += 1
        self._pin = ""
        self._message = ("", {})
        self._set_locked(False)
        self._render()

    def announcement(self) -> str:
        return tr("staff.pin.title")
