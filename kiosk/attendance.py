"""Who signed up and who came: counts per event, today's counts, and finding a sign-up by name.

Read-only queries for the check-in screen and the staff screens, each in one
short read transaction, handing back frozen values (the UI never opens a
session itself).

Definitions, so every screen counts the same way:

- registered   confirmed sign-ups holding a ticket (this kiosk's and pulled ones)
- checked in   distinct tickets with an admission in the log that was not undone
- flagged      admissions the server flagged (a second admission, a revoked
               ticket let in offline), undone or not: staff look at each

These figures are kept, not counted on demand: triggers update
``event_tallies`` in the same transaction as every sign-up, admission, undo
and pulled change (kiosk migration 0009), so the desk reads one row after
each verdict, at a hundred tickets or a million. ``recount`` counts the rows
themselves; the kept figures always equal it (a property test holds them to
it after random admissions, undos and pulls).

Names are never on the kiosk in plaintext, only masked (김*수), so "search by
name" compares what staff type with the masked names: 김수, 김민수 or 민수
finds 김*수 (``masked_name_matches``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import Connection, and_, bindparam, func, select
from sqlalchemy.orm import Session

from core.clock import SEOUL
from core.kinds import RegistrationStatus, SubmissionKind
from core.tickets import ParsedTicket, TicketIdentity, parse_ticket, ticket_type_key
from kiosk.checkin import EventWindow
from kiosk.models import CheckIn, Event, EventTally, Registration, Submission
from kiosk.prepared import Prepared
from kiosk.store import Store


@dataclass(frozen=True)
class EventCounts:
    registered: int = 0
    checked_in: int = 0
    flagged: int = 0


@dataclass(frozen=True)
class EventSummary:
    """An event as the check-in chooser and the attendance page list it."""

    id: int
    title_ko: str
    title_en: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    today: bool
    counts: EventCounts


@dataclass(frozen=True)
class TodayCounts:
    """What this kiosk took today (Asia/Seoul), per kind."""

    complaints: int = 0
    suggestions: int = 0
    proposals: int = 0
    signups: int = 0
    waitlisted: int = 0
    checkins: int = 0


@dataclass(frozen=True)
class NameMatch:
    """A sign-up whose masked name fits what staff typed."""

    identity: TicketIdentity
    masked_name: str
    ticket_type: int
    checked_in: bool

    @property
    def ticket_type_key(self) -> str:
        return ticket_type_key(self.ticket_type)


def event_counts(store: Store, event_id: int) -> EventCounts:
    """``kept_counts`` on a bare connection (the desk after an undo, the staff pages)."""
    with store.engine.connect() as conn:
        return read_kept_counts(conn, event_id)


def read_kept_counts(conn: Connection, event_id: int) -> EventCounts:
    """``kept_counts`` on a Core connection: the door reads them inside its scan's
    write transaction (kiosk/admissions.py), after the triggers counted the admission."""
    row = _KEPT_ROW.first(conn, {"event_id": event_id})
    return EventCounts() if row is None else EventCounts(*row)


def kept_counts(session: Session, event_id: int) -> EventCounts:
    """The event's figures as kept in ``event_tallies``: one row, whatever the event's size.

    Triggers change that row in the same transaction as every registration
    and check-in (kiosk migration 0009); ``recount`` is the definition.
    """
    row = session.execute(_KEPT, {"event_id": event_id}).first()
    if row is None:
        return EventCounts()
    return EventCounts(row.registered, row.checked_in, row.flagged)


# Read after every verdict at the door: a Core statement on the table (no ORM
# compilation or objects), built once.
_TALLIES = EventTally.__table__
_KEPT = select(_TALLIES.c.registered, _TALLIES.c.checked_in, _TALLIES.c.flagged).where(
    _TALLIES.c.event_id == bindparam("event_id")
)
# The same on the driver (kiosk/prepared.py): the door reads it in every scan's transaction.
_KEPT_ROW = Prepared(_KEPT)


def recount(session: Session, event_id: int) -> EventCounts:
    """The figures counted from the rows (linear in the event's size): what the kept ones equal."""
    registered = session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(
            Registration.event_id == event_id,
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.key_id.is_not(None),
        )
    )
    admitted = (
        select(CheckIn.key_id, CheckIn.number)
        .where(CheckIn.event_id == event_id, ~CheckIn.undone)
        .distinct()
        .subquery()
    )
    checked_in = session.scalar(select(func.count()).select_from(admitted))
    flagged = session.scalar(
        select(func.count())
        .select_from(CheckIn)
        .where(CheckIn.event_id == event_id, CheckIn.flagged)
    )
    return EventCounts(registered or 0, checked_in or 0, flagged or 0)


def _summary(session: Session, event: Event, today: dt.date) -> EventSummary:
    return EventSummary(
        id=event.id,
        title_ko=event.title_ko,
        title_en=event.title_en,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        today=today in EventWindow.of(event).days,
        counts=kept_counts(session, event.id),
    )


def checkin_events(store: Store, now: dt.datetime) -> list[EventSummary]:
    """Events to check in: today's first, then those still to come; none that are over."""
    today = now.astimezone(SEOUL).date()
    with store.read() as session:
        events = session.scalars(select(Event).where(~Event.cancelled).order_by(Event.starts_at))
        listed = [_summary(session, e, today) for e in events]
    current = [e for e in listed if e.today]
    later = [e for e in listed if not e.today and e.starts_at > now]
    return current + later


