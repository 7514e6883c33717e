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
import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from nacl.public import PrivateKey
from pydantic import BaseModel, ValidationError

from kiosk.payloads import (
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
from kiosk.sealing import SealError, canonical_json, unseal
from server.batch import Batch, Ticket
from server.changes import office_scope
from server.errors import describe_validation
from server.models import Entity, RegistrationStatus, SubmissionKind
from server.names import mask_name
from sync.protocol import Mutation, ResultCode


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

    @property
    def type(self) -> str:
        value = self.raw.get("type")
        return value if isinstance(value, str) else ""

    @property
    def seq(self) -> int:
        value = self.raw.get("seq")
        return value if isinstance(value, int) and not isinstance(value, bool) else 0


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


def prepare(raw: Mapping[str, Any], sealing_key: PrivateKey) -> Prepared:
    id_ = mutation_id(raw)
    assert id_ is not None, "the batch checks ids before preparing"
    digest = payload_hash(raw)
    try:
        mutation = Mutation.model_validate(raw)
    except ValidationError as exc:
        return Prepared(id_, raw, digest, rejection=_envelope_rejection(exc))
    try:
        payload = PAYLOAD_MODELS[mutation.type].model_validate(mutation.payload)
    except ValidationError as exc:
        rejection = Rejection(ResultCode.INVALID_PAYLOAD, describe_validation(exc.errors()))
        return Prepared(id_, raw, digest, mutation, rejection=rejection)
    sealed_model = SEALED_MODELS.get(mutation.type)
    if sealed_model is None:
        return Prepared(id_, raw, digest, mutation, payload)
    sealed_text = getattr(payload, "sealed", "")
    try:
        sealed = sealed_model.model_validate(unseal(sealing_key, sealed_text))
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
    return Prepared(id_, raw, digest, mutation, payload, sealed)


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
            admitted.add((payload.key_id, payload.event_id, payload.number))
    return events, issued, admitted


def apply(batch: Batch, prepared: Prepared) -> Applied:
    mutation, payload, sealed = prepared.mutation, prepared.payload, prepared.sealed
    assert mutation is not None and payload is not None
    if isinstance(payload, ComplaintPayload) and isinstance(sealed, ComplaintSealed):
        return _apply_complaint(batch, mutation, payload, sealed)
    if isinstance(payload, ProposalPayload) and isinstance(sealed, ProposalSealed):
        return _apply_proposal(batch, mutation, payload, sealed)
    if isinstance(payload, SignupPayload) and isinstance(sealed, SignupSealed):
        return _apply_signup(batch, mutation, payload, sealed)
    if isinstance(payload, CheckinPayload):
        return _apply_checkin(batch, mutation, payload)
    raise AssertionError(f"no way to apply {mutation.type}")


def _apply_complaint(
    batch: Batch, mutation: Mutation, payload: ComplaintPayload, sealed: ComplaintSealed
) -> Applied:
    if payload.anonymous and (sealed.name or sealed.phone or sealed.email):
        raise Rejection(
            ResultCode.INVALID_PAYLOAD, "an anonymous suggestion must not carry contact details"
        )
    if not payload.anonymous and not (sealed.name and (sealed.phone or sealed.email)):
        raise Rejection(
            ResultCode.INVALID_PAYLOAD, "a formal complaint needs a name and a phone or e-mail"
        )
    kind = SubmissionKind.SUGGESTION if payload.anonymous else SubmissionKind.COMPLAINT
    _insert_submission(
        batch, mutation, kind, payload.receipt_code, payload.category, payload.district,
        payload.consent_version, payload.created_at, sealed,
    )
    return Applied()


def _apply_proposal(
    batch: Batch, mutation: Mutation, payload: ProposalPayload, sealed: ProposalSealed
) -> Applied:
    _insert_submission(
        batch, mutation, SubmissionKind.PROPOSAL, payload.receipt_code, payload.area,
        payload.district, payload.consent_version, payload.created_at, sealed,
    )
    return Applied()


def _insert_submission(
    batch: Batch, mutation: Mutation, kind: SubmissionKind, receipt_code: str, category: str,
    district: str, consent_version: str, created_at: dt.datetime, sealed: BaseModel,
) -> None:
    batch.insert(
        "submission",
        {
            "id": str(mutation.id), "kind": str(kind), "receipt_code": receipt_code,
            "device_id": batch.pusher.device_id, "category": category, "district": district,
            "consent_version": consent_version, "status": "received",
            "details": sealed.model_dump(mode="json"), "created_at": created_at,
            "received_at": batch.now,
        },
    )


def _apply_signup(
    batch: Batch, mutation: Mutation, payload: SignupPayload, sealed: SignupSealed
) -> Applied:
    event = batch.event(payload.event_id)
    if event is None:
        raise Rejection(ResultCode.UNKNOWN_EVENT, f"there is no event {payload.event_id}")
    result = Applied()
    status = RegistrationStatus(payload.status)
    revoke = False
    if status is RegistrationStatus.CONFIRMED:
        _check_ticket(batch, payload)
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
        else:
            result.confirmed_event = event.id
    batch.insert(
        "registration",
        {
            "id": str(mutation.id), "event_id": event.id, "device_id": batch.pusher.device_id,
            "receipt_code": payload.receipt_code, "status": str(status),
            "requested_status": payload.status, "key_id": payload.key_id,
            "number": payload.number, "ticket": payload.ticket, "name": sealed.name,
            "phone": sealed.phone, "masked_name": mask_name(sealed.name),
            "consent_version": payload.consent_version, "created_at": payload.created_at,
            "received_at": batch.now,
        },
    )
    result.changes.append((Entity.REGISTRATION, str(mutation.id), office_scope(event.office)))
    if status is RegistrationStatus.CONFIRMED:
        result.changes.append((Entity.EVENT, str(event.id), ""))
    if revoke:
        batch.insert(
            "revoked_ticket",
            {"key_id": payload.key_id, "event_id": event.id, "number": payload.number,
             "reason": "over_offline_block", "revoked_at": batch.now},
        )
        key = f"{payload.key_id}:{event.id}:{payload.number}"
        result.changes.append((Entity.REVOKED_TICKET, key, ""))
    return result


def _check_ticket(batch: Batch, payload: SignupPayload) -> None:
    if payload.key_id is None or payload.number is None:
        raise Rejection(
            ResultCode.INVALID_PAYLOAD, "a confirmed sign-up needs a ticket key_id and number"
        )
    if payload.key_id != batch.pusher.signing_key_id:
        raise Rejection(
            ResultCode.WRONG_SIGNING_KEY,
            f"ticket key {payload.key_id} is not this kiosk's key {batch.pusher.signing_key_id}",
        )
    # This key is this device's alone and the device row is locked: no race here.
    if batch.ticket_held((payload.key_id, payload.event_id, payload.number)):
        raise Rejection(
            ResultCode.TICKET_CONFLICT,
            f"ticket {payload.key_id}/{payload.event_id}/{payload.number} belongs to another "
            "sign-up",
        )


def _apply_checkin(batch: Batch, mutation: Mutation, payload: CheckinPayload) -> Applied:
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
    batch.insert(
        "checkin",
        {
            "key_id": payload.key_id, "event_id": payload.event_id, "number": payload.number,
            "id": str(mutation.id), "device_id": batch.pusher.device_id,
            "source": payload.source, "scanned_at": payload.scanned_at,
            "received_at": batch.now, "admission": admission, "flagged": bool(result.code),
            "flag_reason": str(result.code),
        },
    )
    return result
