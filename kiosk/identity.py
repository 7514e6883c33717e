"""Who this kiosk is to the central server, once enrolled."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from kiosk.models import DeviceIdentity
from kiosk.prepared import Prepared


class NotEnrolled(Exception):
    """The kiosk has no server key yet, so it cannot seal a citizen's data."""

    key = "kiosk.not_enrolled"


def current_identity(session: Session) -> DeviceIdentity | None:
    # A revoked kiosk still takes submissions: they wait, sealed, until staff
    # re-enrol it, and then go out with their original ids.
    return session.get(DeviceIdentity, 1)


def require_identity(session: Session) -> DeviceIdentity:
    identity = current_identity(session)
    if identity is None:
        raise NotEnrolled("this kiosk is not enrolled with a central server")
    return identity


def save_identity(session: Session, **fields: Any) -> DeviceIdentity:
    """Write the one identity row (enrolment, re-enrolment), sealing its secrets.

    Not ``session.merge``: merging copies only columns, and the token and
    signing key are not columns (kiosk/models.py), so they would be lost.
    """
    identity = session.get(DeviceIdentity, 1)
    if identity is None:
        identity = DeviceIdentity(id=1, **fields)
        session.add(identity)
        return identity
    for name, value in fields.items():
        setattr(identity, name, value)
    return identity


def require_device_id(session: Session | Connection) -> str:
    """This kiosk's device id (one column, no ORM object: read at the door for every admission,
    there on the write transaction's Core connection)."""
    conn = session if isinstance(session, Connection) else session.connection()
    row = _DEVICE_ID.first(conn)
    if row is None:
        raise NotEnrolled("this kiosk is not enrolled with a central server")
    return str(row.device_id)


_DEVICE_ID = Prepared(select(DeviceIdentity.device_id).where(DeviceIdentity.id == 1))
