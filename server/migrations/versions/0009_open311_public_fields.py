"""What Open311 publishes is chosen: public fields per category, answers staff marked public.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("categories") as batch_op:
        batch_op.add_column(
            sa.Column("public_fields", sa.String(200), nullable=False, server_default="")
        )
    with op.batch_alter_table("submissions") as batch_op:
        batch_op.add_column(
            sa.Column("status_note_public", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch_op:
        batch_op.drop_column("status_note_public")
    with op.batch_alter_table("categories") as batch_op:
        batch_op.drop_column("public_fields")
