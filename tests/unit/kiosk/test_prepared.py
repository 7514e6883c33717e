"""Statements run on the driver: SQLAlchemy's rows and types, in the caller's transaction."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import bindparam, insert, select

from kiosk.models import CheckIn, Event
from kiosk.prepared import Prepared
from kiosk.store import Store
from tests.conftest import NOW

_CHECKIN_COLUMNS = ("id", "event_id", "key_id", "number", "device_id", "scanned_at", "undone")
_INSERT = Prepared(insert(CheckIn), columns=_CHECKIN_COLUMNS)
_BY_ID = select(CheckIn.id, CheckIn.scanned_at, CheckIn.undone, CheckIn.server_time).where(
    CheckIn.id == bindparam("id")
)
_EVENTS = select(Event.id, Event.title_en, Event.starts_at, Event.cancelled).order_by(Event.id)


def _admission(event_id: int) -> dict[str, object]:
    return {
        "id": str(uuid.uuid4()),
        "event_id": event_id,
        "key_id": 7,
        "number": 42,
        "device_id": "door-1",
        "scanned_at": NOW + dt.timedelta(microseconds=123_456),
        "undone": False,
    }


def test_rows_match_what_sqlalchemy_reads_aware_utc_datetimes_and_booleans(store: Store) -> None:
    with store.read() as session:
        conn = session.connection()
        expected = [tuple(row) for row in conn.execute(_EVENTS)]
        got = [tuple(row) for row in Prepared(_EVENTS).all(conn)]
        first = Prepared(_EVENTS).first(conn)
    assert got == expected and expected
    assert first is not None and first.starts_at.tzinfo == dt.UTC
    assert isinstance(first.cancelled, bool)


def test_a_written_row_reads_back_through_the_orm_with_its_values(store: Store) -> None:
    row = _admission(event_id=1)
    with store.write() as session:
        _INSERT.run(session.connection(), row)
    with store.read() as session:
        admitted = session.get(CheckIn, row["id"])
        again = Prepared(_BY_ID).first(session.connection(), {"id": row["id"]})
    assert admitted is not None
    assert admitted.scanned_at == row["scanned_at"]
    assert (admitted.key_id, admitted.number, admitted.undone) == (7, 42, False)
    assert again is not None
    assert (again.scanned_at, again.undone, again.server_time) == (row["scanned_at"], False, None)


def test_a_write_is_part_of_the_callers_transaction_and_rolls_back_with_it(store: Store) -> None:
    row = _admission(event_id=1)
    with pytest.raises(RuntimeError), store.write() as session:
        _INSERT.run(session.connection(), row)
        raise RuntimeError("something after the insert failed")
    with store.read() as session:
        assert session.get(CheckIn, row["id"]) is None


def test_a_parameter_the_statement_needs_must_be_given(store: Store) -> None:
    with store.read() as session, pytest.raises(KeyError):
        Prepared(_BY_ID).first(session.connection(), {})
