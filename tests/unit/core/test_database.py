"""The write session's hook before its commit: after the work, before the disk, never on failure."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from core.database import SessionPair, durable_sqlite


@pytest.fixture
def pair(tmp_path: Path) -> SessionPair:
    engine = create_engine(f"sqlite:///{tmp_path / 'pair.db'}")
    durable_sqlite(engine)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE notes (body TEXT)"))
    return SessionPair(engine)


def _bodies(pair: SessionPair) -> list[str]:
    with pair.read() as session:
        return list(session.scalars(text("SELECT body FROM notes")))


def test_before_commit_runs_once_after_the_work_and_before_it_is_committed(
    pair: SessionPair,
) -> None:
    seen: list[list[str]] = []
    with pair.write(before_commit=lambda: seen.append(_bodies(pair))) as session:
        session.execute(text("INSERT INTO notes VALUES ('written')"))
        assert seen == []
    assert seen == [[]]  # another session could not see the row yet
    assert _bodies(pair) == ["written"]


def test_a_failed_block_rolls_back_without_calling_before_commit(pair: SessionPair) -> None:
    called: list[bool] = []
    with pytest.raises(RuntimeError), pair.write(before_commit=lambda: called.append(True)) as s:
        s.execute(text("INSERT INTO notes VALUES ('lost')"))
        raise RuntimeError("the rule failed")
    assert called == []
    assert _bodies(pair) == []
