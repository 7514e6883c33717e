"""Alembic environment for the central server; always run from ``server.db.upgrade``."""

from __future__ import annotations

from alembic import context

from server.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "server migrations run through server.db.upgrade(), which passes a connection"
    )

# render_as_batch: SQLite cannot ALTER most things; batch mode rebuilds tables.
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
