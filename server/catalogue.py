"""Reference data staff manage: complaint categories and events (with offline blocks).

Every change is written with its change-log entry in one transaction, so
kiosks pull it on their next sync. What cannot be done raises
``CatalogueError`` with a ``Problem``: a message key of the staff texts
(server/web/texts.json) and the values it names, translated where it is
shown (the staff pages in the staff member's language, the CLI in English).
These rules are the only ones: the pages and the CLI parse what was typed
and leave the rest to this module.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, delete, func, select, text
from sqlalchemy.orm import Session

from core.demo import demo_data, demo_event_start
from server.changes import device_scope, record_change
from server.db import Database
from server.models import (
    Category,
    Device,
    Entity,
    Event,
    EventBlock,
    Registration,
    RegistrationStatus,
    utcnow,
)
from server.open311 import PUBLIC_FIELDS


class Problem(enum.StrEnum):
    """Why a change to the catalogue was refused: the message key staff read."""

    EVENT_TITLES = "event.error.titles"
    EVENT_TIME_ZONE = "event.error.time"
    EVENT_CAPACITY = "event.error.capacity"
    EVENT_BLOCK = "event.error.block"
    EVENT_ENDS = "event.error.ends"
    EVENT_BELOW_CONFIRMED = "event.error.below_confirmed"  # {confirmed}
    EVENT_HAS_SIGNUPS = "event.error.has_signups"  # {event}
    EVENT_UNKNOWN = "event.error.unknown"  # {event}
    DEVICE_UNKNOWN = "event.error.unknown_device"  # {device}
    CATEGORY_CODE = "category.error.code"
    CATEGORY_NAMES = "category.error.names"
    CATEGORY_EXISTS = "category.error.exists"  # {code}
    CATEGORY_UNKNOWN = "category.error.unknown"  # {code}
    CATEGORY_PUBLIC_FIELD = "category.error.public_field"  # {fields}, {choices}


class CatalogueError(ValueError):
    """What staff asked for cannot be done: ``problem`` says why, ``values`` fill its text."""

    def __init__(self, problem: Problem, **values: str | int) -> None:
        super().__init__(f"{problem}: {values}" if values else str(problem))
        self.problem = problem
        self.values = values


@dataclass(frozen=True)
class NewEvent:
    title_ko: str
    title_en: str
    starts_at: dt.datetime
    capacity: int
    offline_block: int = 0
    ends_at: dt.datetime | None = None
    place_ko: str = ""
    place_en: str = ""
    office: str = ""


@dataclass(frozen=True)
class EventSummary:
    id: int
    title_ko: str
    title_en: str
    starts_at: dt.datetime
    capacity: int
    offline_block: int
    office: str
    cancelled: bool
    confirmed: int
    waitlisted: int


def add_event(db: Database, new: NewEvent) -> int:
    _check_event(new)
    now = utcnow()
    with db.write() as session:
        event = Event(
            title_ko=new.title_ko.strip(),
            title_en=new.title_en.strip(),
            place_ko=new.place_ko.strip(),
            place_en=new.place_en.strip(),
            starts_at=new.starts_at,
            ends_at=new.ends_at,
            capacity=new.capacity,
            offline_block=new.offline_block,
            office=new.office.strip(),
            cancelled=False,
            created_at=now,
            updated_at=now,
        )
        session.add(event)
        session.flush()
        record_change(session, Entity.EVENT, event.id)
        return event.id


def _check_event(new: NewEvent) -> None:
    if not new.title_ko.strip() or not new.title_en.strip():
        raise CatalogueError(Problem.EVENT_TITLES)
    if new.starts_at.tzinfo is None:
        raise CatalogueError(Problem.EVENT_TIME_ZONE)
    if new.capacity < 1:
        raise CatalogueError(Problem.EVENT_CAPACITY)
    if not 0 <= new.offline_block <= new.capacity:
        raise CatalogueError(Problem.EVENT_BLOCK)
    if new.ends_at is not None and new.ends_at <= new.starts_at:
        raise CatalogueError(Problem.EVENT_ENDS)


def update_event(db: Database, event_id: int, new: NewEvent) -> None:
    """Change an event's details; kiosks pull the new version on their next sync."""
    _check_event(new)
    with db.write() as session:
        event = _event(session, event_id)
        confirmed = (
            session.scalar(
                select(func.count())
                .select_from(Registration)
                .where(
                    Registration.event_id == event_id,
                    Registration.status == RegistrationStatus.CONFIRMED,
                )
            )
            or 0
        )
        if new.capacity < confirmed:
            raise CatalogueError(Problem.EVENT_BELOW_CONFIRMED, confirmed=confirmed)
        event.title_ko, event.title_en = new.title_ko.strip(), new.title_en.strip()
        event.place_ko, event.place_en = new.place_ko.strip(), new.place_en.strip()
        event.starts_at, event.ends_at = new.starts_at, new.ends_at
        event.capacity, event.offline_block = new.capacity, new.offline_block
        event.office = new.office.strip()
        event.updated_at = utcnow()
        record_change(session, Entity.EVENT, event.id)


