"""The check-in decision: a scanned string and local state in, a verdict out.

Pure logic over a ``CheckinContext`` (keys, revocations, the event, the
check-in log, registrations), so it runs with no network, is tested with dicts
and is backed by the kiosk store in production (``StoreCheckinContext``).
``decide`` never writes; ``record_admission`` decides again inside one write
transaction and, for an admission only, writes the ``CheckIn`` row and its
``checkin.create`` mutation in that same transaction.

What is recorded: admissions. The check-in log is the log of who was let in
(with the kiosk's time, later the server's), because that is what another
kiosk must know to say "already checked in" and what the server counts and
flags. An ALREADY or INVALID scan changes nothing anywhere: it is shown to
staff and written to the application log (reason and ticket identity, never a
name), not queued for the server, where it would read as an admission.

Checks run in this order, and the first failure is the reason staff see:

1. malformed        the string is not a CK1 ticket at all
2. unknown_key      no pulled key has this id (or its stored key is unusable)
3. bad_signature    the key did not sign this ticket: forged or damaged
4. revoked_key      genuine, but signed by a key since revoked (a lost kiosk)
5. wrong_event      genuine, for another event
6. wrong_day        genuine, for this event, not for today (Asia/Seoul)
7. revoked_ticket   genuine, but this one ticket was cancelled
then ALREADY if the log holds an admission of the same ticket, else ADMIT.

The signature is checked before revocation so that "revoked" is only ever
said of tickets the revoked key really signed; anything else is a forgery.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import enum
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal, Protocol

from nacl.signing import SigningKey as Ed25519Key
from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from core.clock import SEOUL  # check-in days are Seoul days, as on the ticket
from core.kinds import RegistrationStatus
from core.payloads import CheckinPayload, MutationType, checkin_json
from core.receipts import is_valid_code, normalize_code
from core.tickets import (
    PREFIX,
    PUBLIC_KEY_LENGTH,
    ParsedTicket,
    TicketFlags,
    TicketIdentity,
    TicketProblem,
    TicketType,
    parse_ticket,
    verify_signature,
)
from kiosk.identity import current_identity, require_identity
from kiosk.models import CheckIn, Event, Registration, RevokedTicket, SigningKey
from kiosk.outbox import enqueue
from kiosk.store import Store

log = logging.getLogger(__name__)

Source = Literal["scan", "manual"]
# How long staff may take back an admission made here (a wrong person, a
# double tap): long enough to notice, short enough that the door log stays true.
UNDO_WINDOW_S = 60.0


class VerdictKind(enum.StrEnum):
    ADMIT = "admit"  # green: Welcome
    ALREADY = "already"  # amber: already checked in at HH:MM (kiosk X)
    INVALID = "invalid"  # red: not valid, with the reason


class Reason(enum.StrEnum):
    MALFORMED = "malformed"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    REVOKED_KEY = "revoked_key"
    WRONG_EVENT = "wrong_event"
    WRONG_DAY = "wrong_day"
    REVOKED_TICKET = "revoked_ticket"
    # Manual entry only: a well-formed code that matches no registration here.
    UNKNOWN_CODE = "unknown_code"


@dataclass(frozen=True)
class KeyRecord:
    public_key: bytes
    revoked: bool = False


@dataclass(frozen=True)
class Admission:
    """An earlier admission from the log: this kiosk's own or one pulled from another.

    ``device`` is the admitting kiosk's name as the server knows it, or its
    device id until the server has named it; ``this_kiosk`` says it was here.
    """

    at: dt.datetime
    device: str
    this_kiosk: bool = False


@dataclass(frozen=True)
class RegistrationInfo:
    """What the kiosk knows of a sign-up: enough to greet, never the full name."""

    identity: TicketIdentity
    masked_name: str
    ticket: str
    cancelled: bool = False


@dataclass(frozen=True)
class EventWindow:
    """The event being checked in and the days (Asia/Seoul) it runs on."""

    event_id: int
    days: frozenset[dt.date]

    @classmethod
    def spanning(
        cls, event_id: int, starts_at: dt.datetime, ends_at: dt.datetime | None
    ) -> EventWindow:
        first = starts_at.astimezone(SEOUL).date()
        last = (ends_at or starts_at).astimezone(SEOUL).date()
        count = max(0, (last - first).days) + 1
        return cls(event_id, frozenset(first + dt.timedelta(days=n) for n in range(count)))

    @classmethod
    def of(cls, event: Event) -> EventWindow:
        return cls.spanning(event.id, event.starts_at, event.ends_at)


class CheckinContext(Protocol):
    """Local state the decision reads; every lookup is by key, so each is one index probe."""

    @property
    def event(self) -> EventWindow: ...

    def signing_key(self, key_id: int) -> KeyRecord | None: ...

    def is_ticket_revoked(self, identity: TicketIdentity) -> bool: ...

    def admissions(self, identity: TicketIdentity) -> Sequence[Admission]: ...

    def registration(self, identity: TicketIdentity) -> RegistrationInfo | None: ...

    def registrations_by_manual_code(self, code: str) -> Sequence[RegistrationInfo]: ...


@dataclass(frozen=True)
class Verdict:
    """What the check-in screen shows. Message keys, not sentences: the UI translates."""

    kind: VerdictKind
    reason: Reason | None = None
    identity: TicketIdentity | None = None
    masked_name: str = ""
    ticket_type: int | None = None
    previous: Admission | None = None
    # Set by ``record_admission`` on the admission it wrote: what "undo" takes back.
    checkin_id: str | None = None

    @property
    def message_key(self) -> str:
        if self.kind is VerdictKind.INVALID:
            return f"checkin.invalid.{self.reason}"
        return f"checkin.{self.kind}"

    @property
    def ticket_type_key(self) -> str:
        """``ticket.type.standard`` etc.; a type this kiosk does not know is shown as standard."""
        if self.ticket_type is None:
            return ""
        try:
            return f"ticket.type.{TicketType(self.ticket_type).name.lower()}"
        except ValueError:
            return f"ticket.type.{TicketType.STANDARD.name.lower()}"


@dataclass(frozen=True)
class Ambiguous:
    """A manual code several tickets share: staff pick by masked name."""

    candidates: tuple[Verdict, ...]


def _invalid(reason: Reason, ticket: ParsedTicket | None = None) -> Verdict:
    if ticket is None:
        return Verdict(VerdictKind.INVALID, reason)
    return Verdict(
        VerdictKind.INVALID,
        reason,
        identity=ticket.identity,
        ticket_type=ticket.payload.ticket_type,
    )


def decide(scanned: str, ctx: CheckinContext, now: dt.datetime) -> Verdict:
    """The verdict on a scanned (or pasted) string at ``now`` (an aware datetime)."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    parsed = parse_ticket(scanned)
    if isinstance(parsed, TicketProblem):
        return _invalid(Reason.MALFORMED)
    payload = parsed.payload
    key = ctx.signing_key(payload.key_id)
    if key is None or len(key.public_key) != PUBLIC_KEY_LENGTH:
        return _invalid(Reason.UNKNOWN_KEY, parsed)
    if not verify_signature(parsed, key.public_key):
        return _invalid(Reason.BAD_SIGNATURE, parsed)
    # From here on the payload is authentic and may be shown and acted upon.
    if key.revoked:
        return _invalid(Reason.REVOKED_KEY, parsed)
    if payload.event_id != ctx.event.event_id:
        return _invalid(Reason.WRONG_EVENT, parsed)
    if not _valid_today(parsed, ctx.event, now):
        return _invalid(Reason.WRONG_DAY, parsed)
    registration = ctx.registration(parsed.identity)
    cancelled = registration is not None and registration.cancelled
    if cancelled or ctx.is_ticket_revoked(parsed.identity):
        return _invalid(Reason.REVOKED_TICKET, parsed)
    masked_name = registration.masked_name if registration is not None else ""
    earlier = ctx.admissions(parsed.identity)
    if earlier:
        # The first admission is the one that counted; later ones were flagged.
        first = min(earlier, key=lambda admission: admission.at)
        return Verdict(
            VerdictKind.ALREADY,
            identity=parsed.identity,
            masked_name=masked_name,
            ticket_type=payload.ticket_type,
            previous=first,
        )
    return Verdict(
        VerdictKind.ADMIT,
        identity=parsed.identity,
        masked_name=masked_name,
        ticket_type=payload.ticket_type,
    )


