"""Check-ins learn who admitted them and why they were flagged; manual codes of pulled tickets.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.tickets import manual_code_of_text

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("device_name", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("flag_reason", sa.String(length=64), nullable=False, server_default="")
        )
    # Tickets pulled before this revision were stored without the code printed
    # beside them, so typing that code found nothing; derive it from the ticket.
    registrations = sa.table(
        "registrations",
        sa.column("id", sa.String),
        sa.column("ticket", sa.String),
        sa.column("manual_code", sa.String),
    )
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(registrations.c.id, registrations.c.ticket).where(
            registrations.c.manual_code == "", registrations.c.ticket != ""
        )
    ).all()
    for id_, ticket in rows:
        code = manual_code_of_text(ticket)
        if code:
            conn.execute(
                registrations.update().where(registrations.c.id == id_).values(manual_code=code)
            )


def downgrade() -> None:
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.drop_column("flag_reason")
        batch_op.drop_column("device_name")
