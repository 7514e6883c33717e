"""The kiosk's local copy of the server's categories and events: what screens list.

Pulled from the central server (kiosk.pulled); seats are counted against this
kiosk's offline block.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.kinds import RegistrationStatus
from kiosk.models import Category, Event, Registration


def active_categories(session: Session) -> list[Category]:
    return list(
        session.scalars(
            select(Category).where(Category.active).order_by(Category.sort_order, Category.code)
        )
    )


def local_confirmed(session: Session, event_id: int) -> int:
    """Places this kiosk has confirmed for an event, against its offline block."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Registration)
            .where(
                Registration.event_id == event_id,
                Registration.local,
                Registration.status == RegistrationStatus.CONFIRMED,
            )
        )
        or 0
    )


@dataclass(frozen=True)
class EventListing:
    event: Event
    seats_left: int

    @property
    def full(self) -> bool:
        return self.seats_left <= 0


def upcoming_events(session: Session, now: dt.datetime) -> list[EventListing]:
    events = session.scalars(
        select(Event).where(~Event.cancelled, Event.starts_at > now).order_by(Event.starts_at)
    )
    return [EventListing(e, seats_left(session, e)) for e in events]


def seats_left(session: Session, event: Event) -> int:
    mine = local_confirmed(session, event.id)
    overall = event.capacity - event.taken_remote - mine
    in_block = event.offline_block - mine
    return max(0, min(overall, in_block))
