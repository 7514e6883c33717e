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


def local_issued(session: Session, event_id: int) -> int:
    """Places of its block this kiosk has used: every sign-up it made confirmed, whatever
    became of it since (the server counts a cancelled place as used too: server/capacity.py)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Registration)
            .where(
                Registration.event_id == event_id,
                Registration.local,
                Registration.number.is_not(None),
            )
        )
        or 0
    )


def offline_places(session: Session, event: Event) -> int:
    """Places this kiosk may confirm with no network: what is left of its own block."""
    mine = local_confirmed(session, event.id)
    overall = event.capacity - event.taken_remote - mine
    in_block = event.offline_block - local_issued(session, event.id)
    return max(0, min(overall, in_block))


# The kiosk's own count when the server cannot be asked (kiosk/online_signups for the other).
seats_left = offline_places
