"""What the touch UI reads from the store, as plain frozen values.

The UI never opens a DB session itself (an import contract forbids it), so the
few read queries a screen needs live here: the active categories, upcoming
events with their seats, how much is waiting to be sent. Each opens one short
read transaction and hands back data that outlives it.

A form page's own checks are not here: they are the pure ``*_errors`` beside
each service's ``check_*`` (kiosk/submissions.py, kiosk/signups.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kiosk import outbox
from kiosk.catalogue import active_categories, upcoming_events
from kiosk.identity import current_identity
from kiosk.store import Store


@dataclass(frozen=True)
class CategoryItem:
    code: str
    name_ko: str
    name_en: str
    icon: str


@dataclass(frozen=True)
class EventItem:
    id: int
    title_ko: str
    title_en: str
    place_ko: str
    place_en: str
    starts_at: dt.datetime
    seats_left: int
    # The server counted the seats just now; else they are this kiosk's offline block.
    live: bool = False

    @property
    def full(self) -> bool:
        return self.seats_left <= 0


def categories(store: Store) -> tuple[CategoryItem, ...]:
    with store.read() as session:
        return tuple(
            CategoryItem(c.code, c.name_ko, c.name_en, c.icon) for c in active_categories(session)
        )


def events(store: Store, now: dt.datetime) -> tuple[EventItem, ...]:
    with store.read() as session:
        return tuple(
            EventItem(
                id=listing.event.id,
                title_ko=listing.event.title_ko,
                title_en=listing.event.title_en,
                place_ko=listing.event.place_ko,
                place_en=listing.event.place_en,
                starts_at=listing.event.starts_at,
                seats_left=listing.seats_left,
            )
            for listing in upcoming_events(session, now)
        )


def pending_count(store: Store) -> int:
    """Mutations not yet accepted by the server (shown as "waiting to send").

    On a bare connection: read after every submit and every admission.
    """
    with store.engine.connect() as conn:
        return outbox.queued_tally(conn)


def enrolled_office(store: Store) -> str:
    """The office name the server gave at enrolment, or "" before enrolment."""
    with store.read() as session:
        identity = current_identity(session)
        return identity.office if identity is not None else ""
