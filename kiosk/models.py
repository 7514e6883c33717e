"""The kiosk's local tables (SQLAlchemy 2 typed ORM).

Personal data never lands in these tables in plaintext: a citizen's name,
contact and free text travel only inside the sealed outbox payload. What stays
readable is what the screen needs afterwards (receipt code, kind, category,
status) and what check-in needs (ticket identity, a masked name).
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
from typing import Any

from nacl.signing import SigningKey as Ed25519Key
from sqlalchemy import (
    Boolean,
    Connection,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    event,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Mapper, QueryContext, mapped_column
from sqlalchemy.orm.attributes import flag_modified

from core.clock import utcnow
from core.columns import UTCDateTime, str_enum
from core.ids import new_id
from core.kinds import RegistrationStatus, SubmissionKind
from kiosk.device_secrets import for_pool


class Base(DeclarativeBase):
    pass


class DeliveryStatus(enum.StrEnum):
    """What the citizen's record is doing, as staff and the receipt lookup see it."""

    QUEUED = "queued"
    SENT = "sent"
    NEEDS_ATTENTION = "needs_attention"


class MutationState(enum.StrEnum):
    PENDING = "pending"
    # Set and committed before a request leaves, so a crash mid-send is retried,
    # never mistaken for a delivery.
    IN_FLIGHT = "in_flight"
    SENT = "sent"
    REJECTED = "rejected"


class Category(Base):
    __tablename__ = "categories"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_ko: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    icon: Mapped[str] = mapped_column(String(64), default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    title_ko: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    place_ko: Mapped[str] = mapped_column(String(300), default="")
    place_en: Mapped[str] = mapped_column(String(300), default="")
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    capacity: Mapped[int] = mapped_column(Integer)
    # Places taken outside this kiosk (other kiosks, online sign-ups) at the last pull.
    taken_remote: Mapped[int] = mapped_column(Integer, default=0)
    # The block of places this kiosk may confirm while offline.
    offline_block: Mapped[int] = mapped_column(Integer, default=0)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)


class Registration(Base):
    """An event sign-up: made here (with an outbox mutation) or pulled for check-in."""

    __tablename__ = "registrations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    status: Mapped[RegistrationStatus] = mapped_column(str_enum(RegistrationStatus))
    # The citizen's receipt code: sign-ups made here only. A pulled one has none
    # (it would open another citizen's status page).
    receipt_code: Mapped[str | None] = mapped_column(String(8), unique=True, nullable=True)
    # Ticket identity (key id, number) for tickets; empty for the waiting list.
    key_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The ticket text: sign-ups made here only (the kiosk printed it). A pulled
    # one has its payload and digest instead (core.tickets): nothing to replay.
    ticket: Mapped[str] = mapped_column(String(200), default="")
    ticket_payload: Mapped[str] = mapped_column(String(32), server_default="", default="")
    ticket_digest: Mapped[str] = mapped_column(String(64), server_default="", default="")
    # The printed code (made here), or core.tickets.manual_code_digest (pulled).
    manual_code: Mapped[str] = mapped_column(String(16), default="", index=True)
    masked_name: Mapped[str] = mapped_column(String(50), default="")
    local: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the server received it (pulled): a revoked key's tickets received
    # before its revocation stay good.
    received_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_registrations_ticket", "key_id", "event_id", "number"),)


class CheckIn(Base):
    """One scan that admitted someone: made here (``local``) or pulled from another kiosk.

    The id is the ``checkin.create`` mutation's id, so the server's echo of a
    local admission finds its row. Only what the server learns later changes
    in place: ``server_time``, ``flagged`` (a second admission of the ticket),
    ``undone`` (taken back at the door) and the issuing device's name.
    """

    __tablename__ = "checkins"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    event_id: Mapped[int] = mapped_column(Integer, index=True)
    key_id: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    device_id: Mapped[str] = mapped_column(String(64), default="")
    # The admitting kiosk's name and office, for "already checked in at HH:MM (kiosk X)";
    # empty until the server names it (a local admission is "this kiosk").
    device_name: Mapped[str] = mapped_column(String(200), default="")
    scanned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    server_time: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    # Why the server flagged it (duplicate_admission, revoked_ticket); for the staff screen.
    flag_reason: Mapped[str] = mapped_column(String(64), default="")
    undone: Mapped[bool] = mapped_column(Boolean, default=False)
    local: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (Index("ix_checkins_ticket", "key_id", "event_id", "number"),)


