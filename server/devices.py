"""Enrolled kiosks as staff see them, and revoking one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update

from core.printers import PrinterState, can_print, needs_staff, parse_state
from server.changes import record_change
from server.db import Database
from server.models import Device, Entity, SigningKey, utcnow


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


def revoke_device(db: Database, device_id: str, now: dt.datetime | None = None) -> bool:
    """Revoke a kiosk and its ticket-signing key; False if it was revoked already.

    Its token stops working at once (403). Kiosks learn of the revoked key on
    their next pull and stop accepting tickets it signs.
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
