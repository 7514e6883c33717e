"""The kiosk's device secrets at rest: sealed in the store with a key kept elsewhere.

kiosk.db used to hold the device token and the Ed25519 ticket-signing seed
in plaintext: whoever took the disk (or a copy of the file) could push as the
kiosk and sign tickets other kiosks admit. Now both are sealed (XSalsa20-
Poly1305, ``nacl.secret.SecretBox``) into ``device_identity.secrets`` with a
32-byte *store key* that never enters the database. Where that key lives, in
order of preference:

1. a systemd credential (``$CREDENTIALS_DIRECTORY/civic-kiosk-store-key``,
   provisioned with ``systemd-creds encrypt`` and ``LoadCredentialEncrypted=``):
   on a machine with a TPM it is bound to that machine's TPM, so a disk image
   alone opens nothing (docs/deploy-kiosk-linux.md);
2. the OS keyring through ``keyring`` when it has a real backend (Secret
   Service on Linux, Windows Credential Locker, which DPAPI protects with the
   user's log-on secret): the disk image alone opens nothing;
3. otherwise a key file outside the data directory (``key_dir``: the kiosk's
   config directory, mode 0700, file 0600). This keeps the key out of a copy
   of kiosk.db and of the data directory (backups, a support bundle), but a
   thief with the whole disk image reads the file and opens the secrets:
   docs/threat-model.md says so.

The ORM does the sealing: ``DeviceIdentity.token`` and ``.signing_key`` are
plain attributes opened when the row is loaded and sealed when it is written
(the events below), so no caller ever handles ciphertext, and nothing writes
them in the clear. A store whose secrets cannot be opened (the key is gone)
reads as enrolled with no token and no key: sync stops with 401 and staff
enrol the kiosk again, losing nothing queued.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets as random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from weakref import WeakKeyDictionary

from nacl.exceptions import CryptoError
from nacl.secret import SecretBox
from sqlalchemy import Engine
from sqlalchemy.pool import Pool

log = logging.getLogger(__name__)

KEY_LENGTH = SecretBox.KEY_SIZE
CREDENTIAL_NAME = "civic-kiosk-store-key"
KEYRING_SERVICE = "civic-kiosk"
# Where key files go unless the caller says: tests and scripts point it elsewhere.
KEY_DIR_ENV = "CIVIC_STORE_KEY_DIR"
_SEED_LENGTH = 32


class KeySource(Protocol):
    """Somewhere a store key is kept; ``describe`` names it for logs and staff."""

    def load_or_create(self) -> bytes: ...

    def describe(self) -> str: ...


@dataclass(frozen=True)
class CredentialKey:
    """A key systemd decrypted for this service (TPM-bound where the machine has one)."""

    path: Path

    def load_or_create(self) -> bytes:
        key = self.path.read_bytes()
        if len(key) != KEY_LENGTH:
            raise ValueError(f"the credential {self.path.name} must hold {KEY_LENGTH} bytes")
        return key

    def describe(self) -> str:
        return f"systemd credential {self.path.name}"


@dataclass(frozen=True)
class KeyringKey:
    """The store key in the OS keyring (hex), under one entry per store."""

    entry: str

    def load_or_create(self) -> bytes:
        import keyring

        stored = keyring.get_password(KEYRING_SERVICE, self.entry)
        if stored is None:
            stored = random.token_bytes(KEY_LENGTH).hex()
            keyring.set_password(KEYRING_SERVICE, self.entry, stored)
        return bytes.fromhex(stored)

    def describe(self) -> str:
        return f"OS keyring entry {KEYRING_SERVICE}/{self.entry}"


@dataclass(frozen=True)
class KeyFile:
    """The store key in a file only the kiosk user can read, outside the data directory."""

    path: Path

    def load_or_create(self) -> bytes:
        if self.path.exists():
            return self.path.read_bytes()[:KEY_LENGTH]
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.path.parent.chmod(0o700)
        key = random.token_bytes(KEY_LENGTH)
        # O_EXCL: two processes starting at once agree on one key (the loser reads it).
        try:
            handle = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return self.path.read_bytes()[:KEY_LENGTH]
        with os.fdopen(handle, "wb") as out:
            out.write(key)
            out.flush()
            os.fsync(out.fileno())
        return key

    def describe(self) -> str:
        return f"key file {self.path}"


def default_key_dir() -> Path:
    override = os.environ.get(KEY_DIR_ENV)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_config_dir("civic-kiosk")) / "keys"


def _secure_keyring() -> bool:
    """Whether ``keyring`` has a backend that keeps secrets off the disk in the clear."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return False
    backend = keyring.get_keyring()
    name = type(backend).__module__ + "." + type(backend).__name__
    insecure = isinstance(backend, fail.Keyring) or "null" in name or "alt" in name.split(".")
    return not insecure and getattr(backend, "priority", 0) >= 1


