"""Sign-ups while the server answers, cancellations, and the waiting list moving up.

- ``sign_up_online``: a kiosk that is connected claims the citizen's place
  here (server/capacity.py decides), with a ticket the server signs; one
  phone holds one sign-up per event. Idempotent by the registration's id.
- ``reconcile``: the kiosk lost that answer and queued the same id as an
  offline sign-up; the push then joins the two into one registration, with
  the ticket the citizen was actually shown.
- ``cancel``: by receipt code (kiosk, status page) or by staff; the ticket is
  revoked and a confirmed place goes to the first person waiting
  (``promote_waiting``), who is told.

Every change is written with its change-log entries and its messages in one
transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Connection, select, update
from sqlalchemy.orm import Session

from core.kinds import RegistrationStatus
from core.names import mask_name
from core.payloads import SignupPayload, SignupSealed
from core.tickets import manual_code_of_text
from server import subscriptions
from server.capacity import places
from server.changes import record_change
from server.contacts import contact_hash
from server.db import Database
from server.keys import ServerKeys, issue_server_ticket, keys_in
from server.models import (
    Device,
    Entity,
    Event,
    MutationRecord,
    Outcome,
    Registration,
    RevokedTicket,
    table_of,
    utcnow,
)
from server.mutations import Rejection, prepare
from server.notifications import Planner, Subject, event_facts, signup_rows, write
from sync.protocol import ResultCode, SignupAnswer, SignupRequest

CLAIM_TYPE = "signup.claim"
_registrations = table_of(Registration)
_revoked = table_of(RevokedTicket)


class ClaimRefused(Exception):
    """The online sign-up cannot be taken as sent; ``code`` says why (an HTTP 4xx)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def sign_up_online(
    db: Database, keys: ServerKeys, device: Device, request: SignupRequest, now: dt.datetime
) -> SignupAnswer:
    raw = {
        "id": str(request.id),
        "seq": 0,
        "type": "signup.create",
        "occurred_at": request.occurred_at.isoformat(),
        "payload": request.payload,
    }
    prepared = prepare(raw, keys.sealing_key, now)
    if prepared.rejection is not None:
        raise ClaimRefused(400, prepared.rejection.code, prepared.rejection.message)
    payload, sealed = prepared.payload, prepared.sealed
    assert isinstance(payload, SignupPayload) and isinstance(sealed, SignupSealed)
    if payload.ticket or payload.key_id is not None or payload.number is not None:
        raise ClaimRefused(400, "invalid_payload", "an online sign-up carries no ticket")
    reg_id = str(request.id)
    with db.write() as session:
        # Ids are scoped to the kiosk store (issue 16 #4), as for pushed mutations.
        lineage = device.lineage or device.id
        known = session.get(MutationRecord, (lineage, reg_id))
        if known is not None:
            if known.device_id != device.id or known.type != CLAIM_TYPE:
                raise ClaimRefused(409, "conflict", "this id was used before")
            return _answer(session.get(Registration, reg_id), reg_id, known.code, now)
        event = session.scalars(
            select(Event).where(Event.id == payload.event_id).with_for_update()
        ).first()
        if event is None or event.cancelled:
            raise ClaimRefused(404, "unknown_event", f"no open event {payload.event_id}")
        if event.starts_at <= now:
            raise ClaimRefused(409, "event_closed", "the event has started")
        phone_hash = contact_hash(keys.contact_key, "phone", sealed.phone)
        existing = _live_signup(session, event.id, phone_hash)
        if existing is not None:
            return SignupAnswer(
                id=request.id,
                status="already_signed_up",
                receipt_code=existing,
                server_time=now,
            )
        if places(session, event, device.id).for_kiosk > 0:
            status = RegistrationStatus.CONFIRMED
        elif request.accept_waitlist:
            status = RegistrationStatus.WAITLISTED
        else:
            return SignupAnswer(id=request.id, status="full", server_time=now)
        registration = Registration(
            id=reg_id,
            event_id=event.id,
            device_id=device.id,
            receipt_code=payload.receipt_code,
            status=str(status),
            requested_status=str(status),
            ticket="",
            name=sealed.name,
            phone=sealed.phone,
            masked_name=mask_name(sealed.name),
            consent_version=payload.consent_version,
            created_at=payload.created_at,
            received_at=now,
            language=payload.language or "ko",
            notify=bool(payload.notify),
            phone_hash=phone_hash,
        )
        if status is RegistrationStatus.CONFIRMED:
            ticket = issue_server_ticket(session, keys, event)
            registration.key_id, registration.number = ticket.key_id, ticket.number
            registration.ticket = ticket.text
        session.add(registration)
        session.add(
            MutationRecord(
                lineage=lineage,
                id=reg_id,
                device_id=device.id,
                seq=0,
                type=CLAIM_TYPE,
                payload_hash=prepared.payload_hash,
                outcome=str(Outcome.APPLIED),
                code=str(status),
                message="",
                occurred_at=request.occurred_at,
                received_at=now,
            )
        )
        session.flush()
        _changed(session, registration, event)
        if registration.notify:
            _plan(session, registration, event, "received", now, signed_up_at=payload.created_at)
        return _answer(registration, reg_id, str(status), now)


