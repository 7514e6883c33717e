"""Fixtures for the UI toolkit: the kiosk theme on the application, and tapping keyboard keys.

Imported by tests/ui/conftest.py, so every UI test can ask for ``themed`` and ``tap_keys``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from ui.keyboard import OnScreenKeyboard, key_sequence
from ui.theme import Theme, ThemeOptions, apply_theme

TapKeys = Callable[..., None]


@pytest.fixture
def app_look(qapp: QApplication) -> Iterator[None]:
    """Puts the application's style sheet, palette and font back as they were after the test."""
    sheet, palette, font = qapp.styleSheet(), QPalette(qapp.palette()), QFont(qapp.font())
    yield
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)
    qapp.setFont(font)


@pytest.fixture
def themed(qapp: QApplication, app_look: None) -> Theme:
    """The kiosk font and normal theme on the application, for this test only."""
    return apply_theme(qapp, ThemeOptions())


@pytest.fixture
def tap_keys(qtbot: QtBot) -> TapKeys:
    """``tap_keys(keyboard, "ㄱ", "ㅏ", "shift")`` clicks those keys of an on-screen keyboard
    (names as in ``OnScreenKeyboard.button``); ``tap_keys(keyboard, text="안녕 OK")`` clicks
    the keys that type ``text``, language key included."""

    def tap(keyboard: OnScreenKeyboard, *names: str, text: str = "") -> None:
        for name in names:
            qtbot.mouseClick(keyboard.button(name), Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
        # Worked out key by key: the mode (and so the next key's name) may change on the way.
        for name in key_sequence(text, keyboard.mode()):
            qtbot.mouseClick(keyboard.button(name), Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]

    return tap
