"""Opening the kiosk's SQLite store: durable pragmas, migrations, sessions.

Two session factories: ``write()`` starts with ``BEGIN IMMEDIATE`` so a writer
takes SQLite's write lock up front (a deferred transaction that reads and then
writes can fail with SQLITE_BUSY in WAL mode no matter how long it waits), and
``read()`` starts a plain deferred transaction that never blocks writers.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
BUSY_TIMEOUT_MS = 10_000
# The newest migration in MIGRATIONS_DIR. Every start compares the database
# with it before deciding to load Alembic at all: Alembic and what it imports
# (Mako, Pygments) cost ~90 ms of a cold start that almost never migrates. A
# test fails when a new migration is added without moving this.
SCHEMA_HEAD = "0006"


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


def create_sqlite_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise ValueError(f"the kiosk store is SQLite only, got {parsed.drivername}")
    database = parsed.database or ""
    if database and database != ":memory:":
        path = Path(database)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            # The file holds tokens and keys: readable by the kiosk user only.
            path.touch(mode=0o600)
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
    durable_sqlite(engine)
    return engine


def migration_config(
    connection: Connection | None = None, directory: Path = MIGRATIONS_DIR
) -> Config:
    """Alembic's configuration for the migrations in ``directory`` (the server passes its own)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(directory))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision(directory: Path = MIGRATIONS_DIR) -> str:
    """The head as Alembic reads it from the migration scripts (slow; see SCHEMA_HEAD)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(migration_config(directory=directory)).get_current_head()
    assert head is not None, f"the migrations in {directory} have no head"
    return head


def current_revision(conn: Connection) -> str | None:
    """The revision the database is at; None for a new, empty file."""
    has_table = conn.execute(
        text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'")
    ).first()
    if has_table is None:
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision``; a no-op when already there."""
    with engine.connect() as conn:
        if revision == "head" and current_revision(conn) == SCHEMA_HEAD:
            return
    from alembic import command

    with engine.begin() as conn:
        command.upgrade(migration_config(conn), revision)


class Store:
    """One engine, a write and a read session factory (the server's Database is one too)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer = sessionmaker(
            engine.execution_options(sqlite_begin="IMMEDIATE"), expire_on_commit=False
        )
        self._reader = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: committed when the block ends, rolled back on error."""
        with self._writer.begin() as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reader() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()


def open_store(url: str, migrate: bool = True) -> Store:
    engine = create_sqlite_engine(url)
    if migrate:
        upgrade(engine)
    return Store(engine)


def database_path(store: Store) -> Path | None:
    database = store.engine.url.database
    return Path(database) if database and database != ":memory:" else None


def restrict_permissions(path: Path) -> None:
    """Make a store file (and its WAL/SHM) readable by the kiosk user only."""
    for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if candidate.exists():
            candidate.chmod(0o600)
