"""Opening the server database: PostgreSQL (production) or an embedded SQLite file.

Write transactions on SQLite start with ``BEGIN IMMEDIATE`` so a writer takes
the write lock up front: a deferred transaction that reads and then writes can
fail with SQLITE_BUSY in WAL mode however long it waits. PostgreSQL runs at
READ COMMITTED; where two writers could race, the code takes row locks.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection, ExceptionContext, make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from core import database as shared_database
from core.database import SessionPair, durable_sqlite
from server.turns import Turns

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
BUSY_TIMEOUT_MS = 30_000
# Any constant will do; it names the lock that keeps two starting workers from
# migrating the same PostgreSQL database at once.
_MIGRATION_LOCK_KEY = 0x4349_5649_434B_494F  # "CIVICKIO"
DatabaseState = Literal["ok", "read_only", "unavailable"]
# A pooled PostgreSQL connection idle this long is pinged before it is handed out.
IDLE_PING_S = 2.0
_READ_ONLY = text("SELECT current_setting('transaction_read_only'), pg_is_in_recovery()")


class DatabaseUrlError(ValueError):
    """The database URL names no database we can use."""


def normalize_url(url: str) -> str:
    """Accept the usual spellings and pick the drivers we ship (psycopg 3, sqlite3)."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseUrlError(f"not a database URL: {url!r}") from exc
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif backend == "sqlite":
        parsed = parsed.set(drivername="sqlite")
    else:
        raise DatabaseUrlError(f"unsupported database {backend!r}: use postgresql:// or sqlite://")
    return parsed.render_as_string(hide_password=False)


def create_db_engine(url: str) -> Engine:
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            path = Path(database)
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                # It holds the server's private keys and citizens' personal data.
                path.touch(mode=0o600)
        engine = create_engine(
            url,
            connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
            # As many as the request thread pool has threads (anyio's default 40):
            # a connection past the pool size is closed after use, and opening one
            # again costs the PRAGMAs of durable_sqlite on every request.
            pool_size=40,
            max_overflow=10,
        )
        # synchronous=FULL: a kiosk marks a record delivered once the server
        # answered, so what the server acknowledged must survive a power cut.
        durable_sqlite(engine, BUSY_TIMEOUT_MS)
        return engine
    engine = create_engine(
        url,
        pool_size=10,
        max_overflow=30,
        # psycopg prepares a statement run five times on a connection, and after
        # five more PostgreSQL may switch it to a generic plan, one for any
        # parameters. For a push's phone lookup (event ids and hashes as arrays)
        # that plan read the event's every registration: 36 ms at 10,000 of
        # them instead of 6, growing with the event. A plan for the actual
        # parameters each time costs a fraction of a millisecond.
        connect_args={"options": _with_custom_plans(parsed.query.get("options"))},
    )
    _ping_when_idle(engine)
    event.listen(engine, "handle_error", _discard_unusable_connections)
    return engine