def attendance(store: Store, now: dt.datetime, search: str = "") -> list[EventSummary]:
    """Every event on the kiosk with its counts, today's first, filtered by title."""
    today = now.astimezone(SEOUL).date()
    wanted = search.strip().casefold()
    with store.read() as session:
        events = session.scalars(select(Event).order_by(Event.starts_at))
        listed = [
            _summary(session, e, today)
            for e in events
            if not wanted or wanted in e.title_ko.casefold() or wanted in e.title_en.casefold()
        ]
    return sorted(listed, key=lambda e: (not e.today, e.starts_at))


def seoul_day_bounds(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Start and end (UTC) of the Seoul day ``now`` falls in."""
    day = now.astimezone(SEOUL).date()
    start = dt.datetime.combine(day, dt.time(), tzinfo=SEOUL)
    return start.astimezone(dt.UTC), (start + dt.timedelta(days=1)).astimezone(dt.UTC)


def today_counts(store: Store, now: dt.datetime) -> TodayCounts:
    start, end = seoul_day_bounds(now)
    with store.read() as session:
        # .all(): a Result has keys(), so dict() would take it for a mapping.
        kinds: dict[SubmissionKind, int] = dict(
            session.execute(
                select(Submission.kind, func.count())
                .where(Submission.created_at >= start, Submission.created_at < end)
                .group_by(Submission.kind)
            ).all()
        )
        signups: dict[RegistrationStatus, int] = dict(
            session.execute(
                select(Registration.status, func.count())
                .where(
                    Registration.local,
                    Registration.created_at >= start,
                    Registration.created_at < end,
                )
                .group_by(Registration.status)
            ).all()
        )
        checkins = session.scalar(
            select(func.count())
            .select_from(CheckIn)
            .where(
                CheckIn.local,
                ~CheckIn.undone,
                CheckIn.scanned_at >= start,
                CheckIn.scanned_at < end,
            )
        )
    return TodayCounts(
        complaints=kinds.get(SubmissionKind.COMPLAINT, 0),
        suggestions=kinds.get(SubmissionKind.SUGGESTION, 0),
        proposals=kinds.get(SubmissionKind.PROPOSAL, 0),
        signups=signups.get(RegistrationStatus.CONFIRMED, 0),
        waitlisted=signups.get(RegistrationStatus.WAITLISTED, 0),
        checkins=checkins or 0,
    )


# --- finding a sign-up by (masked) name -----------------------------------------------------

_SPACES = re.compile(r"\s+")


def masked_name_matches(masked: str, typed: str) -> bool:
    """Could what staff typed be (part of) the name behind this mask?

    The typed letters must line up with the mask somewhere, each either on a
    ``*`` or on the same letter, with at least one on a shown letter; or be
    the start of the letters the mask shows. So for 김*수: 김민수, 김수, 김,
    민수 and 수 fit, 이민수 and 민 do not; for 이*희, 영희 fits (the given
    name); for J*** D**: Jane Doe, JD and Doe. Case and spaces are ignored.
    A mask hides letters, so more than one person may fit: staff choose.
    """
    name = _SPACES.sub("", masked).casefold()
    query = _SPACES.sub("", typed).casefold()
    if not name or not query:
        return False
    if name.replace("*", "").startswith(query):
        return True
    for offset in range(len(name) - len(query) + 1):
        window = name[offset : offset + len(query)]
        fits = all(m in ("*", q) for m, q in zip(window, query, strict=True))
        if fits and any(m == q for m, q in zip(window, query, strict=True)):
            return True
    return False


def find_by_name(store: Store, event_id: int, typed: str, limit: int = 20) -> list[NameMatch]:
    """Confirmed sign-ups for ``event_id`` whose masked name fits ``typed``, at most ``limit``."""
    if not typed.strip():
        return []
    with store.read() as session:
        rows = session.execute(
            select(Registration, func.count(CheckIn.id))
            .outerjoin(
                CheckIn,
                and_(
                    CheckIn.key_id == Registration.key_id,
                    CheckIn.event_id == Registration.event_id,
                    CheckIn.number == Registration.number,
                    ~CheckIn.undone,
                ),
            )
            .where(
                Registration.event_id == event_id,
                Registration.status == RegistrationStatus.CONFIRMED,
                Registration.key_id.is_not(None),
                Registration.number.is_not(None),
            )
            .group_by(Registration.id)
            .order_by(Registration.masked_name, Registration.number)
        )
        matches = [
            _match(registration, admissions > 0)
            for registration, admissions in rows
            if masked_name_matches(registration.masked_name, typed)
        ]
    return matches[:limit]


def _match(row: Registration, checked_in: bool) -> NameMatch:
    parsed = parse_ticket(row.ticket)
    ticket_type = parsed.payload.ticket_type if isinstance(parsed, ParsedTicket) else 0
    return NameMatch(
        identity=TicketIdentity(row.key_id or 0, row.event_id, row.number or 0),
        masked_name=row.masked_name,
        ticket_type=ticket_type,
        checked_in=checked_in,
    )