def _valid_today(ticket: ParsedTicket, event: EventWindow, now: dt.datetime) -> bool:
    today = now.astimezone(SEOUL).date()
    if today not in event.days:
        return False
    valid_from = ticket.payload.valid_day
    if ticket.payload.flags & TicketFlags.EVENT_PASS:
        return valid_from <= today
    return valid_from == today


def decide_manual(code: str, ctx: CheckinContext, now: dt.datetime) -> Verdict | Ambiguous:
    """The verdict on a typed manual code: found in the registrations, then judged as its ticket.

    A code is only a way to find the ticket; the ticket itself then goes
    through ``decide``, so typing a code is never weaker than scanning.
    """
    if len(code) > 64 or not is_valid_code(code):
        return _invalid(Reason.MALFORMED)
    matches = ctx.registrations_by_manual_code(normalize_code(code))
    here = [r for r in matches if r.identity.event_id == ctx.event.event_id]
    # A code for this event wins over an unlucky twin elsewhere; with no match
    # here, the other event's ticket still earns its "wrong event".
    candidates = here or list(matches)
    if not candidates:
        return _invalid(Reason.UNKNOWN_CODE)
    verdicts = tuple(_decide_registration(r, ctx, now) for r in candidates)
    return verdicts[0] if len(verdicts) == 1 else Ambiguous(verdicts)


