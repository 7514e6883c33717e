"""The check-in decision's local state, read from the kiosk store.

``StoreCheckinContext`` answers ``kiosk.checkin.CheckinContext``'s questions
from the kiosk's SQLite tables (pulled keys and revocations, registrations,
the admission log), each by key, inside the caller's transaction: a session,
or the Core connection under it (what the door uses: kiosk/admissions.py).
``decide_scan`` and ``decide_code`` run the pure decision in one short read
transaction; recording an admission is kiosk/admissions.py.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Sequence
from typing import Protocol, TypeAlias

from sqlalchemy import ColumnElement, Connection, and_, bindparam, select
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
from kiosk.models import CheckIn, DeviceIdentity, Event, Registration, RevokedTicket, SigningKey
from kiosk.prepared import Prepared
from kiosk.store import Store

# Where the questions are asked: an ORM session, or the Core connection of one.
# The door asks on the connection: a statement through the session's ORM layer
# cost ~0.2 ms more each, on the GUI thread, for rows it never makes objects of.
Reader: TypeAlias = Session | Connection


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


def event_window(session: Reader, event_id: int) -> EventWindow:
    """The days of ``event_id``; ``LookupError`` when this kiosk does not hold the event."""
    event = _EVENT.first(_connection(session), {"event_id": event_id})
    if event is None:
        raise LookupError(f"event {event_id} is not on this kiosk")
    return EventWindow.spanning(event.id, event.starts_at, event.ends_at)


class StoreCheckinContext:
    """``CheckinContext`` over the kiosk's SQLite tables, inside the caller's transaction.

    One short transaction per scan (a read session, or the door's write
    transaction), so a check-in pulled or recorded a moment ago is always seen.
    Each question is one statement that reads only the columns it needs,
    compiled once and run on the driver (kiosk/prepared.py): the door asks
    them on the GUI thread for every scan, where building ORM queries and
    objects, or even SQLAlchemy's Core results, cost more than SQLite's index
    probes.
    """

    def __init__(self, session: Reader, event: EventWindow) -> None:
        self._session = session
        self._conn = _connection(session)
        self._event = event

    @property
    def event(self) -> EventWindow:
        return self._event

    def signing_key(self, key_id: int) -> KeyRecord | None:
        row = _KEY.first(self._conn, {"key_id": key_id})
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
        identity = _OWN_KEY.first(self._conn)
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
        return _REVOKED.first(self._conn, identity._asdict()) is not None

    def admissions(self, identity: TicketIdentity) -> Sequence[Admission]:
        rows = _ADMISSIONS.all(self._conn, identity._asdict())
        return [
            Admission(
                at=row.scanned_at, device=row.device_name or row.device_id, this_kiosk=row.local
            )
            for row in rows
        ]

    def registration(self, identity: TicketIdentity) -> RegistrationInfo | None:
        row = _REGISTRATION.first(self._conn, identity._asdict())
        return None if row is None else _registration_info(row)

    def registrations_by_manual_code(self, code: str) -> Sequence[RegistrationInfo]:
        # A sign-up made here keeps its printed code; a pulled one its digest,
        # salted per event (core.tickets.manual_code_digest): one hash per event.
        events = self._session.scalars(_EVENT_IDS).all()
        keys = [code, *(manual_code_digest(event_id, code) for event_id in events)]
        rows = self._session.execute(_BY_MANUAL_CODES, {"codes": keys})
        return [
            _registration_info(r) for r in rows if r.key_id is not None and r.number is not None
        ]


class _RegistrationRow(Protocol):
    key_id: int | None
    event_id: int
    number: int | None
    masked_name: str
    ticket: str
    status: RegistrationStatus
    ticket_payload: str
    ticket_digest: str
    received_at: dt.datetime | None


def _registration_info(row: _RegistrationRow) -> RegistrationInfo:
    return RegistrationInfo(
        identity=TicketIdentity(row.key_id or 0, row.event_id, row.number or 0),
        masked_name=row.masked_name,
        ticket=row.ticket,
        cancelled=row.status == RegistrationStatus.CANCELLED,
        payload=payload_of_hex(row.ticket_payload) if row.ticket_payload else None,
        digest=row.ticket_digest,
        received_at=row.received_at,
    )


def _connection(reader: Reader) -> Connection:
    # A session's connection begins its transaction (BEGIN, or BEGIN IMMEDIATE
    # for the writer) just as a statement through the session would.
    return reader if isinstance(reader, Connection) else reader.connection()


def of_ticket(identity: TicketIdentity) -> ColumnElement[bool]:
    return and_(
        CheckIn.key_id == identity.key_id,
        CheckIn.event_id == identity.event_id,
        CheckIn.number == identity.number,
    )


# The statements, built once (bound by name: key_id, event_id, number, codes):
# SQLAlchemy keys its cache of compiled SQL on them and builds no new ones per scan.
_EVENT = Prepared(
    select(Event.id, Event.starts_at, Event.ends_at).where(Event.id == bindparam("event_id"))
)
_EVENT_IDS = select(Event.id)
_KEY = Prepared(
    select(SigningKey.public_key, SigningKey.revoked, SigningKey.revoked_at).where(
        SigningKey.key_id == bindparam("key_id")
    )
)
# Only the public half and the revoked flag: no ORM object, so the sealed secrets
# are not opened either (kiosk/models.py opens them when the row is loaded).
_OWN_KEY = Prepared(
    select(
        DeviceIdentity.signing_key_id, DeviceIdentity.signing_public_key, DeviceIdentity.revoked
    ).where(DeviceIdentity.id == 1)
)
_REVOKED = Prepared(
    select(RevokedTicket.number).where(
        RevokedTicket.key_id == bindparam("key_id"),
        RevokedTicket.event_id == bindparam("event_id"),
        RevokedTicket.number == bindparam("number"),
    )
)
_ADMISSIONS = Prepared(
    select(CheckIn.scanned_at, CheckIn.device_name, CheckIn.device_id, CheckIn.local).where(
        CheckIn.key_id == bindparam("key_id"),
        CheckIn.event_id == bindparam("event_id"),
        CheckIn.number == bindparam("number"),
        ~CheckIn.undone,
    )
)
_REGISTRATION_COLUMNS = (
    Registration.key_id,
    Registration.event_id,
    Registration.number,
    Registration.masked_name,
    Registration.ticket,
    Registration.status,
    Registration.ticket_payload,
    Registration.ticket_digest,
    Registration.received_at,
)
_REGISTRATION = Prepared(
    select(*_REGISTRATION_COLUMNS)
    .where(
        Registration.key_id == bindparam("key_id"),
        Registration.event_id == bindparam("event_id"),
        Registration.number == bindparam("number"),
    )
    .limit(1)
)
_BY_MANUAL_CODES = select(*_REGISTRATION_COLUMNS).where(
    Registration.manual_code.in_(bindparam("codes", expanding=True))
)
