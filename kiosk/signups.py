"""Event sign-up: a confirmed place within this kiosk's offline block, or the waiting list.

A confirmed place comes with its ticket, signed here with the kiosk's own key
(no network needed), stored with the registration and carried in the
``signup.create`` payload. The waiting list gets no ticket.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from nacl.signing import SigningKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import validation as v
from core.clock import utcnow
from core.ids import new_id
from core.kinds import RegistrationStatus
from core.links import status_page_url as status_url
from core.names import mask_name
from core.payloads import MutationType, SignupPayload, SignupSealed, payload_json
from core.reminders import gets_reminder
from core.sealing import seal
from core.tickets import IssuedTicket, event_ticket, issue_ticket
from kiosk.catalogue import offline_places
from kiosk.identity import NotEnrolled, require_identity
from kiosk.models import DeviceIdentity, Event, Registration
from kiosk.outbox import enqueue
from kiosk.store import Store
from kiosk.submissions import Consent, Receipt, unused_receipt_code

# An Ed25519 private key is kept as its 32-byte seed.
SEED_LENGTH = 32


@dataclass(frozen=True)
class SignupForm:
    name: str = ""
    phone: str = ""


@dataclass(frozen=True)
class CheckedSignup:
    """A sign-up form that passed every rule that does not need the store."""

    name: str
    phone: str
    consent: Consent


def check_sign_up(form: SignupForm, consent: Consent) -> CheckedSignup:
    """Name, phone and consent; the event itself is checked when storing (seats change)."""
    check = v.Checker()
    checked = _signup_fields(check, form)
    if not consent.required or not consent.version:
        check.fail("consent", "consent.required")
    check.raise_if_failed()
    return CheckedSignup(checked.name, checked.phone, consent)


def signup_errors(form: SignupForm) -> list[v.FieldError]:
    """The sign-up form's field errors, consent not yet asked."""
    return v.field_errors(_signup_fields, form)


def _signup_fields(check: v.Checker, form: SignupForm) -> CheckedSignup:
    name = check.text("name", form.name, max_length=v.NAME_MAX, required=True)
    phone = ""
    if not form.phone.strip():
        check.fail("phone", "field.required")
    else:
        phone = v.normalize_phone(form.phone) or ""
        if not phone:
            check.fail("phone", "phone.invalid")
    return CheckedSignup(name, phone, Consent())


def sign_up(
    store: Store,
    event_id: int,
    form: SignupForm,
    consent: Consent,
    *,
    accept_waitlist: bool = False,
    now: dt.datetime | None = None,
    registration_id: str | None = None,
    receipt_code: str | None = None,
) -> Receipt:
    """Check, then store: for callers that hold the whole form at once."""
    checked = check_sign_up(form, consent)
    return store_sign_up(
        store,
        event_id,
        checked,
        accept_waitlist=accept_waitlist,
        now=now,
        registration_id=registration_id,
        receipt_code=receipt_code,
    )


def store_sign_up(
    store: Store,
    event_id: int,
    checked: CheckedSignup,
    *,
    accept_waitlist: bool = False,
    now: dt.datetime | None = None,
    registration_id: str | None = None,
    receipt_code: str | None = None,
) -> Receipt:
    """Sign a citizen up; when no place is left, only with ``accept_waitlist``.

    Raises ``ValidationFailed`` with ``event.full`` when the kiosk's places are
    gone and the citizen has not yet chosen the waiting list, so the screen can
    offer it instead of over-booking; ``event.unknown``, ``event.cancelled`` or
    ``event.closed`` when the event cannot take sign-ups any more.

    ``registration_id`` and ``receipt_code``: those of an online sign-up whose
    answer never came (kiosk.online_signups); the server joins the two.
    """
    when = now or utcnow()
    with store.write() as session:
        identity = require_identity(session)
        event = _open_event(session, event_id, when)
        confirmed = offline_places(session, event) > 0
        if not confirmed and not accept_waitlist:
            raise v.ValidationFailed([v.FieldError("event", "event.full")])
        code = receipt_code or unused_receipt_code(session)
        registration = Registration(
            id=registration_id or new_id(),
            event_id=event.id,
            status=RegistrationStatus.CONFIRMED if confirmed else RegistrationStatus.WAITLISTED,
            receipt_code=code,
            masked_name=mask_name(checked.name),
            ticket="",
            manual_code="",
            local=True,
            created_at=when,
        )
        if confirmed:
            issued = _issue(session, identity, event)
            registration.key_id = identity.signing_key_id
            registration.number = issued.number
            registration.ticket = issued.ticket.text
            registration.manual_code = issued.ticket.manual_code
        session.add(registration)
        payload = SignupPayload(
            receipt_code=code,
            event_id=event.id,
            status="confirmed" if confirmed else "waitlisted",
            key_id=registration.key_id,
            number=registration.number,
            ticket=registration.ticket,
            consent_version=checked.consent.version,
            created_at=when,
            sealed=seal(
                identity.server_public_key,
                SignupSealed(name=checked.name, phone=checked.phone).model_dump(),
            ),
            **checked.consent.citizen_fields(),
        )
        enqueue(
            session,
            MutationType.SIGNUP,
            payload_json(payload),
            mutation_id=registration.id,
            now=when,
        )
        url = status_url(identity.status_base, code)
        notify = checked.consent.notify
        reminder = confirmed and notify and gets_reminder(when, event.starts_at)
    return Receipt(
        id=registration.id,
        code=code,
        kind="signup",
        created_at=when,
        status=str(registration.status),
        ticket=registration.ticket,
        manual_code=registration.manual_code,
        status_url=url,
        notify=notify,
        reminder=reminder,
    )


def _open_event(session: Session, event_id: int, now: dt.datetime) -> Event:
    event = session.get(Event, event_id)
    if event is None:
        raise v.ValidationFailed([v.FieldError("event", "event.unknown")])
    if event.cancelled:
        raise v.ValidationFailed([v.FieldError("event", "event.cancelled")])
    if event.starts_at <= now:
        raise v.ValidationFailed([v.FieldError("event", "event.closed")])
    return event


@dataclass(frozen=True)
class _Issued:
    number: int
    ticket: IssuedTicket


def _issue(session: Session, identity: DeviceIdentity, event: Event) -> _Issued:
    """The next ticket of this kiosk for ``event``, signed with the kiosk's own key.

    Numbers count per (key, event), so a kiosk re-enrolled with a new key
    starts again at 1 without ever repeating a ticket identity.
    """
    if len(identity.signing_key) != SEED_LENGTH:
        raise NotEnrolled("this kiosk has no ticket-signing key; enrol it again")
    number = _next_number(session, identity.signing_key_id, event.id)
    payload = event_ticket(
        identity.signing_key_id, event.id, number, event.starts_at, event.ends_at
    )
    return _Issued(number, issue_ticket(payload, SigningKey(identity.signing_key)))


def _next_number(session: Session, key_id: int, event_id: int) -> int:
    highest = session.scalar(
        select(func.max(Registration.number)).where(
            Registration.key_id == key_id, Registration.event_id == event_id
        )
    )
    return (highest or 0) + 1
