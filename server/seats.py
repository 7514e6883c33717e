"""The places a kiosk that asks right now would get, event by event (online only)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from server.capacity import places
from server.db import Database
from server.models import Event
from sync.protocol import Availability


def open_events(db: Database, device_id: str, now: dt.datetime) -> list[Availability]:
    with db.read() as session:
        events = session.scalars(
            select(Event).where(~Event.cancelled, Event.starts_at > now).order_by(Event.id)
        ).all()
        found = []
        for event in events:
            counted = places(session, event, device_id)
            found.append(
                Availability(
                    event_id=event.id, seats_left=counted.for_kiosk, waiting=counted.waiting
                )
            )
        return found
