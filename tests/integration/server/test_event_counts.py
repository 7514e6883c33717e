"""An event's confirmed places are kept, not counted, and always equal counting its sign-ups.

Pulls and pushes read ``event_counts`` (kept by triggers, server migration
0010) instead of counting an event's registrations. Whatever path changes a
sign-up's status (a push with places to spare or beyond the kiosk's block, a
cancellation, the first person waiting promoted), the kept rows equal a count
of the rows themselves, per selling device and for the event as a whole.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random

from sqlalchemy import select

from server import claims
from server.catalogue import NewEvent, add_event
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


def test_kept_counts_equal_a_recount_after_random_batches_across_events(db: Database) -> None:
    """Pushes of many sign-ups in one statement, for several events and kiosks at once
    (PostgreSQL keeps the counts once per statement, migration 0011), some beyond a
    kiosk's block, mixed with cancellations."""
    rng = random.Random(20261204)
    keys = load_or_create_keys(db)
    kiosks = [_device(db, keys) for _ in range(3)]
    events = [
        add_event(
            db,
            NewEvent(
                title_ko=f"행사 {n}",
                title_en=f"Event {n}",
                capacity=1_000,
                offline_block=rng.choice([3, 20]),
                starts_at=dt.datetime(2027, 1, 5 + n, tzinfo=dt.UTC),
            ),
        )
        for n in range(3)
    ]
    numbers = {(device.id, event): itertools.count(1) for device, _ in kiosks for event in events}
    for _ in range(12):
        device, kiosk = rng.choice(kiosks)
        batch = []
        for _ in range(rng.randrange(1, 30)):
            event = rng.choice(events)
            status = rng.choice(["confirmed", "confirmed", "waitlisted"])
            batch.append(kiosk.signup(event, next(numbers[(device.id, event)]), status=status))
        ingest(db, keys, device, batch)
        if rng.random() < 0.4:
            with db.read() as session:
                ids = session.scalars(
                    select(Registration.id).where(Registration.status == "confirmed")
                ).all()
            claims.cancel(db, registration_id=rng.choice(ids))
        for event in events:
            assert _kept(db, event) == _counted(db, event)
    assert any(_kept(db, event) for event in events)
