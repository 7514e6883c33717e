"""Opening the kiosk's SQLite store: the durable pragmas and session pair of ``core.database``,
the kiosk's own migrations, and a file only the kiosk user can read.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import Connection, make_url

from core import database as shared_database
from core.database import BUSY_TIMEOUT_MS, SessionPair, durable_sqlite

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# The newest migration in MIGRATIONS_DIR. Every start compares the database
# with it before deciding to load Alembic at all: Alembic and what it imports
# (Mako, Pygments) cost ~90 ms of a cold start that almost never migrates. A
# test fails when a new migration is added without moving this.
SCHEMA_HEAD = "0008"


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


def migration_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for the kiosk's own migrations."""
    return shared_database.migration_config(connection, MIGRATIONS_DIR)


def head_revision() -> str:
    """The kiosk migrations' head as Alembic reads it (slow; see SCHEMA_HEAD)."""
    return shared_database.head_revision(MIGRATIONS_DIR)


class Store(SessionPair):
    """The kiosk's SQLite store (see ``open_store``)."""


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
