"""Aware UTC instants stored as SQLite text exactly as SQLAlchemy would spell them."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.sqlite import DATETIME

from core.columns import UTCDateTime

_metadata = MetaData()
_moments = Table(
    "moments", _metadata, Column("id", Integer, primary_key=True), Column("at", UTCDateTime)
)


def _random_instants(count: int) -> list[dt.datetime]:
    rng = random.Random(20261204)
    instants = [
        dt.datetime(1, 1, 1, tzinfo=dt.UTC),
        dt.datetime(999, 12, 31, 23, 59, 59, tzinfo=dt.UTC),
        dt.datetime(2026, 12, 4, 16, 42, 3, tzinfo=dt.UTC),  # no microseconds
        dt.datetime(9999, 12, 31, 14, 59, 59, 999_999, tzinfo=dt.timezone(dt.timedelta(hours=9))),
    ]
    for _ in range(count):
        seconds = rng.uniform(86_400, 3.1e11)
        zone = dt.timezone(dt.timedelta(minutes=rng.randrange(-12 * 60, 14 * 60 + 1, 15)))
        moment = dt.datetime(1, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=seconds)
        instants.append(moment.replace(microsecond=rng.choice([0, rng.randrange(10**6)])))
        instants[-1] = instants[-1].astimezone(zone)
    return instants


def test_sqlite_text_is_what_sqlalchemys_own_datetime_would_write() -> None:
    ours = UTCDateTime().dialect_impl(sqlite.dialect()).bind_processor(sqlite.dialect())
    theirs = DATETIME().bind_processor(sqlite.dialect())  # type: ignore[no-untyped-call]
    assert ours is not None and theirs is not None
    for instant in _random_instants(2_000):
        utc = instant.astimezone(dt.UTC).replace(tzinfo=None)
        assert ours(instant) == theirs(utc), instant


def test_stored_instants_read_back_equal_and_sort_as_text(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'moments.db'}")
    _metadata.create_all(engine)
    instants = _random_instants(200)
    with engine.begin() as conn:
        conn.execute(insert(_moments), [{"at": at} for at in instants])
        assert conn.scalars(select(_moments.c.at).order_by(_moments.c.id)).all() == instants
        by_text = conn.scalars(select(_moments.c.at).order_by(_moments.c.at)).all()
    assert by_text == sorted(instants)


def test_a_naive_datetime_is_refused_rather_than_guessed() -> None:
    process = UTCDateTime().dialect_impl(sqlite.dialect()).bind_processor(sqlite.dialect())
    assert process is not None
    with pytest.raises(ValueError, match="naive"):
        process(dt.datetime(2026, 12, 4, 9, 0))
    assert process(None) is None


def test_postgresql_keeps_aware_instants() -> None:
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    process = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    seoul = dt.datetime(2026, 12, 5, 1, 42, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    value = process(seoul) if process is not None else seoul
    assert value == seoul
    assert value.tzinfo is not None