def _decide_registration(
    registration: RegistrationInfo, ctx: CheckinContext, now: dt.datetime
) -> Verdict:
    verdict = decide(registration.ticket, ctx, now)
    if verdict.identity is None:
        # A registration without a readable ticket (a bug upstream): still say whose it is.
        return Verdict(
            VerdictKind.INVALID,
            Reason.MALFORMED,
            identity=registration.identity,
            masked_name=registration.masked_name,
        )
    return verdict


def checkin_payload(
    verdict: Verdict, scanned_at: dt.datetime, source: Source = "scan"
) -> CheckinPayload:
    """The ``checkin.create`` payload that records an admission."""
    if verdict.kind is not VerdictKind.ADMIT or verdict.identity is None:
        raise ValueError("only an admission is recorded")
    key_id, event_id, number = verdict.identity
    return CheckinPayload(
        event_id=event_id, key_id=key_id, number=number, scanned_at=scanned_at, source=source
    )


# --- backed by the kiosk store ------------------------------------------------------------


def decide_scan(store: Store, event_id: int, scanned: str, now: dt.datetime) -> Verdict:
    """``decide`` in one short read transaction: what the check-in screen calls per scan."""
    with store.read() as session:
        return decide(scanned, StoreCheckinContext(session, _window(session, event_id)), now)


def decide_code(store: Store, event_id: int, code: str, now: dt.datetime) -> Verdict | Ambiguous:
    """``decide_manual`` in one short read transaction."""
    with store.read() as session:
        return decide_manual(code, StoreCheckinContext(session, _window(session, event_id)), now)


def _window(session: Session, event_id: int) -> EventWindow:
    event = session.get(Event, event_id)
    if event is None:
        raise LookupError(f"event {event_id} is not on this kiosk")
    return EventWindow.of(event)


class StoreCheckinContext:
    """``CheckinContext`` over the kiosk's SQLite tables, inside the caller's read session.

    One short read transaction per scan (``with store.read() as session``), so
    a check-in pulled or recorded a moment ago is always seen.
    """

    def __init__(self, session: Session, event: EventWindow) -> None:
        self._session = session
        self._event = event

    @property
    def event(self) -> EventWindow:
        return self._event

    def signing_key(self, key_id: int) -> KeyRecord | None:
        row = self._session.get(SigningKey, key_id)
        if row is None:
            return self._own_key(key_id)
        try:
            public_key = base64.b64decode(row.public_key, validate=True)
        except (binascii.Error, ValueError):
            public_key = b""  # unusable: decide() reports it as an unknown key
        return KeyRecord(public_key=public_key, revoked=row.revoked)

    def _own_key(self, key_id: int) -> KeyRecord | None:
        """This kiosk's own key before any pull has brought it back from the server.

        The tickets a kiosk signs must scan at its own door straight away, even
        if it has never pulled. A pulled row for the same id always wins: the
        server's word (revoked, say) is newer than what enrolment left here.
        """
        identity = current_identity(self._session)
        if identity is None or identity.signing_key_id != key_id:
            return None
        try:
            public_key = bytes(Ed25519Key(identity.signing_key).verify_key)
        except (ValueError, TypeError):
            return None  # no usable seed: an unknown key, like any other
        # A kiosk told it is revoked lost its key with its token (server/devices.py).
        return KeyRecord(public_key=public_key, revoked=identity.revoked)

    def is_ticket_revoked(self, identity: TicketIdentity) -> bool:
        return self._session.get(RevokedTicket, tuple(identity)) is not None

    def admissions(self, identity: TicketIdentity) -> Sequence[Admission]:
        rows = self._session.scalars(select(CheckIn).where(_of_ticket(identity), ~CheckIn.undone))
        return [_admission(row) for row in rows]

    def registration(self, identity: TicketIdentity) -> RegistrationInfo | None:
        row = self._session.scalars(
            select(Registration)
            .where(
                Registration.key_id == identity.key_id,
                Registration.event_id == identity.event_id,
                Registration.number == identity.number,
            )
            .limit(1)
        ).first()
        return None if row is None else _registration_info(row)

    def registrations_by_manual_code(self, code: str) -> Sequence[RegistrationInfo]:
        rows = self._session.scalars(select(Registration).where(Registration.manual_code == code))
        return [
            _registration_info(r) for r in rows if r.key_id is not None and r.number is not None
        ]


