"""Reference data pulled from the central server, applied one page at a time.

Besides categories and events this is everything offline check-in reads:
signing keys (revoked ones stay, marked), revoked tickets, the registrations
of events this kiosk may check in, and the check-in log of those events.

A page and its cursor are applied in the caller's single transaction, so a
crash leaves either the old data with the old cursor or the new data with the
new cursor: the next pull never skips a change and never misses one.

The sync engine turns the wire format into these plain values; this module
knows nothing of HTTP or of ``sync/protocol.py``.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import Session

from core.kinds import RegistrationStatus
from kiosk.models import Category, CheckIn, Event, Registration, RevokedTicket, SigningKey
from kiosk.outbox import sync_state

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PulledCategory:
    code: str
    name_ko: str
    name_en: str
    icon: str = ""
    sort_order: int = 0
    active: bool = True


@dataclass(frozen=True)
class PulledEvent:
    id: int
    title_ko: str
    title_en: str
    place_ko: str
    place_en: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    capacity: int
    taken_remote: int
    offline_block: int
    cancelled: bool = False


@dataclass(frozen=True)
class PulledRegistration:
    """A sign-up as pull gives it: what checking its ticket needs, never the ticket itself."""

    id: str
    event_id: int
    status: RegistrationStatus
    key_id: int | None
    number: int | None
    masked_name: str
    ticket_payload: str = ""
    ticket_digest: str = ""
    manual_code_digest: str = ""
    received_at: dt.datetime | None = None


@dataclass(frozen=True)
class PulledKey:
    key_id: int
    public_key: str
    revoked: bool = False
    revoked_at: dt.datetime | None = None


@dataclass(frozen=True)
class PulledTicketRevocation:
    key_id: int
    event_id: int
    number: int


@dataclass(frozen=True)
class PulledCheckin:
    """An admission logged on the server: another kiosk's, or the echo of one made here."""

    id: str
    event_id: int
    key_id: int
    number: int
    device_id: str
    device_name: str
    scanned_at: dt.datetime
    server_time: dt.datetime | None
    flagged: bool = False
    flag_reason: str = ""
    undone: bool = False


@dataclass(frozen=True)
class PulledPage:
    """One page of changes; ``deleted_*`` are tombstones (keys only)."""

    cursor: str
    reset: bool = False
    categories: list[PulledCategory] = field(default_factory=list)
    deleted_categories: list[str] = field(default_factory=list)
    events: list[PulledEvent] = field(default_factory=list)
    deleted_events: list[int] = field(default_factory=list)
    registrations: list[PulledRegistration] = field(default_factory=list)
    deleted_registrations: list[str] = field(default_factory=list)
    signing_keys: list[PulledKey] = field(default_factory=list)
    revoked_tickets: list[PulledTicketRevocation] = field(default_factory=list)
    checkins: list[PulledCheckin] = field(default_factory=list)
    deleted_checkins: list[str] = field(default_factory=list)


def pull_cursor(session: Session) -> str:
    return sync_state(session).pull_cursor


def apply_page(session: Session, page: PulledPage) -> None:
    """Apply one page and store its cursor, in the caller's transaction."""
    if page.reset:
        _drop_pulled_reference(session)
    for category in page.categories:
        session.merge(Category(**vars(category)))
    for code in page.deleted_categories:
        session.execute(delete(Category).where(Category.code == code))
    for event in page.events:
        session.merge(Event(**vars(event)))
    # Registrations after events: a pulled sign-up needs its event row.
    for registration in page.registrations:
        _apply_registration(session, registration)
    for registration_id in page.deleted_registrations:
        _delete_registration(session, registration_id)
    for event_id in page.deleted_events:
        _delete_event(session, event_id)
    for key in page.signing_keys:
        session.merge(SigningKey(**vars(key)))
    for ticket in page.revoked_tickets:
        session.merge(RevokedTicket(**vars(ticket)))
    for checkin in page.checkins:
        _apply_checkin(session, checkin)
    for checkin_id in page.deleted_checkins:
        session.execute(delete(CheckIn).where(CheckIn.id == checkin_id, ~CheckIn.local))
    sync_state(session).pull_cursor = page.cursor


