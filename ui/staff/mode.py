"""Staff mode itself: asking for the PIN, being in staff mode, and leaving it by itself.

``StaffMode`` owns the rules the screens only show: a try goes to
``kiosk.staff.check_pin`` (which keeps the lockout in the database); while
locked, the PIN pad counts down; once in, any touch, key or scan keeps staff
mode alive, and ``timeout_ms`` without one ends it (the shell then wipes and
goes home, as after a citizen's session).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from typing_extensions import override

from kiosk.staff import check_pin, pin_state
from kiosk.store import Store
from ui.idle import ACTIVITY
from ui.staff.pin import PinScreen

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]


class StaffMode(QObject):
    """Install on the QApplication (it watches for activity while staff mode is on)."""

    pin_requested = Signal()
    entered = Signal()
    left = Signal()

    def __init__(
        self,
        store: Store,
        clock: Clock,
        pin_screen: PinScreen,
        timeout_ms: int,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._clock = clock
        self.pin_screen = pin_screen
        self._active = False
        self._timeout = QTimer(self)
        self._timeout.setSingleShot(True)
        self._timeout.setInterval(timeout_ms)
        self._timeout.timeout.connect(self._timed_out)
        # While the pad is locked, the countdown on it goes down each second.
        self._countdown = QTimer(self)
        self._countdown.setInterval(1000)
        self._countdown.timeout.connect(self.refresh_lock)
        pin_screen.submitted.connect(self.try_pin)

    @property
    def active(self) -> bool:
        return self._active

    def set_timeout_ms(self, timeout_ms: int) -> None:
        self._timeout.setInterval(timeout_ms)
        if self._active:
            self._timeout.start()

    def request(self) -> None:
        """The hidden gesture: open the PIN pad (already locked if a wait is running)."""
        if self._active:
            self.entered.emit()
            return
        self.pin_screen.wipe()
        check = pin_state(self._store, self._clock())
        if check.locked or check.no_pin:
            self.pin_screen.show_check(check)
        if check.locked:
            self._countdown.start()
        self.pin_requested.emit()

    def try_pin(self, pin: str) -> None:
        check = check_pin(self._store, pin, self._clock())
        if check.ok:
            log.info("staff mode entered")
            self.pin_screen.wipe()
            self._countdown.stop()
            self._active = True
            self._timeout.start()
            self.entered.emit()
            return
        log.warning("wrong staff PIN (%d in a row)", check.failed_tries)
        self.pin_screen.show_check(check)
        if check.locked:
            self._countdown.start()

    def touch(self) -> None:
        """Something happened that a person did (a scan counts): staff mode stays."""
        if self._active:
            self._timeout.start()

    def leave(self) -> None:
        self._countdown.stop()
        if not self._active:
            return
        self._active = False
        self._timeout.stop()
        log.info("staff mode left")
        self.left.emit()

    def _timed_out(self) -> None:
        log.info("staff mode timed out")
        self.leave()

    def refresh_lock(self) -> None:
        """Show the lockout as it stands now (the countdown timer calls this each second)."""
        check = pin_state(self._store, self._clock())
        self.pin_screen.show_check(check)
        if not check.locked:
            self._countdown.stop()
        elif not self._countdown.isActive():
            self._countdown.start()

    @override
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._active and event.type() in ACTIVITY:
            self._timeout.start()
        return False