def _answer(
    registration: Registration | None, reg_id: str, code: str, now: dt.datetime
) -> SignupAnswer:
    if registration is None:
        status: Literal["full", "waitlisted"] = "full" if code == "full" else "waitlisted"
        return SignupAnswer(id=uuid.UUID(reg_id), status=status, server_time=now)
    confirmed = registration.status == RegistrationStatus.CONFIRMED
    return SignupAnswer(
        id=uuid.UUID(registration.id),
        status="confirmed" if confirmed else "waitlisted",
        receipt_code=registration.receipt_code,
        key_id=registration.key_id if confirmed else None,
        number=registration.number if confirmed else None,
        ticket=registration.ticket if confirmed else "",
        manual_code=manual_code_of_text(registration.ticket) if confirmed else "",
        server_time=now,
    )


def _live_signup(session: Session, event_id: int, phone_hash: str) -> str | None:
    return session.scalar(
        select(Registration.receipt_code).where(
            Registration.event_id == event_id,
            Registration.phone_hash == phone_hash,
            Registration.status != RegistrationStatus.CANCELLED.value,
        )
    )


def _changed(session: Session, registration: Registration, event: Event) -> None:
    subscribers = subscriptions.subscribers_of(session.connection(), [event.id])[event.id]
    for scope in subscriptions.event_scopes(event.office, subscribers):
        record_change(session, Entity.REGISTRATION, registration.id, scope)
    record_change(session, Entity.EVENT, event.id)


def _plan(
    session: Session,
    registration: Registration,
    event: Event,
    kind: str,
    now: dt.datetime,
    *,
    signed_up_at: dt.datetime,
) -> None:
    confirmed = registration.status == RegistrationStatus.CONFIRMED
    facts = event_facts(
        event.title_ko,
        event.title_en,
        event.place_ko,
        event.place_en,
        event.starts_at,
        manual_code_of_text(registration.ticket) if confirmed else "",
        waitlisted=registration.status == RegistrationStatus.WAITLISTED,
    )
    subject = Subject(
        "registration", registration.id, registration.receipt_code, registration.language
    )
    rows = signup_rows(
        Planner.load(session),
        subject,
        registration.phone,
        facts,
        event.starts_at,
        signed_up_at,
        now,
        confirmed=confirmed and kind != "cancelled",
        kind=kind,
        step=now.strftime("%Y%m%d%H%M%S%f") if kind != "received" else "0",
    )
    write(session.connection(), rows)


# --- the same id pushed again by the kiosk that lost the online answer ------------------


