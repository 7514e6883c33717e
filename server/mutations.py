"""What each mutation type does to the server's records.

``prepare`` does all the work that needs no database (schema checks, opening
the seal) before the push transaction starts. ``apply`` then runs a
mutation's rules against a :class:`server.batch.Batch`, which decides when its
rows are written. A mutation that cannot be applied raises
:class:`Rejection`, which the batch turns into a ``rejected`` result and a row
in ``rejected_mutations``.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from nacl.public import PrivateKey
from pydantic import BaseModel, ValidationError
from sqlalchemy import bindparam, select, update

from core.contact import contact_errors
from core.names import mask_name
from core.payloads import (
    PAYLOAD_MODELS,
    SEALED_MODELS,
    CheckinPayload,
    ComplaintPayload,
    ComplaintSealed,
    ProposalPayload,
    ProposalSealed,
    SignupPayload,
    SignupSealed,
)
from core.photos import photo_error
from core.sealing import Opener, SealError, canonical_json, unb64
from core.tickets import ParsedTicket, manual_code_of_text, parse_ticket, verify_signature
from server.batch import Batch, EventInfo, Ticket
from server.changes import CHECKIN_ENTITY
from server.client_time import describe, plausible
from server.contacts import contact_hash
from server.errors import describe_validation
from server.keys import SERVER_SIGNING_KEY_ID
from server.models import (
    Admission,
    CheckIn,
    Entity,
    RegistrationStatus,
    SubmissionKind,
    table_of,
)
from server.notifications import Subject, contacts_of, event_facts, signup_rows
from sync.protocol import MAX_SEQ, Mutation, ResultCode

# A check-in taken back at its kiosk: a flag reason of its own, kept beside any
# other (``duplicate_admission undone``), so the row says both what happened and
# that it was undone. No schema change: ``flag_reason`` holds space-separated words.
UNDONE = "undone"

_checkins = table_of(CheckIn)
_admissions = table_of(Admission)
_CHECKIN = select(
    _checkins.c.device_id,
    _checkins.c.key_id,
    _checkins.c.event_id,
    _checkins.c.number,
    _checkins.c.flag_reason,
).where(_checkins.c.id == bindparam("id"))


class Rejection(Exception):
    """This mutation will never be applied as sent."""

    def __init__(self, code: ResultCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Prepared:
    """One received mutation, checked as far as possible without the database."""

    id: str
    raw: Mapping[str, Any]
    payload_hash: str
    mutation: Mutation | None = None
    payload: BaseModel | None = None
    sealed: BaseModel | None = None
    rejection: Rejection | None = None
    # A complaint's photo, opened and checked (core.photos); empty without one.
    photo: bytes = field(default=b"", repr=False)
    # Which reported times were implausible and replaced (server.client_time), or "".
    time_note: str = ""

    @property
    def type(self) -> str:
        value = self.raw.get("type")
        return value if isinstance(value, str) else ""

    @property
    def seq(self) -> int:
        value = self.raw.get("seq")
        # Kept in a BIGINT column even when the mutation itself is refused.
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < MAX_SEQ:
            return value
        return 0


def payload_hash(raw: Mapping[str, Any]) -> str:
    """What tells an identical resend from a different payload under the same id."""
    body = canonical_json({"type": raw.get("type"), "payload": raw.get("payload")})
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def mutation_id(raw: object) -> str | None:
    """The mutation's id in canonical form, or None if it has no usable one."""
    if not isinstance(raw, Mapping):
        return None
    try:
        return str(uuid.UUID(str(raw.get("id"))))
    except ValueError:
        return None


