"""Device identity, event registrations (tickets) and the check-in log.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "device_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("token", sa.String(length=200), nullable=False),
        sa.Column("server_url", sa.String(length=500), nullable=False),
        sa.Column("office", sa.String(length=200), nullable=False),
        sa.Column("server_public_key", sa.String(length=100), nullable=False),
        sa.Column("signing_key", sa.LargeBinary(), nullable=False),
        sa.Column("signing_key_id", sa.Integer(), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )

    op.create_table(
        "registrations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "confirmed",
                "waitlisted",
                "cancelled",
                name="registrationstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("receipt_code", sa.String(length=8), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=True),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("ticket", sa.String(length=200), nullable=False),
        sa.Column("manual_code", sa.String(length=16), nullable=False),
        sa.Column("masked_name", sa.String(length=50), nullable=False),
        sa.Column("local", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("receipt_code"),
    )
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_registrations_event_id"), ["event_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_registrations_manual_code"), ["manual_code"], unique=False
        )
        batch_op.create_index(
            "ix_registrations_ticket", ["key_id", "event_id", "number"], unique=False
        )

    # ### end Alembic commands ###

    op.create_table(
        "checkins",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("scanned_at", sa.DateTime(), nullable=False),
        sa.Column("server_time", sa.DateTime(), nullable=True),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("undone", sa.Boolean(), nullable=False),
        sa.Column("local", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checkins_event_id"), ["event_id"], unique=False)
        batch_op.create_index("ix_checkins_ticket", ["key_id", "event_id", "number"], unique=False)


def downgrade() -> None:
    op.drop_table("checkins")
    op.drop_table("registrations")
    op.drop_table("device_identity")
