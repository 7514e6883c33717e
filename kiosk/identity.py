"""Who this kiosk is to the central server, once enrolled."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kiosk.models import DeviceIdentity


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
