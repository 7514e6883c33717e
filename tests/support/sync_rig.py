"""A kiosk, the real central server and a fault proxy between them, wired for tests.

The server runs in a thread on 127.0.0.1 (``tests.integration.server.live``),
on an SQLite file seeded with the demo categories and events. The kiosk talks
to it only through a :class:`FaultProxy`, enrols for real, and syncs with an
engine whose backoff is a few milliseconds, so a test drives retries with
``run_once`` and never sleeps for seconds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.models import MutationState, OutboxMutation
from kiosk.pulled import pull_cursor
from kiosk.store import Store, open_store
from kiosk.submissions import Receipt, submit_complaint
from server.catalogue import seed_demo
from server.db import Database, open_database
from server.models import MutationRecord, Registration, Submission
from sync.engine import RoundOutcome, RoundResult, SyncEngine
from sync.enrolment import enroll
from tests.integration.server.live import LiveServer
from tests.support.faultproxy import FaultProxy
from tests.support.quick_engine import (
    CONSENT,
    ENROL_TIMEOUTS,
    TEST_TIMEOUTS,
    complaint_form,
    fast_engine,
)

__all__ = [
    "CONSENT",
    "ENROL_TIMEOUTS",
    "TEST_TIMEOUTS",
    "SyncRig",
    "build_rig",
    "fast_engine",
    "rig",
]


def open_server_db(path: Path) -> Database:
    db = open_database(f"sqlite:///{path}")
    seed_demo(db)
    return db


@dataclass
class SyncRig:
    server_db: Database
    live: LiveServer | None
    proxy: FaultProxy
    store: Store
    engine: SyncEngine
    rounds: list[RoundResult] = field(default_factory=list)

    def submit(self, count: int, start: int = 0) -> list[Receipt]:
        return [
            submit_complaint(self.store, complaint_form(n), CONSENT)
            for n in range(start, start + count)
        ]

    def sync_once(self, *, force: bool = False) -> RoundResult:
        result = self.engine.run_once(force=force)
        self.rounds.append(result)
        return result

    def sync_until_done(self, max_rounds: int = 50) -> RoundResult:
        """Rounds until one succeeds with nothing left queued (the fault has cleared)."""
        for _ in range(max_rounds):
            result = self.sync_once()
            if result.outcome is RoundOutcome.OK and result.status.pending == 0:
                return result
        raise AssertionError(f"still not drained after {max_rounds} rounds: {self.rounds[-1]}")

    # --- the server going away and coming back --------------------------------------

    def stop_server(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None

    def start_server(self) -> None:
        """Start the server again (on a new port); the proxy forwards there from now on."""
        if self.live is None:
            self.live = LiveServer.start(self.server_db)
            self.proxy.upstream = ("127.0.0.1", server_port(self.live))

    def close(self) -> None:
        self.engine.close()
        self.proxy.stop()
        self.stop_server()
        self.store.close()
        self.server_db.close()

    # --- what each side holds ------------------------------------------------------

    def kiosk_states(self) -> dict[str, MutationState]:
        with self.store.read() as session:
            return {m.id: m.state for m in session.scalars(select(OutboxMutation))}

    def cursor(self) -> str:
        with self.store.read() as session:
            return pull_cursor(session)

    def server_mutations(self) -> Counter[str]:
        """Mutation ids the server recorded, with how often (a duplicate would show 2)."""
        with self.server_db.read() as session:
            return Counter(session.scalars(select(MutationRecord.id)))

    def server_records(self) -> Counter[str]:
        """Submissions and sign-ups stored on the server, by id."""
        with self.server_db.read() as session:
            ids = list(session.scalars(select(Submission.id)))
            ids += list(session.scalars(select(Registration.id)))
        return Counter(ids)


def build_rig(tmp_path: Path, *, server_running: bool = True) -> SyncRig:
    """Server (started or not), proxy in front of it, kiosk enrolled through the proxy."""
    server_db = open_server_db(tmp_path / "server.db")
    live = LiveServer.start(server_db)
    proxy = FaultProxy(("127.0.0.1", server_port(live)), upstream_timeout=5.0).start()
    store = open_store(f"sqlite:///{tmp_path / 'kiosk.db'}")
    enroll(store, proxy.url, live.code(), name="test kiosk", timeouts=ENROL_TIMEOUTS)
    rig = SyncRig(server_db, live, proxy, store, fast_engine(store))
    # Categories and events first: a complaint needs a known category. The engine's
    # short timeouts are for the faults under test; on a loaded machine the set-up
    # pull may outlast one, so it gets a few rounds (each is a real, complete round).
    outcomes = []
    for _ in range(5):
        outcomes.append(rig.sync_once().outcome)
        if outcomes[-1] is RoundOutcome.OK:
            break
    assert outcomes[-1] is RoundOutcome.OK, f"set-up sync never succeeded: {outcomes}"
    if not server_running:
        rig.stop_server()
    return rig


def server_port(live: LiveServer) -> int:
    return int(live.base_url.rsplit(":", 1)[1])


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[SyncRig]:
    """An enrolled kiosk that has pulled once, the live server and the proxy between."""
    built = build_rig(tmp_path)
    yield built
    built.close()
