"""The server's sessions on PostgreSQL: quick reads run without a transaction, the rest in one.

At READ COMMITTED each statement of a read sees its own snapshot either way;
around a push's or a pull's few reads the transaction only cost a BEGIN and a
ROLLBACK round trip. A read that streams (server-side cursor) needs one.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from server.db import Database, open_database

_NOW = text("SELECT transaction_timestamp()")


def _two_reads_apart(session: Session) -> tuple[dt.datetime, dt.datetime]:
    first = session.scalar(_NOW)
    time.sleep(0.02)
    return first, session.scalar(_NOW)


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_each_statement_of_a_quick_read_is_its_own_transaction(db: Database) -> None:
    with db.quick_read() as session:
        first, second = _two_reads_apart(session)
    assert second > first


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_read_session_is_one_transaction_and_can_stream(db: Database) -> None:
    with db.read() as session:
        first, second = _two_reads_apart(session)
        streamed = session.execute(
            text("SELECT generate_series(1, 5)").execution_options(yield_per=2)
        ).scalars()
        assert list(streamed) == [1, 2, 3, 4, 5]
    assert second == first


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_write_session_is_one_transaction(db: Database) -> None:
    with db.write() as session:
        first, second = _two_reads_apart(session)
    assert second == first


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_quick_read_leaves_its_connection_as_it_found_it(db: Database) -> None:
    with db.quick_read() as session:
        session.scalar(_NOW)
    # The same pooled connection serves a write next: a transaction again, not autocommit.
    with db.write() as session:
        first, second = _two_reads_apart(session)
    assert second == first


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_statements_are_planned_for_their_parameters_every_time(db: Database) -> None:
    # A generic plan for a prepared statement (psycopg prepares after five runs)
    # read an event's every registration to look up a push's phone hashes.
    for session_of in (db.read, db.quick_read, db.write):
        with session_of() as session:
            assert session.scalar(text("SHOW plan_cache_mode")) == "force_custom_plan"


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_connection_options_in_the_url_are_kept(db_url: str) -> None:
    db = open_database(f"{db_url}?options=-c%20statement_timeout%3D5000", migrate=False)
    try:
        with db.quick_read() as session:
            assert session.scalar(text("SHOW statement_timeout")) == "5s"
            assert session.scalar(text("SHOW plan_cache_mode")) == "force_custom_plan"
    finally:
        db.close()
