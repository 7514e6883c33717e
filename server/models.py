"""The central server's tables (SQLAlchemy 2 typed ORM), for PostgreSQL and SQLite alike.

Unlike the kiosk, the server keeps personal data readable: it is the city's
system of record, and staff need names and contacts to handle a case. What
leaves it again towards kiosks (pull) carries no personal data but masked names.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite makes only an INTEGER PRIMARY KEY an auto-numbered rowid alias.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on both databases."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; the server stores UTC only")
        value = value.astimezone(dt.UTC)
        # SQLite has no time zones: store naive UTC, re-attach UTC when reading.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    pass


def table_of(model: type[Base]) -> Table:
    """A model's Core table, for statements built once and run many times."""
    return cast(Table, model.__table__)


class SubmissionKind(enum.StrEnum):
    COMPLAINT = "complaint"
    SUGGESTION = "suggestion"
    PROPOSAL = "proposal"


class RegistrationStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class Outcome(enum.StrEnum):
    APPLIED = "applied"
    REJECTED = "rejected"


class Entity(enum.StrEnum):
    """What a change-log row points at; pull reads the row's current state."""

    CATEGORY = "category"
    EVENT = "event"
    REGISTRATION = "registration"
    SIGNING_KEY = "signing_key"
    REVOKED_TICKET = "revoked_ticket"


# --- the server itself -----------------------------------------------------------------


class ServerIdentity(Base):
    """One row: the server's own keys, shared by every worker on this database."""

    __tablename__ = "server_identity"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    # Random per database: a pull cursor from another database is recognised as unknown.
    epoch: Mapped[str] = mapped_column(String(32))
    sealing_private_key: Mapped[bytes] = mapped_column(LargeBinary)
    sealing_public_key: Mapped[str] = mapped_column(String(64))
    signing_private_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SigningKey(Base):
    """An Ed25519 ticket-signing public key: id 1 is the server's, the rest are kiosks'."""

    __tablename__ = "signing_keys"

    id: Mapped[int] = mapped_column(Integer, Identity(start=2), primary_key=True)
    public_key: Mapped[str] = mapped_column(String(64), unique=True)
    device_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Device(Base):
    __tablename__ = "devices"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    office: Mapped[str] = mapped_column(String(200))
    # sha256 of the bearer token; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    signing_key_id: Mapped[int] = mapped_column(ForeignKey("signing_keys.id"))
    app_version: Mapped[str] = mapped_column(String(64), default="")
    enrolled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_push_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class EnrollmentCode(Base):
    __tablename__ = "enrollment_codes"

    # sha256 of the normalised code: a database dump does not give out live codes.
    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    office: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    device_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


class EnrollmentFailure(Base):
    """A refused enrolment attempt, counted per client to slow down guessing."""

    __tablename__ = "enrollment_failures"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    client: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_enrollment_failures_client_at", "client", "at"),)


# --- reference data (pulled by kiosks) -------------------------------------------------


class Category(Base):
    __tablename__ = "categories"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_ko: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    icon: Mapped[str] = mapped_column(String(64), default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title_ko: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    place_ko: Mapped[str] = mapped_column(String(300), default="")
    place_en: Mapped[str] = mapped_column(String(300), default="")
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    capacity: Mapped[int] = mapped_column(Integer)
    # Default block of places each kiosk may confirm offline (EventBlock overrides).
    offline_block: Mapped[int] = mapped_column(Integer, default=0)
    # The office whose kiosks check this event in; empty means every kiosk.
    office: Mapped[str] = mapped_column(String(200), default="")
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class EventBlock(Base):
    """A device's own offline block for an event, when it differs from the default."""

    __tablename__ = "event_blocks"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    places: Mapped[int] = mapped_column(Integer)


class RevokedTicket(Base):
    __tablename__ = "revoked_tickets"

    key_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    reason: Mapped[str] = mapped_column(String(64), default="")
    revoked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- what kiosks pushed ----------------------------------------------------------------


class MutationRecord(Base):
    """Every mutation id ever seen, applied or rejected: the permanent idempotency key."""

    __tablename__ = "mutations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(64), index=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    type: Mapped[str] = mapped_column(String(64))
    # sha256 of canonical JSON of {type, payload}: tells a resend from a conflict.
    payload_hash: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(64), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    occurred_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RejectedMutation(Base):
    """A mutation as received that was not applied; kept for staff, never thrown away."""

    __tablename__ = "rejected_mutations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    mutation_id: Mapped[str] = mapped_column(String(64), index=True)
    device_id: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(64), default="")
    # The mutation exactly as received (canonical JSON; personal parts still sealed).
    raw: Mapped[str] = mapped_column(Text)
    payload_hash: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    # A resend of the same rejected mutation is not stored twice.
    __table_args__ = (UniqueConstraint("mutation_id", "payload_hash"),)


