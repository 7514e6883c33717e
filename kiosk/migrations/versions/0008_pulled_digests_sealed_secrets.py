"""A stolen kiosk yields as little as possible (issue 16 #3).

Pulled sign-ups keep digests instead of tickets (no receipt code either), keys
and sign-ups the times that decide which tickets a revoked key still vouches
for, and the device's token and signing key move into ``secrets``, sealed
with a key kept outside the database (kiosk/secrets.py moves existing ones on
the next start). The old ``ticket`` and ``receipt_code`` of pulled sign-ups
are dropped here: the next pull brings their digests.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.alter_column("receipt_code", existing_type=sa.String(length=8), nullable=True)
        batch_op.add_column(
            sa.Column("ticket_payload", sa.String(length=32), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("ticket_digest", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("received_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("signing_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("device_identity", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("secrets", sa.LargeBinary(), nullable=False, server_default=sa.text("x''"))
        )
        batch_op.add_column(
            sa.Column("signing_public_key", sa.String(length=64), nullable=False, server_default="")
        )
    # Pulled sign-ups held replayable tickets and receipt codes: forget them; the
    # pull starts over and brings digests (sync/engine.py resets on an empty cursor).
    op.execute("DELETE FROM registrations WHERE local = 0")
    op.execute("UPDATE sync_state SET pull_cursor = ''")


def downgrade() -> None:
    with op.batch_alter_table("device_identity", schema=None) as batch_op:
        batch_op.drop_column("signing_public_key")
        batch_op.drop_column("secrets")
    with op.batch_alter_table("signing_keys", schema=None) as batch_op:
        batch_op.drop_column("revoked_at")
    op.execute("DELETE FROM registrations WHERE receipt_code IS NULL")
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_column("received_at")
        batch_op.drop_column("ticket_digest")
        batch_op.drop_column("ticket_payload")
        batch_op.alter_column("receipt_code", existing_type=sa.String(length=8), nullable=False)
