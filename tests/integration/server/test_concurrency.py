"""Several kiosks pushing and pulling at once, through two server instances on one database.

Every mutation must be stored exactly once (resends included) and every change
seen by every puller exactly once, whatever order the transactions commit in.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from server.catalogue import NewEvent, add_event
from server.changes import log_state, read_log, stamp_pending
from server.db import Database, open_database
from server.models import ChangeLogEntry, CheckIn, MutationRecord, Registration, Submission
from tests.integration.server.live import LiveServer
from tests.integration.server.simkiosk import SimKiosk, merged

KIOSKS = 4
BATCHES = 6
BATCH = 50
PULLERS = 2


@pytest.fixture
def second_live(db_url: str) -> Iterator[LiveServer]:
    """Another server process' worth of state: own engine, own app, same database."""
    database = open_database(db_url, migrate=False)
    server = LiveServer.start(database)
    yield server
    server.stop()
    database.close()


def _batch(kiosk: SimKiosk, event: int, numbers: Iterator[int]) -> list[dict[str, Any]]:
    batch = []
    for i in range(BATCH):
        if i % 5 == 4:
            batch.append(kiosk.complaint())
        elif i % 5 == 3:
            batch.append(kiosk.checkin(event, kiosk.signing_key_id, next(numbers)))
        else:
            batch.append(kiosk.signup(event, next(numbers)))
    return batch


def test_concurrent_kiosks_store_everything_once_and_pullers_see_it_once(
    live: LiveServer, second_live: LiveServer
) -> None:
    event = add_event(
        live.db,
        NewEvent(
            title_ko="대규모 행사",
            title_en="Big event",
            capacity=100_000,
            offline_block=100_000,
            starts_at=dt.datetime(2027, 5, 1, 1, 0, tzinfo=dt.UTC),
        ),
    )
    servers = [live, second_live]
    pushers = [
        SimKiosk.enroll(servers[i % 2].base_url, live.code(), f"push {i}") for i in range(KIOSKS)
    ]
    pullers = [
        SimKiosk.enroll(servers[i % 2].base_url, live.code(), f"pull {i}") for i in range(PULLERS)
    ]
    cursors = [p.pull_all()[1] for p in pullers]
    done = threading.Event()

    def push(kiosk: SimKiosk) -> list[dict[str, Any]]:
        numbers = iter(range(1, 1_000_000))
        sent: list[dict[str, Any]] = []
        for round_ in range(BATCHES):
            batch = _batch(kiosk, event, numbers)
            assert {r["status"] for r in kiosk.push(batch)} == {"applied"}
            sent += batch
            if round_ == 2:  # a lost answer: the same batch again, all duplicates
                assert {r["status"] for r in kiosk.push(batch)} == {"duplicate"}
        return sent

    def pull(index: int) -> list[str]:
        kiosk, cursor, seen = pullers[index], cursors[index], []
        while True:
            finished = done.is_set()  # read before pulling: the last round drains all
            pages, cursor = kiosk.pull_all(cursor, limit=97)
            seen += [r["id"] for r in merged(pages, "registrations")]
            if finished:
                return seen

    with ThreadPoolExecutor(KIOSKS + PULLERS) as pool:
        pulling = [pool.submit(pull, i) for i in range(PULLERS)]
        sent = [m for future in [pool.submit(push, k) for k in pushers] for m in future.result()]
        done.set()
        seen_by = [future.result() for future in pulling]

    signups = {m["id"] for m in sent if m["type"] == "signup.create"}
    with live.db.read() as session:

        def count(model: type[object]) -> int:
            return session.scalar(select(func.count()).select_from(model)) or 0

        assert count(MutationRecord) == len(sent) == KIOSKS * BATCHES * BATCH
        assert count(Submission) == sum(m["type"] == "complaint.create" for m in sent)
        assert count(CheckIn) == sum(m["type"] == "checkin.create" for m in sent)
        stored = set(session.scalars(select(Registration.id)))
    assert stored == signups
    for seen in seen_by:
        repeats = [id_ for id_, n in Counter(seen).items() if n > 1]
        assert not repeats, f"{len(repeats)} registrations pulled more than once"
        assert set(seen) == signups


def test_a_change_committed_late_is_not_skipped(db: Database, backend: str) -> None:
    if backend == "sqlite":
        pytest.skip("SQLite runs one writer at a time: commits cannot overtake each other")
    scopes = [""]
    early, late = db.engine.connect(), db.engine.connect()
    try:
        early_tx = early.begin()
        early.execute(insert(ChangeLogEntry).values(entity="category", entity_key="early"))
        late_tx = late.begin()
        late.execute(insert(ChangeLogEntry).values(entity="category", entity_key="late"))
        late_tx.commit()  # the later insert (higher id) commits first

        stamp_pending(db)
        with db.read() as session:
            start = log_state(session).last_position
            first = read_log(session, 0, scopes, 100)
        assert [e.entity_key for e in first] == ["late"]

        early_tx.commit()
        stamp_pending(db)
        with db.read() as session:
            after = read_log(session, start, scopes, 100)
        assert [e.entity_key for e in after] == ["early"]
        assert after[0].id < first[0].id  # inserted earlier, delivered later: not skipped
    finally:
        early.close()
        late.close()


def test_every_caller_finds_what_it_committed_stamped_when_stamping_returns(
    db: Database,
) -> None:
    """Callers share stamping runs (server/changes.py): a caller may return without
    a run of its own, but never before what it had committed has its position."""
    writers, rounds = 8, 6

    def write_then_stamp(writer: int) -> list[str]:
        unstamped = []
        for n in range(rounds):
            key = f"w{writer}-{n}"
            with db.write() as session:
                session.add(ChangeLogEntry(entity="category", entity_key=key))
            stamp_pending(db)
            with db.read() as session:
                position = session.scalar(
                    select(ChangeLogEntry.position).where(ChangeLogEntry.entity_key == key)
                )
            if position is None:
                unstamped.append(key)
        return unstamped

    with ThreadPoolExecutor(writers) as pool:
        missed = [key for keys in pool.map(write_then_stamp, range(writers)) for key in keys]

    assert missed == []
