"""Phone numbers and e-mail addresses as the server handles them outside a case's own record.

- ``contact_hash``: an HMAC under the server's contact key. It finds "the same
  phone signed up twice" and "this address opted out" without keeping a
  readable list of numbers; without the key a hash cannot be tested against
  guesses (a plain hash of a Korean mobile number can: there are only 10^8).
- ``seal_recipient`` / ``open_recipient``: a message's address sealed to the
  server's own key, opened only in the step that hands it to a channel.
- ``mask``: what staff pages show of an address (010-****-5678, k***@example.kr).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Literal

from nacl.public import PrivateKey

from core.sealing import b64, seal, unseal

Medium = Literal["phone", "email"]


def normalize(medium: Medium, address: str) -> str:
    if medium == "phone":
        return "".join(ch for ch in address if ch.isdigit())
    return address.strip().lower()


def contact_hash(key: bytes, medium: Medium, address: str) -> str:
    message = f"{medium}:{normalize(medium, address)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def seal_recipient(sealing_key: PrivateKey, medium: Medium, address: str) -> str:
    return seal(b64(bytes(sealing_key.public_key)), {"medium": medium, "address": address})


def open_recipient(sealing_key: PrivateKey, sealed: str) -> tuple[Medium, str]:
    value = unseal(sealing_key, sealed)
    medium: Medium = "email" if value.get("medium") == "email" else "phone"
    return medium, str(value.get("address", ""))


def mask(medium: Medium, address: str) -> str:
    if medium == "email":
        local, _, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"
    digits = normalize("phone", address)
    return f"{digits[:3]}-****-{digits[-4:]}" if len(digits) >= 9 else "***"