class Submission(Base):
    """A complaint, anonymous suggestion or proposal: only what the kiosk may keep."""

    __tablename__ = "submissions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    kind: Mapped[SubmissionKind] = mapped_column(str_enum(SubmissionKind))
    receipt_code: Mapped[str] = mapped_column(String(8), unique=True)
    category_code: Mapped[str] = mapped_column(String(64), default="")
    district: Mapped[str] = mapped_column(String(32), default="")
    # The 행정동 within the district (core.dongs code); not personal, like the district.
    dong: Mapped[str] = mapped_column(String(32), default="")
    consent_version: Mapped[str] = mapped_column(String(32), default="")
    status: Mapped[DeliveryStatus] = mapped_column(
        str_enum(DeliveryStatus), default=DeliveryStatus.QUEUED
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class OutboxMutation(Base):
    """A change waiting for the central server; its id is the idempotency key."""

    __tablename__ = "outbox"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    type: Mapped[str] = mapped_column(String(32))
    # Canonical JSON, exactly as it will be sent; personal parts are sealed inside.
    payload: Mapped[str | None] = mapped_column(Text, nullable=True)
    state: Mapped[MutationState] = mapped_column(
        str_enum(MutationState), default=MutationState.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    result_code: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_outbox_due", "state", "seq"),)


class SyncState(Base):
    """One row: where pulling stands and how the last exchange went."""

    __tablename__ = "sync_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    pull_cursor: Mapped[str] = mapped_column(String(200), default="")
    next_seq: Mapped[int] = mapped_column(Integer, default=1)
    last_success_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    clock_offset_s: Mapped[float] = mapped_column(default=0.0)
    status: Mapped[str] = mapped_column(String(32), default="")


class DeviceIdentity(Base):
    """One row once enrolled: who this kiosk is to the central server.

    ``token`` and ``signing_key`` are plain attributes, never columns: they are
    sealed into ``secrets`` when the row is written and opened when it is read
    (kiosk/device_secrets.py), so kiosk.db holds neither in the clear.
    """

    __tablename__ = "device_identity"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    device_id: Mapped[str] = mapped_column(String(64))
    # Where the token was kept before it was sealed; always "" once written again.
    legacy_token: Mapped[str] = mapped_column("token", String(200), default="")
    server_url: Mapped[str] = mapped_column(String(500))
    office: Mapped[str] = mapped_column(String(200), default="")
    # X25519 public key the server unseals with (base64).
    server_public_key: Mapped[str] = mapped_column(String(100))
    # Where the signing seed was kept before it was sealed; always b"" once written again.
    legacy_signing_key: Mapped[bytes] = mapped_column("signing_key", LargeBinary, default=b"")
    signing_key_id: Mapped[int] = mapped_column(Integer, default=0)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    enrolled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Token and signing seed, sealed with the store key (kiosk/device_secrets.py).
    secrets: Mapped[bytes] = mapped_column(LargeBinary, default=b"", server_default=text("x''"))
    # The public half of the signing key (base64): check-in needs no secret.
    signing_public_key: Mapped[str] = mapped_column(String(64), default="", server_default="")

    # The status pages' address the server gave at enrolment ("" from older servers).
    public_url: Mapped[str] = mapped_column(String(500), default="")

    @property
    def status_base(self) -> str:
        """Where receipt QRs point: the public address, else the server the kiosk talks to."""
        return self.public_url or self.server_url

    def __init__(self, *, token: str = "", signing_key: bytes = b"", **values: Any) -> None:
        super().__init__(**values)
        self.secrets = b""
        self.token = token
        self.signing_key = signing_key

    @property
    def token(self) -> str:
        """The bearer token (opened from ``secrets``)."""
        return str(self.__dict__.get("_plain_token", ""))

    @token.setter
    def token(self, value: str) -> None:
        self.__dict__["_plain_token"] = value
        flag_modified(self, "secrets")

    @property
    def signing_key(self) -> bytes:
        """The Ed25519 ticket-signing seed (opened from ``secrets``); b"" if none."""
        return bytes(self.__dict__.get("_plain_seed", b""))

    @signing_key.setter
    def signing_key(self, value: bytes) -> None:
        self.__dict__["_plain_seed"] = bytes(value)
        flag_modified(self, "secrets")


@event.listens_for(DeviceIdentity, "load")
def _open_secrets(identity: DeviceIdentity, context: QueryContext) -> None:
    if identity.secrets:
        token, seed = for_pool(context.session.get_bind().engine.pool).open(identity.secrets)
    else:
        # Written before secrets were sealed: the next write seals them
        # (kiosk/store.py does it at start-up). Empty for a row being merged.
        token = identity.__dict__.get("legacy_token") or ""
        seed = identity.__dict__.get("legacy_signing_key") or b""
    identity.__dict__["_plain_token"] = token
    identity.__dict__["_plain_seed"] = bytes(seed)


@event.listens_for(DeviceIdentity, "before_insert")
@event.listens_for(DeviceIdentity, "before_update")
def _seal_secrets(_mapper: Mapper[Any], connection: Connection, identity: DeviceIdentity) -> None:
    seed = identity.signing_key
    identity.secrets = for_pool(connection.engine.pool).seal(identity.token, seed)
    identity.legacy_token = ""
    identity.legacy_signing_key = b""
    identity.signing_public_key = (
        base64.b64encode(bytes(Ed25519Key(seed).verify_key)).decode("ascii")
        if len(seed) == 32
        else ""
    )


class SigningKey(Base):
    """A ticket-signing public key (a kiosk's or the server's), pulled for offline check-in."""

    __tablename__ = "signing_keys"

    key_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # Ed25519 public key, base64 of 32 raw bytes.
    public_key: Mapped[str] = mapped_column(String(100))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class RevokedTicket(Base):
    """A ticket staff revoked on the server: check-in refuses it even offline."""

    __tablename__ = "revoked_tickets"

    key_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    event_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class StaffPin(Base):
    """One row once a staff PIN is set: its salted scrypt hash and the lockout state.

    The failed-try count lives here rather than in memory, so restarting the
    kiosk (or making it crash) never buys anyone a fresh set of guesses.
    """

    __tablename__ = "staff_pin"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    salt: Mapped[bytes] = mapped_column(LargeBinary)
    pin_hash: Mapped[bytes] = mapped_column(LargeBinary)
    # The scrypt cost the hash was made with, so a later release can raise it.
    cost_n: Mapped[int] = mapped_column(Integer)
    cost_r: Mapped[int] = mapped_column(Integer)
    cost_p: Mapped[int] = mapped_column(Integer)
    failed_tries: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    set_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class EventTally(Base):
    """An event's check-in figures, kept by triggers (kiosk migration 0009), never recounted.

    The triggers on ``registrations`` and ``checkins`` change this row in the
    same transaction as the rows it counts, so the desk reads one row after
    each verdict whatever the size of the event; kiosk/attendance.py has the
    definitions (and the full recount they must always equal).
    """

    __tablename__ = "event_tallies"

    event_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    registered: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    checked_in: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    flagged: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class OutboxTally(Base):
    """How many outbox mutations are in each state, kept by triggers (kiosk migration 0009).

    "Waiting to send" is read after every submit and before every batch; a
    COUNT over the queue grew with it (33 ms at a million queued).
    """

    __tablename__ = "outbox_tallies"

    state: Mapped[str] = mapped_column(String(32), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
