"""The background thread that decides when the sync engine runs.

Triggers: start-up, a local commit (coalesced: the first commit opens a short
window so a burst of them makes one round), a timer with jitter (so reference
data stays fresh and a fleet does not pull in lockstep), staff's "sync now",
and the network coming back (a hint from the UI; the request is the real
probe). After a retryable failure the engine's backoff decides the next try;
a local commit never shortens it, so a busy kiosk does not hammer a server
that is down, but "sync now" and "network back" do.

All the methods of :class:`sync.status.SyncControl` return at once: they set a
flag and wake the thread. Observers are called from this thread.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Protocol, Self

from kiosk.config import Settings
from kiosk.store import Store
from sync.backoff import Backoff
from sync.engine import EngineSettings, RoundOutcome, RoundResult, SyncEngine
from sync.status import SyncObserver, SyncStatus

log = logging.getLogger(__name__)

Monotonic = Callable[[], float]


class Rounds(Protocol):
    """What the worker drives: ``sync.engine.SyncEngine`` (or a test's stand-in)."""

    backoff: Backoff

    @property
    def consecutive_failures(self) -> int: ...

    @property
    def status(self) -> SyncStatus: ...

    def add_observer(self, observer: SyncObserver) -> None: ...

    def run_once(self, *, force: bool = False) -> RoundResult: ...

    def refresh_status(self) -> SyncStatus: ...

    def close(self) -> None: ...


class SyncWorker:
    """Runs ``engine.run_once`` on its own thread whenever a trigger says so."""

    def __init__(
        self,
        engine: Rounds,
        *,
        interval_s: float = 60.0,
        interval_jitter: float = 0.2,
        commit_delay_s: float = 2.0,
        rng: random.Random | None = None,
        monotonic: Monotonic = time.monotonic,
    ) -> None:
        self.engine = engine
        self.interval_s = interval_s
        self.interval_jitter = interval_jitter
        self.commit_delay_s = commit_delay_s
        self._rng = rng or random.Random()  # noqa: S311  (jitter, not a secret)
        self._now = monotonic
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._stopping = False
        self._forced = False
        self._network_back = False
        self._commit_since: float | None = None
        self._refresh_wanted = False
        self._next_round = 0.0  # run at start
        self._backoff_until = 0.0
        self._thread: threading.Thread | None = None
        self.rounds = 0
        self.last_result: RoundResult | None = None

    # --- SyncControl ----------------------------------------------------------------

    def add_observer(self, observer: SyncObserver) -> None:
        self.engine.add_observer(observer)

    @property
    def status(self) -> SyncStatus:
        return self.engine.status

    def notify_local_commit(self) -> None:
        with self._lock:
            self._refresh_wanted = True
            if self._commit_since is None:
                self._commit_since = self._now()
        self._wake.set()

    def sync_now(self) -> None:
        with self._lock:
            self._forced = True
        self._wake.set()

    def network_back(self) -> None:
        with self._lock:
            self._network_back = True
        self._wake.set()

    # --- lifecycle ------------------------------------------------------------------

    def start(self) -> Self:
        if self._thread is not None:
            raise RuntimeError("sync worker already started")
        # Daemon: an HTTP request stuck until its read timeout must not keep a
        # closing kiosk alive; everything it does is safe to cut (see engine.py).
        self._thread = threading.Thread(target=self._run, name="sync-worker", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> bool:
        """Ask the thread to end after its current round; True if it did within ``timeout``."""
        with self._lock:
            self._stopping = True
        self._wake.set()
        if self._thread is None:
            return True
        self._thread.join(timeout)
        stopped = not self._thread.is_alive()
        if stopped:
            self.engine.close()
        return stopped

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # --- the loop -------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            force = self._next_trigger()
            if force is None:
                return
            self._round(force)

    def _next_trigger(self) -> bool | None:
        """Wait until a round is due; whether it is forced, or None to stop."""
        while True:
            with self._lock:
                if self._stopping:
                    return None
                refresh, self._refresh_wanted = self._refresh_wanted, False
                if self._commit_since is not None:
                    # A commit brings the next round forward, never before the
                    # backoff allows it.
                    due = max(self._commit_since + self.commit_delay_s, self._backoff_until)
                    self._next_round = min(self._next_round, due)
                if self._forced or self._network_back:
                    force = self._forced
                    self._forced = self._network_back = False
                    self._commit_since = None
                    return force
                now = self._now()
                if now >= self._next_round:
                    self._commit_since = None
                    return False
                timeout = self._next_round - now
            if refresh:
                # The pending count changed: show it without waiting for the round.
                self._refresh()
                continue
            # Woken early by a trigger; an infinite timeout means "only triggers".
            self._wake.wait(None if math.isinf(timeout) else timeout)
            self._wake.clear()

    def _refresh(self) -> None:
        try:
            self.engine.refresh_status()
        except Exception:
            log.exception("could not refresh the sync status")

    def _round(self, force: bool) -> None:
        try:
            result = self.engine.run_once(force=force)
        except Exception:
            # The engine handles its own failures; this is a last guard so the
            # kiosk never silently stops delivering.
            log.exception("sync round crashed")
            delay = self.engine.backoff.delay(self.engine.consecutive_failures + 1)
            self._schedule(self._now() + delay, backoff=True)
            return
        self.rounds += 1
        self.last_result = result
        now = self._now()
        if result.outcome is RoundOutcome.OK:
            jitter = self._rng.uniform(1 - self.interval_jitter, 1 + self.interval_jitter)
            self._schedule(now + self.interval_s * jitter, backoff=False)
        elif result.outcome is RoundOutcome.RETRY:
            self._schedule(now + (result.retry_in_s or 0.0), backoff=True)
        else:
            # Paused or not enrolled: only staff (sync now, re-enrolment) move on.
            self._schedule(math.inf, backoff=False)

    def _schedule(self, at: float, *, backoff: bool) -> None:
        with self._lock:
            self._next_round = at
            self._backoff_until = at if backoff else 0.0


def start_sync(
    store: Store, settings: Settings, printer_state: Callable[[], str | None] | None = None
) -> SyncWorker:
    """The background sync a kiosk runs with, configured from its settings."""
    engine = SyncEngine(
        store, settings=EngineSettings.from_settings(settings), printer_state=printer_state
    )
    return SyncWorker(engine).start()
