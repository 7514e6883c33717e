"""The server's own keys, made once per database and shared by all its workers.

The X25519 sealing key opens what kiosks seal to it; the Ed25519 signing key
(key id 1) signs tickets the server issues itself. Both live in the database,
so any number of workers or machines behind a load balancer agree on them.

Also here: issuing a ticket under key 1 (online sign-ups, staff pages) and
revoking a single ticket, the two things staff do with ticket keys.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
from dataclasses import dataclass

from nacl.public import PrivateKey
from nacl.signing import SigningKey as Ed25519Key
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.sealing import b64
from core.tickets import TicketType, event_ticket, issue_ticket
from server.changes import record_change
from server.db import Database
from server.models import (
    Entity,
    Event,
    Registration,
    RevokedTicket,
    ServerIdentity,
    SigningKey,
    utcnow,
)

SERVER_SIGNING_KEY_ID = 1


@dataclass(frozen=True)
class ServerKeys:
    epoch: str
    sealing_key: PrivateKey
    sealing_public_key: str
    signing_key: Ed25519Key
    # HMAC key for phone numbers and e-mail addresses (server/contacts.py).
    contact_key: bytes = b""

    @property
    def signing_public_key(self) -> str:
        return b64(bytes(self.signing_key.verify_key))


def load_or_create_keys(db: Database) -> ServerKeys:
    """The server's keys; made on the first start against a fresh database."""
    with db.read() as session:
        identity = session.get(ServerIdentity, 1)
    if identity is None:
        # Another worker may make them first; theirs are then the ones to use.
        with contextlib.suppress(IntegrityError):
            _create_identity(db)
        with db.read() as session:
            identity = session.get(ServerIdentity, 1)
    assert identity is not None
    contact_key = identity.contact_key or _add_contact_key(db)
    return ServerKeys(
        epoch=identity.epoch,
        sealing_key=PrivateKey(identity.sealing_private_key),
        sealing_public_key=identity.sealing_public_key,
        signing_key=Ed25519Key(identity.signing_private_key),
        contact_key=contact_key,
    )


def keys_in(session: Session) -> ServerKeys:
    """The server's keys read in the caller's transaction (made before anything is signed)."""
    identity = session.get(ServerIdentity, 1)
    assert identity is not None and identity.contact_key is not None
    return ServerKeys(
        epoch=identity.epoch,
        sealing_key=PrivateKey(identity.sealing_private_key),
        sealing_public_key=identity.sealing_public_key,
        signing_key=Ed25519Key(identity.signing_private_key),
        contact_key=identity.contact_key,
    )


def _add_contact_key(db: Database) -> bytes:
    """The contact key of a server made before it existed; the first worker's wins."""
    with db.write() as session:
        identity = session.get(ServerIdentity, 1)
        assert identity is not None
        if identity.contact_key is None:
            identity.contact_key = secrets.token_bytes(32)
        return identity.contact_key


def _create_identity(db: Database) -> None:
    sealing = PrivateKey.generate()
    signing = Ed25519Key.generate()
    with db.write() as session:
        if session.get(ServerIdentity, 1) is not None:
            return
        session.add(
            ServerIdentity(
                id=1,
                epoch=secrets.token_hex(8),
                sealing_private_key=bytes(sealing),
                sealing_public_key=b64(bytes(sealing.public_key)),
                signing_private_key=bytes(signing),
                contact_key=secrets.token_bytes(32),
            )
        )
        existing = session.scalar(select(SigningKey).where(SigningKey.id == SERVER_SIGNING_KEY_ID))
        if existing is None:
            session.add(
                SigningKey(
                    id=SERVER_SIGNING_KEY_ID,
                    public_key=b64(bytes(signing.verify_key)),
                    device_id=None,
                )
            )
            record_change(session, Entity.SIGNING_KEY, SERVER_SIGNING_KEY_ID)


# --- tickets the server issues and revokes ----------------------------------------------


@dataclass(frozen=True)
class ServerTicket:
    """A ticket signed with the server's key: what a registration row stores and prints."""

    key_id: int
    number: int
    text: str
    manual_code: str


def issue_server_ticket(
    session: Session, keys: ServerKeys, event: Event, ticket_type: int = TicketType.STANDARD
) -> ServerTicket:
    """The next ticket under key 1 for ``event``, in the caller's transaction.

    The caller stores it on the ``Registration`` it inserts in the same
    transaction (``key_id``, ``number``, ``ticket``) and records the change for
    kiosks. Two concurrent issuers may pick the same number; the unique ticket
    constraint on registrations refuses the second insert, which the caller
    retries. Same layout as a kiosk's ticket (``core.tickets.event_ticket``),
    so every kiosk verifies it with the pulled key 1, offline.
    """
    highest = session.scalar(
        select(func.max(Registration.number)).where(
            Registration.key_id == SERVER_SIGNING_KEY_ID, Registration.event_id == event.id
        )
    )
    number = (highest or 0) + 1
    payload = event_ticket(
        SERVER_SIGNING_KEY_ID, event.id, number, event.starts_at, event.ends_at, ticket_type
    )
    issued = issue_ticket(payload, keys.signing_key)
    return ServerTicket(SERVER_SIGNING_KEY_ID, number, issued.text, issued.manual_code)


def revoke_ticket(
    db: Database,
    key_id: int,
    event_id: int,
    number: int,
    reason: str = "staff",
    now: dt.datetime | None = None,
) -> bool:
    """Cancel one ticket: every kiosk refuses it after its next pull. False if it already was."""
    with db.write() as session:
        if session.get(RevokedTicket, (key_id, event_id, number)) is not None:
            return False
        session.add(
            RevokedTicket(
                key_id=key_id,
                event_id=event_id,
                number=number,
                reason=reason[:64],
                revoked_at=now or utcnow(),
            )
        )
        record_change(session, Entity.REVOKED_TICKET, f"{key_id}:{event_id}:{number}")
        return True
