"""The local store: durable pragmas on every connection, migrations at start-up."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from kiosk.models import Base
from kiosk.store import SCHEMA_HEAD, current_revision, head_revision, open_store, upgrade


def test_every_connection_is_wal_full_sync_with_foreign_keys_and_busy_timeout(
    tmp_path: Path,
) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'k.db'}")
    # Two distinct pooled connections: pragmas are per connection, not per file.
    with store.engine.connect() as first, store.engine.connect() as second:
        for conn in (first, second):
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000


def test_write_sessions_take_the_write_lock_at_begin(tmp_path: Path) -> None:
    path = tmp_path / "k.db"
    store = open_store(f"sqlite:///{path}")
    with store.write() as session:
        session.execute(text("SELECT 1"))
        # Another writer must not get in while ours is open, even before we write.
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            assert "locked" in str(exc)
        else:
            raise AssertionError("a second writer got the lock")
        finally:
            other.close()


def test_new_database_file_is_private_to_the_kiosk_user(tmp_path: Path) -> None:
    path = tmp_path / "k.db"
    open_store(f"sqlite:///{path}")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_start_up_migrates_to_head_and_a_second_start_changes_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    store = open_store(url)
    with store.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head_revision()
    store.close()
    again = open_store(url)
    with again.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head_revision()


def test_the_start_up_shortcut_knows_the_newest_migration() -> None:
    # open_store skips Alembic when the file is at SCHEMA_HEAD: a migration
    # added without moving SCHEMA_HEAD would never run on existing kiosks.
    assert head_revision() == SCHEMA_HEAD


def test_current_revision_reads_a_new_file_as_none_and_a_migrated_one_as_head(
    tmp_path: Path,
) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'k.db'}", migrate=False)
    with store.engine.connect() as conn:
        assert current_revision(conn) is None
    upgrade(store.engine, "0001")
    with store.engine.connect() as conn:
        assert current_revision(conn) == "0001"
    upgrade(store.engine)
    with store.engine.connect() as conn:
        assert current_revision(conn) == SCHEMA_HEAD


def test_models_and_migrations_describe_the_same_schema(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'k.db'}")
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_database_from_first_migration_upgrades_to_head_with_data_intact(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'old.db'}", migrate=False)
    upgrade(store.engine, "0001")
    with store.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO categories (code, name_ko, name_en, icon, sort_order, active)"
                " VALUES ('road', '도로', 'Roads', 'road', 1, 1)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO submissions (id, kind, receipt_code, category_code, district,"
                " consent_version, status, created_at) VALUES"
                " ('11111111-1111-4111-8111-111111111111', 'complaint', 'ABCDEFGH', 'road',"
                " 'mapo', 'v1', 'queued', '2026-01-01 00:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO outbox (id, seq, type, payload, state, attempts, next_attempt_at,"
                " last_error, result_code, created_at) VALUES"
                " ('11111111-1111-4111-8111-111111111111', 1, 'complaint.create', '{}',"
                " 'pending', 0, '2026-01-01 00:00:00', '', '',"
                " '2026-01-01 00:00:00')"
            )
        )
    upgrade(store.engine)
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT name_ko FROM categories")).scalar() == "도로"
        assert conn.execute(text("SELECT receipt_code FROM submissions")).scalar() == "ABCDEFGH"
        assert conn.execute(text("SELECT state FROM outbox")).scalar() == "pending"
        assert MigrationContext.configure(conn).get_current_revision() == head_revision()
        tables = set(
            conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'")).scalars()
        )
    assert {"device_identity", "registrations", "checkins"} <= tables
