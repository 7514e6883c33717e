"""Pushes take turns at their Python work on SQLite, and hand the turn on as their commit starts.

SQLite admits one writer at a time; a second push running beside the first
only multiplies hand-overs of the GIL (server/turns.py). What must hold: a
push keeps the turn while it reads, checks and writes; it lets the next push
in while its commit waits for the disk; it never keeps the turn after it
ended, failed or not; and on PostgreSQL nobody waits for a turn at all.
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
from server.turns import Turns
from sync.protocol import PROTOCOL_VERSION
from tests.integration.server.simkiosk import SimKiosk
from tests.integration.server.test_ingest import _device


@pytest.fixture
def keys(db: Database) -> ServerKeys:
    return load_or_create_keys(db)


def _free(turns: Turns, wait_s: float) -> bool:
    """Whether another thread gets a turn within ``wait_s`` (it gives it straight back)."""
    got = threading.Event()

    def take() -> None:
        with turns.take():
            got.set()

    threading.Thread(target=take, daemon=True).start()
    return got.wait(wait_s)


@contextmanager
def watching(db: Database, statement_wait_s: float) -> Iterator[dict[str, list[bool]]]:
    """Whether the turn was free at the push's first statement and at each commit.

    A turn expected to be held is waited for briefly (it never comes, however
    slow the machine); one expected to be free, generously.
    """
    seen: dict[str, list[bool]] = {"statement": [], "commit": []}

    def on_statement(*_: object) -> None:
        if not seen["statement"]:
            seen["statement"].append(_free(db.push_turns, statement_wait_s))

    def on_commit(_conn: Connection) -> None:
        seen["commit"].append(_free(db.push_turns, 10))

    event.listen(db.engine, "before_cursor_execute", on_statement)
    event.listen(db.engine, "commit", on_commit)
    yield seen
    event.remove(db.engine, "before_cursor_execute", on_statement)
    event.remove(db.engine, "commit", on_commit)


def _body(kiosk: SimKiosk, mutations: list[dict[str, Any]]) -> bytes:
    body = {"protocol": PROTOCOL_VERSION, "device_id": kiosk.device_id, "mutations": mutations}
    return json.dumps(body).encode()


def test_a_push_keeps_the_turn_while_it_works_and_hands_it_on_as_it_commits(
    db: Database, keys: ServerKeys, backend: str
) -> None:
    _, kiosk = _device(db, keys)
    body = _body(kiosk, [kiosk.complaint() for _ in range(2)])
    with watching(db, 0.2 if backend == "sqlite" else 10) as seen:
        answer = handle_push(db, keys, f"Bearer {kiosk.token}", "2", "ready", body)
    assert [r["status"] for r in json.loads(answer)["results"]] == ["applied", "applied"]
    # On SQLite nobody else gets the turn while the push reads and writes; on
    # PostgreSQL there are no turns to wait for.
    assert seen["statement"] == [backend != "sqlite"]
    assert seen["commit"] == [True]
    assert _free(db.push_turns, 10)


def test_a_refused_push_gives_its_turn_back(db: Database, keys: ServerKeys) -> None:
    _, kiosk = _device(db, keys)
    with pytest.raises(ApiError):
        handle_push(db, keys, "Bearer not-a-token", None, None, _body(kiosk, [kiosk.complaint()]))
    with pytest.raises(ApiError):
        handle_push(db, keys, f"Bearer {kiosk.token}", None, None, b'{"mutations": 7}')
    assert _free(db.push_turns, 10)


def test_turns_one_at_a_time_and_none_without_them() -> None:
    turns = Turns(take_turns=True)
    holding, done = threading.Event(), threading.Event()

    def hold() -> None:
        with turns.take():
            holding.set()
            done.wait(10)

    with turns.take() as turn:
        assert not _free(turns, 0.2)
        turn.give_up()
        threading.Thread(target=hold, daemon=True).start()
        assert holding.wait(10)
        turn.give_up()  # a second give-up must not free the turn the other push now holds
        assert not _free(turns, 0.2)
    done.set()
    assert _free(turns, 10)
    with pytest.raises(RuntimeError), turns.take():
        raise RuntimeError("the push failed")
    assert _free(turns, 10)
    free_for_all = Turns(take_turns=False)
    with free_for_all.take():
        assert _free(free_for_all, 10)
