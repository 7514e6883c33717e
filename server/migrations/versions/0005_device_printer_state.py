"""Kiosks report their slip printer's state with each sync round; staff see who cannot print.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Aware UTC timestamps, as in 0002 (server.models.UTCDateTime stores through this type).
UTC = sa.DateTime(timezone=True)

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("printer_state", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("printer_state_at", UTC, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("printer_state_at")
        batch.drop_column("printer_state")
