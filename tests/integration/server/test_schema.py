"""The Alembic migrations build exactly the schema the models describe, both ways."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from server.db import Database, current_revision, head_revision, migration_config, upgrade
from server.models import Base


def test_migrations_match_the_models(db: Database) -> None:
    with db.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)

    assert differences == []
    assert current_revision(db.engine) == head_revision()


def test_downgrade_and_upgrade_again(db: Database) -> None:
    with db.engine.begin() as conn:
        command.downgrade(migration_config(conn), "base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}

    upgrade(db.engine)

    assert "change_log" in inspect(db.engine).get_table_names()
    assert current_revision(db.engine) == head_revision()
