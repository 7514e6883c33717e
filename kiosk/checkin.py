"""The check-in decision: a scanned string and local state in, a verdict out.

Pure logic over a ``CheckinContext`` (keys, revocations, the event, the
check-in log, registrations), so it runs with no network and no store, and is
tested with dicts. The kiosk store backs the context in production
(kiosk/checkin_context.py); recording an admission and taking it back live in
kiosk/admissions.py. Nothing here reads a clock, a database or a file.

Checks run in this order, and the first failure is the reason staff see:

1. malformed        the string is not a CK1 ticket at all
2. unknown_key      no pulled key has this id (or its stored key is unusable)
3. bad_signature    the key did not sign this ticket: forged or damaged
3b. not_issued      genuine signature, but not the ticket the server holds for
                    this number (its digest differs): a second ticket signed by
                    the key's holder, e.g. with a stolen kiosk's key
4. revoked_key      genuine, but signed by a key since revoked (a lost kiosk),
                    unless the server received its sign-up before the revocation
5. wrong_event      genuine, for another event
6. wrong_day        genuine, for this event, not for today (Asia/Seoul)
7. revoked_ticket   genuine, but this one ticket was cancelled
then ALREADY if the log holds an admission of the same ticket, else ADMIT.

The signature is checked before revocation so that "revoked" is only ever
said of tickets the revoked key really signed; anything else is a forgery.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from core.clock import SEOUL  # check-in days are Seoul days, as on the ticket
from core.payloads import CheckinPayload
from core.receipts import is_valid_code, normalize_code
from core.tickets import (
    PREFIX,
    PUBLIC_KEY_LENGTH,
    ParsedTicket,
    TicketFlags,
    TicketIdentity,
    TicketPayload,
    TicketProblem,
    parse_ticket,
    ticket_digest,
    ticket_type_key,
    verify_signature,
)

Source = Literal["scan", "manual"]


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
    # Genuinely signed, but not the ticket the server holds for this number: a
    # key's holder signed a second one (a stolen kiosk's key, say).
    NOT_ISSUED = "not_issued"
    # Manual entry only: a well-formed code that matches no registration here.
    UNKNOWN_CODE = "unknown_code"


@dataclass(frozen=True)
class KeyRecord:
    public_key: bytes
    revoked: bool = False
    # Since when; a revoked key still vouches for the sign-ups the server had by then.
    revoked_at: dt.datetime | None = None


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
    # The ticket text for a sign-up made here; "" for one pulled from the server,
    # which carries its payload and digest instead (core.tickets).
    ticket: str
    cancelled: bool = False
    payload: TicketPayload | None = None
    digest: str = ""
    # When the server received it (pulled sign-ups).
    received_at: dt.datetime | None = None

    def vouched_before(self, moment: dt.datetime | None) -> bool:
        """Whether the server held this sign-up before ``moment`` (a key's revocation)."""
        return self.received_at is not None and moment is not None and self.received_at <= moment


class Scheduled(Protocol):
    """An event's id and times: a stored ``Event`` row, or anything else that has them."""

    @property
    def id(self) -> int: ...

    @property
    def starts_at(self) -> dt.datetime: ...

    @property
    def ends_at(self) -> dt.datetime | None: ...


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
    def of(cls, event: Scheduled) -> EventWindow:
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
    # Set by ``admissions.record_admission`` on the admission it wrote: what "undo" takes back.
    checkin_id: str | None = None

    @property
    def message_key(self) -> str:
        if self.kind is VerdictKind.INVALID:
            return f"checkin.invalid.{self.reason}"
        return f"checkin.{self.kind}"

    @property
    def ticket_type_key(self) -> str:
        """``ticket.type.standard`` etc., or "" when no ticket was read."""
        return "" if self.ticket_type is None else ticket_type_key(self.ticket_type)


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
    registration = ctx.registration(parsed.identity)
    pulled_digest = registration.digest if registration is not None else ""
    if pulled_digest and ticket_digest(scanned) != pulled_digest:
        return _invalid(Reason.NOT_ISSUED, parsed)
    return _judge_authentic(payload, key, registration, ctx, now)


def _judge_authentic(
    payload: TicketPayload,
    key: KeyRecord,
    registration: RegistrationInfo | None,
    ctx: CheckinContext,
    now: dt.datetime,
) -> Verdict:
    """Checks 4-7 and ALREADY/ADMIT, for a payload known to be genuine.

    Genuine means: its signature verified here, or it is a sign-up the server
    holds (the server verified the signature when it took the sign-up).
    """
    identity = payload.identity
    if key.revoked and not (registration and registration.vouched_before(key.revoked_at)):
        # A revoked key (a lost kiosk) vouches only for what the server had before.
        return _invalid_payload(Reason.REVOKED_KEY, payload)
    if payload.event_id != ctx.event.event_id:
        return _invalid_payload(Reason.WRONG_EVENT, payload)
    if not _valid_today(payload, ctx.event, now):
        return _invalid_payload(Reason.WRONG_DAY, payload)
    cancelled = registration is not None and registration.cancelled
    if cancelled or ctx.is_ticket_revoked(identity):
        return _invalid_payload(Reason.REVOKED_TICKET, payload)
    masked_name = registration.masked_name if registration is not None else ""
    earlier = ctx.admissions(identity)
    if earlier:
        # The first admission is the one that counted; later ones were flagged.
        first = min(earlier, key=lambda admission: admission.at)
        return Verdict(
            VerdictKind.ALREADY,
            identity=identity,
            masked_name=masked_name,
            ticket_type=payload.ticket_type,
            previous=first,
        )
    return Verdict(
        VerdictKind.ADMIT,
        identity=identity,
        masked_name=masked_name,
        ticket_type=payload.ticket_type,
    )


def _invalid_payload(reason: Reason, payload: TicketPayload) -> Verdict:
    return Verdict(
        VerdictKind.INVALID, reason, identity=payload.identity, ticket_type=payload.ticket_type
    )


def _valid_today(payload: TicketPayload, event: EventWindow, now: dt.datetime) -> bool:
    today = now.astimezone(SEOUL).date()
    if today not in event.days:
        return False
    valid_from = payload.valid_day
    if payload.flags & TicketFlags.EVENT_PASS:
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
    if registration.ticket:
        verdict = decide(registration.ticket, ctx, now)
    else:
        verdict = _decide_pulled(registration, ctx, now)
    if verdict.identity is None:
        # A registration without a readable ticket (a bug upstream): still say whose it is.
        return Verdict(
            VerdictKind.INVALID,
            Reason.MALFORMED,
            identity=registration.identity,
            masked_name=registration.masked_name,
        )
    return verdict


def _decide_pulled(
    registration: RegistrationInfo, ctx: CheckinContext, now: dt.datetime
) -> Verdict:
    """A sign-up pulled from the server, found by its code: judged from its payload.

    The server verified its ticket's signature when it took the sign-up; the
    key must still be known here (and not revoked since, beyond what it vouched for).
    """
    payload = registration.payload
    if payload is None or payload.identity != registration.identity:
        return _invalid(Reason.MALFORMED)
    key = ctx.signing_key(payload.key_id)
    if key is None:
        return _invalid_payload(Reason.UNKNOWN_KEY, payload)
    return _judge_authentic(payload, key, registration, ctx, now)


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


def looks_like_ticket(text: str) -> bool:
    """A scanned ticket (or anything too long to be a code) rather than a typed manual code.

    A manual code can never start with ``CK1``: ``1`` is not in its alphabet.
    """
    return len(text) > 64 or text.strip().upper().startswith(PREFIX)


def judge(
    scanned: str | TicketIdentity, ctx: CheckinContext, now: dt.datetime
) -> tuple[Verdict | Ambiguous, Source]:
    """A scan, a typed manual code or a candidate staff picked: its verdict and how it came.

    ``scanned`` is the scanner's text, a manual code, or the ``identity`` of one
    of the candidates of an ``Ambiguous`` code.
    """
    if isinstance(scanned, TicketIdentity):
        registration = ctx.registration(scanned)
        if registration is None:
            return _invalid(Reason.UNKNOWN_CODE), "manual"
        return _decide_registration(registration, ctx, now), "manual"
    if looks_like_ticket(scanned):
        return decide(scanned, ctx, now), "scan"
    return decide_manual(scanned, ctx, now), "manual"