def _drop_pulled_reference(session: Session) -> None:
    session.execute(delete(Category))
    session.execute(delete(SigningKey))
    session.execute(delete(RevokedTicket))
    session.execute(delete(Registration).where(~Registration.local))
    # Admissions made here stay: they are this kiosk's own log, and the reset
    # sends their echoes (with the server's flags) again anyway.
    session.execute(delete(CheckIn).where(~CheckIn.local))
    # Sign-ups made here keep their event row (and their receipts); the event
    # reappears, open again, on a later page of this reset if it still exists.
    referenced = exists().where(Registration.event_id == Event.id)
    session.execute(update(Event).where(referenced).values(cancelled=True))
    session.execute(delete(Event).where(~referenced))


def _apply_registration(session: Session, pulled: PulledRegistration) -> None:
    if session.get(Event, pulled.event_id) is None:
        # The server sends an event before its sign-ups; skipping one that
        # breaks that rule is better than failing every pull from now on.
        log.warning("pulled registration %s for unknown event %s", pulled.id, pulled.event_id)
        return
    existing = session.get(Registration, pulled.id)
    if existing is not None and existing.local:
        # The echo of a sign-up made here: the server's word on its status is
        # what counts, the rest (ticket, number, masked name) is already ours;
        # when the server received it decides whether a revoked key still vouches.
        existing.status = pulled.status
        existing.received_at = pulled.received_at
        return
    # No ticket text and no receipt code: a stolen kiosk must not hand out
    # other citizens' tickets or status pages. Staff type the printed code; it
    # is found by its digest (kiosk/checkin_context.py).
    session.merge(
        Registration(
            id=pulled.id,
            event_id=pulled.event_id,
            status=pulled.status,
            receipt_code=None,
            key_id=pulled.key_id,
            number=pulled.number,
            ticket="",
            ticket_payload=pulled.ticket_payload,
            ticket_digest=pulled.ticket_digest,
            manual_code=pulled.manual_code_digest,
            masked_name=pulled.masked_name,
            local=False,
            received_at=pulled.received_at,
        )
    )


def _apply_checkin(session: Session, pulled: PulledCheckin) -> None:
    existing = session.get(CheckIn, pulled.id)
    if existing is not None and existing.local:
        # The echo of an admission made here: the server adds its time, its
        # flag and the name it knows this kiosk by. An undo made here stands
        # even if the server has not heard of it yet.
        existing.server_time = pulled.server_time
        existing.flagged = pulled.flagged
        existing.flag_reason = pulled.flag_reason
        existing.undone = existing.undone or pulled.undone
        existing.device_name = pulled.device_name
        return
    session.merge(CheckIn(local=False, **vars(pulled)))


def _delete_registration(session: Session, registration_id: str) -> None:
    existing = session.get(Registration, registration_id)
    if existing is None:
        return
    if existing.local:
        # A receipt given here stays on record; the sign-up itself is gone.
        existing.status = RegistrationStatus.CANCELLED
    else:
        session.delete(existing)


def _delete_event(session: Session, event_id: int) -> None:
    session.execute(
        delete(Registration).where(Registration.event_id == event_id, ~Registration.local)
    )
    session.execute(delete(CheckIn).where(CheckIn.event_id == event_id, ~CheckIn.local))
    session.flush()
    still_referenced = session.scalar(
        select(Registration.id).where(Registration.event_id == event_id).limit(1)
    )
    if still_referenced is not None:
        session.execute(update(Event).where(Event.id == event_id).values(cancelled=True))
    else:
        session.execute(delete(Event).where(Event.id == event_id))
