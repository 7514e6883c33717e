"""The printer's last known state, shared by the print worker and the sync worker.

The print worker writes it after every status query or job; the sync engine
reads it for each round's report to the server (``sync.protocol.PRINTER_HEADER``).
A lock, because the two are different threads; a value, never a live device.
"""

from __future__ import annotations

import datetime as dt
import threading

from core.clock import utcnow
from core.printers import PrinterState


class PrinterHealth:
    def __init__(self, state: PrinterState | None = None) -> None:
        self._lock = threading.Lock()
        self._state = state
        self._at: dt.datetime | None = None

    def record(self, state: PrinterState, at: dt.datetime | None = None) -> None:
        with self._lock:
            self._state = state
            self._at = at or utcnow()

    @property
    def state(self) -> PrinterState | None:
        with self._lock:
            return self._state

    @property
    def checked_at(self) -> dt.datetime | None:
        with self._lock:
            return self._at

    def report(self) -> str | None:
        """What the kiosk tells the server: the state's name, or nothing before the first check."""
        state = self.state
        return None if state is None else state.value
