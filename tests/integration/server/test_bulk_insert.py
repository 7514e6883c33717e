"""server.batch.BulkInsert stores exactly what SQLAlchemy's own INSERT stores, on both backends.

A push's rows skip SQLAlchemy's execution path (the SQL and the type
processors are still its own): what lands in the tables, the defaults of
columns a row leaves out, and the errors that make a push fall back to one
mutation at a time must be the same as before.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from server.batch import INSERTS, BulkInsert
from server.db import Database
from server.models import ChangeLogEntry, MutationRecord, RejectedMutation, Submission, table_of

NOW = dt.datetime(2026, 12, 3, 9, 30, 15, 123456, tzinfo=dt.UTC)
SEOUL = dt.timezone(dt.timedelta(hours=9))


def _mutation(n: int, lineage: str = "lineage-a") -> dict[str, Any]:
    return {
        "lineage": lineage,
        "id": str(uuid.uuid4()),
        "device_id": "device-a",
        "seq": n,
        "type": "complaint.create",
        "payload_hash": f"{n:064x}",
        "outcome": "applied",
        "code": "",
        "message": f"message {n}",
        # A kiosk's time in another zone, and one a mutation may lack.
        "occurred_at": None if n % 3 == 0 else NOW.astimezone(SEOUL) - dt.timedelta(minutes=n),
        "received_at": NOW,
    }


def _submission(n: int) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "kind": "complaint",
        "receipt_code": f"ABCD{n:04d}"[:8],
        "device_id": "device-a",
        "category": "road",
        "district": "jung",
        "dong": "",
        "consent_version": "2026-01",
        "status": "received",
        "details": {"description": f"보도블록 {n}", "name": "김민수", "share_contact": n % 2 == 0},
        "created_at": NOW - dt.timedelta(hours=n),
        "received_at": NOW,
        "language": "ko",
        "notify": n % 2 == 1,
    }


def _stored(conn: Connection, model: type[Any], order: Any) -> list[dict[str, Any]]:
    """Every column but the random id, in a stable order."""
    rows = conn.execute(select(table_of(model)).order_by(order)).mappings().all()
    return [{k: v for k, v in row.items() if k != "id"} for row in rows]


@pytest.mark.parametrize(
    ("kind", "model", "make", "order"),
    [
        ("mutation", MutationRecord, _mutation, MutationRecord.seq),
        ("submission", Submission, _submission, Submission.receipt_code),
    ],
)
def test_rows_read_back_as_sqlalchemy_stores_them(
    db: Database, kind: str, model: type[Any], make: Any, order: Any
) -> None:
    insert = INSERTS[kind]
    ours, theirs = [make(n) for n in range(1, 8)], [make(n) for n in range(1, 8)]
    with db.write() as session:
        conn = session.connection()
        insert.run(conn, ours)
        written = _stored(conn, model, order)
        conn.execute(table_of(model).delete())
        conn.execute(insert.statement(conn.dialect.name), theirs)
        expected = _stored(conn, model, order)

    assert written == expected
    assert len(written) == 7
    # Times come back aware and in UTC, whatever zone they were given in.
    assert all(row["received_at"] == NOW for row in written)


def test_columns_a_row_leaves_out_take_their_defaults(db: Database) -> None:
    row = _submission(1)
    for column in ("dong", "status", "language", "notify", "category"):
        del row[column]
    with db.write() as session:
        conn = session.connection()
        INSERTS["submission"].run(conn, [row])
        stored = conn.execute(select(table_of(Submission))).mappings().one()
    assert (stored["dong"], stored["status"], stored["language"]) == ("", "received", "ko")
    assert (stored["notify"], stored["category"], stored["status_note"]) == (False, "", "")
    assert stored["status_note_public"] is False


def test_rows_of_different_shapes_in_one_run_are_all_written(db: Database) -> None:
    full = _submission(1)
    short = {k: v for k, v in _submission(2).items() if k != "dong"}
    with db.write() as session:
        conn = session.connection()
        INSERTS["submission"].run(conn, [full, short, _submission(3)])
        count = len(conn.execute(select(table_of(Submission).c.id)).all())
    assert count == 3


def test_more_rows_than_one_statement_takes_are_all_written(db: Database) -> None:
    rows = [
        {"entity": "registration", "entity_key": str(n), "scope": "", "created_at": NOW}
        for n in range(BulkInsert.CHUNK * 2 + 7)
    ]
    with db.write() as session:
        conn = session.connection()
        INSERTS["change"].run(conn, rows)
        keys = conn.execute(select(table_of(ChangeLogEntry).c.entity_key)).scalars().all()
    assert sorted(keys, key=int) == [str(n) for n in range(len(rows))]


def test_a_taken_key_is_sqlalchemys_integrity_error_and_the_transaction_goes_on(
    db: Database,
) -> None:
    """What makes a push fall back to one savepoint per mutation (server/ingest.py)."""
    taken = _mutation(1)
    with db.write() as session:
        INSERTS["mutation"].run(session.connection(), [taken])
    with pytest.raises(IntegrityError), db.write() as session:
        INSERTS["mutation"].run(session.connection(), [_mutation(2), dict(taken)])
    with db.write() as session:
        conn = session.connection()
        INSERTS["mutation"].run(conn, [_mutation(3)])
    with db.read() as session:
        seqs = session.scalars(select(MutationRecord.seq).order_by(MutationRecord.seq)).all()
    assert seqs == [1, 3]


def test_a_rejected_copy_sent_twice_is_kept_once(db: Database) -> None:
    row = {
        "lineage": "lineage-a",
        "mutation_id": str(uuid.uuid4()),
        "device_id": "device-a",
        "type": "complaint.create",
        "raw": '{"id": "x"}',
        "payload_hash": "f" * 64,
        "code": "invalid_payload",
        "message": "sealed description: required",
        "received_at": NOW,
    }
    with db.write() as session:
        INSERTS["rejected"].run(session.connection(), [row, dict(row)])
    with db.write() as session:
        INSERTS["rejected"].run(session.connection(), [dict(row)])
    with db.read() as session:
        kept = session.scalars(select(RejectedMutation)).all()
    assert [(r.mutation_id, r.code, r.received_at) for r in kept] == [
        (row["mutation_id"], "invalid_payload", NOW)
    ]
