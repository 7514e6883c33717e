"""Enrolled kiosks as staff see them, and revoking one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update

from core.printers import PrinterState, can_print, needs_staff, parse_state
from server.changes import record_change
from server.db import Database
from server.models import CheckIn, Device, Entity, Registration, SigningKey, utcnow


class UnknownDevice(LookupError):
    """No device has this id."""


@dataclass(frozen=True)
class DeviceSummary:
    id: str
    name: str
    office: str
    signing_key_id: int
    app_version: str
    enrolled_at: dt.datetime
    last_push_at: dt.datetime | None
    revoked_at: dt.datetime | None
    pending_reported: int | None = None
    pending_reported_at: dt.datetime | None = None
    printer_state: PrinterState | None = None
    printer_state_at: dt.datetime | None = None

    @property
    def printer_trouble(self) -> bool:
        """A printer that cannot print (or soon will not): staff should send someone."""
        return (
            self.revoked_at is None
            and self.printer_state is not None
            and needs_staff(self.printer_state)
        )

    @property
    def cannot_print(self) -> bool:
        return self.printer_trouble and not (
            self.printer_state is not None and can_print(self.printer_state)
        )


def list_devices(db: Database) -> list[DeviceSummary]:
    with db.read() as session:
        devices = session.scalars(select(Device).order_by(Device.enrolled_at, Device.id))
        return [
            DeviceSummary(
                id=d.id,
                name=d.name,
                office=d.office,
                signing_key_id=d.signing_key_id,
                app_version=d.app_version,
                enrolled_at=d.enrolled_at,
                last_push_at=d.last_push_at,
                revoked_at=d.revoked_at,
                pending_reported=d.pending_reported,
                pending_reported_at=d.pending_reported_at,
                printer_state=parse_state(d.printer_state),
                printer_state_at=d.printer_state_at,
            )
            for d in devices
        ]


@dataclass(frozen=True)
class KeyAdmission:
    """An admission of a ticket signed with a device's key, as its revocation bears on it."""

    checkin_id: str
    event_id: int
    number: int
    admitted_by: str
    scanned_at: dt.datetime
    received_at: dt.datetime
    flag_reason: str
    # When the server received the ticket's sign-up; None: it holds none.
    signup_received_at: dt.datetime | None

    def vouched(self, revoked_at: dt.datetime | None) -> bool:
        """Whether a sign-up the server had before the revocation vouches for this ticket."""
        if self.signup_received_at is None:
            return False
        return revoked_at is None or self.signup_received_at <= revoked_at


def admissions_on_key(db: Database, device_id: str) -> tuple[DeviceSummary, list[KeyAdmission]]:
    """A device and every admission of a ticket its signing key signed, oldest first.

    What staff look at once a kiosk is revoked (lost, stolen): which people
    were let in on its tickets, and which of those tickets no sign-up the
    server had before the revocation vouches for.
    """
    summary = next((d for d in list_devices(db) if d.id == device_id), None)
    if summary is None:
        raise UnknownDevice(device_id)
    signup = (
        select(Registration.received_at)
        .where(
            Registration.key_id == CheckIn.key_id,
            Registration.event_id == CheckIn.event_id,
            Registration.number == CheckIn.number,
        )
        .limit(1)
        .scalar_subquery()
    )
    with db.read() as session:
        rows = session.execute(
            select(CheckIn, signup)
            .where(CheckIn.key_id == summary.signing_key_id)
            .order_by(CheckIn.scanned_at, CheckIn.id)
        ).all()
    return summary, [
        KeyAdmission(
            checkin_id=c.id,
            event_id=c.event_id,
            number=c.number,
            admitted_by=c.device_id,
            scanned_at=c.scanned_at,
            received_at=c.received_at,
            flag_reason=c.flag_reason,
            signup_received_at=received,
        )
        for c, received in rows
    ]


def revoke_device(db: Database, device_id: str, now: dt.datetime | None = None) -> bool:
    """Revoke a kiosk and its ticket-signing key; False if it was revoked already.

    Its token stops working at once (403). Kiosks learn of the revoked key (and
    when) on their next pull and from then on accept only its tickets whose
    sign-up the server had before the revocation; the device's page lists the
    admissions that depended on it.
    """
    now = now or utcnow()
    with db.write() as session:
        device = session.scalars(
            select(Device).where(Device.id == device_id).with_for_update()
        ).first()
        if device is None:
            raise UnknownDevice(device_id)
        if device.revoked_at is not None:
            return False
        device.revoked_at = now
        key = session.get(SigningKey, device.signing_key_id)
        if key is not None and key.revoked_at is None:
            key.revoked_at = now
            record_change(session, Entity.SIGNING_KEY, key.id)
        return True


@dataclass(frozen=True)
class DeviceReport:
    """What a kiosk says about itself with a push: its version, backlog and printer state.

    Kept in the push's own transaction (``server.ingest``), in the same UPDATE
    that stamps ``last_push_at``: a second transaction per push cost a second
    fsync (15–20 % of a push).
    """

    app_version: str = ""
    pending: int | None = None
    printer_header: str | None = None

    def values(self, device: Device, now: dt.datetime) -> dict[str, object]:
        """The device columns this report changes (nothing for a quiet kiosk)."""
        values: dict[str, object] = {}
        if self.app_version and self.app_version != device.app_version:
            values["app_version"] = self.app_version[:64]
        if self.pending is not None:
            values["pending_reported"] = self.pending
            values["pending_reported_at"] = now
        # Unknown words are ignored: the header is only a hint for staff.
        state = parse_state(self.printer_header)
        if state is not None and device.printer_state != state.value:
            values["printer_state"] = state.value
            values["printer_state_at"] = now
        return values


def note_printer(
    db: Database, device: Device, header: str | None, now: dt.datetime | None = None
) -> None:
    """Keep the printer state a kiosk reported (``X-Civic-Printer``), when it changed.

    Unknown words are ignored: the header comes from a device and is only a
    hint for staff. A round that repeats the last state costs no write.
    """
    state = parse_state(header)
    if state is None or device.printer_state == state.value:
        return
    with db.write() as session:
        session.execute(
            update(Device)
            .where(Device.id == device.id)
            .values(printer_state=state.value, printer_state_at=now or utcnow())
        )