class Submission(Base):
    """A complaint, anonymous suggestion or proposal with its unsealed fields."""

    __tablename__ = "submissions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    receipt_code: Mapped[str] = mapped_column(String(8), index=True)
    device_id: Mapped[str] = mapped_column(String(64))
    # The complaint category, or the policy area of a proposal.
    category: Mapped[str] = mapped_column(String(64), default="")
    district: Mapped[str] = mapped_column(String(32), default="")
    consent_version: Mapped[str] = mapped_column(String(32), default="")
    status: Mapped[str] = mapped_column(String(32), default="received")
    # What the kiosk sealed (description, contact, ...), as the sealed model dumps it.
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Registration(Base):
    __tablename__ = "registrations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    # Empty for a sign-up the server took itself.
    device_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    receipt_code: Mapped[str] = mapped_column(String(8), index=True)
    status: Mapped[str] = mapped_column(String(16))
    # What the kiosk told the citizen; differs from status when the server moved
    # a sign-up beyond the kiosk's block to the waiting list.
    requested_status: Mapped[str] = mapped_column(String(16))
    key_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    ticket: Mapped[str] = mapped_column(String(300), default="")
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(32))
    masked_name: Mapped[str] = mapped_column(String(100))
    consent_version: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    __table_args__ = (
        UniqueConstraint("key_id", "event_id", "number", name="uq_registrations_ticket"),
        Index("ix_registrations_event_device", "event_id", "device_id", "status"),
    )


class CheckIn(Base):
    """One scan that admitted someone: an event log, never updated in place."""

    __tablename__ = "checkins"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[int] = mapped_column(Integer, index=True)
    key_id: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))
    scanned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Which admission of this ticket this scan was, in the order the server saw them.
    admission: Mapped[int] = mapped_column(Integer)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_reason: Mapped[str] = mapped_column(String(64), default="")

    __table_args__ = (Index("ix_checkins_ticket", "key_id", "event_id", "number"),)


class Admission(Base):
    """How often a ticket was admitted: one atomic counter row per ticket.

    Counting check-in rows instead would let two kiosks' simultaneous pushes of
    the same ticket both see zero earlier admissions and neither be flagged.
    """

    __tablename__ = "admissions"

    key_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


# --- change log (pull) -----------------------------------------------------------------


class ChangeLogEntry(Base):
    """Something kiosks must pull changed. Append-only; see server/changes.py.

    ``id`` is given at insert time, in no useful order across concurrent
    transactions. ``position`` is given after commit, in commit order, and is
    what cursors count.
    """

    __tablename__ = "change_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    position: Mapped[int | None] = mapped_column(BigInteger, nullable=True, unique=True)
    entity: Mapped[str] = mapped_column(String(32))
    entity_key: Mapped[str] = mapped_column(String(64))
    # Who may pull it: "" every device, "office:<name>" or "device:<id>".
    scope: Mapped[str] = mapped_column(String(220), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index(
            "ix_change_log_unstamped",
            "id",
            postgresql_where=text("position IS NULL"),
            sqlite_where=text("position IS NULL"),
        ),
    )


class LogState(Base):
    """One row: the last position given out, and how far the log has been compacted."""

    __tablename__ = "log_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    last_position: Mapped[int] = mapped_column(BigInteger, default=0)
    # Entries at or below this position were deleted: older cursors must reset.
    compacted_through: Mapped[int] = mapped_column(BigInteger, default=0)
