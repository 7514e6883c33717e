"""The kiosk keeps the status pages' public address the server gave at enrolment.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Kiosks enrolled before it have none: their QRs use the server's address.
    with op.batch_alter_table("device_identity", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("public_url", sa.String(length=500), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("device_identity", schema=None) as batch_op:
        batch_op.drop_column("public_url")
