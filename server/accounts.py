"""Staff accounts: slow password hashes, log-in with lockout, roles.

Passwords are hashed with scrypt (stdlib) and a per-user random salt; the
parameters are stored with the hash so they can be raised later without
locking anyone out. A failed log-in counts against the account; after
``MAX_FAILURES`` in a row the account is locked for ``LOCKOUT``. An unknown
user name costs the same scrypt run as a known one, so response time does not
tell which names exist.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.db import Database
from server.models import StaffRole, StaffSession, StaffUser, utcnow

# scrypt cost: n=2**15, r=8 takes ~50-100 ms and 32 MiB per attempt on a server core.
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
_MAXMEM = 64 * 1024 * 1024
MIN_PASSWORD = 10
MAX_PASSWORD = 256
MAX_FAILURES = 5
LOCKOUT = dt.timedelta(minutes=15)
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


class AccountError(ValueError):
    """An account cannot be made or changed as asked; ``key`` names the reason."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class Staff:
    """A logged-in staff member, as the pages need them."""

    id: int
    username: str
    display_name: str
    role: StaffRole

    @property
    def is_admin(self) -> bool:
        return self.role is StaffRole.ADMIN

    def may(self, role: StaffRole) -> bool:
        """Admins may do what officers do; officers not what admins do."""
        return self.role is StaffRole.ADMIN or self.role is role


class LoginOutcome:
    OK = "ok"
    WRONG = "wrong"  # unknown user or wrong password: the page does not say which
    LOCKED = "locked"
    DISABLED = "disabled"


@dataclass(frozen=True)
class LoginResult:
    outcome: str
    staff: Staff | None = None
    locked_until: dt.datetime | None = None


# --- password hashes -------------------------------------------------------------------


def hash_password(password: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=32
    )
    return "$".join(("scrypt", str(n), str(r), str(p), _b64(salt), _b64(digest)))


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = _unb64(digest)
        actual = hashlib.scrypt(
            password.encode("utf-8"),
            salt=_unb64(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=_MAXMEM,
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


@functools.cache
def _dummy_hash() -> str:
    """Compared against when the user name is unknown, so that case costs a full scrypt too."""
    return hash_password(secrets.token_urlsafe(16))


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(
            "password_short", f"the password needs at least {MIN_PASSWORD} characters"
        )
    if len(password) > MAX_PASSWORD:
        raise AccountError(
            "password_long", f"the password may have at most {MAX_PASSWORD} characters"
        )


def normalize_username(username: str) -> str:
    return username.strip().lower()


# --- accounts --------------------------------------------------------------------------


def create_user(
    db: Database, username: str, password: str, role: StaffRole | str, display_name: str = ""
) -> int:
    username = normalize_username(username)
    if not _USERNAME.match(username):
        raise AccountError("username_invalid", "a user name is 2-64 of a-z, 0-9, '.', '_' or '-'")
    try:
        role = StaffRole(role)
    except ValueError:
        raise AccountError("role_invalid", f"role must be one of {', '.join(StaffRole)}") from None
    check_password_rules(password)
    password_hash = hash_password(password)
    with db.write() as session:
        if session.scalar(select(StaffUser.id).where(StaffUser.username == username)):
            raise AccountError("username_taken", f"user {username!r} exists already")
        user = StaffUser(
            username=username,
            display_name=display_name.strip()[:200],
            role=str(role),
            password_hash=password_hash,
            failed_logins=0,
            created_at=utcnow(),
        )
        session.add(user)
        session.flush()
        return user.id


def set_password(db: Database, username: str, password: str) -> None:
    check_password_rules(password)
    password_hash = hash_password(password)
    with db.write() as session:
        user = _user(session, username)
        user.password_hash = password_hash
        user.failed_logins = 0
        user.locked_until = None
        _end_sessions(session, user.id)


def set_disabled(db: Database, username: str, disabled: bool) -> None:
    """Disable (and log out everywhere) or enable an account."""
    with db.write() as session:
        user = _user(session, username)
        user.disabled_at = utcnow() if disabled else None
        if disabled:
            _end_sessions(session, user.id)


def unlock(db: Database, username: str) -> None:
    with db.write() as session:
        user = _user(session, username)
        user.failed_logins = 0
        user.locked_until = None


def list_users(db: Database) -> list[StaffUser]:
    with db.read() as session:
        return list(session.scalars(select(StaffUser).order_by(StaffUser.username)))


def _user(session: Session, username: str) -> StaffUser:
    user = session.scalar(
        select(StaffUser).where(StaffUser.username == normalize_username(username))
    )
    if user is None:
        raise AccountError("unknown_user", f"no user {username!r}")
    return user


def _end_sessions(session: Session, user_id: int) -> None:
    session.execute(
        update(StaffSession)
        .where(StaffSession.user_id == user_id, StaffSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def staff_of(user: StaffUser) -> Staff:
    return Staff(user.id, user.username, user.display_name, StaffRole(user.role))


# --- logging in ------------------------------------------------------------------------


def check_login(
    db: Database, username: str, password: str, now: dt.datetime | None = None
) -> LoginResult:
    """Check a log-in attempt and count it: a failure towards lockout, a success resets."""
    now = now or utcnow()
    username = normalize_username(username)[:64]
    password = password[:MAX_PASSWORD]
    with db.read() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.username == username))
    if user is None:
        verify_password(password, _dummy_hash())
        return LoginResult(LoginOutcome.WRONG)
    if user.locked_until is not None and user.locked_until > now:
        # Not even checked: a locked account gives no password oracle.
        return LoginResult(LoginOutcome.LOCKED, locked_until=user.locked_until)
    correct = verify_password(password, user.password_hash)
    with db.write() as session:
        row = session.scalars(
            select(StaffUser).where(StaffUser.id == user.id).with_for_update()
        ).one()
        if correct:
            row.failed_logins = 0
            row.locked_until = None
            if row.disabled_at is not None:
                return LoginResult(LoginOutcome.DISABLED)
            return LoginResult(LoginOutcome.OK, staff_of(row))
        row.failed_logins += 1
        if row.failed_logins >= MAX_FAILURES:
            row.failed_logins = 0
            row.locked_until = now + LOCKOUT
            return LoginResult(LoginOutcome.LOCKED, locked_until=row.locked_until)
    return LoginResult(LoginOutcome.WRONG)