def _with_custom_plans(options: str | tuple[str, ...] | None) -> str:
    """The connection's ``options`` (from the URL, if any) and custom plans."""
    given = " ".join([options] if isinstance(options, str) else options or ())
    return f"{given} -c plan_cache_mode=force_custom_plan".strip()


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before use only if it sat idle ``IDLE_PING_S`` or more.

    What a ping is for: connections that sat in the pool while the database
    restarted or failed over. One that was in use a moment ago needs none, and
    pinging at every checkout (``pool_pre_ping``) was a round trip in each
    session: two in every pull. A connection that breaks in use anyway
    fails its request (a 503 the kiosk retries) and, as a disconnect, takes the
    pool's older connections with it (``_discard_unusable_connections``).
    """

    def checked_in(_dbapi: Any, record: ConnectionPoolEntry) -> None:
        record.info["idle_since"] = time.monotonic()

    def checked_out(dbapi: Any, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_S:
            return
        try:
            engine.dialect.do_ping(dbapi)
        except Exception as exc:  # any failure: the pool discards it and connects anew
            raise DisconnectionError("the pooled connection did not answer a ping") from exc

    event.listen(engine, "checkin", checked_in)
    event.listen(engine, "checkout", checked_out)


# SQLSTATEs after which a PostgreSQL connection is no use to us, though it still
# answers ``SELECT 1`` (so a ping keeps it). 25006: the connection was
# opened while the database said ``default_transaction_read_only = on`` and
# keeps that setting for life, long after the database is writable again.
# 57P01-57P03 and class 08: the server is shutting down or the link is gone.
_UNUSABLE_SQLSTATES = frozenset({"25006", "57P01", "57P02", "57P03"})


def sqlstate(error: BaseException | None) -> str:
    """The SQLSTATE of a driver error ("" if it has none)."""
    return str(getattr(error, "sqlstate", "") or "")


def _discard_unusable_connections(context: ExceptionContext) -> None:
    """Treat errors that leave a connection unusable as a disconnect.

    SQLAlchemy then discards this connection and every connection the pool
    opened before it, so the next request gets a fresh one and the server
    heals by itself once the database does, with nobody terminating backends.
    """
    state = sqlstate(context.original_exception)
    if state in _UNUSABLE_SQLSTATES or state.startswith("08"):
        context.is_disconnect = True


def migration_config(connection: Connection | None = None) -> Config:
    return shared_database.migration_config(connection, MIGRATIONS_DIR)


def head_revision() -> str:
    return shared_database.head_revision(MIGRATIONS_DIR)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision``; a no-op when already there."""
    if revision == "head" and current_revision(engine) == head_revision():
        return
    # IMMEDIATE on SQLite, an advisory lock on PostgreSQL: a second process
    # starting at the same time waits, then finds the schema current.
    with engine.execution_options(sqlite_begin="IMMEDIATE").begin() as conn:
        if conn.dialect.name == "postgresql":
            # Held to the end of this transaction, which runs the migrations.
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
        command.upgrade(migration_config(conn), revision)


class Database(SessionPair):
    """The server's database: the shared write/read session pair, on any backend.

    The ``sqlite_begin`` option the writer carries only matters to SQLite's
    begin hook; PostgreSQL ignores it.
    """

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        # PostgreSQL reads without a transaction around them (quick_read).
        quick = engine
        if engine.dialect.name == "postgresql":
            quick = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._quick_reader = sessionmaker(quick, expire_on_commit=False)
        # Ticket-signing public keys by key id, as read from this database. A
        # key's public half never changes once registered (revocation is a
        # column beside it), so a push need not ask again (server/ingest.py).
        self.public_keys: dict[int, str] = {}
        # Held by the thread stamping the change log (server/changes.py stamp_pending).
        self.stamping = threading.Lock()
        # On SQLite, pushes do their Python work one at a time (server/turns.py).
        self.push_turns = Turns(take_turns=engine.dialect.name == "sqlite")

    @contextmanager
    def quick_read(self) -> Iterator[Session]:
        """A read session for the hot paths (pushes, pulls): no transaction on PostgreSQL.

        At READ COMMITTED (the server's level) each statement takes its own
        snapshot either way, and the transaction cost a BEGIN and a ROLLBACK
        round trip per session. A pull at 2,000 kiosks mostly waited on
        PostgreSQL's answers: 11 round trips, 5 without these and the pings
        (``_ping_when_idle``). Not for a read that streams its rows
        (``yield_per``): a server-side cursor needs a transaction. On SQLite,
        the same as ``read``.
        """
        with self._quick_reader() as session:
            yield session

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def ping(self) -> bool:
        return self.state() == "ok"

    def state(self) -> DatabaseState:
        """Whether the server can write: "ok", "read_only" or "unavailable".

        ``SELECT 1`` says ok on a connection that can only read. On PostgreSQL
        the health check asks the connection it got whether its transactions
        are read-only (or the server a standby), and throws such a connection
        away with every other the pool holds: a health probe alone heals the
        pool once the database is writable again.
        """
        try:
            with self.engine.connect() as conn:
                if conn.dialect.name != "postgresql":
                    conn.execute(text("SELECT 1"))
                    return "ok"
                read_only, standby = conn.execute(_READ_ONLY).one()
                if read_only == "on" or standby:
                    conn.invalidate()
                    self.engine.pool.dispose()
                    return "read_only"
        except Exception:  # any failure means "not reachable" to a health check
            return "unavailable"
        return "ok"


def open_database(url: str, migrate: bool = True) -> Database:
    engine = create_db_engine(url)
    if migrate:
        upgrade(engine)
    return Database(engine)