def prepare(
    raw: Mapping[str, Any], sealing_key: PrivateKey, now: dt.datetime, id_: str | None = None
) -> Prepared:
    """``id_``: the mutation's id as ``mutation_id`` gave it, if the caller has it already."""
    id_ = id_ or mutation_id(raw)
    assert id_ is not None, "the batch checks ids before preparing"
    digest = payload_hash(raw)
    try:
        mutation = Mutation.model_validate(raw)
    except ValidationError as exc:
        return Prepared(id_, raw, digest, rejection=_envelope_rejection(exc))
    try:
        payload: BaseModel = PAYLOAD_MODELS[mutation.type].model_validate(mutation.payload)
    except ValidationError as exc:
        rejection = Rejection(ResultCode.INVALID_PAYLOAD, describe_validation(exc.errors()))
        return Prepared(id_, raw, digest, mutation, rejection=rejection)
    mutation, payload, time_note = _bounded_times(mutation, payload, now)
    prepared = _prepare_sealed(id_, raw, digest, mutation, payload, sealing_key)
    return replace(prepared, time_note=time_note) if time_note else prepared


# The reported times each payload model has. Asked of the class once: a missing
# attribute asked of an instance goes through pydantic's slow __getattr__.
_TIME_FIELDS: dict[type[BaseModel], tuple[str, ...]] = {
    model: tuple(name for name in ("created_at", "scanned_at") if name in model.model_fields)
    for model in PAYLOAD_MODELS.values()
}


def _bounded_times(
    mutation: Mutation, payload: BaseModel, now: dt.datetime
) -> tuple[Mutation, BaseModel, str]:
    """Replace implausible reported times with ``now`` (server.client_time says why)."""
    notes = []
    if not plausible(mutation.occurred_at, now):
        notes.append(f"occurred_at {describe(mutation.occurred_at)}")
        mutation = mutation.model_copy(update={"occurred_at": now})
    changed: dict[str, dt.datetime] = {}
    for name in _TIME_FIELDS.get(type(payload), ()):
        value = getattr(payload, name)
        if isinstance(value, dt.datetime) and not plausible(value, now):
            notes.append(f"{name} {describe(value)}")
            changed[name] = now
    if changed:
        payload = payload.model_copy(update=changed)
    if not notes:
        return mutation, payload, ""
    note = "implausible kiosk time replaced by the server's receipt time: " + ", ".join(notes)
    return mutation, payload, note


def _prepare_sealed(
    id_: str,
    raw: Mapping[str, Any],
    digest: str,
    mutation: Mutation,
    payload: BaseModel,
    sealing_key: PrivateKey,
) -> Prepared:
    sealed_model = SEALED_MODELS.get(mutation.type)
    if sealed_model is None:
        return Prepared(id_, raw, digest, mutation, payload)
    sealed_text = getattr(payload, "sealed", "")
    try:
        sealed = sealed_model.model_validate(opener(sealing_key).open(sealed_text))
    except SealError:
        rejection = Rejection(
            ResultCode.UNSEALABLE, "the sealed fields cannot be opened with this server's key"
        )
        return Prepared(id_, raw, digest, mutation, payload, rejection=rejection)
    except ValidationError as exc:
        rejection = Rejection(
            ResultCode.INVALID_PAYLOAD, "sealed " + describe_validation(exc.errors())
        )
        return Prepared(id_, raw, digest, mutation, payload, rejection=rejection)
    photo = b""
    if isinstance(payload, ComplaintPayload) and payload.photo:
        try:
            photo = _open_photo(sealing_key, payload.photo)
        except Rejection as rejection:
            return Prepared(id_, raw, digest, mutation, payload, rejection=rejection)
    return Prepared(id_, raw, digest, mutation, payload, sealed, photo=photo)


def _open_photo(sealing_key: PrivateKey, sealed_photo: str) -> bytes:
    try:
        photo = opener(sealing_key).open_bytes(sealed_photo)
    except SealError:
        raise Rejection(
            ResultCode.UNSEALABLE, "the sealed photo cannot be opened with this server's key"
        ) from None
    problem = photo_error(photo)
    if problem is not None:
        raise Rejection(ResultCode.INVALID_PAYLOAD, f"photo: {problem}")
    return photo


