"""Inactivity: notice when nobody has touched the kiosk for a while.

An event filter on the application sees every touch, click and key press in
any window; each one restarts a single-shot timer. When it fires, ``idle`` is
emitted and the shell shows the "Are you still there?" warning. Times are in
milliseconds so tests can use short ones; production takes them from Settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from typing_extensions import override

from kiosk.config import Settings

MIN_WARNING_S = 20  # a slow reader must have time to find the Continue button

ACTIVITY = frozenset(
    {
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonRelease,
        QEvent.Type.MouseMove,
        QEvent.Type.KeyPress,
        QEvent.Type.TouchBegin,
        QEvent.Type.TouchUpdate,
        QEvent.Type.TouchEnd,
        QEvent.Type.Wheel,
        QEvent.Type.InputMethod,
    }
)


@dataclass(frozen=True)
class IdleTiming:
    timeout_ms: int
    warning_ms: int

    @classmethod
    def from_settings(cls, settings: Settings) -> IdleTiming:
        return cls(
            timeout_ms=settings.idle_timeout_s * 1000,
            warning_ms=max(MIN_WARNING_S, settings.idle_warning_s) * 1000,
        )


class IdleWatcher(QObject):
    """Emits ``idle`` after ``timeout_ms`` without input; install on the QApplication."""

    idle = Signal()

    def __init__(self, timeout_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(timeout_ms)
        self._timer.timeout.connect(self.idle)
        self._paused = False

    @override
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self._paused and event.type() in ACTIVITY:
            self._timer.start()
        return False  # only watching: every event goes on to its widget

    def start(self) -> None:
        self._paused = False
        self._timer.start()

    def pause(self) -> None:
        """While the warning is up, only its Continue button counts, not stray touches."""
        self._paused = True
        self._timer.stop()

    @property
    def active(self) -> bool:
        return self._timer.isActive()
