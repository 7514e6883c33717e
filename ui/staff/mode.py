"""Staff mode itself: asking for the PIN, being in staff mode, and leaving it by itself.

``StaffMode`` owns the rules the screens only show: a try goes to
``kiosk.staff.check_pin`` (which keeps the lockout in the database); while
locked, the PIN pad counts down; once in, any touch, key or scan keeps staff
mode alive, and ``timeout_ms`` without one ends it (the shell then wipes and
goes home, as after a citizen's session).

The check runs on a thread of its own: scrypt is slow on purpose (~100 ms,
more on a small kiosk PC), and the window must keep painting and the door
scanner keep reading meanwhile. The pad shows "checking" and takes no digits
until the answer is back (``checked``).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from typing_extensions import override

from core.clock import Clock
from kiosk.staff import PinCheck, check_pin, pin_state
from kiosk.store import Store
from ui.idle import ACTIVITY
from ui.staff.pin import PinScreen

log = logging.getLogger(__name__)


class StaffMode(QObject):
    """Install on the QApplication (it watches for activity while staff mode is on)."""

    pin_requested = Signal()
    entered = Signal()
    left = Signal()
    checked = Signal()  # a try was answered (right, wrong or failed) and shown
    _answer = Signal(object)  # PinCheck | Exception, from the checking thread

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
        self._checking = False
        self._pad_session = 0
        # Emitted on the checking thread; queued, so the answer is handled on the GUI thread.
        self._answer.connect(self._answered)
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
        """Check ``pin`` off the GUI thread; ``checked`` fires once the answer is shown."""
        if self._checking:
            return
        self._checking = True
        self.pin_screen.show_checking()
        self._pad_session = self.pin_screen.session
        now = self._clock()
        threading.Thread(target=self._check, args=(pin, now), name="staff-pin", daemon=True).start()

    def _check(self, pin: str, now: dt.datetime) -> None:
        try:
            answer: PinCheck | Exception = check_pin(self._store, pin, now)
        except Exception as error:  # the store failed: say so on the pad, never crash
            answer = error
        try:
            self._answer.emit(answer)
        except RuntimeError:  # the window closed while checking: nobody to tell
            log.debug("staff PIN answer after the window closed")

    def _answered(self, answer: PinCheck | Exception) -> None:
        self._checking = False
        if self.pin_screen.session != self._pad_session:
            # The pad was wiped while checking (Cancel, idle, Start over): the
            # person has gone, and a right PIN must not open staff mode behind them.
            log.info("staff PIN answer arrived after the pad was closed; ignored")
        elif isinstance(answer, Exception):
            log.error("staff PIN could not be checked", exc_info=answer)
            self.pin_screen.show_unavailable()
        else:
            self._judge(answer)
        self.checked.emit()

    def _judge(self, check: PinCheck) -> None:
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
