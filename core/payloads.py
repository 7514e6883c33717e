"""What each outbox mutation carries: the payload half of sync protocol v1.

``sync/protocol.py`` imports these for the envelope, and the server validates
pushes against them, so kiosk and server agree on one definition. Each citizen
payload has a readable part (receipt code, kind, category: what staff and the
receipt lookup need) and a ``sealed`` part with everything personal.
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from core.dongs import DONG_CODE_MAX
from core.photos import SEALED_PHOTO_MAX
from core.validation import ADDRESS_MAX, DESCRIPTION_MAX, EMAIL_MAX, NAME_MAX, TITLE_MAX


class MutationType(StrEnum):
    COMPLAINT = "complaint.create"
    PROPOSAL = "proposal.create"
    SIGNUP = "signup.create"
    CHECKIN = "checkin.create"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


ReceiptCode = Field(min_length=8, max_length=8, pattern=r"^[2-9A-HJKMNP-Z]{8}$")
# Ids and ticket numbers are INTEGER columns on the server: one beyond is a refused
# payload, never a database error that would fail the whole push.
INT32_MAX = 2**31 - 1

# The language the citizen used at the kiosk: the server writes to them in it.
# Kiosks before it send none (read as Korean).
Language = Literal["ko", "en"]
# Fields added after the first kiosks shipped: left out of the JSON when not
# given, so a record without them reads exactly as older kiosks wrote it.
_LATER_FIELDS = ("dong", "photo", "language", "notify")


def payload_json(payload: BaseModel) -> dict[str, Any]:
    """A payload as stored and sent: the later optional fields only when given."""
    unset = {name for name in _LATER_FIELDS if getattr(payload, name, None) is None}
    return payload.model_dump(mode="json", exclude=unset)


class _Citizen(_Strict):
    """What every payload with a person behind it adds: their language and their wish to hear."""

    language: Language | None = None
    # Consent to be told by text message, KakaoTalk or e-mail how it goes
    # (the optional consent box); None from kiosks before it: no messages.
    notify: bool | None = None


class ComplaintPayload(_Citizen):
    """A formal complaint or, with ``anonymous``, a suggestion without contact."""

    receipt_code: str = ReceiptCode
    anonymous: bool
    category: str = Field(max_length=64)
    district: str = Field(default="", max_length=32)
    # The 행정동 code (core.dongs) within ``district``; kiosks before it send none.
    dong: str | None = Field(default=None, min_length=1, max_length=DONG_CODE_MAX)
    consent_version: str = Field(default="", max_length=32)
    created_at: dt.datetime
    sealed: str = Field(max_length=40_000)
    # An optional photo (core.photos), a JPEG sealed on its own (sealing.seal_bytes):
    # kept out of ``sealed`` so the text opens without it.
    photo: str | None = Field(default=None, min_length=1, max_length=SEALED_PHOTO_MAX)


def complaint_json(payload: ComplaintPayload) -> dict[str, Any]:
    """The payload as stored and sent: optional fields only when given, so a
    complaint without them reads exactly as older kiosks wrote it."""
    return payload.model_dump(mode="json", exclude_none=True)


class ComplaintSealed(_Strict):
    description: str = Field(min_length=1, max_length=DESCRIPTION_MAX)
    address: str = Field(default="", max_length=ADDRESS_MAX)
    name: str = Field(default="", max_length=NAME_MAX)
    phone: str = Field(default="", max_length=20)
    email: str = Field(default="", max_length=EMAIL_MAX)
    # Separate, optional consent: may the city forward contact details to the
    # department that handles the case (Open311 forwarding, issue 8).
    share_contact: bool = False


class ProposalPayload(_Citizen):
    receipt_code: str = ReceiptCode
    area: str = Field(max_length=64)
    district: str = Field(default="", max_length=32)
    consent_version: str = Field(default="", max_length=32)
    created_at: dt.datetime
    sealed: str = Field(max_length=40_000)


class ProposalSealed(_Strict):
    title: str = Field(min_length=1, max_length=TITLE_MAX)
    description: str = Field(min_length=1, max_length=DESCRIPTION_MAX)
    name: str = Field(default="", max_length=NAME_MAX)
    phone: str = Field(default="", max_length=20)
    email: str = Field(default="", max_length=EMAIL_MAX)


class SignupPayload(_Citizen):
    receipt_code: str = ReceiptCode
    event_id: int = Field(ge=0, le=INT32_MAX)
    # What the kiosk told the citizen: a confirmed place (within this kiosk's
    # offline block) or the waiting list.
    status: Literal["confirmed", "waitlisted"]
    key_id: int | None = Field(default=None, ge=0, le=INT32_MAX)
    number: int | None = Field(default=None, ge=0, le=INT32_MAX)
    ticket: str = Field(default="", max_length=300)
    consent_version: str = Field(default="", max_length=32)
    created_at: dt.datetime
    sealed: str = Field(max_length=10_000)


class SignupSealed(_Strict):
    name: str = Field(min_length=1, max_length=NAME_MAX)
    phone: str = Field(min_length=9, max_length=20)


class CheckinPayload(_Strict):
    """An admission at the door, or (with ``undo_of``) taking one back.

    An undo names the admission's mutation id and repeats its ticket; its
    ``scanned_at`` is when staff undid it. Admissions leave ``undo_of`` out of
    the JSON altogether (``checkin_json``), so they read exactly as before.
    """

    event_id: int = Field(ge=0, le=INT32_MAX)
    key_id: int = Field(ge=0, le=INT32_MAX)
    number: int = Field(ge=0, le=INT32_MAX)
    scanned_at: dt.datetime
    source: Literal["scan", "manual"] = "scan"
    undo_of: uuid.UUID | None = None


def checkin_json(payload: CheckinPayload) -> dict[str, Any]:
    """The payload as stored and sent: ``undo_of`` only when there is one."""
    return payload.model_dump(mode="json", exclude_none=True)


PAYLOAD_MODELS: dict[MutationType, type[_Strict]] = {
    MutationType.COMPLAINT: ComplaintPayload,
    MutationType.PROPOSAL: ProposalPayload,
    MutationType.SIGNUP: SignupPayload,
    MutationType.CHECKIN: CheckinPayload,
}

SEALED_MODELS: dict[MutationType, type[_Strict]] = {
    MutationType.COMPLAINT: ComplaintSealed,
    MutationType.PROPOSAL: ProposalSealed,
    MutationType.SIGNUP: SignupSealed,
}
