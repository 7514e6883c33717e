"""Opening the kiosk's SQLite store: the durable pragmas and session pair of ``core.database``,
the kiosk's own migrations, and a file only the kiosk user can read.
"""

from __future__ import annotations

import getpass
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm.attributes import flag_modified

from core import database as shared_database
from core.database import BUSY_TIMEOUT_MS, SessionPair, durable_sqlite
from kiosk.device_secrets import DefaultKey, KeySource, StoreSecrets, register

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# The newest migration in MIGRATIONS_DIR. Every start compares the database
# with it before deciding to load Alembic at all: Alembic and what it imports
# (Mako, Pygments) cost ~90 ms of a cold start that almost never migrates. A
# test fails when a new migration is added without moving this.
SCHEMA_HEAD = "0009"


def create_sqlite_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise ValueError(f"the kiosk store is SQLite only, got {parsed.drivername}")
    database = parsed.database or ""
    if database and database != ":memory:":
        path = Path(database)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # The data directory holds the store, its WAL and the logs of a kiosk
        # that took citizens' data: the kiosk user's alone (kiosk/device_secrets.py).
        restrict_directory(path.parent)
        if not path.exists():
            path.touch(mode=0o600)
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
    durable_sqlite(engine)
    # What is deleted or overwritten (sealed secrets replacing plaintext, pruned
    # outbox rows) is zeroed in the file, not left in free pages.
    event.listen(engine, "connect", _secure_delete)
    return engine


def _secure_delete(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA secure_delete=ON")
    finally:
        cursor.close()


def restrict_directory(directory: Path) -> None:
    """Mode 0700 for a directory this user owns (a shared parent like /tmp is left alone)."""
    try:
        if directory.owner() == getpass.getuser() and directory != Path(tempfile.gettempdir()):
            directory.chmod(0o700)
    except (OSError, KeyError, NotImplementedError):
        # Not ours to change (or Windows, where ACLs of the user profile apply):
        # the file itself is still the kiosk user's.
        pass


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


def open_store(url: str, migrate: bool = True, key_source: KeySource | None = None) -> Store:
    """Open (and migrate) the store; its device secrets use ``key_source`` or the default.

    The default key source depends on the machine (kiosk/device_secrets.py).
    """
    engine = create_sqlite_engine(url)
    database = make_url(url).database
    path = Path(database) if database and database != ":memory:" else None
    register(engine, StoreSecrets(key_source or DefaultKey(path)))
    if migrate:
        upgrade(engine)
        _seal_plaintext_secrets(engine)
    return Store(engine)


def _seal_plaintext_secrets(engine: Engine) -> None:
    """Move a token and signing key written before 0008 into the sealed column.

    Loading the row opens the plaintext, writing it seals (kiosk/models.py)
    and blanks the old columns; secure_delete zeroes the old cells and the
    checkpoint empties the WAL that still held them.
    """
    from kiosk.models import DeviceIdentity

    with engine.connect() as conn:
        plaintext = conn.execute(
            text("SELECT 1 FROM device_identity WHERE token != '' OR length(signing_key) > 0")
        ).first()
    if plaintext is None:
        return
    with Store(engine).write() as session:
        identity = session.get(DeviceIdentity, 1)
        if identity is not None:
            flag_modified(identity, "secrets")
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def database_path(store: Store) -> Path | None:
    database = store.engine.url.database
    return Path(database) if database and database != ":memory:" else None


def restrict_permissions(path: Path) -> None:
    """Make a store file (and its WAL/SHM) readable by the kiosk user only."""
    for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if candidate.exists():
            candidate.chmod(0o600)
