"""Pushes take turns at their Python work, and hand the turn on where waiting starts.

Side by side, pushes hand the GIL back and forth at every short C call
(server/turns.py). What must hold: a push keeps the turn while it prepares
its batch; on SQLite it keeps it through its write transaction and hands it
on as its commit starts, on PostgreSQL it hands it on as its write
transaction begins; it never keeps the turn after it ended, failed or not.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Connection

from server.app import handle_push
from server.db import Database
from server.errors import ApiError
from server.keys import ServerKeys, load_or_create_keys
from server.mutations import check_signatures
from server.turns import Turns
from sync.protocol import PROTOCOL_VERSION
from tests.integration.server.simkiosk import SimKiosk
from tests.integration.server.test_ingest import _device

HELD_WAIT_S = 0.2  # a turn that is held never comes, however long one waits
FREE_WAIT_S = 10  # one that is free comes at once, however slow the machine


def _free(turns: Turns, expect_free: bool) -> bool:
    """Whether another thread gets a turn now (it hands it straight back)."""
    got = threading.Event()

    def take() -> None:
        with turns.take():
            got.set()

    threading.Thread(target=take, daemon=True).start()
    return got.wait(FREE_WAIT_S if expect_free else HELD_WAIT_S)


@pytest.fixture
def keys(db: Database) -> ServerKeys:
    return load_or_create_keys(db)


@contextmanager
def watching(
    db: Database, monkeypatch: pytest.MonkeyPatch, sqlite: bool
) -> Iterator[dict[str, list[bool]]]:
    """Whether the turn was free while the push prepared, as its write transaction
    began, and as it committed."""
    seen: dict[str, list[bool]] = {"preparing": [], "writing": [], "committing": []}

    def preparing(*args: Any) -> Any:
        seen["preparing"].append(_free(db.push_turns, expect_free=False))
        return check_signatures(*args)

    def on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get("sqlite_begin") == "IMMEDIATE":  # a writer
            seen["writing"].append(_free(db.push_turns, expect_free=not sqlite))

    def on_commit(_conn: Connection) -> None:
        seen["committing"].append(_free(db.push_turns, expect_free=True))

    monkeypatch.setattr("server.ingest.check_signatures", preparing)
    event.listen(db.engine, "begin", on_begin)
    event.listen(db.engine, "commit", on_commit)
    try:
        yield seen
    finally:
        event.remove(db.engine, "begin", on_begin)
        event.remove(db.engine, "commit", on_commit)


def _body(kiosk: SimKiosk, mutations: list[dict[str, Any]]) -> bytes:
    body = {"protocol": PROTOCOL_VERSION, "device_id": kiosk.device_id, "mutations": mutations}
    return json.dumps(body).encode()


def test_a_push_hands_its_turn_on_where_its_waiting_starts(
    db: Database, keys: ServerKeys, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sqlite = backend == "sqlite"
    _, kiosk = _device(db, keys)
    body = _body(kiosk, [kiosk.complaint() for _ in range(2)])
    with watching(db, monkeypatch, sqlite) as seen:
        answer = handle_push(db, keys, f"Bearer {kiosk.token}", "2", "ready", body)
    assert [r["status"] for r in json.loads(answer)["results"]] == ["applied", "applied"]
    assert seen == {
        "preparing": [False],
        # SQLite admits one writer anyway; PostgreSQL's writes wait on round trips.
        "writing": [not sqlite],
        "committing": [True],
    }
    assert _free(db.push_turns, expect_free=True)


def test_a_refused_push_hands_its_turn_back(db: Database, keys: ServerKeys) -> None:
    _, kiosk = _device(db, keys)
    with pytest.raises(ApiError):
        handle_push(db, keys, f"Bearer {kiosk.token}", None, None, b'{"mutations": 7}')
    with pytest.raises(ApiError):
        handle_push(db, keys, "Bearer not-a-token", None, None, _body(kiosk, [kiosk.complaint()]))
    assert _free(db.push_turns, expect_free=True)


@pytest.mark.parametrize("through_writing", [True, False])
def test_one_turn_at_a_time_handed_on_once(through_writing: bool) -> None:
    turns = Turns(through_writing=through_writing)
    holding, done = threading.Event(), threading.Event()

    def hold() -> None:
        with turns.take():
            holding.set()
            done.wait(FREE_WAIT_S)

    with turns.take() as turn:
        assert not _free(turns, expect_free=False)
        turn.writing()
        assert _free(turns, expect_free=not through_writing) is not through_writing
        turn.committing()
        threading.Thread(target=hold, daemon=True).start()
        assert holding.wait(FREE_WAIT_S)
        turn.committing()  # a second hand-on must not free the turn another push now holds
        assert not _free(turns, expect_free=False)
    done.set()
    assert _free(turns, expect_free=True)


def test_a_failed_push_hands_its_turn_on() -> None:
    turns = Turns(through_writing=True)
    with pytest.raises(RuntimeError), turns.take():
        raise RuntimeError("the push failed")
    assert _free(turns, expect_free=True)
