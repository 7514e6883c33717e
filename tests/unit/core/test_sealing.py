"""core.sealing: Opener opens what kiosks seal exactly as ``unseal`` does, refusals included;
one spelling of a value for hashing."""

from __future__ import annotations

import base64

import pytest
from nacl.public import PrivateKey

from core.sealing import (
    Opener,
    SealError,
    b64,
    canonical_json,
    seal,
    seal_bytes,
    unseal,
    unseal_bytes,
)

KEY = PrivateKey.generate()
PUBLIC = b64(bytes(KEY.public_key))


def test_opens_a_sealed_object_as_unseal_does() -> None:
    value = {"name": "김민수", "phone": "010-1234-5678", "share_contact": True}
    sealed = seal(PUBLIC, value)
    assert Opener(KEY).open(sealed) == unseal(KEY, sealed) == value


def test_opens_sealed_bytes_as_unseal_bytes_does() -> None:
    photo = bytes(range(256)) * 4
    sealed = seal_bytes(PUBLIC, photo)
    assert Opener(KEY).open_bytes(sealed) == unseal_bytes(KEY, sealed) == photo


def _tampered(sealed: str) -> str:
    raw = bytearray(base64.b64decode(sealed))
    raw[-1] ^= 1
    return b64(bytes(raw))


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(_tampered(seal(PUBLIC, {"a": 1})), id="tampered"),
        pytest.param(seal(b64(bytes(PrivateKey.generate().public_key)), {"a": 1}), id="other key"),
        pytest.param("not base64!", id="not base64"),
        pytest.param("", id="empty"),
        pytest.param(b64(b"short"), id="shorter than a sealed box"),
        pytest.param("봉인", id="not ascii"),
        pytest.param(seal_bytes(PUBLIC, b"[1, 2]"), id="not an object"),
        pytest.param(seal_bytes(PUBLIC, b"\xff\xfe"), id="not utf-8"),
        pytest.param(seal_bytes(PUBLIC, b"{"), id="not json"),
    ],
)
def test_refuses_what_unseal_refuses(text: str) -> None:
    with pytest.raises(SealError):
        unseal(KEY, text)
    with pytest.raises(SealError):
        Opener(KEY).open(text)


def test_canonical_json_has_one_spelling_whatever_the_key_order() -> None:
    first = {"b": [1, {"y": None, "x": True}], "a": "민원 ✓"}
    second = {"a": "민원 ✓", "b": [1, {"x": True, "y": None}]}
    assert (
        canonical_json(first)
        == canonical_json(second)
        == '{"a":"민원 ✓","b":[1,{"x":true,"y":null}]}'
    )
