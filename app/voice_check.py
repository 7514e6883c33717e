"""Checking the voice, the keypad and the earphone jack on a kiosk, for the technician.

    civic-kiosk say "접수되었습니다" [--language ko] [--wav FILE]
    civic-kiosk keys

``say`` speaks a sentence with the kiosk's own voice (the engine and the
sound output the kiosk would use), tells which they are, and with ``--wav``
also writes what was synthesised, to listen to elsewhere or to measure.

``keys`` opens a small window and prints, for every key pressed on the
keypad, its name as the ``keypad_keys`` setting names keys and what the
kiosk's key map makes of it; and every change of the earphone jack as the
kiosk detects it. Close the window to stop.
(docs/voice-and-keypad.md)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TextIO

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QWidget
from typing_extensions import override

from kiosk.config import Language, Settings
from kiosk.keypad import KeyMap, parse_key_map
from ui.earphone import jack_for
from ui.voice.keys import event_key_name


def has_display() -> bool:
    """Whether Qt can open a screen: an X or Wayland display, or a platform chosen by hand."""
    if sys.platform != "linux":
        return True
    return any(os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def say(settings: Settings, text: str, language: Language, wav: Path | None, out: TextIO) -> int:
    from app.launch import ensure_app
    from ui.speech import Speaker

    # Speaking needs sound, not a screen: a technician on an SSH session has no
    # display, and Qt would abort looking for one.
    if not has_display():
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = ensure_app()
    speaker = Speaker()
    status = speaker.status()
    out.write(f"engine: {status.engine or 'none'}\n")
    out.write(f"voices: {', '.join(sorted(status.languages)) or 'none'}\n")
    out.write(f"output: {status.output or 'none (no sound server or card)'}\n")
    if not speaker.can_speak(language):
        out.write(f"no {language} voice: nothing to say\n")
        return 1
    speech = speaker.synthesize(text, language)
    if speech is not None:
        out.write(
            f"speech: {speech.seconds:.1f} s, {speech.rms_dbfs():.0f} dBFS, "
            f"{speech.voiced_seconds():.1f} s voiced\n"
        )
        if wav is not None:
            wav.write_bytes(speech.wav())
            out.write(f"written: {wav}\n")
    speaker.say(text, language)
    waiting = QTimer()
    waiting.timeout.connect(lambda: None if speaker.is_speaking() else app.quit())
    QTimer.singleShot(200, lambda: waiting.start(50))
    QTimer.singleShot(60_000, app.quit)
    app.exec()
    return 0


class KeyProbe(QObject):
    """Prints each key (our name, the action it is mapped to) and each jack change."""

    def __init__(self, keys: KeyMap, out: TextIO, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._keys = keys
        self._out = out

    def describe(self, name: str) -> str:
        action = self._keys.action(name)
        meaning = action.value if action is not None else "nothing (not in the key map)"
        if self._keys.holds_voice(name):
            meaning += "; held down: voice on/off"
        return f"{name or '(a key Qt has no name for)'} → {meaning}"

    @override
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if not event.isAutoRepeat():
                self._out.write(self.describe(event_key_name(event)) + "\n")
                self._out.flush()
        return False

    def jack_changed(self, plugged: bool) -> None:
        self._out.write(f"earphones: {'plugged in' if plugged else 'pulled out'}\n")
        self._out.flush()


def keys(settings: Settings, out: TextIO = sys.stdout) -> int:
    from app.launch import ensure_app

    if not has_display():
        out.write("civic-kiosk keys: no display here; run it on the kiosk's own screen\n")
        return 1
    app = ensure_app()
    probe = KeyProbe(parse_key_map(settings.keypad_keys), out)
    window = QWidget()
    window.setWindowTitle("civic-kiosk keys")
    QLabel("Press keypad keys; close this window to stop.", window).resize(480, 80)
    window.resize(480, 80)
    jack = jack_for(settings.earphone_detection, settings.earphone_keys, window)
    jack.changed.connect(probe.jack_changed)
    out.write(f"earphone detection: {jack.describe()}\n")
    window.show()
    handle = window.windowHandle()
    (handle or window).installEventFilter(probe)
    app.exec()
    stop = getattr(jack, "stop", None)
    if callable(stop):
        stop()
    return 0