def reconcile(
    conn: Connection, device_id: str, payload: SignupPayload, reg_id: str, now: dt.datetime
) -> Rejection | None:
    """Join an offline sign-up to the online one of the same id: one citizen, one place.

    The kiosk showed the citizen what its offline path decided. A ticket it
    printed from its own block is the one the citizen holds: it replaces the
    server's (revoked, never shown). An offline "waiting list" leaves an online
    confirmed place as it is: the citizen learns of it on the status page.
    """
    row = conn.execute(
        select(_registrations.c.device_id, _registrations.c.key_id, _registrations.c.number).where(
            _registrations.c.id == reg_id
        )
    ).first()
    if row is None or row.device_id != device_id:
        return Rejection(ResultCode.CONFLICT, "this id belongs to another sign-up")
    if payload.status != "confirmed" or payload.key_id is None or payload.number is None:
        return None
    if row.key_id is not None and row.number is not None and row.key_id != payload.key_id:
        conn.execute(
            _revoked.insert().values(
                key_id=row.key_id,
                event_id=payload.event_id,
                number=row.number,
                reason="replaced_by_kiosk_ticket",
                revoked_at=now,
            )
        )
    conn.execute(
        update(_registrations)
        .where(_registrations.c.id == reg_id)
        .values(
            status=RegistrationStatus.CONFIRMED.value,
            requested_status=RegistrationStatus.CONFIRMED.value,
            key_id=payload.key_id,
            number=payload.number,
            ticket=payload.ticket,
            updated_at=now,
        )
    )
    return None


# --- cancelling and the waiting list ----------------------------------------------------


@dataclass(frozen=True)
class Cancelled:
    receipt_code: str
    was: str
    promoted: list[str]


def cancel(
    db: Database,
    receipt_code: str = "",
    *,
    registration_id: str = "",
    now: dt.datetime | None = None,
) -> Cancelled | None:
    """Cancel a live sign-up; None if there is none under that code (or id)."""
    now = now or utcnow()
    with db.write() as session:
        query = select(Registration).where(
            Registration.status != RegistrationStatus.CANCELLED.value
        )
        if registration_id:
            query = query.where(Registration.id == registration_id)
        else:
            query = query.where(Registration.receipt_code == receipt_code)
        registration = session.scalars(query.with_for_update()).first()
        if registration is None:
            return None
        event = session.get(Event, registration.event_id)
        assert event is not None
        was = registration.status
        registration.status = RegistrationStatus.CANCELLED.value
        registration.updated_at = now
        if registration.key_id is not None and registration.number is not None:
            ticket = (registration.key_id, event.id, registration.number)
            if session.get(RevokedTicket, ticket) is None:
                session.add(
                    RevokedTicket(
                        key_id=ticket[0],
                        event_id=ticket[1],
                        number=ticket[2],
                        reason="cancelled",
                        revoked_at=now,
                    )
                )
                record_change(session, Entity.REVOKED_TICKET, ":".join(map(str, ticket)))
        session.flush()
        _changed(session, registration, event)
        if registration.notify:
            _plan(session, registration, event, "cancelled", now, signed_up_at=now)
        promoted = promote_waiting(session, event, now) if was == "confirmed" else []
        return Cancelled(registration.receipt_code, was, promoted)


def promote_waiting(
    session: Session, event: Event, now: dt.datetime, *, only: str = ""
) -> list[str]:
    """Give free places to the first people waiting (or to ``only``); their receipt codes."""
    promoted = []
    keys: ServerKeys | None = None
    while places(session, event).free > 0:
        query = select(Registration).where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.WAITLISTED.value,
        )
        if only:
            query = query.where(Registration.id == only)
        waiting = session.scalars(
            query.order_by(Registration.received_at, Registration.id).limit(1)
        ).first()
        if waiting is None:
            break
        keys = keys or keys_in(session)
        ticket = issue_server_ticket(session, keys, event)
        waiting.status = RegistrationStatus.CONFIRMED.value
        waiting.key_id, waiting.number, waiting.ticket = ticket.key_id, ticket.number, ticket.text
        waiting.updated_at = now
        session.flush()
        _changed(session, waiting, event)
        if waiting.notify:
            _plan(session, waiting, event, "promoted", now, signed_up_at=now)
        promoted.append(waiting.receipt_code)
        if only:
            break
    return promoted


def promote(db: Database, event_id: int, registration_id: str = "") -> list[str]:
    """Staff: the first waiting (or this one) gets a free place, if there is one."""
    now = utcnow()
    with db.write() as session:
        event = session.scalars(select(Event).where(Event.id == event_id).with_for_update()).first()
        if event is None:
            return []
        return promote_waiting(session, event, now, only=registration_id)
