"""The durable SQLite set-up and the write/read session pair, for kiosk store and server.

Two session factories: ``write()`` starts with ``BEGIN IMMEDIATE`` so a writer
takes SQLite's write lock up front (a deferred transaction that reads and then
writes can fail with SQLITE_BUSY in WAL mode no matter how long it waits), and
``read()`` starts a plain deferred transaction that never blocks writers.
PostgreSQL ignores the ``sqlite_begin`` option.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "BUSY_TIMEOUT_MS",
    "SessionPair",
    "durable_sqlite",
    "head_revision",
    "migration_config",
]

BUSY_TIMEOUT_MS = 10_000


def durable_sqlite(engine: Engine, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
    """Make every connection of a SQLite engine durable, and BEGIN modes honoured.

    Durability comes first: a citizen who saw "received" must not lose the
    record to a power cut, which WAL with synchronous=NORMAL allows for the
    last commits. The central server's SQLite file uses the same settings.
    """
    pragmas = (
        "PRAGMA journal_mode=WAL",
        "PRAGMA synchronous=FULL",
        "PRAGMA foreign_keys=ON",
        f"PRAGMA busy_timeout={busy_timeout_ms}",
    )

    def on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Let the "begin" hook below issue BEGIN instead of pysqlite's own
        # implicit one, which would ignore IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            for pragma in pragmas:
                cursor.execute(pragma)
        finally:
            cursor.close()

    def on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    event.listen(engine, "connect", on_connect)
    event.listen(engine, "begin", on_begin)


def migration_config(connection: Connection | None, directory: Path) -> Config:
    """Alembic's configuration for the migrations in ``directory``."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(directory))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision(directory: Path) -> str:
    """The head as Alembic reads it from the migration scripts (slow; see SCHEMA_HEAD)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(migration_config(None, directory)).get_current_head()
    assert head is not None, f"the migrations in {directory} have no head"
    return head


class SessionPair:
    """One engine, a write and a read session factory (the kiosk's Store, the server's Database).

    On SQLite, writers of this process also queue on a lock before BEGIN
    IMMEDIATE. SQLite admits one writer at a time anyway, and a writer that
    finds the database locked sleeps in SQLite's busy handler (1, 2, 5 … 100 ms
    at a time) however soon the lock is free: with a few server threads pushing
    at once, that turned into seconds-long tails. A lock hands over at once,
    in order. Other processes still meet ``busy_timeout``.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._write_lock = threading.RLock() if engine.dialect.name == "sqlite" else None
        self._writer = sessionmaker(
            engine.execution_options(sqlite_begin="IMMEDIATE"), expire_on_commit=False
        )
        self._reader = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def write(self, *, before_commit: Callable[[], None] | None = None) -> Iterator[Session]:
        """One write transaction: committed when the block ends, rolled back on error.

        ``before_commit`` is called once the block's work is done, just before
        the commit that waits for the disk (never when the block failed): the
        server's pushes give their turn to the next one there (server/turns.py).
        """
        with (
            self._write_lock or contextlib.nullcontext(),
            self._writer() as session,
            session.begin(),
        ):
            yield session
            if before_commit is not None:
                before_commit()

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reader() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()
