"""The store opened on a thread of its own while the home screen is painted (app/opening.py).

A real SQLite store, opened and migrated on the opening thread; whoever needs
it waits for it in ``result``; the window is told once it is over, whether
it opened or not; an error reaches the one who asks for the store.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from app.opening import StoreOpening
from kiosk import lookups
from kiosk.store import Store, open_store


def test_the_store_opens_on_its_own_thread_and_is_waited_for(tmp_path: Path) -> None:
    opened_on: list[str] = []

    def opening() -> Store:
        opened_on.append(threading.current_thread().name)
        return open_store(f"sqlite:///{tmp_path / 'kiosk.db'}")

    told = threading.Event()
    store_opening = StoreOpening(opening)
    store_opening.when_done(told.set)
    store_opening.start()
    store = store_opening.result()
    try:
        assert opened_on == ["store-opening"]
        assert told.wait(timeout=10)
        assert lookups.pending_count(store) == 0  # migrated and usable
        assert store_opening.result() is store  # opened once
    finally:
        store.close()


def test_asking_for_the_store_before_the_opening_started_opens_it(tmp_path: Path) -> None:
    store_opening = StoreOpening(lambda: open_store(f"sqlite:///{tmp_path / 'kiosk.db'}"))
    store = store_opening.result()
    try:
        assert lookups.pending_count(store) == 0
    finally:
        store.close()


def test_a_listener_that_comes_late_is_told_at_once(tmp_path: Path) -> None:
    store_opening = StoreOpening(lambda: open_store(f"sqlite:///{tmp_path / 'kiosk.db'}"))
    store = store_opening.result()
    told: list[str] = []
    store_opening.when_done(lambda: told.append(threading.current_thread().name))
    try:
        assert told == [threading.current_thread().name]
    finally:
        store.close()


def test_a_store_that_cannot_open_raises_for_whoever_asks(tmp_path: Path) -> None:
    # A directory where the database file should be: SQLite cannot open it.
    (tmp_path / "kiosk.db").mkdir()
    told = threading.Event()
    store_opening = StoreOpening(lambda: open_store(f"sqlite:///{tmp_path / 'kiosk.db'}"))
    store_opening.when_done(told.set)
    store_opening.start()
    with pytest.raises(Exception):  # noqa: B017 - whatever SQLAlchemy raises, it reaches us
        store_opening.result()
    assert told.is_set()
