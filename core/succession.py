"""Proof that a re-enrolling kiosk is the same kiosk store as a device enrolled before.

Re-enrolment gives a kiosk a new device id and a new signing key, but its
outbox keeps the mutation ids it queued before. The server scopes mutation ids
to a kiosk store (a *lineage*), so a record the old device delivered and the
new one sends again is still answered ``duplicate``. To join the old device's
lineage, the kiosk signs its new public key with its former signing key: only
the store that held that key can, so no other device can claim a kiosk's ids.
"""

from __future__ import annotations

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

_CONTEXT = b"civic-kiosk succession v1\x00"


def succession_message(former_device_id: str, new_public_key: str) -> bytes:
    return _CONTEXT + former_device_id.encode("utf-8") + b"\x00" + new_public_key.encode("ascii")


def sign_succession(former_key: SigningKey, former_device_id: str, new_public_key: str) -> bytes:
    signature: bytes = former_key.sign(
        succession_message(former_device_id, new_public_key)
    ).signature
    return signature


def verify_succession(
    former_public_key: bytes, former_device_id: str, new_public_key: str, signature: bytes
) -> bool:
    try:
        VerifyKey(former_public_key).verify(
            succession_message(former_device_id, new_public_key), signature
        )
    except (BadSignatureError, ValueError, TypeError):
        return False
    return True
