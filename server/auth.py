"""Device bearer tokens: made at enrolment, stored only as a hash, checked per request."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from server.db import Database
from server.models import Device


class AuthError(Exception):
    """A request's token is missing, unknown, or belongs to a revoked device."""

    def __init__(self, code: str, message: str, *, revoked: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.revoked = revoked


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    # A plain hash is enough: tokens are 256 random bits, not passwords to brute-force.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


# Core, not an ORM query: every push and pull asks it, and the ORM's query and
# identity-map work cost more than the lookup itself (~0.1 ms a request). The
# Device built from the row is transient; no caller writes through it.
_DEVICES = Device.__table__
_BY_TOKEN = select(_DEVICES).where(_DEVICES.c.token_hash == bindparam("token_hash"))


def authenticate(db: Database, authorization: str | None) -> Device:
    """The device an ``Authorization: Bearer …`` header belongs to; AuthError if none."""
    with db.read() as session:
        return authenticate_in(session, authorization)


def authenticate_in(session: Session, authorization: str | None) -> Device:
    """``authenticate`` in the caller's read session (a pull reads its page in the same one)."""
    token = bearer_token(authorization)
    if token is None:
        raise AuthError("unauthorized", "missing bearer token")
    row = session.execute(_BY_TOKEN, {"token_hash": hash_token(token)}).first()
    if row is None:
        raise AuthError("unauthorized", "unknown device token; enrol this kiosk again")
    device = Device(**row._mapping)
    if device.revoked_at is not None:
        raise AuthError(
            "device_revoked", "this kiosk has been revoked; enrol it again", revoked=True
        )
    return device
