"""Key names in the keypad map are Qt's, and a key event is named the way the map names it."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent

from kiosk.keypad import KNOWN_KEYS
from ui.voice.keys import event_key_name


def test_every_key_a_map_may_name_is_a_key_qt_knows() -> None:
    unknown = sorted(name for name in KNOWN_KEYS if not hasattr(Qt.Key, f"Key_{name}"))

    assert unknown == []


def test_the_keypad_is_told_apart_from_the_main_keyboard() -> None:
    def named(key: Qt.Key, modifiers: Qt.KeyboardModifier) -> str:
        return event_key_name(QKeyEvent(QEvent.Type.KeyPress, key, modifiers))

    assert named(Qt.Key.Key_8, Qt.KeyboardModifier.KeypadModifier) == "Keypad+8"
    assert named(Qt.Key.Key_8, Qt.KeyboardModifier.NoModifier) == "8"
    assert named(Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier) == "Keypad+Enter"
    assert named(Qt.Key.Key_Up, Qt.KeyboardModifier.KeypadModifier) == "Keypad+Up"
    assert named(Qt.Key.Key_Left, Qt.KeyboardModifier.NoModifier) == "Left"
    # Shift held with a keypad key (some keypads send it) does not change the name.
    shifted = Qt.KeyboardModifier.KeypadModifier | Qt.KeyboardModifier.ShiftModifier
    assert named(Qt.Key.Key_Plus, shifted) == "Keypad+Plus"
