"""What a printed slip may say, read from what the kiosk keeps anyway.

Nothing is stored for printing: a slip (and staff's reprint of the last one)
is built from the receipt's row, the event's public details and, on a ticket,
the masked name the kiosk already keeps in plaintext for check-in
(``Registration.masked_name``, e.g. 김*수). Names, phone numbers, addresses
and the citizen's text stay sealed and are never on paper twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.models import DeviceIdentity, Event, Registration, Submission
from kiosk.store import Store
from kiosk.submissions import Receipt


@dataclass(frozen=True)
class SlipEvent:
    title_ko: str
    title_en: str
    place_ko: str
    place_en: str
    starts_at: dt.datetime


@dataclass(frozen=True)
class SlipFacts:
    """A receipt as paper shows it: its code and non-personal facts only."""

    code: str
    kind: str  # complaint, suggestion, proposal, signup
    created_at: dt.datetime
    status: str = "queued"
    ticket: str = ""
    manual_code: str = ""
    masked_name: str = ""
    event: SlipEvent | None = None

    @property
    def receipt(self) -> Receipt:
        """The same receipt the screen was given (for the texts both share)."""
        return Receipt(
            id="",
            code=self.code,
            kind=self.kind,
            created_at=self.created_at,
            status=self.status,
            ticket=self.ticket,
            manual_code=self.manual_code,
        )


def slip_facts(store: Store, receipt: Receipt) -> SlipFacts:
    """The facts for the receipt just shown on screen."""
    if receipt.kind != "signup":
        return SlipFacts(receipt.code, receipt.kind, receipt.created_at)
    with store.read() as session:
        registration = session.get(Registration, receipt.id)
        if registration is None:
            return SlipFacts(
                receipt.code,
                receipt.kind,
                receipt.created_at,
                receipt.status,
                receipt.ticket,
                receipt.manual_code,
            )
        return _signup_facts(session, registration)


def last_slip_facts(store: Store) -> SlipFacts | None:
    """The newest receipt made on this kiosk (staff's "reprint the last slip"), if any."""
    with store.read() as session:
        submission = session.scalars(
            select(Submission).order_by(Submission.created_at.desc()).limit(1)
        ).first()
        registration = session.scalars(
            select(Registration)
            .where(Registration.local)
            .order_by(Registration.created_at.desc())
            .limit(1)
        ).first()
        if registration is not None and (
            submission is None or registration.created_at >= submission.created_at
        ):
            return _signup_facts(session, registration)
        if submission is None:
            return None
        return SlipFacts(submission.receipt_code, str(submission.kind), submission.created_at)


def event_facts(store: Store, event_id: int) -> SlipEvent | None:
    with store.read() as session:
        event = session.get(Event, event_id)
        return _event(event) if event is not None else None


def _signup_facts(session: Session, registration: Registration) -> SlipFacts:
    event = session.get(Event, registration.event_id)
    return SlipFacts(
        # Sign-ups made here always have one; a pulled sign-up has none (issue 16 #3).
        code=registration.receipt_code or "",
        kind="signup",
        created_at=registration.created_at,
        status=str(registration.status),
        ticket=registration.ticket,
        manual_code=registration.manual_code,
        masked_name=registration.masked_name,
        event=_event(event) if event is not None else None,
    )


def _event(event: Event) -> SlipEvent:
    return SlipEvent(
        event.title_ko, event.title_en, event.place_ko, event.place_en, event.starts_at
    )


def status_server(store: Store, configured: str = "") -> str:
    """Where a receipt's status page is: the public address the server gave at enrolment,
    else the configured server, else the enrolled one (as ``DeviceIdentity.status_base``,
    which the receipt on screen uses)."""
    with store.read() as session:
        identity = session.scalars(select(DeviceIdentity).limit(1)).first()
        if identity is not None and identity.public_url:
            return identity.public_url
        if configured:
            return configured
        return identity.server_url if identity is not None else ""
