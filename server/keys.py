"""The server's own keys, made once per database and shared by all its workers.

The X25519 sealing key opens what kiosks seal to it; the Ed25519 signing key
(key id 1) signs tickets the server issues itself. Both live in the database,
so any number of workers or machines behind a load balancer agree on them.
"""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass

from nacl.public import PrivateKey
from nacl.signing import SigningKey as Ed25519Key
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kiosk.sealing import b64
from server.changes import record_change
from server.db import Database
from server.models import Entity, ServerIdentity, SigningKey

SERVER_SIGNING_KEY_ID = 1


@dataclass(frozen=True)
class ServerKeys:
    epoch: str
    sealing_key: PrivateKey
    sealing_public_key: str
    signing_key: Ed25519Key

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
    return ServerKeys(
        epoch=identity.epoch,
        sealing_key=PrivateKey(identity.sealing_private_key),
        sealing_public_key=identity.sealing_public_key,
        signing_key=Ed25519Key(identity.signing_private_key),
    )


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