def get_event(db: Database, event_id: int) -> Event:
    with db.read() as session:
        return _event(session, event_id)


def event_blocks(db: Database, event_id: int) -> list[EventBlock]:
    """The kiosks with an offline block of their own for this event."""
    with db.read() as session:
        return list(
            session.scalars(
                select(EventBlock)
                .where(EventBlock.event_id == event_id)
                .order_by(EventBlock.device_id)
            )
        )


def cancel_event(db: Database, event_id: int) -> None:
    with db.write() as session:
        event = _event(session, event_id)
        event.cancelled = True
        event.updated_at = utcnow()
        record_change(session, Entity.EVENT, event.id)


def remove_event(db: Database, event_id: int) -> None:
    """Delete an event nobody signed up for (kiosks get a tombstone); else cancel it."""
    with db.write() as session:
        event = _event(session, event_id)
        taken = session.scalar(
            select(func.count()).select_from(Registration).where(Registration.event_id == event_id)
        )
        if taken:
            raise CatalogueError(Problem.EVENT_HAS_SIGNUPS, event=event_id)
        session.execute(delete(EventBlock).where(EventBlock.event_id == event_id))
        session.delete(event)
        record_change(session, Entity.EVENT, event_id)


def set_device_block(db: Database, event_id: int, device_id: str, places: int) -> None:
    """Give one kiosk its own offline block for an event (instead of the event's default)."""
    with db.write() as session:
        event = _event(session, event_id)
        if session.get(Device, device_id) is None:
            raise CatalogueError(Problem.DEVICE_UNKNOWN, device=device_id)
        if not 0 <= places <= event.capacity:
            raise CatalogueError(Problem.EVENT_BLOCK)
        block = session.get(EventBlock, (event_id, device_id))
        if block is None:
            session.add(EventBlock(event_id=event_id, device_id=device_id, places=places))
        else:
            block.places = places
        # Only that kiosk's view of the event changed.
        record_change(session, Entity.EVENT, event_id, device_scope(device_id))


def list_events(db: Database) -> list[EventSummary]:
    confirmed = func.sum(case((Registration.status == RegistrationStatus.CONFIRMED, 1), else_=0))
    waitlisted = func.sum(case((Registration.status == RegistrationStatus.WAITLISTED, 1), else_=0))
    with db.read() as session:
        counts = {
            event_id: (int(c or 0), int(w or 0))
            for event_id, c, w in session.execute(
                select(Registration.event_id, confirmed, waitlisted).group_by(Registration.event_id)
            )
        }
        events = session.scalars(select(Event).order_by(Event.starts_at, Event.id)).all()
    return [
        EventSummary(
            id=e.id,
            title_ko=e.title_ko,
            title_en=e.title_en,
            starts_at=e.starts_at,
            capacity=e.capacity,
            offline_block=e.offline_block,
            office=e.office,
            cancelled=e.cancelled,
            confirmed=counts.get(e.id, (0, 0))[0],
            waitlisted=counts.get(e.id, (0, 0))[1],
        )
        for e in events
    ]


