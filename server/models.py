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
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core import columns

# The same words on both sides of the wire: one definition, the shared core's (re-exported).
from core.kinds import RegistrationStatus as RegistrationStatus
from core.kinds import SubmissionKind as SubmissionKind

# SQLite makes only an INTEGER PRIMARY KEY an auto-numbered rowid alias.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(columns.UTCDateTime):
    """The kiosk's aware-UTC type, as ``timestamptz`` on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True


class Base(DeclarativeBase):
    pass


def table_of(model: type[Base]) -> Table:
    """A model's Core table, for statements built once and run many times."""
    return cast(Table, model.__table__)


class Outcome(enum.StrEnum):
    APPLIED = "applied"
    REJECTED = "rejected"


class SubmissionStatus(enum.StrEnum):
    """Where staff are with a submission; the citizen sees it by receipt code."""

    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    CLOSED = "closed"


class StaffRole(enum.StrEnum):
    ADMIN = "admin"  # devices, enrolment codes, staff accounts (and everything officers do)
    OFFICER = "officer"  # submissions and events


class DeliveryState(enum.StrEnum):
    """A complaint's delivery to one external Open311 endpoint."""

    PENDING = "pending"  # not yet accepted; retried with backoff
    ACCEPTED = "accepted"  # the endpoint gave a token; its request id is still to come
    SENT = "sent"  # the endpoint gave a service_request_id
    FAILED = "failed"  # refused for good (4xx); staff must look, never counted as sent


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
    # Keys the HMAC of a phone number or e-mail address (server/contacts.py): one
    # sign-up per phone per event, and opt-outs, without a readable list of numbers.
    contact_key: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
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
    # The kiosk store this device is: its first device id, kept across the
    # re-enrolments it proved with its former signing key (server/enrolment.py).
    # Mutation ids are scoped to it.
    lineage: Mapped[str] = mapped_column(String(64), server_default="")
    # sha256 of the bearer token; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    signing_key_id: Mapped[int] = mapped_column(ForeignKey("signing_keys.id"))
    app_version: Mapped[str] = mapped_column(String(64), default="")
    enrolled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_push_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Records waiting in the kiosk's outbox, as it last told us (X-Civic-Pending on a push).
    pending_reported: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pending_reported_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The slip printer's state as the kiosk last reported it (X-Civic-Printer, core.printers).
    printer_state: Mapped[str | None] = mapped_column(String(32), nullable=True)
    printer_state_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


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


class RateCounter(Base):
    """Attempts counted under one key (an address, an account) in a fixed window.

    One row per key, counted by a single atomic upsert (server/ratelimits.py),
    so parallel attempts each see their own number: no read-then-write gap.
    """

    __tablename__ = "rate_counters"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    count: Mapped[int] = mapped_column(Integer)


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
    # What Open311 may publish of this category's complaints beyond category and
    # status: space-separated words from server/open311.py PUBLIC_FIELDS. Empty
    # by default: the kiosk seals the address as personal data.
    public_fields: Mapped[str] = mapped_column(String(200), server_default="", default="")


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