@functools.lru_cache(maxsize=8)
def opener(sealing_key: PrivateKey) -> Opener:
    """The server's key ready to open a push's sealed values (one per key, kept)."""
    return Opener(sealing_key)


def _envelope_rejection(exc: ValidationError) -> Rejection:
    for error in exc.errors():
        if error.get("loc") == ("type",):
            return Rejection(ResultCode.INVALID_MUTATION, "unknown mutation type")
    return Rejection(ResultCode.INVALID_MUTATION, describe_validation(exc.errors()))


# --- applying --------------------------------------------------------------------------


@dataclass
class Applied:
    code: ResultCode = ResultCode.OK
    message: str = ""
    # (entity, key, scope) that kiosks must pull again because of this mutation.
    changes: list[tuple[Entity, str, str]] = field(default_factory=list)
    # The event this mutation took one of the device's confirmed places in.
    confirmed_event: int | None = None


def lookups(prepared: Sequence[Prepared]) -> tuple[set[int], set[Ticket], set[Ticket]]:
    """What a batch will look up: events signed up for, tickets issued, tickets admitted."""
    events: set[int] = set()
    issued: set[Ticket] = set()
    admitted: set[Ticket] = set()
    for item in prepared:
        payload = item.payload
        if item.rejection is not None:
            continue
        if isinstance(payload, SignupPayload):
            events.add(payload.event_id)
            if payload.key_id is not None and payload.number is not None:
                issued.add((payload.key_id, payload.event_id, payload.number))
        elif isinstance(payload, CheckinPayload):
            # The event's office scopes the check-in's change-log entry.
            events.add(payload.event_id)
            admitted.add((payload.key_id, payload.event_id, payload.number))
    return events, issued, admitted


def admissions(prepared: Sequence[Prepared]) -> list[Ticket]:
    """The tickets a batch's check-ins will admit, in order (see ``Batch.admit_all``).

    Empty when the batch takes an admission back: an undo lowers a count in
    the middle of the batch, so such a batch counts one check-in at a time.
    """
    tickets: list[Ticket] = []
    seen: set[str] = set()
    for item in prepared:
        payload = item.payload
        if item.id in seen:
            continue  # an id sent twice in one batch is applied once, then answered as known
        seen.add(item.id)
        if item.rejection is None and isinstance(payload, CheckinPayload):
            if payload.undo_of is not None:
                return []
            tickets.append((payload.key_id, payload.event_id, payload.number))
    return tickets


def phone_hashes(prepared: Sequence[Prepared], contact_key: bytes) -> dict[str, str]:
    """Phone -> its keyed hash (server.contacts), for a batch's sign-ups: each made once."""
    return {
        item.sealed.phone: contact_hash(contact_key, "phone", item.sealed.phone)
        for item in prepared
        if item.rejection is None
        and isinstance(item.payload, SignupPayload)
        and isinstance(item.sealed, SignupSealed)
    }


def phone_lookups(prepared: Sequence[Prepared], hashes: Mapping[str, str]) -> list[tuple[int, str]]:
    """The (event, phone hash) pairs a batch's sign-ups will ask about: one query for all."""
    return [
        (item.payload.event_id, hashes[item.sealed.phone])
        for item in prepared
        if item.rejection is None
        and isinstance(item.payload, SignupPayload)
        and isinstance(item.sealed, SignupSealed)
    ]


def apply(batch: Batch, prepared: Prepared) -> Applied:
    mutation, payload, sealed = prepared.mutation, prepared.payload, prepared.sealed
    assert mutation is not None and payload is not None
    if isinstance(payload, ComplaintPayload) and isinstance(sealed, ComplaintSealed):
        return _apply_complaint(batch, mutation, payload, sealed, prepared.photo)
    if isinstance(payload, ProposalPayload) and isinstance(sealed, ProposalSealed):
        return _apply_proposal(batch, mutation, payload, sealed)
    if isinstance(payload, SignupPayload) and isinstance(sealed, SignupSealed):
        return _apply_signup(batch, mutation, payload, sealed)
    if isinstance(payload, CheckinPayload):
        return _apply_checkin(batch, mutation, payload)
    raise AssertionError(f"no way to apply {mutation.type}")