def _event(session: Session, event_id: int) -> Event:
    event = session.get(Event, event_id)
    if event is None:
        raise CatalogueError(Problem.EVENT_UNKNOWN, event=event_id)
    return event


# --- categories ------------------------------------------------------------------------


def add_category(
    db: Database, code: str, name_ko: str, name_en: str, icon: str = "", sort_order: int = 0
) -> None:
    code = code.strip()
    if not code or len(code) > 64 or not code.replace("_", "").replace("-", "").isalnum():
        raise CatalogueError(Problem.CATEGORY_CODE)
    if not name_ko.strip() or not name_en.strip():
        raise CatalogueError(Problem.CATEGORY_NAMES)
    with db.write() as session:
        if session.get(Category, code) is not None:
            raise CatalogueError(Problem.CATEGORY_EXISTS, code=code)
        session.add(
            Category(
                code=code,
                name_ko=name_ko.strip(),
                name_en=name_en.strip(),
                icon=icon.strip(),
                sort_order=sort_order,
                active=True,
                updated_at=utcnow(),
            )
        )
        record_change(session, Entity.CATEGORY, code)


def set_public_fields(db: Database, code: str, fields: list[str]) -> None:
    """Choose what Open311 publishes of a category's complaints (server/open311.py)."""
    unknown = sorted(set(fields) - set(PUBLIC_FIELDS))
    if unknown:
        raise CatalogueError(
            Problem.CATEGORY_PUBLIC_FIELD,
            fields=", ".join(unknown),
            choices=", ".join(PUBLIC_FIELDS),
        )
    with db.write() as session:
        category = session.get(Category, code)
        if category is None:
            raise CatalogueError(Problem.CATEGORY_UNKNOWN, code=code)
        category.public_fields = " ".join(f for f in PUBLIC_FIELDS if f in fields)


def remove_category(db: Database, code: str) -> None:
    with db.write() as session:
        category = session.get(Category, code)
        if category is None:
            raise CatalogueError(Problem.CATEGORY_UNKNOWN, code=code)
        session.delete(category)
        record_change(session, Entity.CATEGORY, code)


def list_categories(db: Database) -> list[Category]:
    with db.read() as session:
        return list(session.scalars(select(Category).order_by(Category.sort_order, Category.code)))


# --- demo ------------------------------------------------------------------------------


def seed_demo(db: Database, now: dt.datetime | None = None) -> bool:
    """Load kiosk.demo's categories and events into an empty database; False if not empty."""
    now = now or utcnow()
    data: dict[str, Any] = demo_data()
    with db.write() as session:
        if session.scalar(select(Event.id).limit(1)) or session.scalar(
            select(Category.code).limit(1)
        ):
            return False
        for order, spec in enumerate(data["categories"]):
            session.add(Category(sort_order=order, active=True, updated_at=now, **spec))
            record_change(session, Entity.CATEGORY, spec["code"])
        for spec in data["events"]:
            starts = demo_event_start(spec, now)
            session.add(
                Event(
                    id=spec["id"],
                    title_ko=spec["title_ko"],
                    title_en=spec["title_en"],
                    place_ko=spec["place_ko"],
                    place_en=spec["place_en"],
                    starts_at=starts,
                    ends_at=starts + dt.timedelta(hours=2),
                    capacity=spec["capacity"],
                    offline_block=spec["offline_block"],
                    office="",
                    cancelled=False,
                    created_at=now,
                    updated_at=now,
                )
            )
            record_change(session, Entity.EVENT, spec["id"])
        session.flush()
        if session.get_bind().dialect.name == "postgresql":
            # Ids were given explicitly: move the sequence past them for `event add`.
            session.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('events', 'id'), "
                    "(SELECT max(id) FROM events))"
                )
            )
    return True