class EventCount(Base):
    """Confirmed places of an event, per selling device and in all: kept, not counted.

    Triggers on ``registrations`` (server migrations 0010, 0011) change these rows in
    the same transaction as every sign-up, cancellation and promotion, whoever
    writes them. ``device_id`` is the selling device, "" for sign-ups no
    device made (online), and ``ALL_DEVICES`` for the event as a whole.
    ``confirmed`` counts status confirmed; ``requested`` counts what the kiosk
    promised (requested_status confirmed), which its offline block is about.
    """

    __tablename__ = "event_counts"

    ALL_DEVICES = "*"

    event_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    confirmed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    requested: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class EventSubscriber(Base):
    """A change-log scope that pulls an event's sign-ups and admissions besides its office's.

    An event's registrations and check-ins go to the kiosks of the office that
    runs it, and to those of every office that has signed someone up for it
    or admitted someone to it (server/subscriptions.py); never to every kiosk.
    """

    __tablename__ = "event_subscribers"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), primary_key=True)
    scope: Mapped[str] = mapped_column(String(220), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RevokedTicket(Base):
    __tablename__ = "revoked_tickets"

    key_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    reason: Mapped[str] = mapped_column(String(64), default="")
    revoked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- what kiosks pushed ----------------------------------------------------------------


class MutationRecord(Base):
    """Every mutation id ever seen, applied or rejected: the permanent idempotency key.

    The key is (lineage, id): ids are the kiosk's, so another device can neither
    take one first (and have the kiosk's own record refused as a conflict) nor
    learn from the answer that it exists.
    """

    __tablename__ = "mutations"

    lineage: Mapped[str] = mapped_column(String(64), primary_key=True, server_default="")
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
    lineage: Mapped[str] = mapped_column(String(64), server_default="")
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
    __table_args__ = (
        UniqueConstraint(
            "lineage", "mutation_id", "payload_hash", name="uq_rejected_mutations_mutation"
        ),
    )


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
    # The 행정동 code within the district (core.dongs); empty when not given.
    dong: Mapped[str] = mapped_column(String(32), default="")
    consent_version: Mapped[str] = mapped_column(String(32), default="")
    status: Mapped[str] = mapped_column(String(32), default="received")
    # What the kiosk sealed (description, contact, ...), as the sealed model dumps it.
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The answer staff wrote for the citizen; shown publicly by receipt code.
    status_note: Mapped[str] = mapped_column(Text, default="")
    # Staff chose to publish the answer on Open311 too (it may name the citizen's case).
    status_note_public: Mapped[bool] = mapped_column(
        Boolean, server_default=text("false"), default=False
    )
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The language the citizen used, and whether they agreed to status messages.
    language: Mapped[str] = mapped_column(String(2), default="ko")
    notify: Mapped[bool] = mapped_column(Boolean, default=False)
    # When the citizen said "not solved, ask again" on the status page (once per case).
    reopened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    # Staff pages list newest first and page by (created_at, id) keyset; the
    # common filters get their own leading column so a page stays an index range.
    __table_args__ = (
        Index("ix_submissions_created_id", "created_at", "id"),
        Index("ix_submissions_kind_created_id", "kind", "created_at", "id"),
        Index("ix_submissions_status_created_id", "status", "created_at", "id"),
        Index("ix_submissions_category_created_id", "category", "created_at", "id"),
    )


class SubmissionPhoto(Base):
    """The photo a complaint came with, opened from its seal: personal data, staff only."""

    __tablename__ = "submission_photos"

    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), primary_key=True)
    # JPEG as the kiosk made it (core.photos): downscaled, no metadata.
    jpeg: Mapped[bytes] = mapped_column(LargeBinary)


class SubmissionUpdate(Base):
    """One status change staff made, with the note the citizen will see: the audit trail."""

    __tablename__ = "submission_updates"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), index=True)
    old_status: Mapped[str] = mapped_column(String(32))
    new_status: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


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
    language: Mapped[str] = mapped_column(String(2), default="ko")
    notify: Mapped[bool] = mapped_column(Boolean, default=False)
    # HMAC of the phone number (server/contacts.py): one live sign-up per phone and event.
    phone_hash: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        UniqueConstraint("key_id", "event_id", "number", name="uq_registrations_ticket"),
        Index("ix_registrations_event_device", "event_id", "device_id", "status"),
        Index(
            "uq_registrations_event_phone",
            "event_id",
            "phone_hash",
            unique=True,
            postgresql_where=text("status <> 'cancelled' AND phone_hash <> ''"),
            sqlite_where=text("status <> 'cancelled' AND phone_hash <> ''"),
        ),
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
        # A pull reads its scopes' entries after its cursor, one range per scope,
        # not every office's entries filtered (server/changes.py read_log).
        Index("ix_change_log_scope_position", "scope", "position"),
        # Whether a cached change is still the entity's latest (server/pagecache.py).
        Index("ix_change_log_entity", "entity", "entity_key", "position"),
    )


