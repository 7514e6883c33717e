"""Enrolling this kiosk with a central server, once or again after a revocation.

The kiosk makes a fresh Ed25519 ticket-signing key, sends its public half
with the one-time code staff gave, and keeps what the server answers: device
id, bearer token, the server's sealing key and the id of its signing key.

Re-enrolment replaces the identity but keeps the outbox: records taken while
revoked go out under the new device with their original ids. The pull cursor
starts over, because what a device may see (its offline blocks) is per device.
"""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass

from nacl.signing import SigningKey

from core.clock import Clock, utcnow
from core.sealing import b64
from core.succession import sign_succession
from kiosk.identity import current_identity, save_identity
from kiosk.outbox import sync_state
from kiosk.store import Store, database_path, restrict_permissions
from sync.client import SyncClient, SyncFailure, Timeouts
from sync.protocol import EnrollRequest, Succession
from sync.version import app_version

log = logging.getLogger(__name__)


class EnrolmentFailed(Exception):
    """The server refused or could not be reached; ``code`` is the server's (or the kind)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}" if code else message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Enrolment:
    device_id: str
    office: str
    server_url: str
    signing_key_id: int
    clock_offset_s: float


def default_kiosk_name() -> str:
    return socket.gethostname() or "kiosk"


def enroll(
    store: Store,
    server_url: str,
    code: str,
    *,
    name: str | None = None,
    timeouts: Timeouts | None = None,
    clock: Clock = utcnow,
) -> Enrolment:
    signing_key = SigningKey.generate()
    public_key = b64(bytes(signing_key.verify_key))
    request = EnrollRequest(
        enrollment_code=code.strip(),
        name=(name or default_kiosk_name())[:200],
        public_key=public_key,
        app_version=app_version(),
        predecessor=_succession(store, public_key),
    )
    client = SyncClient(server_url, timeouts=timeouts, clock=clock)
    try:
        reply = client.enroll(request)
    except SyncFailure as failure:
        raise EnrolmentFailed(failure.code or str(failure.kind), failure.message) from failure
    finally:
        client.close()
    answer = reply.body
    now = clock()
    with store.write() as session:
        save_identity(
            session,
            device_id=answer.device_id,
            token=answer.token,
            server_url=client.base_url,
            office=answer.office,
            server_public_key=answer.server_public_key,
            signing_key=bytes(signing_key),
            signing_key_id=answer.signing_key_id,
            revoked=False,
            enrolled_at=now,
            public_url=answer.public_url.rstrip("/"),
        )
        state = sync_state(session)
        state.pull_cursor = ""
        state.status = ""
        state.last_error = ""
        state.clock_offset_s = reply.clock_offset_s
    path = database_path(store)
    if path is not None:
        # Sealed (kiosk/device_secrets.py), and still the kiosk user's only.
        restrict_permissions(path)
    log.info("enrolled as device %s at %s (%s)", answer.device_id, client.base_url, answer.office)
    return Enrolment(
        answer.device_id,
        answer.office,
        client.base_url,
        answer.signing_key_id,
        reply.clock_offset_s,
    )


def _succession(store: Store, new_public_key: str) -> Succession | None:
    """Proof that this store held its former device's key, so the server keeps our ids ours."""
    with store.read() as session:
        former = current_identity(session)
        if former is None or len(former.signing_key) != 32:
            return None
        signature = sign_succession(
            SigningKey(former.signing_key), former.device_id, new_public_key
        )
        return Succession(device_id=former.device_id, signature=b64(signature))


def move_to_server(store: Store, server_url: str) -> bool:
    """Point an enrolled kiosk at its server's new address; False if not enrolled.

    For a server that moved (a new host name, or the demo server's new port):
    the device, its token and its queue stay as they are.
    """
    with store.write() as session:
        identity = current_identity(session)
        if identity is None:
            return False
        identity.server_url = server_url.rstrip("/")
        return True
