"""The sync worker: which trigger starts a round, and when.

The engine is a stand-in that records rounds and answers as scripted; time is
real but tiny (tens of milliseconds), and every wait is on a condition with a
timeout, never a bare sleep.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from sync.backoff import Backoff
from sync.engine import RoundOutcome, RoundResult
from sync.status import SyncObserver, SyncState, SyncStatus
from sync.worker import SyncWorker

WAIT = 2.0  # upper bound for anything that should happen "soon"


class ScriptedEngine:
    """Records each round; answers with ``next_outcome`` (OK unless told otherwise)."""

    def __init__(self) -> None:
        self.backoff = Backoff(base_s=0.01, cap_s=0.05)
        self.consecutive_failures = 0
        self.status = SyncStatus(SyncState.ONLINE)
        self.cond = threading.Condition()
        self.rounds: list[tuple[float, bool]] = []
        self.refreshes = 0
        self.outcome = RoundOutcome.OK
        self.retry_in_s = 0.0
        self.crash = False
        self.closed = False

    def add_observer(self, observer: SyncObserver) -> None:
        observer.sync_status_changed(self.status)

    def run_once(self, *, force: bool = False) -> RoundResult:
        with self.cond:
            self.rounds.append((time.monotonic(), force))
            self.cond.notify_all()
            if self.crash:
                raise RuntimeError("engine bug")
            return RoundResult(self.outcome, self.status, self.retry_in_s)

    def refresh_status(self) -> SyncStatus:
        with self.cond:
            self.refreshes += 1
            self.cond.notify_all()
        return self.status

    def close(self) -> None:
        self.closed = True

    def wait_rounds(self, count: int, timeout: float = WAIT) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: len(self.rounds) >= count, timeout)

    def wait_for(self, predicate: Callable[[], bool], timeout: float = WAIT) -> bool:
        with self.cond:
            return self.cond.wait_for(predicate, timeout)


@pytest.fixture
def engine() -> ScriptedEngine:
    return ScriptedEngine()


@pytest.fixture
def start(engine: ScriptedEngine) -> Iterator[Callable[..., SyncWorker]]:
    workers: list[SyncWorker] = []

    def make(**options: float) -> SyncWorker:
        settings = {"interval_s": 60.0, "commit_delay_s": 0.02, **options}
        worker = SyncWorker(engine, **settings).start()  # type: ignore[arg-type]
        workers.append(worker)
        return worker

    yield make
    for worker in workers:
        assert worker.stop(timeout=WAIT)


def test_a_round_runs_at_start(engine: ScriptedEngine, start: Callable[..., SyncWorker]) -> None:
    start()
    assert engine.wait_rounds(1)


def test_a_local_commit_starts_a_round_shortly_after(
    engine: ScriptedEngine, start: Callable[..., SyncWorker]
) -> None:
    worker = start()
    assert engine.wait_rounds(1)
    worker.notify_local_commit()
    assert engine.wait_rounds(2)


def test_a_burst_of_commits_makes_one_round(
    engine: ScriptedEngine, start: Callable[..., SyncWorker]
) -> None:
    worker = start(commit_delay_s=0.2)
    assert engine.wait_rounds(1)
    for _ in range(10):
        worker.notify_local_commit()
    assert engine.wait_rounds(2)
    assert not engine.wait_rounds(3, timeout=0.4)


def test_a_local_commit_refreshes_the_pending_count_at_once(
    engine: ScriptedEngine, start: Callable[..., SyncWorker]
) -> None:
    worker = start(commit_delay_s=5.0)
    assert engine.wait_rounds(1)
    worker.notify_local_commit()
    assert engine.wait_for(lambda: engine.refreshes >= 1)
    assert len(engine.rounds) == 1


def test_sync_now_forces_a_round_at_once(
    engine: ScriptedEngine, start: Callable[..., SyncWorker]
) -> None:
    worker = start()
    assert engine.wait_rounds(1)
    worker.sync_now()
    assert engine.wait_rounds(2)
    assert engine.rounds[1][1] is True


def test_the_timer_runs_rounds_with_jitter(
    engine: ScriptedEngine, start: Callable[..., SyncWorker]
) -> None:
    start(interval_s=0.05, interval_jitter=0.2)
    assert engine.wait_rounds(4)
    gaps = [b[0] - a[0] for a, b in zip(engine.rounds, engine.rounds[1:], strict=False)]
    assert all(gap >= 0.04 - 0.005 for gap in gaps)


def test_after_a_failure_the_next_round_waits_for_the_backoff(
    engine: ScriptedEngine, start: Callable[..., SyncWorker]
) -> None:
    engine.outcome, engine.retry_in_s = RoundOutcome.RETRY, 0.15
    worker = start(commit_delay_s=0.0)
    assert engine.wait_rounds(1)
    worker.notify_local_commit()  # a busy kiosk must not hammer a server that is down
    assert engine.wait_rounds(2)
    assert engine.rounds[1][0] - engine.rounds[0][0] >= 0.14


def test_network_back_cuts_the_backoff_short(
    engine: ScriptedEngine, start: Callable[..., SyncWorker]
) -> None:
    engine.outcome, engine.retry_in_s = RoundOutcome.RETRY, 60.0
    worker = start()
    assert engine.wait_rounds(1)
    worker.network_back()
    assert engine.wait_rounds(2)
    assert engine.rounds[1][1] is False  # a hint, not staff's "sync now"


def test_when_paused_only_staff_start_a_round(
    engine: ScriptedEngine, start: Callable[..., SyncWorker]
) -> None:
    engine.outcome = RoundOutcome.PAUSED
    worker = start(interval_s=0.01)
    assert engine.wait_rounds(1)
    assert not engine.wait_rounds(2, timeout=0.2)
    worker.sync_now()
    assert engine.wait_rounds(2)


def test_an_engine_crash_does_not_end_the_worker(
    engine: ScriptedEngine, start: Callable[..., SyncWorker]
) -> None:
    engine.crash = True
    worker = start()
    assert engine.wait_rounds(3)  # retried after the backoff, again and again
    assert worker.running


def test_stop_ends_the_thread_promptly_and_closes_the_engine(
    engine: ScriptedEngine, start: Callable[..., SyncWorker]
) -> None:
    worker = start()
    assert engine.wait_rounds(1)
    assert worker.stop(timeout=WAIT)
    assert not worker.running
    assert engine.closed


def test_status_and_observers_come_from_the_engine(
    engine: ScriptedEngine, start: Callable[..., SyncWorker]
) -> None:
    worker = start()
    seen: list[SyncStatus] = []

    class Recorder:
        def sync_status_changed(self, status: SyncStatus) -> None:
            seen.append(status)

    worker.add_observer(Recorder())
    assert worker.status.state is SyncState.ONLINE
    assert seen == [engine.status]
