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


class Questions(QObject):
    """Background calls somebody waits for, each with what to do with its answer.

    ``forget`` drops every pending answer: they were for a citizen who has gone
    (the window calls it on every wipe).
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.background = Background(self)
        self._awaiting: dict[int, Callable[[object], None]] = {}
        self.background.finished.connect(self._answered)

    def ask(self, call: Callable[[], object], then: Callable[[object], None]) -> None:
        self._awaiting[self.background.run(call)] = then

    def forget(self) -> None:
        self._awaiting.clear()

    def _answered(self, ticket: int, result: object) -> None:
        then = self._awaiting.pop(ticket, None)
        if then is not None:
            then(result)