def default_source(database: Path | None) -> KeySource:
    """Where the key of the store at ``database`` is kept (see the module's order)."""
    credentials = os.environ.get("CREDENTIALS_DIRECTORY")
    if credentials and (Path(credentials) / CREDENTIAL_NAME).is_file():
        return CredentialKey(Path(credentials) / CREDENTIAL_NAME)
    # One key per store file, so two stores on one machine (demo, tests) never share.
    entry = hashlib.sha256(str(database.resolve() if database else ":memory:").encode()).hexdigest()
    if os.environ.get(KEY_DIR_ENV) is None and _secure_keyring():
        return KeyringKey(entry[:32])
    return KeyFile(default_key_dir() / f"store-{entry[:32]}.key")


@dataclass
class DefaultKey:
    """``default_source`` decided on first use, not when the store opens.

    Asking ``keyring`` for its backend loads every backend plugin (~0.2 s); a
    kiosk that starts needs no device secret before its home screen shows.
    """

    database: Path | None
    _chosen: KeySource | None = field(default=None, init=False, repr=False)

    def chosen(self) -> KeySource:
        if self._chosen is None:
            self._chosen = default_source(self.database)
        return self._chosen

    def load_or_create(self) -> bytes:
        return self.chosen().load_or_create()

    def describe(self) -> str:
        return self.chosen().describe()


@dataclass
class StoreSecrets:
    """Seals and opens a store's device secrets; the key is fetched on first use only."""

    source: KeySource
    _box: SecretBox | None = field(default=None, init=False, repr=False)

    def box(self) -> SecretBox:
        if self._box is None:
            self._box = SecretBox(self.source.load_or_create())
        return self._box

    def seal(self, token: str, seed: bytes) -> bytes:
        token_bytes = token.encode("utf-8")
        plain = len(token_bytes).to_bytes(2, "big") + token_bytes + seed
        return bytes(self.box().encrypt(plain))

    def open(self, sealed: bytes) -> tuple[str, bytes]:
        """(token, seed); ("", b"") when the secrets cannot be opened with this key."""
        try:
            plain = self.box().decrypt(sealed)
        except (CryptoError, ValueError, OSError) as exc:
            log.error("the device secrets cannot be opened (%s): enrol again", type(exc).__name__)
            return "", b""
        size = int.from_bytes(plain[:2], "big")
        token = plain[2 : 2 + size].decode("utf-8")
        seed = plain[2 + size :]
        return token, seed if len(seed) == _SEED_LENGTH else b""


# By the engine's pool: the writer's engine (``execution_options``) shares it.
_BY_POOL: WeakKeyDictionary[Pool, StoreSecrets] = WeakKeyDictionary()


def register(engine: Engine, secrets: StoreSecrets) -> None:
    """Use ``secrets`` for every device identity read or written through ``engine``."""
    _BY_POOL[engine.pool] = secrets


def for_pool(pool: Pool) -> StoreSecrets:
    found = _BY_POOL.get(pool)
    if found is None:
        raise RuntimeError("this store has no key for its device secrets (open it with open_store)")
    return found