def _registration_info(row: Registration) -> RegistrationInfo:
    return RegistrationInfo(
        identity=TicketIdentity(row.key_id or 0, row.event_id, row.number or 0),
        masked_name=row.masked_name,
        ticket=row.ticket,
        cancelled=row.status == RegistrationStatus.CANCELLED,
    )


def _of_ticket(identity: TicketIdentity) -> ColumnElement[bool]:
    return and_(
        CheckIn.key_id == identity.key_id,
        CheckIn.event_id == identity.event_id,
        CheckIn.number == identity.number,
    )


def _admission(row: CheckIn) -> Admission:
    return Admission(
        at=row.scanned_at, device=row.device_name or row.device_id, this_kiosk=row.local
    )


# --- recording ----------------------------------------------------------------------------


def looks_like_ticket(text: str) -> bool:
    """A scanned ticket (or anything too long to be a code) rather than a typed manual code.

    A manual code can never start with ``CK1``: ``1`` is not in its alphabet.
    """
    return len(text) > 64 or text.strip().upper().startswith(PREFIX)


def record_admission(
    store: Store,
    event_id: int,
    scanned: str | TicketIdentity,
    now: dt.datetime,
    *,
    source: Source | None = None,
) -> Verdict | Ambiguous:
    """Judge a scan, a typed manual code or a candidate staff picked, and record an admission.

    ``scanned`` is the scanner's text, a manual code, or the ``identity`` of one
    of the candidates of an ``Ambiguous`` code. The decision is made again
    inside the write transaction (SQLite's write lock is taken at BEGIN), so
    two scans of one ticket at this kiosk can never both be admitted. On ADMIT
    the ``CheckIn`` row and its ``checkin.create`` mutation (same id) commit
    together, and the verdict carries that id for ``undo_admission``.
    ``source`` defaults to "scan" for ticket text and "manual" otherwise.
    """
    with store.write() as session:
        identity = require_identity(session)
        ctx = StoreCheckinContext(session, _window(session, event_id))
        verdict, how = _judge(scanned, ctx, now)
        if isinstance(verdict, Ambiguous) or verdict.kind is not VerdictKind.ADMIT:
            _log_refusal(event_id, verdict)
            return verdict
        checkin_id = str(uuid.uuid4())
        payload = checkin_payload(verdict, now, source or how)
        session.add(
            CheckIn(
                id=checkin_id,
                event_id=payload.event_id,
                key_id=payload.key_id,
                number=payload.number,
                device_id=identity.device_id,
                scanned_at=now,
                local=True,
            )
        )
        enqueue(
            session, MutationType.CHECKIN, checkin_json(payload), mutation_id=checkin_id, now=now
        )
    return replace(verdict, checkin_id=checkin_id)


def _judge(
    scanned: str | TicketIdentity, ctx: CheckinContext, now: dt.datetime
) -> tuple[Verdict | Ambiguous, Source]:
    if isinstance(scanned, TicketIdentity):
        registration = ctx.registration(scanned)
        if registration is None:
            return _invalid(Reason.UNKNOWN_CODE), "manual"
        return _decide_registration(registration, ctx, now), "manual"
    if looks_like_ticket(scanned):
        return decide(scanned, ctx, now), "scan"
    return decide_manual(scanned, ctx, now), "manual"


def _log_refusal(event_id: int, verdict: Verdict | Ambiguous) -> None:
    if isinstance(verdict, Ambiguous):
        log.info(
            "check-in for event %s: manual code matches %d tickets",
            event_id,
            len(verdict.candidates),
        )
        return
    log.info(
        "check-in for event %s: %s %s ticket %s",
        event_id,
        verdict.kind,
        verdict.reason or "",
        "/".join(map(str, verdict.identity)) if verdict.identity else "-",
    )


