"""Fixtures shared by every test: a real SQLite store on disk, enrolled and seeded."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from nacl.public import PrivateKey

from core.sealing import new_keypair, unseal
from kiosk.demo import seed_demo_reference
from kiosk.device_secrets import KEY_DIR_ENV, KeyFile, default_source
from kiosk.identity import save_identity
from kiosk.models import OutboxMutation
from kiosk.store import Store, open_store

# Qt's offscreen screen is 800×800 by default: a 1920×1080 kiosk window would hang off
# it, and finger scrolling (QScroller) finds no widget under a press outside the screen,
# unlike on a real kiosk where window and screen are one. A screen big enough for any
# test window, set before the first QApplication reads the platform.
if os.environ.get("QT_QPA_PLATFORM") == "offscreen":
    _SCREEN = {"name": "test", "x": 0, "y": 0, "width": 3840, "height": 2160}
    _CONFIG = Path(tempfile.gettempdir()) / f"civic-kiosk-offscreen-{os.getuid()}.json"
    _CONFIG.write_text(json.dumps({"screens": [{**_SCREEN, "logicalDpi": 96, "dpr": 1}]}))
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_CONFIG}"

NOW = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)

# Tests assert behaviour, never timings: Hypothesis's 200 ms per example is a
# timing, and a durable commit on a loaded two-core machine can pass it.
settings.register_profile("civic", deadline=None)
settings.load_profile("civic")


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


@pytest.fixture(scope="session")
def kiosk_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, PrivateKey]:
    """A migrated, enrolled, seeded store built once per test process; each test gets a
    copy (migrating and seeding for every test cost ~0.1 s a test, minutes a suite)."""
    path = tmp_path_factory.mktemp("kiosk-template") / "kiosk.db"
    store = open_store(f"sqlite:///{path}")
    key, public = new_keypair()
    enroll_locally(store, public)
    with store.write() as session:
        seed_demo_reference(session, NOW)
    store.close()
    return path, key


def copy_store(template: Path, path: Path) -> None:
    """The template's file and its store key, as a store of its own at ``path``."""
    for suffix in ("-wal", "-shm"):
        assert not template.with_name(template.name + suffix).exists(), "template left open"
    shutil.copyfile(template, path)
    key = default_source(template)
    if isinstance(key, KeyFile) and key.path.exists():
        target = default_source(path)
        assert isinstance(target, KeyFile)
        shutil.copyfile(key.path, target.path)
        target.path.chmod(0o600)


@pytest.fixture
def kiosk_db(tmp_path: Path, kiosk_template: tuple[Path, PrivateKey]) -> Iterator[KioskDB]:
    template, key = kiosk_template
    path = tmp_path / "kiosk.db"
    copy_store(template, path)
    store = open_store(f"sqlite:///{path}")
    yield KioskDB(store, path, key)
    store.close()


@pytest.fixture
def store(kiosk_db: KioskDB) -> Store:
    return kiosk_db.store


def _cost(item: pytest.Item) -> float:
    """A test's rough cost in seconds: ``slow(seconds=N)``, ten for a bare ``slow``, else one."""
    marker = item.get_closest_marker("slow")
    if marker is None:
        return 1.0
    return float(marker.kwargs.get("seconds", 10))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The costliest test files first (dev.py runs them with ``--no-loadscope-reorder``).

    The suite runs on two workers a file at a time; a three-minute file started
    last leaves the other worker idle for three minutes. Longest first keeps
    both busy to the end. Tests keep their order inside a file.
    """
    cost: dict[Path, float] = {}
    for item in items:
        cost[item.path] = cost.get(item.path, 0.0) + _cost(item)
    items.sort(key=lambda item: -cost[item.path])
