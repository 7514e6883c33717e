"""Naming a key event the way the keypad map does (``kiosk.keypad``)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent

from kiosk.keypad import key_name


def event_key_name(event: QKeyEvent) -> str:
    """ "Left", "Keypad+8", "F13" … for a key event; "" for a key Qt has no name for."""
    try:
        qt_name = Qt.Key(event.key()).name
    except ValueError:
        return ""
    keypad = bool(event.modifiers() & Qt.KeyboardModifier.KeypadModifier)
    return key_name(qt_name, keypad=keypad)