class LogState(Base):
    """One row: the last position given out, and how far the log has been compacted."""

    __tablename__ = "log_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    last_position: Mapped[int] = mapped_column(BigInteger, default=0)
    # Entries at or below this position were deleted: older cursors must reset.
    compacted_through: Mapped[int] = mapped_column(BigInteger, default=0)


# --- staff web pages -------------------------------------------------------------------


class StaffUser(Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16))
    # "scrypt$n$r$p$salt$hash" (server/accounts.py); never the password itself.
    password_hash: Mapped[str] = mapped_column(String(255))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    disabled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class StaffSession(Base):
    """A logged-in browser. The cookie holds the token; the row makes logout real everywhere."""

    __tablename__ = "staff_sessions"

    # sha256 of the session token: a database dump hands out no live sessions.
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


# --- forwarding to the city's Open311 endpoints ----------------------------------------


class ForwardDestination(Base):
    """An external Open311 GeoReport v2 endpoint that takes complaints."""

    __tablename__ = "forward_destinations"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Base URL: requests go to <endpoint>/requests.json, tokens to <endpoint>/tokens/<t>.json.
    endpoint: Mapped[str] = mapped_column(String(500))
    api_key: Mapped[str] = mapped_column(String(200), default="")
    jurisdiction_id: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ForwardRoute(Base):
    """Complaints of ``category`` go to ``destination`` as its ``service_code``."""

    __tablename__ = "forward_routes"

    category: Mapped[str] = mapped_column(String(64), primary_key=True)
    destination: Mapped[str] = mapped_column(
        ForeignKey("forward_destinations.name"), primary_key=True
    )
    service_code: Mapped[str] = mapped_column(String(64))
    # attribute code -> one of our fields (server/forwarder.py ATTRIBUTE_SOURCES) or "=literal".
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Complaints received before the route existed are not sent: an external
    # system must not be flooded with old cases when a route is added.
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Delivery(Base):
    """One complaint's delivery to one destination; sent only once the endpoint said so."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"))
    destination: Mapped[str] = mapped_column(ForeignKey("forward_destinations.name"))
    service_code: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # A forwarder that claimed the row holds it until then; another may take it after.
    leased_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    service_request_id: Mapped[str] = mapped_column(String(200), default="")
    token: Mapped[str] = mapped_column(String(200), default="")
    last_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        UniqueConstraint("submission_id", "destination", name="uq_deliveries_destination"),
        Index("ix_deliveries_due", "state", "next_attempt_at"),
    )


# --- messages to citizens --------------------------------------------------------------


class NotificationState(enum.StrEnum):
    PENDING = "pending"  # due at next_attempt_at (quiet hours and backoff move it)
    SENDING = "sending"  # handed to a channel; if the sender died, checked before a resend
    SENT = "sent"
    FAILED = "failed"  # refused for good or out of tries: staff see it
    SKIPPED = "skipped"  # no longer due (opted out, cancelled sign-up): never sent


class Notification(Base):
    """One message to one citizen over one channel: the server's durable outbox.

    ``key`` is the idempotency key (what it is about, which message, which
    channel): planning the same message twice is a no-op. The address is kept
    only sealed to the server's own key and opened inside the sending step.
    """

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    # What it is about: a submission or a registration, by id and receipt code.
    subject: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[str] = mapped_column(String(36), index=True)
    receipt_code: Mapped[str] = mapped_column(String(8))
    language: Mapped[str] = mapped_column(String(2))
    # Values the template fills in (status, answer, event, times): nothing personal.
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    recipient_sealed: Mapped[str] = mapped_column(Text)
    recipient_hash: Mapped[str] = mapped_column(String(64), index=True)
    recipient_masked: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    leased_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    provider_id: Mapped[str] = mapped_column(String(200), default="")
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_notifications_due", "state", "next_attempt_at"),)


class OptOut(Base):
    """A phone number or e-mail address (by its HMAC) that asked for no more messages."""

    __tablename__ = "opt_outs"

    recipient_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    # "link" (the status page) or "reply" (an SMS answered with the stop word).
    source: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