# What a kiosk's staff read when the server refuses a record on the contact rule.
_CONTACT_REFUSED = {
    SubmissionKind.SUGGESTION: "an anonymous suggestion must not carry contact details or a photo",
    SubmissionKind.COMPLAINT: "a formal complaint needs a name and a phone or e-mail",
}


def _apply_complaint(
    batch: Batch,
    mutation: Mutation,
    payload: ComplaintPayload,
    sealed: ComplaintSealed,
    photo: bytes = b"",
) -> Applied:
    kind = SubmissionKind.SUGGESTION if payload.anonymous else SubmissionKind.COMPLAINT
    if contact_errors(
        kind, name=sealed.name, phone=sealed.phone, email=sealed.email, photo=bool(photo)
    ):
        raise Rejection(ResultCode.INVALID_PAYLOAD, _CONTACT_REFUSED[kind])
    _insert_submission(
        batch,
        mutation,
        kind,
        payload.receipt_code,
        payload.category,
        payload.district,
        payload.consent_version,
        payload.created_at,
        sealed,
        dong=payload.dong or "",
        citizen=payload,
    )
    if photo:
        batch.insert("photo", {"submission_id": batch.entity_id(mutation.id), "jpeg": photo})
    return Applied()


def _apply_proposal(
    batch: Batch, mutation: Mutation, payload: ProposalPayload, sealed: ProposalSealed
) -> Applied:
    _insert_submission(
        batch,
        mutation,
        SubmissionKind.PROPOSAL,
        payload.receipt_code,
        payload.area,
        payload.district,
        payload.consent_version,
        payload.created_at,
        sealed,
        citizen=payload,
    )
    return Applied()


def _insert_submission(
    batch: Batch,
    mutation: Mutation,
    kind: SubmissionKind,
    receipt_code: str,
    category: str,
    district: str,
    consent_version: str,
    created_at: dt.datetime,
    sealed: BaseModel,
    *,
    dong: str = "",
    citizen: ComplaintPayload | ProposalPayload,
) -> None:
    language = citizen.language or "ko"
    notify = bool(citizen.notify) and kind is not SubmissionKind.SUGGESTION
    batch.insert(
        "submission",
        {
            "id": batch.entity_id(mutation.id),
            "kind": str(kind),
            "receipt_code": receipt_code,
            "device_id": batch.pusher.device_id,
            "category": category,
            "district": district,
            "dong": dong,
            "consent_version": consent_version,
            "status": "received",
            "details": sealed.model_dump(mode="json"),
            "created_at": created_at,
            "received_at": batch.now,
            "language": language,
            "notify": notify,
        },
    )
    if notify and batch.planner is not None:
        # "Received" once it is here: the citizen's first message, if they asked for them.
        subject = Subject("submission", str(mutation.id), receipt_code, language)
        what = "proposal" if kind is SubmissionKind.PROPOSAL else "complaint"
        contacts = contacts_of(sealed.model_dump())
        for row in batch.planner.rows(
            subject, "received", "0", {"what": what}, contacts, batch.now, batch.now
        ):
            batch.insert("notification", row)


