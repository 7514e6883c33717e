"""Fixtures shared by every test: a real SQLite store on disk, enrolled and seeded."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from nacl.public import PrivateKey

from core.sealing import new_keypair, unseal
from kiosk.demo import seed_demo_reference
from kiosk.device_secrets import KEY_DIR_ENV
from kiosk.identity import save_identity
from kiosk.models import OutboxMutation
from kiosk.store import Store, open_store

NOW = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)


def pytest_configure(config: pytest.Config) -> None:
    """Store keys (kiosk/device_secrets.py) of test stores go to a throw-away directory.

    Set in the environment, so kiosks the tests start as processes find the same keys.
    """
    if not os.environ.get(KEY_DIR_ENV):
        os.environ[KEY_DIR_ENV] = tempfile.mkdtemp(prefix="civic-kiosk-keys-")


# The enrolled test kiosk's Ed25519 ticket-signing seed and the id the server "gave" it.
KIOSK_SEED = bytes(range(32))
KIOSK_KEY_ID = 7


@dataclass
class KioskDB:
    """A kiosk store plus the server's private key, so tests can read sealed payloads."""

    store: Store
    path: Path
    server_key: PrivateKey

    def unsealed(self, mutation: OutboxMutation) -> dict[str, Any]:
        import json

        payload = json.loads(mutation.payload or "{}")
        return unseal(self.server_key, payload["sealed"])


def enroll_locally(store: Store, public_key: str, device_id: str = "kiosk-test-1") -> None:
    with store.write() as session:
        save_identity(
            session,
            device_id=device_id,
            token="test-token",
            server_url="http://127.0.0.1:9",
            office="시청 테스트",
            server_public_key=public_key,
            signing_key=KIOSK_SEED,
            signing_key_id=KIOSK_KEY_ID,
            revoked=False,
            enrolled_at=NOW,
        )


@pytest.fixture
def kiosk_db(tmp_path: Path) -> Iterator[KioskDB]:
    path = tmp_path / "kiosk.db"
    store = open_store(f"sqlite:///{path}")
    key, public = new_keypair()
    enroll_locally(store, public)
    with store.write() as session:
        seed_demo_reference(session, NOW)
    yield KioskDB(store, path, key)
    store.close()


@pytest.fixture
def store(kiosk_db: KioskDB) -> Store:
    return kiosk_db.store
