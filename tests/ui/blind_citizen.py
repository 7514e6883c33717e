"""A citizen who cannot see the screen: a USB keypad in the hand, earphones in the ears.

Every action is a key of the kiosk's keypad map (``window.voice.keys``), sent
as the keypad sends it; nothing is clicked or tapped. What the citizen hears
is recorded from the speech interface (``Speaker.spoken``). To find
something the citizen presses ▶ (or another move) until the voice names it,
as a person does by ear; ``ring`` (where the focus ring is) is only there
for assertions.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QWindow
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QWidget
from pytestqt.qtbot import QtBot

from kiosk.focus_order import Box, grid_rows
from kiosk.keypad import KEYPAD_PREFIX, Action
from ui.keyboard import OnScreenKeyboard, key_sequence
from ui.shell import KioskWindow
from ui.voice.guide import VoiceGuide

Keys = Qt.Key


def qt_key(name: str) -> tuple[Qt.Key, Qt.KeyboardModifier]:
    """The Qt key and modifiers that a key named as in the keypad map arrives with."""
    keypad = name.startswith(KEYPAD_PREFIX)
    key = getattr(Qt.Key, f"Key_{name.removeprefix(KEYPAD_PREFIX)}")
    modifier = Qt.KeyboardModifier.KeypadModifier if keypad else Qt.KeyboardModifier.NoModifier
    return key, modifier


class BlindCitizen:
    def __init__(self, qtbot: QtBot, window: KioskWindow) -> None:
        assert window.voice is not None
        # Holding the voice key takes 3 s on a kiosk; the test's citizen is quicker.
        window.voice.navigator.set_hold_ms(300)
        self.qtbot = qtbot
        self.window = window
        self.voice: VoiceGuide = window.voice
        self.said: list[str] = []
        self.voice.speaker.spoken.connect(self.said.append)

    # --- hearing ---------------------------------------------------------------------

    @property
    def heard(self) -> str:
        """The last sentence the kiosk said."""
        return self.said[-1] if self.said else ""

    def heard_since(self, mark: int) -> list[str]:
        return self.said[mark:]

    @property
    def ring(self) -> QWidget | None:
        return self.voice.navigator.current

    @property
    def screen(self) -> str:
        return self.window.current_screen().objectName()

    # --- the keypad ------------------------------------------------------------------

    def key(self, name: str) -> None:
        """A key as the keypad sends it: to the window, which gives it to the focused widget."""
        key, modifier = qt_key(name)
        QTest.keyClick(self._native(), key, modifier)

    def _native(self) -> QWindow:
        handle = self.window.windowHandle()
        assert handle is not None, "the kiosk window is not shown"
        return handle

    def press(self, action: Action, times: int = 1) -> str:
        """Press the keypad key for ``action``; returns what was said after the last press."""
        mark = len(self.said)
        for _ in range(times):
            self.key(self.voice.keys.first_key(action))
        return " / ".join(self.said[mark:])

    def hold_voice_key(self) -> None:
        """Hold the voice key down until voice mode changes, then let go."""
        key, modifier = qt_key(self.voice.keys.first_key(Action.VOICE))
        with self.qtbot.waitSignal(self.voice.voice_changed, timeout=10_000):
            QTest.keyPress(self._native(), key, modifier)
        QTest.keyRelease(self._native(), key, modifier)

    def find(self, name: str, move: Action = Action.NEXT, limit: int = 80) -> str:
        """Move until the voice names ``name`` first; returns what it said about it.

        Where the last sentence (an arrival) ended on it already, no key is needed.
        """
        if self.ring is not None and self.ring.accessibleName() == name and name in self.heard:
            return self.heard
        for _ in range(limit):
            said = self.press(move)
            # The item's name comes first, or right after the question it belongs to.
            if said == name or said.startswith(f"{name}, ") or f" {name}, " in said:
                return said
        raise AssertionError(f"never heard {name!r}; last: {self.heard!r}")

    def choose(self, name: str, move: Action = Action.NEXT) -> str:
        """Find ``name`` and press OK; returns what was said after OK."""
        self.find(name, move)
        return self.press(Action.ACTIVATE)

    def next_page(self) -> str:
        """▼ to the back/next bar, then to "다음" (Next) and OK."""
        return self.choose(self._next_name())

    def _next_name(self) -> str:
        form = self.window.current_screen()
        nav = getattr(form, "nav", None)
        button = getattr(nav, "next_button", None)
        assert isinstance(button, QAbstractButton)
        return button.accessibleName()

    # --- typing ----------------------------------------------------------------------

    @property
    def keyboard(self) -> OnScreenKeyboard:
        keyboard = self.window.keyboard
        assert isinstance(keyboard, OnScreenKeyboard)
        return keyboard

    def type_text(self, text: str) -> list[str]:
        """Type ``text`` key by key on the on-screen keyboard (the field is being typed into).

        Returns what was said after each key press (the syllable composed so far).
        """
        assert self.voice.navigator.typing_into is not None, "not typing into a field"
        echoes: list[str] = []
        for name in key_sequence(text, self.keyboard.mode()):
            self._walk_to(self.keyboard.button(name))
            echoes.append(self.press(Action.ACTIVATE))
        return echoes

    def type_digits(self, digits: str) -> list[str]:
        """Type a number on the keypad's number block."""
        echoes = []
        for digit in digits:
            mark = len(self.said)
            self.key(f"{KEYPAD_PREFIX}{digit}")
            echoes.append(" / ".join(self.said[mark:]))
        return echoes

    def _walk_to(self, key: QAbstractButton) -> None:
        """▲▼ to the key's row, then ◀▶ along it, as a person guided by the voice would."""
        keys = [b for b in self.keyboard.buttons() if b.isVisible() and b.text()]
        boxes = [Box(b.x(), b.y(), b.width(), b.height()) for b in keys]
        rows = grid_rows(boxes)

        def row_of(widget: QWidget | None) -> int:
            return next(r for r, row in enumerate(rows) if any(keys[i] is widget for i in row))

        for _ in range(40):
            if self.ring is key:
                return
            here, there = row_of(self.ring), row_of(key)
            if here != there:
                self.press(Action.NEXT_GROUP if there > here else Action.PREVIOUS_GROUP)
                continue
            assert self.ring is not None
            self.press(Action.NEXT if key.x() > self.ring.x() else Action.PREVIOUS)
        raise AssertionError(f"could not reach the key {key.text()!r}")
