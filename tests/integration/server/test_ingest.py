"""The push batch on its own (no HTTP): bulk and one-by-one give the same answers.

The HTTP tests run the bulk path; these pin the savepoint-per-mutation path
it falls back to, the fallback itself, and the race it guards against.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from nacl.signing import SigningKey
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError

from core.sealing import b64
from server import ingest as ingest_module
from server.batch import Batch
from server.catalogue import NewEvent, add_event
from server.db import Database
from server.devices import DeviceReport
from server.enrolment import create_enrollment_code, enroll
from server.ingest import ingest
from server.keys import ServerKeys, load_or_create_keys
from server.models import CheckIn, Device, MutationRecord, Registration, Submission
from sync.protocol import EnrollRequest
from tests.integration.server.simkiosk import SimKiosk


@pytest.fixture
def keys(db: Database) -> ServerKeys:
    return load_or_create_keys(db)


def _device(db: Database, keys: ServerKeys) -> tuple[Device, SimKiosk]:
    key = SigningKey.generate()
    request = EnrollRequest(
        enrollment_code=create_enrollment_code(db, "시청"),
        name="k",
        public_key=b64(bytes(key.verify_key)),
    )
    enrolled = enroll(db, keys, request, client="test")
    with db.read() as session:
        device = session.get(Device, enrolled.device_id)
    assert device is not None
    kiosk = SimKiosk(
        "http://unused",
        enrolled.device_id,
        enrolled.token,
        enrolled.office,
        enrolled.server_public_key,
        enrolled.signing_key_id,
        key,
    )
    return device, kiosk


def _scenario(kiosk: SimKiosk, event: int) -> list[dict[str, Any]]:
    complaint = kiosk.complaint()
    return [
        complaint,
        complaint,  # the same mutation twice in one batch
        kiosk.complaint(receipt_code="bad"),  # schema-invalid
        kiosk.signup(event, 1),
        kiosk.signup(event, 2),  # beyond the block of 1: waitlisted
        kiosk.signup(event, 1),  # ticket number taken earlier in this batch
        kiosk.signup(999, 3),  # no such event
        kiosk.checkin(event, kiosk.signing_key_id, 1),
        kiosk.checkin(event, kiosk.signing_key_id, 1),  # admitted twice
        kiosk.checkin(event, kiosk.signing_key_id, 2),  # the revoked ticket
        kiosk.proposal(),
    ]


EXPECTED = [
    ("applied", ""),
    ("duplicate", ""),
    ("rejected", "invalid_payload"),
    ("applied", ""),
    ("applied", "waitlisted"),
    ("rejected", "ticket_conflict"),
    ("rejected", "unknown_event"),
    ("applied", ""),
    ("applied", "duplicate_admission"),
    ("applied", "revoked_ticket"),
    ("applied", ""),
]


def _event(db: Database) -> int:
    return add_event(
        db,
        NewEvent(
            title_ko="행사",
            title_en="Event",
            capacity=10,
            offline_block=1,
            starts_at=dt.datetime(2027, 1, 5, tzinfo=dt.UTC),
        ),
    )


def _counts(db: Database) -> dict[str, int]:
    with db.read() as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (MutationRecord, Submission, Registration, CheckIn)
        }


@pytest.mark.parametrize("bulk", [True, False], ids=["bulk", "one-by-one"])
def test_both_paths_give_the_same_answers(db: Database, keys: ServerKeys, bulk: bool) -> None:
    device, kiosk = _device(db, keys)
    event = _event(db)

    results = ingest(db, keys, device, _scenario(kiosk, event), bulk=bulk)

    assert [(r.status.value, r.code) for r in results] == EXPECTED
    assert _counts(db) == {"mutations": 10, "submissions": 2, "registrations": 2, "checkins": 3}


@pytest.fixture
def failing_bulk_insert(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    calls: list[bool] = []
    real_flush = Batch.flush

    def flush(self: Batch) -> None:
        calls.append(self.bulk)
        if self.bulk:
            raise IntegrityError("INSERT", {}, Exception("simulated unique violation"))
        real_flush(self)

    monkeypatch.setattr(Batch, "flush", flush)
    yield calls


def test_a_refused_bulk_insert_falls_back_to_one_by_one(
    db: Database, keys: ServerKeys, failing_bulk_insert: list[bool]
) -> None:
    device, kiosk = _device(db, keys)
    event = _event(db)

    results = ingest(db, keys, device, _scenario(kiosk, event))

    assert failing_bulk_insert == [True, False]
    assert [(r.status.value, r.code) for r in results] == EXPECTED
    # Nothing of the rolled-back bulk attempt is left, admissions included.
    assert _counts(db) == {"mutations": 10, "submissions": 2, "registrations": 2, "checkins": 3}


@pytest.mark.parametrize("bulk", [True, False], ids=["bulk", "one-by-one"])
def test_an_id_stored_meanwhile_by_another_request(
    db: Database, keys: ServerKeys, monkeypatch: pytest.MonkeyPatch, bulk: bool
) -> None:
    # Ids are scoped to the kiosk (issue 16 #4): the race is the kiosk's own
    # retry, stored by a parallel request of the same device.
    first, kiosk = _device(db, keys)
    mutation = kiosk.complaint()
    ingest(db, keys, first, [mutation])
    real_known = ingest_module._known
    misses = iter([True])

    def known_racing(conn: Any, lineage: str, ids: Any) -> Any:
        # Our look-up ran just before the other request committed.
        return {} if next(misses, False) else real_known(conn, lineage, ids)

    monkeypatch.setattr(ingest_module, "_known", known_racing)

    [result] = ingest(db, keys, first, [mutation], bulk=bulk)

    assert result.status.value == "duplicate"
    assert _counts(db)["submissions"] == 1


def test_a_push_and_what_the_kiosk_reports_with_it_commit_once(
    db: Database, keys: ServerKeys
) -> None:
    device, kiosk = _device(db, keys)
    commits: list[object] = []
    event.listen(db.engine, "commit", commits.append)
    report = DeviceReport(app_version="2.0.0", pending=240, printer_header="paper_low")

    ingest(db, keys, device, [kiosk.complaint(), kiosk.proposal()], report=report)

    # One fsync per push: the batch and the backlog, version and printer staff see.
    assert len(commits) == 1
    with db.read() as session:
        stored = session.get(Device, device.id)
    assert stored is not None
    assert (stored.app_version, stored.pending_reported, stored.printer_state) == (
        "2.0.0",
        240,
        "paper_low",
    )
    assert stored.pending_reported_at is not None and stored.last_push_at is not None
