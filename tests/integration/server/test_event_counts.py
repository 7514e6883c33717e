"""An event's confirmed places are kept, not counted, and always equal counting its sign-ups.

Pulls and pushes read ``event_counts`` (kept by triggers, server migration
0010) instead of counting an event's registrations. Whatever path changes a
sign-up's status (a push with places to spare or beyond the kiosk's block, a
cancellation, the first person waiting promoted), the kept rows equal a count
of the rows themselves, per selling device and for the event as a whole.
"""

from __future__ import annotations

from sqlalchemy import select

from server import claims
from server.db import Database
from server.ingest import ingest
from server.keys import load_or_create_keys
from server.models import EventCount, Registration, RegistrationStatus
from tests.integration.server.test_ingest import _device, _event


def _kept(db: Database, event: int) -> dict[str, tuple[int, int]]:
    with db.read() as session:
        rows = session.execute(select(EventCount).where(EventCount.event_id == event)).scalars()
        return {r.device_id: (r.confirmed, r.requested) for r in rows if r.confirmed or r.requested}


def _counted(db: Database, event: int) -> dict[str, tuple[int, int]]:
    """The same figures counted from the sign-ups themselves."""
    confirmed = RegistrationStatus.CONFIRMED.value
    with db.read() as session:
        rows = session.execute(
            select(
                Registration.device_id, Registration.status, Registration.requested_status
            ).where(Registration.event_id == event)
        ).all()
    counted: dict[str, tuple[int, int]] = {}
    for device, status, requested in rows:
        c, r = counted.get(device or "", (0, 0))
        counted[device or ""] = (c + (status == confirmed), r + (requested == confirmed))
    total = sum(c for c, _ in counted.values())
    counted = {d: n for d, n in counted.items() if n != (0, 0)}
    if total:
        counted[EventCount.ALL_DEVICES] = (total, 0)
    return counted


def test_kept_counts_follow_pushes_cancellations_and_promotions(db: Database) -> None:
    keys = load_or_create_keys(db)
    first, kiosk = _device(db, keys)
    second, other = _device(db, keys)
    event = _event(db)  # an offline block of one place per kiosk
    ingest(db, keys, first, [kiosk.signup(event, 1), kiosk.signup(event, 2)])
    ingest(db, keys, second, [other.signup(event, 1, status="waitlisted")])
    assert _kept(db, event) == _counted(db, event)
    assert _kept(db, event)[EventCount.ALL_DEVICES][0] == 1

    with db.read() as session:
        confirmed = session.scalars(
            select(Registration.id).where(
                Registration.event_id == event, Registration.status == "confirmed"
            )
        ).all()
    cancelled = claims.cancel(db, registration_id=confirmed[0])

    assert cancelled is not None
    assert _kept(db, event) == _counted(db, event)