def _apply_signup(
    batch: Batch, mutation: Mutation, payload: SignupPayload, sealed: SignupSealed
) -> Applied:
    event = batch.event(payload.event_id)
    if event is None:
        raise Rejection(ResultCode.UNKNOWN_EVENT, f"there is no event {payload.event_id}")
    result = Applied()
    status = RegistrationStatus(payload.status)
    revoke = False
    phone_hash = ""
    if batch.planner is not None:
        phone_hash = batch.phone_hashes.get(sealed.phone) or contact_hash(
            batch.planner.contact_key, "phone", sealed.phone
        )
        existing = batch.phone_taken(event.id, phone_hash)
        if existing is not None:
            return _already_signed_up(batch, payload, event, existing)
    if status is RegistrationStatus.CONFIRMED:
        former_key = _check_ticket(batch, payload)
        if former_key is not None:
            result.code, result.message = ResultCode.FORMER_SIGNING_KEY, former_key
        block = batch.block(event)
        if batch.confirmed_here(event.id) >= block:
            # The kiosk promised a place it did not hold: the waiting list keeps
            # the citizen's sign-up, and revoking the ticket stops other kiosks
            # from admitting it.
            status, revoke = RegistrationStatus.WAITLISTED, True
            result.code = ResultCode.WAITLISTED
            result.message = (
                f"this kiosk's offline block of {block} places for event {event.id} is "
                "used up; the sign-up was put on the waiting list"
            )
        elif event.capacity and batch.confirmed_total(event.id) >= event.capacity:
            # Blocks are held back from what is taken online (server/capacity.py),
            # so this only happens when staff shrank the event: never overbook.
            status, revoke = RegistrationStatus.WAITLISTED, True
            result.code = ResultCode.WAITLISTED
            result.message = (
                f"event {event.id} is full ({event.capacity} places); the sign-up was put "
                "on the waiting list"
            )
        else:
            result.confirmed_event = event.id
    language = payload.language or "ko"
    notify = bool(payload.notify)
    batch.insert(
        "registration",
        {
            "id": batch.entity_id(mutation.id),
            "event_id": event.id,
            "device_id": batch.pusher.device_id,
            "receipt_code": payload.receipt_code,
            "status": str(status),
            "requested_status": payload.status,
            "key_id": payload.key_id,
            "number": payload.number,
            "ticket": payload.ticket,
            "name": sealed.name,
            "phone": sealed.phone,
            "masked_name": mask_name(sealed.name),
            "consent_version": payload.consent_version,
            "created_at": payload.created_at,
            "received_at": batch.now,
            "language": language,
            "notify": notify,
            "phone_hash": phone_hash,
        },
    )
    if phone_hash:
        batch.note_phone(event.id, phone_hash, payload.receipt_code)
    if notify and batch.planner is not None and event.starts_at is not None:
        confirmed = status is RegistrationStatus.CONFIRMED
        facts = event_facts(
            event.title_ko,
            event.title_en,
            event.place_ko,
            event.place_en,
            event.starts_at,
            manual_code_of_text(payload.ticket) if confirmed and not revoke else "",
            waitlisted=not confirmed,
        )
        subject = Subject(
            "registration", batch.entity_id(mutation.id), payload.receipt_code, language
        )
        for row in signup_rows(
            batch.planner,
            subject,
            sealed.phone,
            facts,
            event.starts_at,
            payload.created_at,
            batch.now,
            confirmed=confirmed,
        ):
            batch.insert("notification", row)
    result.changes.extend(
        (Entity.REGISTRATION, batch.entity_id(mutation.id), scope) for scope in batch.scopes(event)
    )
    if payload.key_id is not None and payload.number is not None:
        ticket = (payload.key_id, event.id, payload.number)
        if batch.ticket_admitted(ticket):
            _vouch_for_earlier_admissions(batch, ticket)
    if status is RegistrationStatus.CONFIRMED:
        result.changes.append((Entity.EVENT, str(event.id), ""))
    if revoke:
        _revoke(batch, payload, event, "over_offline_block", result)
    return result


def _revoke(
    batch: Batch, payload: SignupPayload, event: EventInfo, reason: str, result: Applied
) -> None:
    batch.insert(
        "revoked_ticket",
        {
            "key_id": payload.key_id,
            "event_id": event.id,
            "number": payload.number,
            "reason": reason,
            "revoked_at": batch.now,
        },
    )
    key = f"{payload.key_id}:{event.id}:{payload.number}"
    result.changes.append((Entity.REVOKED_TICKET, key, ""))


