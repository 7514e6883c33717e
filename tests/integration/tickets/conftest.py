"""Real kiosks (SQLite stores, sync engines) around the real central server on 127.0.0.1.

Each kiosk enrols for real, so it signs tickets with its own Ed25519 key and
knows the others' only from what it pulls. "Offline" simply means a kiosk
does not sync: every check-in decision is made from its own store.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.admissions import record_admission
from kiosk.attendance import EventCounts, event_counts
from kiosk.checkin import Verdict
from kiosk.identity import require_identity
from kiosk.models import CheckIn
from kiosk.signups import SignupForm, sign_up
from kiosk.store import Store, open_store
from kiosk.submissions import Consent, Receipt
from server.catalogue import NewEvent, add_event
from server.db import Database
from server.models import CheckIn as ServerCheckIn
from sync.backoff import Backoff
from sync.client import Timeouts
from sync.engine import EngineSettings, RoundOutcome, SyncEngine
from sync.enrolment import enroll
from tests.integration.server.live import LiveServer
from tests.integration.server.simkiosk import SimKiosk
from tests.support.sync_rig import open_server_db

# Events run at a fixed time: sign-ups happen days before, admissions on the day.
STARTS = dt.datetime(2027, 3, 2, 5, 0, tzinfo=dt.UTC)  # 14:00 in Seoul
SIGNUP_AT = STARTS - dt.timedelta(days=5)
DOOR_AT = STARTS - dt.timedelta(minutes=20)
CONSENT = Consent(version="2026-11", required=True)
OFFICE = "시청 민원실"
# Generous: two kiosks and a server share one machine with the rest of the suite.
TIMEOUTS = Timeouts(connect_s=5.0, read_s=30.0)


@dataclass
class Kiosk:
    name: str
    store: Store
    engine: SyncEngine

    @property
    def device_id(self) -> str:
        with self.store.read() as session:
            return require_identity(session).device_id

    def sync(self) -> None:
        """Push everything queued, then pull everything new: one full round."""
        result = self.engine.run_once(force=True)
        assert result.outcome is RoundOutcome.OK, result
        assert result.status.pending == 0, result.status

    def sign_up(self, event_id: int, name: str = "김민수") -> Receipt:
        # One sign-up per phone and event (the server's rule): each person their own phone.
        form = SignupForm(name=name, phone=SimKiosk.next_phone())
        return sign_up(self.store, event_id, form, CONSENT, now=SIGNUP_AT)

    def admit(self, event_id: int, scanned: str, at: dt.datetime) -> Verdict:
        verdict = record_admission(self.store, event_id, scanned, at)
        assert isinstance(verdict, Verdict)
        return verdict

    def checkins(self) -> list[CheckIn]:
        with self.store.read() as session:
            return list(session.scalars(select(CheckIn).order_by(CheckIn.scanned_at)))

    def event_counts(self, event_id: int) -> EventCounts:
        """What the staff attendance page shows for the event."""
        return event_counts(self.store, event_id)

    def close(self) -> None:
        self.engine.close()
        self.store.close()


@dataclass
class Site:
    """The central server and a way to set up kiosks and events against it."""

    db: Database
    live: LiveServer
    new_kiosk: Callable[..., Kiosk]

    def event(self, *, block: int = 5, days: int = 1, office: str = "") -> int:
        """An event run by ``office`` (by no office: the city's, for every kiosk)."""
        return add_event(
            self.db,
            NewEvent(
                title_ko="시장과의 대화",
                title_en="Town hall",
                starts_at=STARTS,
                ends_at=STARTS + dt.timedelta(days=days - 1, hours=2),
                capacity=100,
                offline_block=block,
                office=office,
            ),
        )

    def checkins(self) -> list[ServerCheckIn]:
        with self.db.read() as session:
            query = select(ServerCheckIn).order_by(ServerCheckIn.received_at)
            return list(session.scalars(query))


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    db = open_server_db(tmp_path / "server.db")
    live = LiveServer.start(db)
    kiosks: list[Kiosk] = []

    def new_kiosk(name: str, office: str = OFFICE) -> Kiosk:
        store = open_store(f"sqlite:///{tmp_path / f'kiosk-{len(kiosks)}.db'}")
        enroll(store, live.base_url, live.code(office), name=name, timeouts=TIMEOUTS)
        engine = SyncEngine(
            store,
            settings=EngineSettings(timeouts=TIMEOUTS, app_version="test"),
            backoff=Backoff(base_s=0.001, cap_s=0.01, rng=random.Random(0)),
        )
        kiosk = Kiosk(name, store, engine)
        kiosks.append(kiosk)
        return kiosk

    yield Site(db, live, new_kiosk)
    for kiosk in kiosks:
        kiosk.close()
    live.stop(wait=False)
    db.close()
