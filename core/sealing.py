"""Sealing personal data to the central server's public key (X25519 sealed box).

The kiosk can seal but never open: it holds only the server's public key, so a
stolen kiosk's database gives up no names, contacts or texts.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from nacl.bindings import crypto_box_seal_open
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox


class SealError(Exception):
    """A sealed value could not be opened or decoded."""


# json.dumps with these options builds an encoder on every call; the server
# spells two values per mutation it receives, so the encoder is built once.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(value: Any) -> str:
    """One spelling per value, so a resend is byte-identical and hashes equal."""
    return _CANONICAL.encode(value)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def seal(server_public_key_b64: str, value: dict[str, Any]) -> str:
    box = SealedBox(PublicKey(unb64(server_public_key_b64)))
    return b64(box.encrypt(canonical_json(value).encode("utf-8")))


def seal_bytes(server_public_key_b64: str, data: bytes) -> str:
    """Raw bytes (a photo) sealed as they are: no JSON around them, a third smaller."""
    return b64(SealedBox(PublicKey(unb64(server_public_key_b64))).encrypt(data))


def unseal_bytes(private_key: PrivateKey, sealed_b64: str) -> bytes:
    try:
        return bytes(SealedBox(private_key).decrypt(unb64(sealed_b64)))
    except (CryptoError, ValueError) as exc:
        raise SealError(str(exc)) from exc


def unseal(private_key: PrivateKey, sealed_b64: str) -> dict[str, Any]:
    try:
        plain = SealedBox(private_key).decrypt(unb64(sealed_b64))
        value = json.loads(plain.decode("utf-8"))
    except (CryptoError, ValueError) as exc:
        raise SealError(str(exc)) from exc
    if not isinstance(value, dict):
        raise SealError("sealed value is not an object")
    return value


class Opener:
    """The server's side: one private key opening many sealed values (a push holds 100).

    ``unseal`` builds a ``SealedBox`` and reads the key's two halves out of it
    for every value; here that is done once, and each value costs only its own
    base64 decode and the sealed box's real work (an X25519 exchange with the
    value's throw-away key, which nothing can cache). Same answers and the same
    ``SealError`` as ``unseal`` / ``unseal_bytes``.
    """

    def __init__(self, private_key: PrivateKey) -> None:
        self._public = bytes(private_key.public_key)
        self._private = bytes(private_key)

    def open_bytes(self, sealed_b64: str) -> bytes:
        try:
            return crypto_box_seal_open(unb64(sealed_b64), self._public, self._private)
        except (CryptoError, ValueError) as exc:
            raise SealError(str(exc)) from exc

    def open(self, sealed_b64: str) -> dict[str, Any]:
        plain = self.open_bytes(sealed_b64)
        try:
            value = json.loads(plain.decode("utf-8"))
        except ValueError as exc:
            raise SealError(str(exc)) from exc
        if not isinstance(value, dict):
            raise SealError("sealed value is not an object")
        return value


def new_keypair() -> tuple[PrivateKey, str]:
    """A fresh server sealing key and its public half as base64 (for enrolment)."""
    key = PrivateKey.generate()
    return key, b64(bytes(key.public_key))
