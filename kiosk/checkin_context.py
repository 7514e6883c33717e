"""The check-in decision's local state, read from the kiosk store.

``StoreCheckinContext`` answers ``kiosk.checkin.CheckinContext``'s questions
from the kiosk's SQLite tables (pulled keys and revocations, registrations,
the admission log), each by key, inside the caller's session. ``decide_scan``
and ``decide_code`` run the pure decision in one short read transaction;
recording an admission is kiosk/admissions.py.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from core.kinds import RegistrationStatus
from core.tickets import TicketIdentity, manual_code_digest, payload_of_hex
from kiosk.checkin import (
    Admission,
    Ambiguous,
    EventWindow,
    KeyRecord,
    RegistrationInfo,
    Verdict,
    decide,
    decide_manual,
)
from kiosk.identity import current_identity
from kiosk.models import CheckIn, Event, Registration, RevokedTicket, SigningKey
from kiosk.store import Store


def decide_scan(store: Store, event_id: int, scanned: str, now: dt.datetime) -> Verdict:
    """``decide`` in one short read transaction: what the check-in screen calls per scan."""
    with store.read() as session:
        return decide(scanned, StoreCheckinContext(session, event_window(session, event_id)), now)


def decide_code(store: Store, event_id: int, code: str, now: dt.datetime) -> Verdict | Ambiguous:
    """``decide_manual`` in one short read transaction."""
    with store.read() as session:
        return decide_manual(
            code, StoreCheckinContext(session, event_window(session, event_id)), now
        )


def event_window(session: Session, event_id: int) -> EventWindow:
    """The days of ``event_id``; ``LookupError`` when this kiosk does not hold the event."""
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
        return KeyRecord(public_key=public_key, revoked=row.revoked, revoked_at=row.revoked_at)

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
            # The public half, kept in the clear: checking needs no secret.
            public_key = base64.b64decode(identity.signing_public_key, validate=True)
        except (binascii.Error, ValueError):
            return None  # no usable key: an unknown key, like any other
        # A kiosk told it is revoked lost its key with its token (server/devices.py).
        return KeyRecord(public_key=public_key, revoked=identity.revoked)

    def is_ticket_revoked(self, identity: TicketIdentity) -> bool:
        return self._session.get(RevokedTicket, tuple(identity)) is not None

    def admissions(self, identity: TicketIdentity) -> Sequence[Admission]:
        rows = self._session.scalars(select(CheckIn).where(of_ticket(identity), ~CheckIn.undone))
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
        # A sign-up made here keeps its printed code; a pulled one its digest,
        # salted per event (core.tickets.manual_code_digest): one hash per event.
        events = self._session.scalars(select(Event.id)).all()
        keys = [code, *(manual_code_digest(event_id, code) for event_id in events)]
        rows = self._session.scalars(select(Registration).where(Registration.manual_code.in_(keys)))
        return [
            _registration_info(r) for r in rows if r.key_id is not None and r.number is not None
        ]


def _registration_info(row: Registration) -> RegistrationInfo:
    return RegistrationInfo(
        identity=TicketIdentity(row.key_id or 0, row.event_id, row.number or 0),
        masked_name=row.masked_name,
        ticket=row.ticket,
        cancelled=row.status == RegistrationStatus.CANCELLED,
        payload=payload_of_hex(row.ticket_payload) if row.ticket_payload else None,
        digest=row.ticket_digest,
        received_at=row.received_at,
    )


def of_ticket(identity: TicketIdentity) -> ColumnElement[bool]:
    return and_(
        CheckIn.key_id == identity.key_id,
        CheckIn.event_id == identity.event_id,
        CheckIn.number == identity.number,
    )


def _admission(row: CheckIn) -> Admission:
    return Admission(
        at=row.scanned_at, device=row.device_name or row.device_id, this_kiosk=row.local
    )
