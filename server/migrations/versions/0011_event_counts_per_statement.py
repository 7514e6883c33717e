"""PostgreSQL keeps event counts once per INSERT statement, not once per sign-up.

A push inserts its sign-ups in one multi-row INSERT (server/batch.py). The
row trigger of migration 0010 ran four statements for each of them (two
inserts of the count rows if missing, two updates), so a push of 100 sign-ups
ran 400, each leaving a dead version of the same two hot rows behind, on the
database's share of the machine's CPU. A statement trigger reads the
statement's new rows once (a transition table), groups them by event and
selling device, and updates each count row once. It locks the rows in the
order the row trigger does (by event; the event's ``*`` row, then its
devices'), so a push and a staff change of the same event never wait on each
other in a circle. Updates and deletes stay with the row trigger: they come
one at a time (a cancellation, a promotion), and PostgreSQL allows no
transition tables on a trigger that names its columns.

SQLite has no statement triggers; its row triggers stay as they are.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INSERTS_FUNCTION = """
CREATE FUNCTION event_counts_follow_inserts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    added record;
    previous integer;
BEGIN
    FOR added IN
        SELECT event_id, device_id, confirmed, requested,
               sum(confirmed) OVER (PARTITION BY event_id) AS event_confirmed
          FROM (SELECT event_id, COALESCE(device_id, '') AS device_id,
                       count(*) FILTER (WHERE status = 'confirmed') AS confirmed,
                       count(*) FILTER (WHERE requested_status = 'confirmed') AS requested
                  FROM new_rows GROUP BY 1, 2) AS grouped
         ORDER BY event_id, device_id
    LOOP
        IF previous IS DISTINCT FROM added.event_id THEN
            INSERT INTO event_counts (event_id, device_id, confirmed)
                 VALUES (added.event_id, '*', added.event_confirmed)
            ON CONFLICT (event_id, device_id) DO UPDATE
                SET confirmed = event_counts.confirmed + EXCLUDED.confirmed;
            previous := added.event_id;
        END IF;
        INSERT INTO event_counts (event_id, device_id, confirmed, requested)
             VALUES (added.event_id, added.device_id, added.confirmed, added.requested)
        ON CONFLICT (event_id, device_id) DO UPDATE
            SET confirmed = event_counts.confirmed + EXCLUDED.confirmed,
                requested = event_counts.requested + EXCLUDED.requested;
    END LOOP;
    RETURN NULL;
END
$$
"""

_ROW_TRIGGER = (
    "CREATE TRIGGER registrations_counts AFTER {events} ON registrations"
    " FOR EACH ROW EXECUTE FUNCTION event_counts_follow()"
)
_CHANGES = "DELETE OR UPDATE OF status, requested_status, event_id, device_id"
_ALL = "INSERT OR " + _CHANGES


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_INSERTS_FUNCTION)
    op.execute("DROP TRIGGER registrations_counts ON registrations")
    op.execute(_ROW_TRIGGER.format(events=_CHANGES))
    op.execute(
        "CREATE TRIGGER registrations_counts_inserts AFTER INSERT ON registrations"
        " REFERENCING NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION event_counts_follow_inserts()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER registrations_counts_inserts ON registrations")
    op.execute("DROP TRIGGER registrations_counts ON registrations")
    op.execute(_ROW_TRIGGER.format(events=_ALL))
    op.execute("DROP FUNCTION event_counts_follow_inserts()")