class UndoOutcome(enum.StrEnum):
    """What ``undo_admission`` did; the UI translates ``checkin.undo.<value>``."""

    UNDONE = "undone"
    UNKNOWN = "unknown"  # no check-in with this id
    NOT_HERE = "not_here"  # admitted by another kiosk: only that kiosk may take it back
    ALREADY_UNDONE = "already_undone"
    TOO_LATE = "too_late"  # the window has passed; the admission stands


def undo_admission(
    store: Store, checkin_id: str, now: dt.datetime, *, window_s: float = UNDO_WINDOW_S
) -> UndoOutcome:
    """Take back an admission made here within ``window_s`` seconds, and tell the server.

    The row stays in the log, marked undone, so the ticket is admissible again
    here at once. The server learns it from a ``checkin.create`` carrying
    ``undo_of`` (its own mutation id, same ticket, ``scanned_at`` = when it was
    undone), queued in the same transaction; it marks its copy of the admission
    undone and every kiosk pulls that. Sent even if the admission itself has
    not left yet: the outbox keeps their order, and the server's log shows both.
    """
    with store.write() as session:
        row = session.get(CheckIn, checkin_id)
        if row is None:
            return UndoOutcome.UNKNOWN
        if not row.local:
            return UndoOutcome.NOT_HERE
        if row.undone:
            return UndoOutcome.ALREADY_UNDONE
        if (now - row.scanned_at).total_seconds() > window_s:
            return UndoOutcome.TOO_LATE
        row.undone = True
        payload = CheckinPayload(
            event_id=row.event_id,
            key_id=row.key_id,
            number=row.number,
            scanned_at=now,
            source="manual",  # a staff action, not a scan
            undo_of=uuid.UUID(row.id),
        )
        enqueue(session, MutationType.CHECKIN, checkin_json(payload), now=now)
    return UndoOutcome.UNDONE


# --- which event --------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckinEvent:
    """An event that can be checked in today."""

    id: int
    title_ko: str
    title_en: str
    starts_at: dt.datetime


def events_today(store: Store, now: dt.datetime) -> list[CheckinEvent]:
    """Events (not cancelled) with ``now``'s day in Seoul among their days, earliest first."""
    today = now.astimezone(SEOUL).date()
    with store.read() as session:
        # A kiosk holds a few dozen events: filtering in Python keeps the rule in one place.
        events = session.scalars(select(Event).where(~Event.cancelled).order_by(Event.starts_at))
        return [
            CheckinEvent(e.id, e.title_ko, e.title_en, e.starts_at)
            for e in events
            if today in EventWindow.of(e).days
        ]


# --- the log, for the staff screen ----------------------------------------------------------


@dataclass(frozen=True)
class LoggedAdmission:
    """One admission in the log as staff see it, with what the server said of it."""

    id: str
    identity: TicketIdentity
    at: dt.datetime
    device: str
    this_kiosk: bool
    server_time: dt.datetime | None
    flagged: bool
    flag_reason: str
    undone: bool
    masked_name: str = ""


def ticket_log(store: Store, identity: TicketIdentity) -> list[LoggedAdmission]:
    """Every admission of one ticket (undone ones too), first scan first."""
    with store.read() as session:
        return _logged(session, _of_ticket(identity))


def flagged_admissions(store: Store, event_id: int) -> list[LoggedAdmission]:
    """Admissions the server flagged for this event (a second admission of a ticket,
    a revoked ticket let in offline), known here after a sync; oldest first."""
    with store.read() as session:
        return _logged(session, and_(CheckIn.event_id == event_id, CheckIn.flagged))


def _logged(session: Session, where: ColumnElement[bool]) -> list[LoggedAdmission]:
    rows = session.execute(
        select(CheckIn, Registration.masked_name)
        .outerjoin(
            Registration,
            and_(
                Registration.key_id == CheckIn.key_id,
                Registration.event_id == CheckIn.event_id,
                Registration.number == CheckIn.number,
            ),
        )
        .where(where)
        .order_by(CheckIn.scanned_at, CheckIn.id)
    )
    return [
        LoggedAdmission(
            id=row.id,
            identity=TicketIdentity(row.key_id, row.event_id, row.number),
            at=row.scanned_at,
            device=row.device_name or row.device_id,
            this_kiosk=row.local,
            server_time=row.server_time,
            flagged=row.flagged,
            flag_reason=row.flag_reason,
            undone=row.undone,
            masked_name=masked_name or "",
        )
        for row, masked_name in rows
    ]