def _already_signed_up(
    batch: Batch, payload: SignupPayload, event: EventInfo, existing_code: str
) -> Applied:
    """A second sign-up of one phone for one event: kept as the first, its ticket revoked.

    Kiosks cannot read phone numbers, so two offline sign-ups of one person
    meet here first. The first one stands; the kiosk learns the existing
    receipt code and a ticket it printed for the second is revoked, so only
    one place is held and admitted.
    """
    result = Applied(
        code=ResultCode.ALREADY_SIGNED_UP,
        message=f"this phone is already signed up for event {event.id}: receipt {existing_code}",
    )
    if payload.status == "confirmed" and payload.key_id is not None and payload.number is not None:
        _revoke(batch, payload, event, "duplicate_phone", result)
    return result


def _check_ticket(batch: Batch, payload: SignupPayload) -> str | None:
    """Refuse a ticket this kiosk may not have issued; a note if it used a former key."""
    if payload.key_id is None or payload.number is None:
        raise Rejection(
            ResultCode.INVALID_PAYLOAD, "a confirmed sign-up needs a ticket key_id and number"
        )
    note = None
    if payload.key_id != batch.pusher.signing_key_id:
        note = _former_key(batch, payload, payload.key_id)
    elif not _signed_by(batch, payload, payload.key_id):
        # The citizen holds this very text: a ticket that does not verify would
        # be refused at every door, so it is not kept as if it were a place.
        raise Rejection(
            ResultCode.INVALID_PAYLOAD,
            f"the ticket is not this sign-up's ticket signed by this kiosk's key {payload.key_id}",
        )
    # Only the holder of a key's private half signs under it, and the device row
    # is locked: no race here (the unique ticket constraint backs this up).
    if batch.ticket_held((payload.key_id, payload.event_id, payload.number)):
        raise Rejection(
            ResultCode.TICKET_CONFLICT,
            f"ticket {payload.key_id}/{payload.event_id}/{payload.number} belongs to another "
            "sign-up",
        )
    return note


def _signed_by(batch: Batch, payload: SignupPayload, key_id: int) -> bool:
    """Whether the payload's ticket is exactly this sign-up's ticket, signed under ``key_id``."""
    key = batch.signing_key(key_id)
    if key is None:
        return False
    checked = batch.signatures.get(_signed(payload, key_id))
    if checked is not None:
        return checked  # and the ticket is this sign-up's: check_signatures parsed it
    ticket = _ticket_of(payload, key_id)
    return ticket is not None and verify_signature(ticket, unb64(key.public_key))


def _ticket_of(payload: SignupPayload, key_id: int) -> ParsedTicket | None:
    """The payload's ticket if it is this sign-up's ticket under ``key_id``."""
    ticket = parse_ticket(payload.ticket)
    if not isinstance(ticket, ParsedTicket):
        return None
    if ticket.identity != (key_id, payload.event_id, payload.number):
        return None
    return ticket


def ticket_keys(prepared: Sequence[Prepared]) -> set[int]:
    """The signing keys the confirmed sign-ups of a batch name."""
    return {
        p.payload.key_id
        for p in prepared
        if isinstance(p.payload, SignupPayload) and p.payload.key_id is not None
    }


# A ticket as a sign-up names it: (key id, event id, number, ticket text).
Signed = tuple[int, int, int | None, str]


def _signed(payload: SignupPayload, key_id: int) -> Signed:
    return (key_id, payload.event_id, payload.number, payload.ticket)


def check_signatures(
    prepared: Sequence[Prepared], public_keys: Mapping[int, str]
) -> dict[Signed, bool]:
    """Ticket signatures checked before the batch's transaction: ``_signed`` -> valid.

    Only tickets that parse and are their sign-up's own (key, event, number)
    are in the answer, so the rules need not parse them again.

    A key's public half never changes (only whether it is revoked, which the
    rules read inside the transaction), so this needs no lock. Ed25519 costs
    ~0.1 ms a ticket: done here it no longer holds SQLite's write lock, and
    PyNaCl lets other threads run meanwhile.
    """
    checked: dict[Signed, bool] = {}
    for item in prepared:
        payload = item.payload
        if not isinstance(payload, SignupPayload) or payload.key_id is None:
            continue
        public_key = public_keys.get(payload.key_id)
        ticket = _ticket_of(payload, payload.key_id)
        if public_key is not None and ticket is not None:
            signed = _signed(payload, payload.key_id)
            if signed not in checked:
                checked[signed] = verify_signature(ticket, unb64(public_key))
    return checked


