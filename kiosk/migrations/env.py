"""Alembic environment for the kiosk store; always run from ``kiosk.store.upgrade``."""

from __future__ import annotations

from alembic import context

from kiosk.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "kiosk migrations run through kiosk.store.upgrade(), which passes a connection"
    )

# render_as_batch: SQLite cannot ALTER most things; batch mode rebuilds tables.
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
