"""Opening the kiosk's store on a thread of its own, while the home screen is painted.

Opening the store means importing SQLAlchemy and the kiosk's models (with
pydantic payloads and the sealing crypto behind them), checking the
migrations and reading the enrolment: ~0.5 s of a kiosk's start that the
home screen does not need in order to be seen. ``civic-kiosk run`` starts it
once the home screen is painted (app.launch) and the window takes the store
when it arrives; anything that needs the store before then (a tap on a home
tile) waits for it in ``result``, as it would have waited at start-up.

The thread also imports the domain modules the citizen flows use, so that
the first tap does not import them either.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.store import Store

# What a citizen's first tap and the sync engine use, imported with the store.
WARM_MODULES = (
    "kiosk.lookups",
    "kiosk.flows",
    "kiosk.slips",
    "kiosk.online_signups",
    "kiosk.staff",
    "sync.protocol",
)


class StoreOpening:
    """``open_store`` run once on its own thread; ``result`` waits for the store."""

    def __init__(
        self,
        open_store: Callable[[], Store],
        *,
        warm: Sequence[str] = WARM_MODULES,
    ) -> None:
        self._open = open_store
        self._warm = tuple(warm)
        self._then: list[Callable[[], None]] = []
        self._finished = False
        self._store: Store | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start opening (once); returns at once."""
        with self._lock:
            if self._thread is not None:
                return
            # Not a daemon: a program leaving meanwhile waits for a migration to finish.
            self._thread = threading.Thread(target=self._run, name="store-opening")
            self._thread.start()

    def _run(self) -> None:
        try:
            self._store = self._open()
            for name in self._warm:
                importlib.import_module(name)
        except BaseException as error:  # handed to whoever waits in result()
            self._error = error
        finally:
            with self._lock:
                self._finished = True
                then, self._then = self._then, []
            for call in then:
                call()

    def when_done(self, call: Callable[[], None]) -> None:
        """Call ``call`` once the opening is over (ok or not): on its thread, or now if it is."""
        with self._lock:
            if not self._finished:
                self._then.append(call)
                return
        call()

    def result(self) -> Store:
        """The open store, waiting for it (and starting it, if nobody had); raises its error."""
        self.start()
        assert self._thread is not None
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._store is not None
        return self._store
