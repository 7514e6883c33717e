"""Receipt codes: 8 characters a citizen can read aloud, type and photograph.

Seven random characters and one check character from an alphabet of 31 that
leaves out the look-alikes 0/O, 1/I/L. 31 is prime, so the weighted check sum
below catches every single wrong character and every swap of two neighbours.
"""

from __future__ import annotations

import secrets

from core.links import STATUS_PATH

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
BODY_LENGTH = 7
CODE_LENGTH = BODY_LENGTH + 1
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
assert len(ALPHABET) == 31


def check_character(body: str) -> str:
    total = sum((position + 1) * _VALUE[ch] for position, ch in enumerate(body))
    # Weight the check character too, so appending it yields a sum of 0 mod 31.
    weight = len(body) + 1
    return ALPHABET[(-total * pow(weight, -1, len(ALPHABET))) % len(ALPHABET)]


def new_receipt_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return body + check_character(body)


def normalize_code(text: str) -> str:
    """What a person typed (any case, spaces, hyphens) in canonical form."""
    return "".join(ch for ch in text.upper() if ch not in " -\t")


def is_valid_code(text: str, length: int = CODE_LENGTH) -> bool:
    code = normalize_code(text)
    if len(code) != length or any(ch not in _VALUE for ch in code):
        return False
    return check_character(code[:-1]) == code[-1]


def format_code(code: str) -> str:
    """Shown as ABCD-EFGH: two groups are easier to read aloud and compare."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def code_from_scan(text: str) -> str | None:
    """The receipt code in what a scanner or a typist gave: a status URL or the code itself."""
    text = text.strip()
    if STATUS_PATH in text:
        text = text.rsplit(STATUS_PATH, 1)[1].split("?", 1)[0].split("#", 1)[0]
    code = normalize_code(text)[:16]
    return code if is_valid_code(code) else None