def _former_key(batch: Batch, payload: SignupPayload, key_id: int) -> str:
    """Accept a ticket under a key other than the pusher's only if it proves the pusher held it.

    A kiosk that is re-enrolled (after a revocation, or with a fresh code)
    gets a new key but keeps its outbox, so sign-ups it took before go out
    under the new device with tickets signed by its former key. The rule: the
    key must be a kiosk key registered here (never the server's own), and the
    ticket in the payload must be exactly this ticket, signed by that key.
    Keys are made on the kiosk and never leave it, so a valid signature means
    the same kiosk store: no other device can pass off sign-ups under another
    kiosk's key, revoked or not. A revoked former key is still accepted, so the
    citizen's sign-up is kept, but its ticket will not scan (kiosks refuse
    revoked keys): the message says so, for staff to re-issue.
    """
    if key_id == SERVER_SIGNING_KEY_ID or not _signed_by(batch, payload, key_id):
        raise Rejection(
            ResultCode.WRONG_SIGNING_KEY,
            f"ticket key {key_id} is not this kiosk's key {batch.pusher.signing_key_id}, "
            "and the ticket does not prove this kiosk held it",
        )
    note = f"ticket signed with key {key_id}, which this kiosk held before it was re-enrolled"
    key = batch.signing_key(key_id)
    if key is not None and key.revoked:
        note += "; that key is revoked, so kiosks will refuse this ticket until it is re-issued"
    return note


def _apply_checkin(batch: Batch, mutation: Mutation, payload: CheckinPayload) -> Applied:
    if payload.undo_of is not None:
        return _apply_undo(batch, payload, str(payload.undo_of))
    ticket = (payload.key_id, payload.event_id, payload.number)
    admission = batch.admit(ticket)
    result = Applied()
    name = "/".join(str(part) for part in ticket)
    if admission > 1:
        result.code = ResultCode.DUPLICATE_ADMISSION
        result.message = f"ticket {name} was admitted before; this admission is flagged"
    elif batch.ticket_revoked(ticket):
        result.code = ResultCode.REVOKED_TICKET
        result.message = f"ticket {name} is revoked; this admission is flagged"
    else:
        result.code, result.message = _unvouched(batch, ticket, name)
    batch.insert(
        "checkin",
        {
            "key_id": payload.key_id,
            "event_id": payload.event_id,
            "number": payload.number,
            "id": batch.entity_id(mutation.id),
            "device_id": batch.pusher.device_id,
            "source": payload.source,
            "scanned_at": payload.scanned_at,
            "received_at": batch.now,
            "admission": admission,
            "flagged": bool(result.code),
            "flag_reason": str(result.code),
        },
    )
    _log_checkin(batch, batch.entity_id(mutation.id), payload.event_id)
    return result


def _unvouched(batch: Batch, ticket: Ticket, name: str) -> tuple[ResultCode, str]:
    """Flag an admission no sign-up vouches for (issue 16 #3); (OK, "") if one does.

    A kiosk's key signs any number: whoever holds a stolen kiosk's key can
    print tickets that verify at every door. What they cannot do is make the
    server hold a sign-up for them: so an admission of a ticket no sign-up
    holds is flagged (cleared should its sign-up arrive later: a kiosk that
    was offline), and so is one whose key was revoked before the server had
    the sign-up. Admitted all the same: the door already let the person in.
    """
    if not batch.ticket_held(ticket):
        return ResultCode.NO_SIGNUP, f"no sign-up holds ticket {name}; this admission is flagged"
    key = batch.signing_key(ticket[0])
    if key is not None and key.revoked_at is not None:
        received = batch.received_at(ticket)
        if received is None or received > key.revoked_at:
            return ResultCode.REVOKED_KEY, (
                f"ticket {name} is under a key revoked before its sign-up reached the server; "
                "this admission is flagged"
            )
    return ResultCode.OK, ""


