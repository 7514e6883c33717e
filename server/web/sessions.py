"""Staff sessions: a signed cookie naming a server-side session row, and CSRF tokens.

The cookie carries a random 256-bit token plus an HMAC of it; the database
keeps only the token's sha256, so a leaked database holds no live session. A
session row (not a self-contained cookie) is what lets logout, disabling an
account or a lockout end a session at once on every worker.

Every session has its own CSRF token, put into every form and checked on every
POST. The log-in form, which has no session yet, uses a signed double-submit
cookie instead.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select, update

from server.accounts import Staff, staff_of
from server.db import Database
from server.keys import ServerKeys
from server.models import StaffSession, StaffUser, utcnow

SESSION_LIFETIME = dt.timedelta(hours=10)  # one working day, then log in again
IDLE_TIMEOUT = dt.timedelta(hours=1)  # a tablet left on a desk logs itself out
TOUCH_EVERY = dt.timedelta(minutes=1)  # last_seen_at is written at most this often
KEEP_ENDED = dt.timedelta(days=30)  # expired session rows kept this long (audit), then swept


def cookie_secret(keys: ServerKeys) -> bytes:
    """A key every worker derives alike from the server's own keys in the database."""
    return hmac.new(bytes(keys.signing_key), b"civic-kiosk staff cookies v1", "sha256").digest()


def _mac(secret: bytes, purpose: str, value: str) -> str:
    digest = hmac.new(secret, f"{purpose}:{value}".encode(), "sha256").digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def sign(secret: bytes, purpose: str, value: str) -> str:
    return f"{value}.{_mac(secret, purpose, value)}"


def unsign(secret: bytes, purpose: str, signed: str | None) -> str | None:
    """The value of a signed string, or None if it was not signed by us for ``purpose``."""
    if not signed or len(signed) > 200:
        return None
    value, _, mac = signed.rpartition(".")
    if not value or not hmac.compare_digest(mac, _mac(secret, purpose, value)):
        return None
    return value


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class ActiveSession:
    staff: Staff
    csrf_token: str
    token_hash: str


def start_session(db: Database, staff: Staff, now: dt.datetime | None = None) -> str:
    """A new session for ``staff``; the token to put (signed) into the cookie."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    with db.write() as session:
        # Sessions long over are only clutter; a log-in is a rare enough moment to sweep.
        session.execute(delete(StaffSession).where(StaffSession.expires_at < now - KEEP_ENDED))
        session.add(
            StaffSession(
                token_hash=_hash(token),
                user_id=staff.id,
                csrf_token=secrets.token_urlsafe(32),
                created_at=now,
                last_seen_at=now,
                expires_at=now + SESSION_LIFETIME,
            )
        )
    return token


def load_session(db: Database, token: str, now: dt.datetime | None = None) -> ActiveSession | None:
    """The live session of this token, or None (unknown, ended, expired, idle, disabled)."""
    now = now or utcnow()
    token_hash = _hash(token)
    with db.read() as session:
        row = session.execute(
            select(StaffSession, StaffUser)
            .join(StaffUser, StaffUser.id == StaffSession.user_id)
            .where(StaffSession.token_hash == token_hash)
        ).first()
    if row is None:
        return None
    record, user = row
    if (
        record.revoked_at is not None
        or record.expires_at <= now
        or record.last_seen_at + IDLE_TIMEOUT <= now
        or user.disabled_at is not None
    ):
        return None
    if now - record.last_seen_at >= TOUCH_EVERY:
        with db.write() as session:
            session.execute(
                update(StaffSession)
                .where(StaffSession.token_hash == token_hash)
                .values(last_seen_at=now)
            )
    return ActiveSession(staff_of(user), record.csrf_token, token_hash)


def end_session(db: Database, token_hash: str) -> None:
    with db.write() as session:
        session.execute(
            update(StaffSession)
            .where(StaffSession.token_hash == token_hash, StaffSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )


def csrf_matches(expected: str, given: object) -> bool:
    return (
        isinstance(given, str)
        and bool(given)
        and hmac.compare_digest(expected.encode(), given.encode())
    )
