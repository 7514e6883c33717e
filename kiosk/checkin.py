"""The check-in decision: a scanned string and local state in, a verdict out.

Pure logic over a ``CheckinContext`` (keys, revocations, the event, the
check-in log, registrations), so it runs with no network, is tested with dicts
and is backed by the kiosk store in production (``StoreCheckinContext``). It
never writes: recording an admission (a ``CheckIn`` row and its
``checkin.create`` mutation, in one transaction) is the caller's next step.

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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.models import (
    CheckIn,
    Event,
    Registration,
    RegistrationStatus,
    RevokedTicket,
    SigningKey,
)
from kiosk.payloads import CheckinPayload
from kiosk.receipts import is_valid_code, normalize_code
from kiosk.store import Store
from kiosk.tickets import (
    PUBLIC_KEY_LENGTH,
    ParsedTicket,
    TicketFlags,
    TicketIdentity,
    TicketProblem,
    TicketType,
    parse_ticket,
    verify_signature,
)

SEOUL = ZoneInfo("Asia/Seoul")


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
    """An earlier admission from the log: this kiosk's own or one pulled from another."""

    at: dt.datetime
    device: str


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
    verdict: Verdict, scanned_at: dt.datetime, source: Literal["scan", "manual"] = "scan"
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
            return None
        try:
            public_key = base64.b64decode(row.public_key, validate=True)
        except (binascii.Error, ValueError):
            public_key = b""  # unusable: decide() reports it as an unknown key
        return KeyRecord(public_key=public_key, revoked=row.revoked)

    def is_ticket_revoked(self, identity: TicketIdentity) -> bool:
        return self._session.get(RevokedTicket, tuple(identity)) is not None

    def admissions(self, identity: TicketIdentity) -> Sequence[Admission]:
        rows = self._session.execute(
            select(CheckIn.scanned_at, CheckIn.device_id).where(
                CheckIn.key_id == identity.key_id,
                CheckIn.event_id == identity.event_id,
                CheckIn.number == identity.number,
                ~CheckIn.undone,
            )
        )
        return [Admission(at=at, device=device) for at, device in rows]

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
