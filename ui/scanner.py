"""Keyboard-wedge scanners, and the one pipeline every scan source feeds.

A USB/HID scanner "types" what it reads: a fast burst of key presses, usually
ended by Enter (some send Tab or nothing). ``WedgeScanner`` is an event filter
that tells such a burst from a person typing by the time between keys, and
hands the burst on as one string, wherever the focus is.

Decisions, and why:

- Characters come from ``QKeyEvent.key()``, never from the composed text.
  With the Korean input method in Hangul mode the scanner's ``R`` arrives as
  ``ㄱ``; the key code is still ``Key_R``. Qt's codes for printable ASCII keys
  are the upper-case characters themselves, and tickets are upper case.
  ``nativeVirtualKey()`` (Windows VK codes, X11 keysyms for Latin letters) is
  the fallback for a platform that reports an unknown key code.
- Every character key press is held back for a moment: a burst's keys must
  not reach the screen (an Enter would press the focused button, letters would
  land in a focused field), and a burst is only known to be one after several
  keys. Keys that turn out to be a person's are then delivered unchanged and
  in order, up to ``end_silence_s`` late. So yes: a burst is swallowed even
  when a text field has focus; the scan goes to the pipeline, not into the field.
- A burst: at least ``min_length`` characters, each within ``max_gap_s`` of
  the one before (scanners: 2–20 ms; people: 80 ms and more, even fast
  typists). Once a burst is that long it survives a single slower gap (USB
  hiccup) up to ``end_silence_s``. It ends at Enter/Return/Tab or after
  ``end_silence_s`` of silence, for scanners that send no terminator.
- Auto-repeat (a key held down, ~30 ms apart) and Ctrl/Alt/Meta chords are a
  person's, never a scan. Modifier keys (Shift, which scanners send for upper
  case, Caps Lock, the Hangul/English toggle) are neither part of a burst nor
  the end of one.
- While keys are held back, their releases are held with them and delivered
  in order (a button pressed with Space acts on the release); a scan's
  releases are swallowed with it.

The clock is injectable so tests can type at any speed deterministically.

An operating-system input method only sees keys while a widget that accepts
input-method text has focus, and then sees them before this filter does. So
no widget on a page where the scanner listens accepts input-method text: the
check-in desk has no field, and the look-up page's fields turn input methods
off (ui/screens/checkin.py; Hangul comes from the in-window keyboard).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QObject,
    Qt,
    QTimer,
    Signal,
    SignalInstance,
    Slot,
)
from PySide6.QtGui import QKeyEvent
from typing_extensions import override

from core.clock import Monotonic


@dataclass(frozen=True)
class WedgeTiming:
    max_gap_s: float = 0.035
    end_silence_s: float = 0.080
    min_length: int = 8
    # A scanner stuck on repeat is cut into pieces (each then "malformed")
    # instead of being held back, and remembered, without end.
    max_length: int = 2048


_KEY_EVENTS = frozenset({QEvent.Type.KeyPress, QEvent.Type.KeyRelease})
_TERMINATORS = frozenset({Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab})
_PASSIVE = frozenset(
    {
        Qt.Key.Key_Shift,
        Qt.Key.Key_Control,
        Qt.Key.Key_Alt,
        Qt.Key.Key_AltGr,
        Qt.Key.Key_Meta,
        Qt.Key.Key_CapsLock,
        Qt.Key.Key_NumLock,
        Qt.Key.Key_Hangul,
        Qt.Key.Key_Hangul_Hanja,
    }
)
_CHORD = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
_CHORD |= Qt.KeyboardModifier.MetaModifier


def key_character(event: QKeyEvent) -> str | None:
    """The character a key press stands for on a US layout, or None for other keys."""
    if event.modifiers() & _CHORD:
        return None
    key = event.key()
    if 0x20 <= key <= 0x7E:
        return chr(key)
    native = event.nativeVirtualKey()
    # Windows virtual-key codes and X11 keysyms agree on 0-9 and A-Z; X11 has a-z too.
    if 0x30 <= native <= 0x39 or 0x41 <= native <= 0x5A:
        return chr(native)
    if 0x61 <= native <= 0x7A:
        return chr(native).upper()
    return None


# What a held key event is made again from, should it turn out to be a person's.
_HeldKey = tuple[QEvent.Type, int, Qt.KeyboardModifier, int, int, int, str, bool, int]


def _copy(event: QKeyEvent) -> _HeldKey:
    # Plain values, not a QKeyEvent copy: the original is destroyed once
    # delivered, and a scan holds ~260 events that are dropped together when
    # it ends; freeing that many Qt copies cost ~0.3 ms between the Enter key
    # and the verdict. A person's keys (rare) are made into events again.
    return (
        event.type(),
        event.key(),
        event.modifiers(),
        event.nativeScanCode(),
        event.nativeVirtualKey(),
        event.nativeModifiers(),
        event.text(),
        event.isAutoRepeat(),
        event.count(),
    )


class WedgeScanner(QObject):
    """Install with ``watch(app)`` while the check-in screen is shown; emits ``scanned``."""

    scanned = Signal(str)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        timing: WedgeTiming | None = None,
        clock: Monotonic = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self._timing = timing or WedgeTiming()
        self._clock = clock
        self._chars: list[str] = []
        self._held: list[tuple[QObject, _HeldKey]] = []
        self._last = 0.0
        self._replaying = False
        self._target: QObject | None = None
        self._silence = QTimer(self)
        self._silence.setSingleShot(True)
        self._silence.setTimerType(Qt.TimerType.PreciseTimer)
        self._silence.timeout.connect(self._on_silence)

    def watch(self, target: QObject) -> None:
        """Filter key presses for ``target``: the QApplication, or one widget and its keys."""
        self.unwatch()
        target.installEventFilter(self)
        self._target = target

    def unwatch(self) -> None:
        """Stop filtering; keys held back so far are delivered (or emitted) first."""
        if self._target is not None and shiboken6.isValid(self._target):
            self._target.removeEventFilter(self)
        self._target = None
        self._finish()

    @override
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._replaying or event.type() not in _KEY_EVENTS:
            return False
        assert isinstance(event, QKeyEvent)
        key = event.key()
        if key in _PASSIVE:
            return False
        if event.type() == QEvent.Type.KeyRelease:
            if not self._held:
                return False
            self._held.append((watched, _copy(event)))
            return True
        now = self._clock()
        if self._chars and now - self._last > self._timing.end_silence_s:
            # The silence timer has not run yet (a busy loop, or a test's clock).
            self._finish()
        if key in _TERMINATORS:
            return self._terminate()
        char = None if event.isAutoRepeat() else key_character(event)
        if char is None:
            self._finish()
            return False
        if self._chars and now - self._last > self._timing.max_gap_s and not self._is_burst():
            self._finish()  # a person's key, or the start of a scan after one
        self._chars.append(char)
        self._held.append((watched, _copy(event)))
        self._last = now
        if len(self._chars) >= self._timing.max_length:
            self._emit()
        else:
            self._silence.start(math.ceil(self._timing.end_silence_s * 1000))
        return True

    def _is_burst(self) -> bool:
        return len(self._chars) >= self._timing.min_length

    def _terminate(self) -> bool:
        """Enter (or Tab) arrived: the end of a scan, swallowed; else an ordinary key."""
        if self._is_burst():
            self._emit()
            return True
        self._finish()
        return False

    @Slot()
    def _on_silence(self) -> None:
        remaining = self._timing.end_silence_s - (self._clock() - self._last)
        if remaining > 0:
            # Timers may fire a little early; silence is measured on our clock.
            self._silence.start(max(1, math.ceil(remaining * 1000)))
            return
        self._finish()

    def _finish(self) -> None:
        """End what is held: a scan without a terminator, or a person's keys to deliver."""
        if self._is_burst():
            self._emit()
        else:
            self._replay()

    def _emit(self) -> None:
        text = "".join(self._chars)
        self._chars.clear()
        self._held.clear()
        self._silence.stop()
        self.scanned.emit(text)

    def _replay(self) -> None:
        held, self._held = self._held, []
        self._chars.clear()
        self._silence.stop()
        self._replaying = True
        try:
            for receiver, key in held:
                if shiboken6.isValid(receiver):
                    QCoreApplication.sendEvent(receiver, QKeyEvent(*key))
        finally:
            self._replaying = False


class ScanPipeline(QObject):
    """Where every scanner (wedge, camera) delivers; the same code within a window counts once.

    The window slides: a code seen again less than ``window_s`` after it was
    last seen is dropped, so a ticket held in front of the camera for ten
    seconds (thirty sightings a second) is one scan, while showing it again
    after a pause is a second scan (and then gets its amber "already").
    """

    scan = Signal(str)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        window_s: float = 1.0,
        clock: Monotonic = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self._window_s = window_s
        self._clock = clock
        self._last_seen: dict[str, float] = {}

    def add_source(self, signal: SignalInstance) -> None:
        signal.connect(self.feed)

    @Slot(str)
    def feed(self, text: str) -> None:
        code = text.strip()
        if not code:
            return
        now = self._clock()
        self._last_seen = {
            seen: at for seen, at in self._last_seen.items() if now - at < self._window_s
        }
        key = code.upper()
        repeated = key in self._last_seen
        self._last_seen[key] = now
        if not repeated:
            self.scan.emit(code)