def _vouch_for_earlier_admissions(batch: Batch, ticket: Ticket) -> None:
    """A sign-up arrived for a ticket already admitted: its ``no_signup`` flags clear."""
    if batch.bulk:
        batch.flush()  # the admission may be in this very batch, held back
    key_id, event_id, number = ticket
    rows = batch.conn.execute(
        select(_checkins.c.id, _checkins.c.flag_reason).where(
            _checkins.c.key_id == key_id,
            _checkins.c.event_id == event_id,
            _checkins.c.number == number,
        )
    ).all()
    for row in rows:
        reasons = row.flag_reason.split()
        if str(ResultCode.NO_SIGNUP) not in reasons:
            continue
        kept = [r for r in reasons if r != str(ResultCode.NO_SIGNUP)]
        batch.conn.execute(
            update(_checkins)
            .where(_checkins.c.id == row.id)
            .values(flag_reason=" ".join(kept), flagged=any(r != UNDONE for r in kept))
        )
        _log_checkin(batch, row.id, event_id)


def _apply_undo(batch: Batch, payload: CheckinPayload, original_id: str) -> Applied:
    """Mark an admission this kiosk took back as undone; it no longer counts.

    The check-in row stays (the door log keeps what happened) with ``undone``
    added to its flag reasons, and the ticket's admission count goes down, so
    a later genuine admission of it is not flagged as a second one. An
    admission flagged before the undo arrived stays flagged: staff look at it.
    """
    if batch.bulk:
        # The admission may be in this very batch, still held back for the bulk insert.
        batch.flush()
    original = batch.conn.execute(_CHECKIN, {"id": original_id}).first()
    if original is None or original.device_id != batch.pusher.device_id:
        raise Rejection(
            ResultCode.UNKNOWN_CHECKIN, f"this kiosk logged no admission {original_id} to undo"
        )
    ticket = (payload.key_id, payload.event_id, payload.number)
    if (original.key_id, original.event_id, original.number) != ticket:
        raise Rejection(ResultCode.INVALID_PAYLOAD, f"admission {original_id} is of another ticket")
    reasons = original.flag_reason.split()
    if UNDONE in reasons:
        return Applied()  # taken back already, by an earlier undo
    # Written straight away (like ``Batch.admit``); nothing after this can refuse the undo.
    batch.conn.execute(
        update(_checkins)
        .where(_checkins.c.id == original_id)
        .values(flag_reason=" ".join([*reasons, UNDONE]))
    )
    key_id, event_id, number = ticket
    batch.conn.execute(
        update(_admissions)
        .where(
            _admissions.c.key_id == key_id,
            _admissions.c.event_id == event_id,
            _admissions.c.number == number,
            _admissions.c.count > 0,
        )
        .values(count=_admissions.c.count - 1)
    )
    _log_checkin(batch, original_id, payload.event_id)
    return Applied()


def is_undone(flag_reason: str) -> bool:
    """Whether a stored check-in was taken back (its flag reasons include ``undone``)."""
    return UNDONE in flag_reason.split()


def _log_checkin(batch: Batch, checkin_id: str, event_id: int) -> None:
    """Kiosks that check this event in must pull this admission (again)."""
    event = batch.event(event_id)
    if event is None:
        return  # an unknown event: no kiosk has it to check in
    for scope in batch.scopes(event):
        batch.insert(
            "change",
            {
                "entity": CHECKIN_ENTITY,
                "entity_key": checkin_id,
                "scope": scope,
                "created_at": batch.now,
            },
        )
