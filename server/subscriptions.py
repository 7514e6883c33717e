"""Which kiosks pull an event's sign-ups and admissions.

Not every kiosk: at two thousand kiosks, every sign-up sent to every kiosk
cost the server more than all the pushes together. An event's registrations
and check-ins go to the change-log scopes that serve it:

- the office that runs it (``events.office``), and
- every office that has signed someone up for it or admitted someone to it
  (``event_subscribers``): its kiosks sell its places or stand at its door.

A kiosk of an office with no such link receives none of them; it can still
admit a ticket of the event at its door, because a ticket is checked by its
signature against the pulled keys, not against a pulled sign-up. Its first
admission subscribes its office, which then receives the event's sign-ups and
admissions, earlier ones included (``backfill``).

A device enrolled without an office subscribes on its own (its device scope).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from sqlalchemy import Connection, bindparam, insert, literal, select
from sqlalchemy.dialects import postgresql, sqlite

from server.changes import CHECKIN_ENTITY, device_scope, office_scope
from server.models import (
    ChangeLogEntry,
    CheckIn,
    Entity,
    EventSubscriber,
    Registration,
    table_of,
)

_subscribers = table_of(EventSubscriber)
_log = table_of(ChangeLogEntry)
_registrations = table_of(Registration)
_checkins = table_of(CheckIn)

SUBSCRIBERS = select(_subscribers.c.event_id, _subscribers.c.scope).where(
    _subscribers.c.event_id.in_(bindparam("event_ids", expanding=True))
)
# RETURNING says whether the row is new (a rowcount is not reliable here on every driver).
_ADD = {
    "postgresql": postgresql.insert(_subscribers)
    .on_conflict_do_nothing()
    .returning(_subscribers.c.event_id),
    "sqlite": sqlite.insert(_subscribers)
    .on_conflict_do_nothing()
    .returning(_subscribers.c.event_id),
}


def own_scope(office: str, device_id: str) -> str:
    """The scope a device subscribes with: its office's, or its own without one."""
    return office_scope(office) if office else device_scope(device_id)


def event_scopes(office: str, subscribers: Collection[str]) -> list[str]:
    """The scopes an event's sign-ups and admissions are logged for."""
    return sorted({*subscribers, *([office_scope(office)] if office else [])})


def subscribers_of(conn: Connection, event_ids: Collection[int]) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {event_id: set() for event_id in event_ids}
    if event_ids:
        for row in conn.execute(SUBSCRIBERS, {"event_ids": sorted(event_ids)}):
            found[row.event_id].add(row.scope)
    return found


def subscribe(conn: Connection, event_id: int, scope: str, now: dt.datetime) -> bool:
    """Add ``scope`` to the event's subscribers; if it is new, log the event's past for it.

    Runs in the caller's transaction, after that transaction's own sign-ups
    and admissions were written, so they are among what is logged. Two
    transactions subscribing the same office at once may both log the past:
    kiosks apply a change twice harmlessly.
    """
    added = conn.execute(
        _ADD[conn.dialect.name], {"event_id": event_id, "scope": scope, "created_at": now}
    ).first()
    if added is None:
        return False
    backfill(conn, event_id, scope, now)
    return True


def backfill(conn: Connection, event_id: int, scope: str, now: dt.datetime) -> None:
    """Log every sign-up and admission of the event for ``scope`` (a new subscriber)."""
    for entity, table in (
        (str(Entity.REGISTRATION), _registrations),
        (CHECKIN_ENTITY, _checkins),
    ):
        conn.execute(
            insert(_log).from_select(
                ["entity", "entity_key", "scope", "created_at"],
                select(
                    literal(entity),
                    table.c.id,
                    literal(scope),
                    literal(now, _log.c.created_at.type),
                ).where(table.c.event_id == event_id),
            )
        )
