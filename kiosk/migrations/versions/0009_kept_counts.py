"""Counts kept, not recounted: per-event check-in figures and the outbox per state.

The check-in desk shows "checked in / registered" after every verdict and the
status bar shows what waits to be sent; counting those rows each time grew
with the store (three COUNTs of ~200 ms at a million check-ins, 33 ms for a
million queued mutations). Two small tables now hold the figures, and
triggers keep them in the same transaction as every change to the rows they
count, whoever writes (a scan, an undo, a pulled page, a reset, a bulk
insert): a count can never drift from its rows.

``event_tallies`` follows the definitions in kiosk/attendance.py:

- registered   confirmed sign-ups holding a ticket
- checked_in   distinct tickets (key_id, number) with an admission not undone
- flagged      admissions the server flagged, undone or not

A ticket's admissions are found through ix_checkins_ticket, so each trigger
costs a few index probes, not a scan. Updates are written as "the old row
leaves, the new row arrives" with the other rows of the ticket (id <> this
id) deciding whether the ticket was or stays admitted, which is right
whether or not the ticket or the undone flag changed.

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

# Each trigger: (when it fires, its body). Written out in full rather than
# composed, so what runs is what is read here.
TRIGGERS = {
    "registrations_tally_insert": (
        "AFTER INSERT ON registrations",
        """
        INSERT OR IGNORE INTO event_tallies (event_id) VALUES (NEW.event_id);
        UPDATE event_tallies SET registered = registered + 1
         WHERE event_id = NEW.event_id AND NEW.status = 'confirmed' AND NEW.key_id IS NOT NULL;
        """,
    ),
    "registrations_tally_delete": (
        "AFTER DELETE ON registrations",
        """
        UPDATE event_tallies SET registered = registered - 1
         WHERE event_id = OLD.event_id AND OLD.status = 'confirmed' AND OLD.key_id IS NOT NULL;
        """,
    ),
    "registrations_tally_update": (
        "AFTER UPDATE OF event_id, status, key_id ON registrations",
        """
        UPDATE event_tallies SET registered = registered - 1
         WHERE event_id = OLD.event_id AND OLD.status = 'confirmed' AND OLD.key_id IS NOT NULL;
        INSERT OR IGNORE INTO event_tallies (event_id) VALUES (NEW.event_id);
        UPDATE event_tallies SET registered = registered + 1
         WHERE event_id = NEW.event_id AND NEW.status = 'confirmed' AND NEW.key_id IS NOT NULL;
        """,
    ),
    "checkins_tally_insert": (
        "AFTER INSERT ON checkins",
        """
        INSERT OR IGNORE INTO event_tallies (event_id) VALUES (NEW.event_id);
        UPDATE event_tallies SET
          checked_in = checked_in + (NOT NEW.undone AND NOT EXISTS (
            SELECT 1 FROM checkins AS c WHERE c.key_id = NEW.key_id
               AND c.event_id = NEW.event_id AND c.number = NEW.number
               AND NOT c.undone AND c.id <> NEW.id)),
          flagged = flagged + (NEW.flagged <> 0)
         WHERE event_id = NEW.event_id;
        """,
    ),
    "checkins_tally_delete": (
        "AFTER DELETE ON checkins",
        """
        UPDATE event_tallies SET
          checked_in = checked_in - (NOT OLD.undone AND NOT EXISTS (
            SELECT 1 FROM checkins AS c WHERE c.key_id = OLD.key_id
               AND c.event_id = OLD.event_id AND c.number = OLD.number
               AND NOT c.undone AND c.id <> OLD.id)),
          flagged = flagged - (OLD.flagged <> 0)
         WHERE event_id = OLD.event_id;
        """,
    ),
    "checkins_tally_update": (
        "AFTER UPDATE OF event_id, key_id, number, undone, flagged ON checkins",
        """
        UPDATE event_tallies SET
          checked_in = checked_in - (NOT OLD.undone AND NOT EXISTS (
            SELECT 1 FROM checkins AS c WHERE c.key_id = OLD.key_id
               AND c.event_id = OLD.event_id AND c.number = OLD.number
               AND NOT c.undone AND c.id <> OLD.id)),
          flagged = flagged - (OLD.flagged <> 0)
         WHERE event_id = OLD.event_id;
        INSERT OR IGNORE INTO event_tallies (event_id) VALUES (NEW.event_id);
        UPDATE event_tallies SET
          checked_in = checked_in + (NOT NEW.undone AND NOT EXISTS (
            SELECT 1 FROM checkins AS c WHERE c.key_id = NEW.key_id
               AND c.event_id = NEW.event_id AND c.number = NEW.number
               AND NOT c.undone AND c.id <> NEW.id)),
          flagged = flagged + (NEW.flagged <> 0)
         WHERE event_id = NEW.event_id;
        """,
    ),
    "outbox_tally_insert": (
        "AFTER INSERT ON outbox",
        """
        INSERT OR IGNORE INTO outbox_tallies (state, count) VALUES (NEW.state, 0);
        UPDATE outbox_tallies SET count = count + 1 WHERE state = NEW.state;
        """,
    ),
    "outbox_tally_delete": (
        "AFTER DELETE ON outbox",
        "UPDATE outbox_tallies SET count = count - 1 WHERE state = OLD.state;",
    ),
    "outbox_tally_update": (
        "AFTER UPDATE OF state ON outbox WHEN OLD.state IS NOT NEW.state",
        """
        UPDATE outbox_tallies SET count = count - 1 WHERE state = OLD.state;
        INSERT OR IGNORE INTO outbox_tallies (state, count) VALUES (NEW.state, 0);
        UPDATE outbox_tallies SET count = count + 1 WHERE state = NEW.state;
        """,
    ),
}

_BACKFILL = (
    "INSERT INTO event_tallies (event_id, registered, checked_in, flagged)"
    " SELECT event_id, sum(registered), sum(checked_in), sum(flagged) FROM ("
    "  SELECT event_id, count(*) AS registered, 0 AS checked_in, 0 AS flagged"
    "  FROM registrations WHERE status = 'confirmed' AND key_id IS NOT NULL GROUP BY event_id"
    "  UNION ALL"
    "  SELECT event_id, 0, count(DISTINCT key_id || '/' || number), 0"
    "  FROM checkins WHERE NOT undone GROUP BY event_id"
    "  UNION ALL"
    "  SELECT event_id, 0, 0, count(*) FROM checkins WHERE flagged GROUP BY event_id"
    " ) GROUP BY event_id",
    "INSERT INTO outbox_tallies (state, count) SELECT state, count(*) FROM outbox GROUP BY state",
)


def upgrade() -> None:
    op.create_table(
        "event_tallies",
        sa.Column("event_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("registered", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("checked_in", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("flagged", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("event_id"),
    )
    op.create_table(
        "outbox_tallies",
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("state"),
    )
    for statement in _BACKFILL:
        op.execute(statement)
    for name, (when, body) in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {when} BEGIN {body} END")


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("outbox_tallies")
    op.drop_table("event_tallies")
