"""Mutation ids are scoped to the kiosk that sent them: the key is (lineage, id).

A lineage is one kiosk store across re-enrolments (server/enrolment.py); every
existing device starts its own. The ledger and the refused copies gain the
column, filled from the device that sent each row.

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

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("devices") as batch_op:
        batch_op.add_column(sa.Column("lineage", sa.String(64), nullable=False, server_default=""))
    op.execute("UPDATE devices SET lineage = id")
    if op.get_bind().dialect.name == "postgresql":
        _upgrade_postgresql()
    else:
        _upgrade_sqlite()


def _upgrade_postgresql() -> None:
    op.add_column(
        "mutations", sa.Column("lineage", sa.String(64), nullable=False, server_default="")
    )
    op.execute("UPDATE mutations SET lineage = device_id")
    op.drop_constraint("mutations_pkey", "mutations", type_="primary")
    op.create_primary_key("mutations_pkey", "mutations", ["lineage", "id"])
    op.add_column(
        "rejected_mutations",
        sa.Column("lineage", sa.String(64), nullable=False, server_default=""),
    )
    op.execute("UPDATE rejected_mutations SET lineage = device_id")
    op.drop_constraint(
        "rejected_mutations_mutation_id_payload_hash_key", "rejected_mutations", type_="unique"
    )
    op.create_unique_constraint(
        "uq_rejected_mutations_mutation",
        "rejected_mutations",
        ["lineage", "mutation_id", "payload_hash"],
    )


def _upgrade_sqlite() -> None:
    # SQLite cannot change a primary key or drop an unnamed constraint in place.
    op.drop_index("ix_mutations_device_id", table_name="mutations")
    op.rename_table("mutations", "mutations_0007")
    op.create_table(
        "mutations",
        sa.Column("lineage", sa.String(length=64), nullable=False, server_default=""),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("payload_hash", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("occurred_at", UTC, nullable=True),
        sa.Column("received_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("lineage", "id"),
    )
    op.create_index("ix_mutations_device_id", "mutations", ["device_id"], unique=False)
    op.execute(
        "INSERT INTO mutations (lineage, id, device_id, seq, type, payload_hash, outcome,"
        " code, message, occurred_at, received_at)"
        " SELECT device_id, id, device_id, seq, type, payload_hash, outcome,"
        " code, message, occurred_at, received_at FROM mutations_0007"
    )
    op.drop_table("mutations_0007")

    op.drop_index("ix_rejected_mutations_mutation_id", table_name="rejected_mutations")
    op.rename_table("rejected_mutations", "rejected_mutations_0007")
    op.create_table(
        "rejected_mutations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lineage", sa.String(length=64), nullable=False, server_default=""),
        sa.Column("mutation_id", sa.String(length=64), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("payload_hash", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("received_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "lineage", "mutation_id", "payload_hash", name="uq_rejected_mutations_mutation"
        ),
    )
    op.create_index(
        "ix_rejected_mutations_mutation_id", "rejected_mutations", ["mutation_id"], unique=False
    )
    op.execute(
        "INSERT INTO rejected_mutations (lineage, id, mutation_id, device_id, type, raw,"
        " payload_hash, code, message, received_at)"
        " SELECT device_id, id, mutation_id, device_id, type, raw,"
        " payload_hash, code, message, received_at FROM rejected_mutations_0007"
    )
    op.drop_table("rejected_mutations_0007")


def downgrade() -> None:
    # Fails if two kiosks used the same id since: the old global key cannot hold both.
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("uq_rejected_mutations_mutation", "rejected_mutations", type_="unique")
        op.create_unique_constraint(
            "rejected_mutations_mutation_id_payload_hash_key",
            "rejected_mutations",
            ["mutation_id", "payload_hash"],
        )
        op.drop_column("rejected_mutations", "lineage")
        op.drop_constraint("mutations_pkey", "mutations", type_="primary")
        op.create_primary_key("mutations_pkey", "mutations", ["id"])
        op.drop_column("mutations", "lineage")
    else:
        with op.batch_alter_table("rejected_mutations", recreate="always") as batch_op:
            batch_op.drop_constraint("uq_rejected_mutations_mutation", type_="unique")
            batch_op.create_unique_constraint(
                "uq_rejected_mutations_id_hash", ["mutation_id", "payload_hash"]
            )
            batch_op.drop_column("lineage")
        with op.batch_alter_table("mutations", recreate="always") as batch_op:
            batch_op.drop_column("lineage")
            batch_op.create_primary_key("pk_mutations", ["id"])
    with op.batch_alter_table("devices") as batch_op:
        batch_op.drop_column("lineage")
