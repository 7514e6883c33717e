"""Sign-ups while the server answers: prepared here, claimed by the sync side, kept here.

The kiosk asks the server for the citizen's place (``sync.online``) and only
falls back to its offline block when no answer comes. Preparing first gives
the sign-up its id and receipt code, so a fallback after a lost answer reuses
them and the server joins the two (server/claims.py). An online sign-up is
already on the server: it gets a local row for the receipt and check-in, and
nothing in the outbox.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from core.clock import utcnow
from core.ids import new_id
from core.kinds import RegistrationStatus
from core.links import status_page_url as status_url
from core.names import mask_name
from core.payloads import SignupPayload, SignupSealed, payload_json
from core.reminders import gets_reminder
from core.sealing import seal
from kiosk.identity import require_identity
from kiosk.models import Registration
from kiosk.signups import SignupForm, _open_event, check_sign_up
from kiosk.store import Store
from kiosk.submissions import Consent, Receipt, unused_receipt_code


@dataclass(frozen=True)
class PreparedSignup:
    id: str
    receipt_code: str
    event_id: int
    accept_waitlist: bool
    created_at: dt.datetime
    starts_at: dt.datetime
    # The signup.create payload without a ticket, sealed as ever.
    payload: dict[str, Any]
    masked_name: str
    consent: Consent
    # Kept in memory only, for the offline fallback should no answer come.
    form: SignupForm = field(repr=False)


@dataclass(frozen=True)
class OnlineAnswer:
    """What the server said (sync.protocol.SignupAnswer, in the kiosk's own words)."""

    status: Literal["confirmed", "waitlisted", "full", "already_signed_up"]
    receipt_code: str = ""
    key_id: int | None = None
    number: int | None = None
    ticket: str = ""
    manual_code: str = ""


def prepare(
    store: Store,
    event_id: int,
    form: SignupForm,
    consent: Consent,
    *,
    accept_waitlist: bool,
    now: dt.datetime | None = None,
) -> PreparedSignup:
    """Check the form and seal the sign-up for an online claim (``ValidationFailed`` if wrong)."""
    checked = check_sign_up(form, consent)
    name, phone = checked.name, checked.phone
    when = now or utcnow()
    with store.read() as session:
        identity = require_identity(session)
        event = _open_event(session, event_id, when)
        code = unused_receipt_code(session)
        payload = SignupPayload(
            receipt_code=code,
            event_id=event.id,
            status="confirmed",
            consent_version=consent.version,
            created_at=when,
            sealed=seal(
                identity.server_public_key, SignupSealed(name=name, phone=phone).model_dump()
            ),
            **consent.citizen_fields(),
        )
        starts_at = event.starts_at
    return PreparedSignup(
        id=new_id(),
        receipt_code=code,
        event_id=event_id,
        accept_waitlist=accept_waitlist,
        created_at=when,
        starts_at=starts_at,
        payload=payload_json(payload),
        masked_name=mask_name(name),
        consent=consent,
        form=form,
    )


def keep(store: Store, prepared: PreparedSignup, answer: OnlineAnswer) -> Receipt:
    """The receipt of what the server decided; a placed sign-up gets its local row."""
    with store.write() as session:
        identity = require_identity(session)
        base = identity.status_base
        if answer.status in ("confirmed", "waitlisted"):
            confirmed = answer.status == "confirmed"
            session.add(
                Registration(
                    id=prepared.id,
                    event_id=prepared.event_id,
                    status=RegistrationStatus.CONFIRMED
                    if confirmed
                    else RegistrationStatus.WAITLISTED,
                    receipt_code=prepared.receipt_code,
                    key_id=answer.key_id if confirmed else None,
                    number=answer.number if confirmed else None,
                    ticket=answer.ticket if confirmed else "",
                    manual_code=answer.manual_code if confirmed else "",
                    masked_name=prepared.masked_name,
                    local=True,
                    created_at=prepared.created_at,
                )
            )
    code = answer.receipt_code or prepared.receipt_code
    confirmed = answer.status == "confirmed"
    return Receipt(
        id=prepared.id,
        code=code,
        kind="signup",
        created_at=prepared.created_at,
        status="confirmed" if confirmed else "waitlisted",
        ticket=answer.ticket if confirmed else "",
        manual_code=answer.manual_code if confirmed else "",
        status_url=status_url(base, code),
        notify=prepared.consent.notify,
        reminder=confirmed
        and prepared.consent.notify
        and gets_reminder(prepared.created_at, prepared.starts_at),
        online=True,
        already=answer.status == "already_signed_up",
    )
