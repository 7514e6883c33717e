"""Messages to citizens (a durable outbox), opt-outs, one sign-up per phone and event.

Revision ID: 0006
Revises: 0005
"""

import hashlib
import hmac
import os
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Aware UTC timestamps (server.models.UTCDateTime stores through this type).
UTC = sa.DateTime(timezone=True)

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
LIVE = "status <> 'cancelled' AND phone_hash <> ''"


def upgrade() -> None:
    with op.batch_alter_table("server_identity") as batch_op:
        batch_op.add_column(sa.Column("contact_key", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("submissions") as batch_op:
        batch_op.add_column(
            sa.Column("language", sa.String(length=2), nullable=False, server_default="ko")
        )
        batch_op.add_column(
            sa.Column("notify", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("reopened_at", UTC, nullable=True))
    with op.batch_alter_table("registrations") as batch_op:
        batch_op.add_column(
            sa.Column("language", sa.String(length=2), nullable=False, server_default="ko")
        )
        batch_op.add_column(
            sa.Column("notify", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("phone_hash", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("updated_at", UTC, nullable=True))
    _key_existing_rows()
    op.create_index(
        "uq_registrations_event_phone",
        "registrations",
        ["event_id", "phone_hash"],
        unique=True,
        postgresql_where=sa.text(LIVE),
        sqlite_where=sa.text(LIVE),
    )
    op.create_table(
        "notifications",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("receipt_code", sa.String(length=8), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("recipient_sealed", sa.Text(), nullable=False),
        sa.Column("recipient_hash", sa.String(length=64), nullable=False),
        sa.Column("recipient_masked", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTC, nullable=False),
        sa.Column("leased_until", UTC, nullable=True),
        sa.Column("provider_id", sa.String(length=200), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("sent_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_notifications_due", "notifications", ["state", "next_attempt_at"])
    op.create_index("ix_notifications_subject_id", "notifications", ["subject_id"])
    op.create_index("ix_notifications_recipient_hash", "notifications", ["recipient_hash"])
    op.create_table(
        "opt_outs",
        sa.Column("recipient_hash", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("recipient_hash"),
    )


def _key_existing_rows() -> None:
    """A contact key for an existing server, and the phone HMAC of its live sign-ups.

    Same HMAC as server/contacts.py. Should old data hold two live sign-ups of
    one phone for one event, only the first gets its hash (the rest stay as
    they are, outside the one-per-phone rule, for staff to look at).
    """
    bind = op.get_bind()
    identity = bind.execute(sa.text("SELECT id FROM server_identity")).first()
    if identity is None:
        return  # a fresh database: the key is made with the server's other keys
    key = os.urandom(32)
    bind.execute(sa.text("UPDATE server_identity SET contact_key = :k"), {"k": key})
    seen: set[tuple[int, str]] = set()
    rows = bind.execute(
        sa.text(
            "SELECT id, event_id, phone FROM registrations WHERE status <> 'cancelled' "
            "ORDER BY received_at, id"
        )
    ).all()
    for row_id, event_id, phone in rows:
        digits = "".join(ch for ch in str(phone) if ch.isdigit())
        digest = hmac.new(key, f"phone:{digits}".encode(), hashlib.sha256).hexdigest()
        if not digits or (event_id, digest) in seen:
            continue
        seen.add((event_id, digest))
        bind.execute(
            sa.text("UPDATE registrations SET phone_hash = :h WHERE id = :i"),
            {"h": digest, "i": row_id},
        )


def downgrade() -> None:
    op.drop_table("opt_outs")
    op.drop_index("ix_notifications_recipient_hash", table_name="notifications")
    op.drop_index("ix_notifications_subject_id", table_name="notifications")
    op.drop_index("ix_notifications_due", table_name="notifications")
    op.drop_table("notifications")
    op.drop_index("uq_registrations_event_phone", table_name="registrations")
    with op.batch_alter_table("registrations") as batch_op:
        for column in ("updated_at", "phone_hash", "notify", "language"):
            batch_op.drop_column(column)
    with op.batch_alter_table("submissions") as batch_op:
        for column in ("reopened_at", "notify", "language"):
            batch_op.drop_column(column)
    with op.batch_alter_table("server_identity") as batch_op:
        batch_op.drop_column("contact_key")
