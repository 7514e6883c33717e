"""Enrolment: a one-time code from staff turns a kiosk into a known device.

Codes use the receipt-code alphabet (no 0/O, 1/I/L) and end in a check
character, so a mistyped code is told apart from a wrong one before it counts
against the guessing limit. They are stored hashed and expire.
"""

from __future__ import annotations

import binascii
import datetime as dt
import hashlib
import secrets
import uuid
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from core.receipts import ALPHABET, check_character, is_valid_code, normalize_code
from core.sealing import unb64
from core.succession import verify_succession
from server.auth import hash_token, new_token
from server.changes import record_change
from server.db import Database
from server.keys import ServerKeys
from server.models import Device, EnrollmentCode, Entity, SigningKey, utcnow
from server.ratelimits import Limit, forget, hit
from sync.protocol import EnrollRequest, EnrollResponse

CODE_BODY_LENGTH = 11
CODE_LENGTH = CODE_BODY_LENGTH + 1
DEFAULT_CODE_TTL = dt.timedelta(hours=24)
# At most this many attempts per client address within the window (a success
# clears its count); 31**11 possible codes make guessing hopeless at that pace.
# Counted atomically before the code is looked at (server/ratelimits.py), so a
# parallel burst of guesses cannot all slip under the limit.
MAX_FAILURES = 10
FAILURE_WINDOW = dt.timedelta(minutes=15)
_ATTEMPTS = Limit("enrol-address", MAX_FAILURES, FAILURE_WINDOW)


class EnrolmentRefused(Exception):
    """The kiosk may not enrol with what it sent; ``code`` says why."""

    def __init__(self, code: str, message: str, retry_after_s: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry_after_s = retry_after_s


def new_enrollment_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(CODE_BODY_LENGTH))
    return format_enrollment_code(body + check_character(body))


def format_enrollment_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def _code_hash(code: str) -> str:
    return hashlib.sha256(normalize_code(code).encode("ascii")).hexdigest()


def create_enrollment_code(
    db: Database, office: str, ttl: dt.timedelta = DEFAULT_CODE_TTL, now: dt.datetime | None = None
) -> str:
    office = office.strip()
    if not office:
        raise ValueError("an enrolment code needs an office name")
    if ttl <= dt.timedelta(0):
        raise ValueError("an enrolment code must stay valid for some time")
    now = now or utcnow()
    code = new_enrollment_code()
    with db.write() as session:
        session.add(
            EnrollmentCode(
                code_hash=_code_hash(code), office=office, created_at=now, expires_at=now + ttl
            )
        )
    return code


def enroll(
    db: Database,
    keys: ServerKeys,
    request: EnrollRequest,
    client: str,
    now: dt.datetime | None = None,
) -> EnrollResponse:
    """Use up the code and register the device and its signing key, or refuse."""
    now = now or utcnow()
    attempts = hit(db, _ATTEMPTS, client, now)
    if attempts.attempts > MAX_FAILURES:
        raise EnrolmentRefused(
            "rate_limited",
            "too many failed enrolment attempts; wait and try again",
            retry_after_s=attempts.retry_after_s(now),
        )
    public_key = _signing_public_key(request.public_key)
    code = normalize_code(request.enrollment_code)
    if len(code) != CODE_LENGTH or not is_valid_code(code, CODE_LENGTH):
        raise EnrolmentRefused("invalid_enrollment_code", "this is not an enrolment code")
    device_id = str(uuid.uuid4())
    with db.write() as session:
        office = _use_code(session, code, device_id, now)
        if office is not None:
            answer = _register(session, keys, request, device_id, office, public_key, now)
        else:
            answer = None
            reason = _why_unusable(session, code, now)
    if answer is None:
        raise EnrolmentRefused(*reason)
    # An office enrolling its kiosks one after another from one address is not guessing.
    forget(db, _ATTEMPTS, client)
    return answer


def _register(
    session: Session,
    keys: ServerKeys,
    request: EnrollRequest,
    device_id: str,
    office: str,
    public_key: str,
    now: dt.datetime,
) -> EnrollResponse:
    if session.scalar(select(SigningKey.id).where(SigningKey.public_key == public_key)):
        raise EnrolmentRefused("public_key_in_use", "this signing key belongs to another kiosk")
    lineage = _lineage(session, request, public_key) or device_id
    key = SigningKey(public_key=public_key, device_id=device_id, created_at=now)
    session.add(key)
    session.flush()
    token = new_token()
    session.add(
        Device(
            id=device_id,
            name=request.name.strip(),
            office=office,
            token_hash=hash_token(token),
            signing_key_id=key.id,
            lineage=lineage,
            app_version=request.app_version,
            enrolled_at=now,
        )
    )
    record_change(session, Entity.SIGNING_KEY, key.id)
    return EnrollResponse(
        device_id=device_id,
        token=token,
        office=office,
        server_public_key=keys.sealing_public_key,
        signing_key_id=key.id,
        server_time=utcnow(),
    )


def _lineage(session: Session, request: EnrollRequest, public_key: str) -> str | None:
    """The kiosk store a re-enrolling kiosk proved it is (core.succession), if it said so."""
    claim = request.predecessor
    if claim is None:
        return None
    former = session.get(Device, claim.device_id)
    if former is None:
        return None  # enrolled with another server before: a lineage starts here
    key = session.get(SigningKey, former.signing_key_id)
    try:
        signature = unb64(claim.signature)
        proved = key is not None and verify_succession(
            unb64(key.public_key), claim.device_id, public_key, signature
        )
    except (binascii.Error, ValueError):
        proved = False
    if not proved:
        raise EnrolmentRefused(
            "invalid_predecessor", "the proof of the former enrolment does not verify"
        )
    return former.lineage or former.id


def _use_code(session: Session, code: str, device_id: str, now: dt.datetime) -> str | None:
    """Mark the code used if it is live; its office, or None. Atomic against a second use."""
    code_hash = _code_hash(code)
    result = session.execute(
        update(EnrollmentCode)
        .where(
            EnrollmentCode.code_hash == code_hash,
            EnrollmentCode.used_at.is_(None),
            EnrollmentCode.expires_at > now,
        )
        .values(used_at=now, device_id=device_id)
    )
    if not cast(CursorResult[Any], result).rowcount:
        return None
    return session.scalars(
        select(EnrollmentCode.office).where(EnrollmentCode.code_hash == code_hash)
    ).one()


def _why_unusable(session: Session, code: str, now: dt.datetime) -> tuple[str, str]:
    row = session.get(EnrollmentCode, _code_hash(code))
    if row is None:
        return "invalid_enrollment_code", "no such enrolment code"
    if row.used_at is not None:
        return "enrollment_code_used", "this enrolment code has already been used"
    return "enrollment_code_expired", "this enrolment code has expired; ask for a new one"


def _signing_public_key(text: str) -> str:
    try:
        raw = unb64(text)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise EnrolmentRefused(
            "invalid_public_key", "public_key must be a base64 Ed25519 public key (32 bytes)"
        )
    return text
