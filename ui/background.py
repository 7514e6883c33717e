"""Calls that may wait on the network, run off the GUI thread; their results come back as a signal.

A citizen who taps "Submit" on a connected kiosk sees "checking…" while the
server is asked (sync.online, a few seconds at most); the window keeps
painting, the idle timer keeps counting, and the answer is handled on the GUI
thread. Each call gets a ticket: an answer to a question nobody waits for
any more (the citizen started over, the kiosk wiped) is dropped by its caller.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)


class Background(QObject):
    finished = Signal(int, object)  # ticket, the call's result (None if it raised)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tickets = 0

    def run(self, call: Callable[[], object]) -> int:
        self._tickets += 1
        ticket = self._tickets

        def work() -> None:
            try:
                result = call()
            except Exception:  # a failed look-up is "no answer", never a crash
                log.exception("background call failed")
                result = None
            # Emitted from this thread, delivered on the GUI thread (queued); should the
            # window be gone meanwhile, nobody is waiting.
            with contextlib.suppress(RuntimeError):
                self.finished.emit(ticket, result)

        threading.Thread(target=work, name="online-call", daemon=True).start()
        return ticket
