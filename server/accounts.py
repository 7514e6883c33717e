"""Staff accounts: slow password hashes, log-in with throttling, roles.

Passwords are hashed with scrypt (stdlib) and a per-user random salt; the
parameters are stored with the hash so they can be raised later without
locking anyone out.

A log-in attempt costs a 32 MiB scrypt run, so what an anonymous visitor can
make the server hash is bounded before any hashing (``begin_login``):

- per address: at most ``ADDRESS_LIMIT`` attempts in ``WINDOW``, counted
  atomically before the hash (server/ratelimits.py), cleared by a success;
- per account name, known or not (so the answer never tells which exist):
  once ``ACCOUNT_LIMIT`` failures in ``WINDOW`` were made against it, only an
  address that has not been failing may try. A stranger guessing from a few
  addresses therefore cannot lock staff out: a member of staff at their own
  desk still logs in with the right password;
- and the web layer runs the hashes themselves in a small bounded pool
  (server/web/hashing.py), so parallel attempts queue, or are turned away,
  instead of each taking 32 MiB at once.

An unknown user name costs the same scrypt run as a known one, and is counted
and throttled the same way, so neither time nor answer tells which names exist.
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
from server.ratelimits import Limit, forget, hit, peek

# scrypt cost: n=2**15, r=8 takes ~50-100 ms and 32 MiB per attempt on a server core.
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
_MAXMEM = 64 * 1024 * 1024
MIN_PASSWORD = 10
MAX_PASSWORD = 256
WINDOW = dt.timedelta(minutes=15)
# Attempts one address may make per window (a success clears its count).
ADDRESS_LIMIT = 10
# Failures against one account name after which only clean addresses may try.
ACCOUNT_LIMIT = 10
_BY_ADDRESS = Limit("login-address", ADDRESS_LIMIT, WINDOW)
_BY_ACCOUNT = Limit("login-account", ACCOUNT_LIMIT, WINDOW)
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
    # Not checked: this address made too many attempts, or the account is under
    # attack and this address has been failing. Known or not, the same answer.
    THROTTLED = "throttled"
    DISABLED = "disabled"


@dataclass(frozen=True)
class LoginResult:
    outcome: str
    staff: Staff | None = None
    retry_after_s: int | None = None


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
    """Forget the failures counted against an account (an admin's decision)."""
    with db.write() as session:
        user = _user(session, username)
        user.failed_logins = 0
        user.locked_until = None
    forget(db, _BY_ACCOUNT, user.username)


def clear_address(db: Database, address: str) -> None:
    """Let an address that was throttled try again at once (an admin's decision)."""
    forget(db, _BY_ADDRESS, address)


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


def begin_login(
    db: Database, username: str, address: str, now: dt.datetime | None = None
) -> LoginResult | None:
    """Count an attempt from ``address`` and say whether it may be checked at all.

    None: go on and check the password (``finish_login``). A result: refused
    without hashing anything. Cheap: two indexed statements, no scrypt.
    """
    now = now or utcnow()
    username = normalize_username(username)[:64]
    from_address = hit(db, _BY_ADDRESS, address, now)
    if from_address.attempts > ADDRESS_LIMIT:
        return LoginResult(LoginOutcome.THROTTLED, retry_after_s=from_address.retry_after_s(now))
    # This attempt is counted already: an address that has not been failing has just 1.
    clean_address = from_address.attempts == 1
    if not clean_address and peek(db, _BY_ACCOUNT, username, now) >= ACCOUNT_LIMIT:
        return LoginResult(LoginOutcome.THROTTLED, retry_after_s=int(WINDOW.total_seconds()))
    return None


def finish_login(
    db: Database, username: str, password: str, address: str, now: dt.datetime | None = None
) -> LoginResult:
    """Check the password (one scrypt run, known user or not) and count the outcome."""
    now = now or utcnow()
    username = normalize_username(username)[:64]
    password = password[:MAX_PASSWORD]
    with db.read() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.username == username))
    correct = verify_password(password, user.password_hash if user else _dummy_hash())
    if user is None or not correct:
        hit(db, _BY_ACCOUNT, username, now)
        return LoginResult(LoginOutcome.WRONG)
    forget(db, _BY_ADDRESS, address)
    if user.disabled_at is not None:
        return LoginResult(LoginOutcome.DISABLED)
    return LoginResult(LoginOutcome.OK, staff_of(user))


def check_login(
    db: Database,
    username: str,
    password: str,
    now: dt.datetime | None = None,
    *,
    address: str = "local",
) -> LoginResult:
    """``begin_login`` then, unless refused, ``finish_login`` (for callers without a pool)."""
    refused = begin_login(db, username, address, now)
    return refused or finish_login(db, username, password, address, now)
