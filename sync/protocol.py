"""Sync protocol v1: the one definition of what kiosk and central server exchange.

The payload of each mutation type is defined in ``core.payloads`` (the kiosk
builds them, the server validates them); this module holds the envelope around
them, the pulled reference data and the limits both sides must agree on.
Every model ignores nothing silently: unknown fields are refused, so a typo on
one side shows up as an error instead of as lost data.
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from core.payloads import (
    PAYLOAD_MODELS,
    SEALED_MODELS,
    CheckinPayload,
    ComplaintPayload,
    ComplaintSealed,
    MutationType,
    ProposalPayload,
    ProposalSealed,
    SignupPayload,
    SignupSealed,
)

__all__ = [
    "DEFAULT_PULL_LIMIT",
    "MAX_BATCH",
    "MAX_PULL_LIMIT",
    "MAX_PUSH_BYTES",
    "MAX_SEQ",
    "PATH_ENROLL",
    "PATH_HEALTH",
    "PATH_PULL",
    "PATH_PUSH",
    "PAYLOAD_MODELS",
    "PENDING_HEADER",
    "PRINTER_HEADER",
    "PROTOCOL_VERSION",
    "SEALED_MODELS",
    "CategoryChange",
    "Changes",
    "CheckinChange",
    "CheckinPayload",
    "ComplaintPayload",
    "ComplaintSealed",
    "EnrollRequest",
    "EnrollResponse",
    "ErrorBody",
    "ErrorResponse",
    "EventChange",
    "HealthResponse",
    "Mutation",
    "MutationResult",
    "MutationStatus",
    "MutationType",
    "ProposalPayload",
    "ProposalSealed",
    "PullResponse",
    "PushRequest",
    "PushResponse",
    "RegistrationChange",
    "ResultCode",
    "RevokedTicketChange",
    "SigningKeyChange",
    "SignupPayload",
    "SignupSealed",
    "Succession",
]

PROTOCOL_VERSION: Final = 1
# A kiosk sends at most this many mutations per push...
MAX_BATCH: Final = 100
# ...and at most this many bytes of request body. A batch of MAX_BATCH text-only
# payloads (40,000 characters sealed at most) fits; complaints with photos (up
# to ~535,000 characters sealed each) do not, so the engine sends fewer per push
# by size (sync.engine), and a single one is always far below the limit.
MAX_PUSH_BYTES: Final = 5 * 1024 * 1024
# Sequence numbers are BIGINT on the server: one beyond it is refused, not an overflow.
MAX_SEQ: Final = 2**63
# The page a kiosk asks for. At 2,000 kiosks a 60 s round carries ~1,300 changes
# (the city's events are served to every office): at 200 a page that was seven
# requests, each paying the token, the stamping check and the log head again.
DEFAULT_PULL_LIMIT: Final = 1000
MAX_PULL_LIMIT: Final = 1000

# Header names and paths, so both sides spell them once.
PATH_ENROLL: Final = "/v1/devices/enroll"
PATH_PUSH: Final = "/v1/sync/push"
PATH_PULL: Final = "/v1/sync/pull"
PATH_HEALTH: Final = "/v1/health"
# Online only, with a short timeout: a sign-up claims its place from the server;
# the free places right now; cancelling by receipt code; a case by receipt code.
PATH_SIGNUP: Final = "/v1/signups"
PATH_CANCEL: Final = "/v1/signups/cancel"
PATH_AVAILABILITY: Final = "/v1/events/availability"
PATH_CASE: Final = "/v1/cases/{code}"
PATH_ASK_AGAIN: Final = "/v1/cases/{code}/ask-again"
# A receipt code in a path, as a person may have typed it (core.receipts.normalize_code
# drops spaces and hyphens and upper-cases): what the schema says the server takes.
CASE_CODE_PATTERN: Final = r"^[2-9A-HJKMNP-Za-hjkmnp-z \-]{8,16}$"
# Optional on a push: how many records wait in the kiosk's outbox (shown to staff).
PENDING_HEADER: Final = "X-Civic-Pending"
# Optional on a push or a pull: the kiosk's slip printer state (core.printers.PrinterState,
# e.g. "paper_out"); nothing personal. A header, not a body field, so servers that do not
# know it ignore it and kiosks that do not send it change nothing.
PRINTER_HEADER: Final = "X-Civic-Printer"


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- enrolment -------------------------------------------------------------------------


class Succession(_Wire):
    """A re-enrolling kiosk's proof that it held ``device_id``'s signing key (core.succession)."""

    device_id: str = Field(min_length=1, max_length=64)
    # Ed25519 signature by the former key, base64 of 64 raw bytes.
    signature: str = Field(min_length=88, max_length=88)


class EnrollRequest(_Wire):
    enrollment_code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    # The kiosk's Ed25519 ticket-signing public key, base64 of 32 raw bytes. The
    # schema states that shape; anything else is refused as ``invalid_public_key``.
    public_key: str = Field(
        min_length=1,
        max_length=100,
        json_schema_extra={"minLength": 44, "maxLength": 44, "pattern": "^[A-Za-z0-9+/]{43}=$"},
    )
    app_version: str = Field(default="", max_length=64)
    # Sent by a kiosk enrolled before: it keeps the ids it queued (server lineage).
    predecessor: Succession | None = None


class EnrollResponse(_Wire):
    device_id: str
    token: str
    office: str
    # X25519 key the kiosk seals personal data to (base64 of 32 raw bytes).
    server_public_key: str
    # The id under which the kiosk's signing key is known; it goes into its tickets.
    signing_key_id: int
    server_time: dt.datetime
    # Where citizens reach the status pages (core.receipts.status_url); "" when the
    # server has none configured: the kiosk then uses the address it talks to.
    public_url: str = ""


# --- push ------------------------------------------------------------------------------


class Mutation(_Wire):
    id: uuid.UUID
    seq: int = Field(ge=0, lt=MAX_SEQ)
    type: MutationType
    occurred_at: dt.datetime
    # Validated by the server against core.payloads.PAYLOAD_MODELS[type], one
    # mutation at a time, so one bad payload never fails the whole batch.
    payload: dict[str, Any]


class PushRequest(_Wire):
    # PROTOCOL_VERSION; the schema says so, and any other integer is answered 426.
    protocol: int = Field(json_schema_extra={"enum": [PROTOCOL_VERSION]})
    device_id: str = Field(min_length=1, max_length=64)
    app_version: str = Field(default="", max_length=64)
    mutations: list[Mutation] = Field(max_length=MAX_BATCH)


class MutationStatus(StrEnum):
    APPLIED = "applied"
    # Already stored with exactly this payload: success, the kiosk may mark it sent.
    DUPLICATE = "duplicate"
    # Will never be applied as sent; kept on the server, shown to staff on the kiosk.
    REJECTED = "rejected"


class ResultCode(StrEnum):
    """Why a result is what it is; empty for a plain ``applied`` or ``duplicate``."""

    OK = ""
    # applied, with something the kiosk should show or update:
    WAITLISTED = "waitlisted"  # a sign-up beyond the device's offline block
    DUPLICATE_ADMISSION = "duplicate_admission"  # a ticket admitted before
    REVOKED_TICKET = "revoked_ticket"  # admitted, but the ticket was revoked
    # admitted, but no sign-up holds this ticket (yet): forged with a kiosk's key,
    # or its sign-up has not arrived; the flag clears when it does
    NO_SIGNUP = "no_signup"
    # admitted, but the ticket's key was revoked before the server had its sign-up
    REVOKED_KEY = "revoked_key"
    # a sign-up whose ticket this kiosk signed under the key it held before it
    # was re-enrolled (the signature proves it); kept, and said so:
    FORMER_SIGNING_KEY = "former_signing_key"
    # a time the kiosk reported (created_at, occurred_at, scanned_at) was
    # implausible and the server's receipt time was stored instead; the
    # message names the field and its raw value:
    TIME_REPLACED = "time_replaced"
    # a second sign-up of one phone for one event: the first stands; the message
    # names its receipt code, and a ticket printed for this one is revoked:
    ALREADY_SIGNED_UP = "already_signed_up"
    # rejected:
    CONFLICT = "conflict"  # same id, different payload
    INVALID_MUTATION = "invalid_mutation"  # the envelope (type, seq, time) is wrong
    INVALID_PAYLOAD = "invalid_payload"  # the payload or its sealed fields are wrong
    UNSEALABLE = "unsealable"  # the sealed part cannot be opened with the server key
    UNKNOWN_EVENT = "unknown_event"
    WRONG_SIGNING_KEY = "wrong_signing_key"  # a ticket under a key not this device's
    TICKET_CONFLICT = "ticket_conflict"  # another sign-up holds this ticket number
    UNKNOWN_CHECKIN = "unknown_checkin"  # an undo of an admission this device never logged
    INTERNAL_ERROR = "internal_error"  # a server bug; the mutation is kept for staff


class MutationResult(_Wire):
    id: uuid.UUID
    status: MutationStatus
    code: str = ""
    message: str = ""


class PushResponse(_Wire):
    results: list[MutationResult]
    server_time: dt.datetime


# --- pull ------------------------------------------------------------------------------
# A change with ``deleted: true`` is a tombstone: only its key is meaningful.


class CategoryChange(_Wire):
    code: str
    deleted: bool = False
    name_ko: str = ""
    name_en: str = ""
    icon: str = ""
    sort_order: int = 0
    active: bool = True


class EventChange(_Wire):
    id: int
    deleted: bool = False
    title_ko: str = ""
    title_en: str = ""
    place_ko: str = ""
    place_en: str = ""
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    capacity: int = 0
    # Places confirmed outside the pulling device's own block (other kiosks,
    # online sign-ups): seats left = min(capacity - taken - mine, offline_block - mine).
    taken: int = 0
    # Places the pulling device may confirm while offline.
    offline_block: int = 0
    cancelled: bool = False


class RegistrationChange(_Wire):
    """A sign-up the pulling device may check in: what verification needs, nothing to replay.

    No personal data but a masked name, and never the ticket text or the receipt
    code: either could be shown at a door or on the status page in the holder's
    place. ``ticket``/``receipt_code`` stay in the schema for older kiosks and are
    always empty (see core.tickets for the digests).
    """

    id: uuid.UUID
    deleted: bool = False
    event_id: int = 0
    status: Literal["confirmed", "waitlisted", "cancelled"] = "confirmed"
    receipt_code: str = ""
    key_id: int | None = None
    number: int | None = None
    ticket: str = ""
    masked_name: str = ""
    # The ticket's 16-byte payload as hex (valid days, type): no signature.
    ticket_payload: str = ""
    # core.tickets.ticket_digest of the ticket: a scanned ticket must match it.
    ticket_digest: str = ""
    # core.tickets.manual_code_digest of the printed code, for look-up by typed code.
    manual_code_digest: str = ""
    # When the server received the sign-up: tickets of a key revoked later stay good.
    received_at: dt.datetime | None = None


class SigningKeyChange(_Wire):
    key_id: int
    # Ed25519 public key, base64 of 32 raw bytes.
    public_key: str
    revoked: bool = False
    # Since when: a ticket under this key is still good if the server received
    # its sign-up before then (a stolen kiosk's key signs nothing new that counts).
    revoked_at: dt.datetime | None = None


class RevokedTicketChange(_Wire):
    key_id: int
    event_id: int
    number: int


class CheckinChange(_Wire):
    """An admission logged on the server, for an event the pulling device may check in.

    The id is the ``checkin.create`` mutation's, so a kiosk recognises the echo
    of its own. ``flagged`` marks a second admission of the ticket (or one of a
    revoked ticket); ``undone`` an admission its kiosk took back.
    """

    id: uuid.UUID
    deleted: bool = False
    event_id: int = 0
    key_id: int = 0
    number: int = 0
    device_id: str = ""
    # The admitting kiosk as staff name it, for "already checked in at 10:02 (kiosk X)".
    device_name: str = ""
    device_office: str = ""
    scanned_at: dt.datetime | None = None
    # When the server logged it.
    server_time: dt.datetime | None = None
    flagged: bool = False
    flag_reason: str = ""
    undone: bool = False


class Changes(_Wire):
    categories: list[CategoryChange] = Field(default_factory=list)
    events: list[EventChange] = Field(default_factory=list)
    registrations: list[RegistrationChange] = Field(default_factory=list)
    signing_keys: list[SigningKeyChange] = Field(default_factory=list)
    revoked_tickets: list[RevokedTicketChange] = Field(default_factory=list)
    # The check-in log of events the device may check in (after the registrations
    # in a snapshot). Kiosks built before this field refuse pages carrying it.
    checkins: list[CheckinChange] = Field(default_factory=list)


class PullResponse(_Wire):
    changes: Changes
    # Opaque: send it back as ``cursor`` on the next pull, after applying this page.
    cursor: str
    has_more: bool
    # Drop the pulled reference data and reload it from this page on.
    reset: bool
    server_time: dt.datetime


# --- online calls (a kiosk that is connected asks instead of guessing) -------------------


class SignupRequest(_Wire):
    """A sign-up made while the server answers: it claims its place here and now.

    ``payload`` is the ``signup.create`` payload without a ticket (the server
    issues one for a confirmed place). ``id`` is the registration's id: should
    the answer be lost, the kiosk queues the same id as an offline sign-up and
    the server joins the two (it never counts one citizen twice).
    """

    # PROTOCOL_VERSION, as in a push; any other integer is answered 426.
    protocol: int = Field(json_schema_extra={"enum": [PROTOCOL_VERSION]})
    device_id: str = Field(min_length=1, max_length=64)
    id: uuid.UUID
    occurred_at: dt.datetime
    # The citizen accepted the waiting list if no place is left.
    accept_waitlist: bool = False
    payload: dict[str, Any]


class SignupAnswer(_Wire):
    id: uuid.UUID
    # "full": nothing was stored (the citizen did not accept the waiting list).
    # "already_signed_up": this phone holds a sign-up for the event; its receipt code.
    status: Literal["confirmed", "waitlisted", "full", "already_signed_up"]
    receipt_code: str = ""
    key_id: int | None = None
    number: int | None = None
    ticket: str = ""
    manual_code: str = ""
    server_time: dt.datetime


class Availability(_Wire):
    event_id: int
    # Places a sign-up from this kiosk would get now (free places plus its own block).
    seats_left: int
    waiting: int = 0


class AvailabilityResponse(_Wire):
    events: list[Availability]
    server_time: dt.datetime


class CancelRequest(_Wire):
    receipt_code: str = Field(min_length=8, max_length=16)


class CaseStep(_Wire):
    status: str
    at: dt.datetime
    note: str = ""


class CaseView(_Wire):
    """What a receipt code shows: the same as the public status page, nothing personal."""

    kind: Literal["complaint", "suggestion", "proposal", "signup"]
    status: str
    title_ko: str = ""
    title_en: str = ""
    answer: str = ""
    received_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    history: list[CaseStep] = Field(default_factory=list)
    # For a sign-up: the event and, for a confirmed place, its entry code.
    starts_at: dt.datetime | None = None
    place_ko: str = ""
    place_en: str = ""
    manual_code: str = ""
    can_cancel: bool = False
    can_ask_again: bool = False


class CaseResponse(_Wire):
    receipt_code: str
    found: list[CaseView]
    server_time: dt.datetime


# --- errors and health -----------------------------------------------------------------


class ErrorBody(_Wire):
    code: str
    message: str
    # Set on 413: the limits the request went over.
    max_mutations: int | None = None
    max_bytes: int | None = None


class ErrorResponse(_Wire):
    error: ErrorBody
    server_time: dt.datetime


class HealthResponse(_Wire):
    status: Literal["ok", "degraded"]
    # "read_only": reachable, but the server cannot store pushes now.
    database: Literal["ok", "read_only", "unavailable"]
    protocol: int = PROTOCOL_VERSION
    server_time: dt.datetime
