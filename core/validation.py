"""Field rules for what citizens type: each failure carries a message key.

The keys (``field.required``, ``phone.invalid`` …) are translated by the UI;
nothing here builds sentences. Text is normalised to NFC so Hangul composed by
the on-screen keyboard compares equal to Hangul typed on a physical keyboard.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

DESCRIPTION_MAX = 4000  # Open311 GeoReport v2 limit for a request's description
TITLE_MAX = 200
NAME_MAX = 50
ADDRESS_MAX = 300
EMAIL_MAX = 254

FormT = TypeVar("FormT")

_PHONE_DIGITS = re.compile(r"^0\d{8,10}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")


@dataclass(frozen=True)
class FieldError:
    field: str
    key: str


class ValidationFailed(Exception):
    """Input the citizen can fix; ``errors`` names each field and message key."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(", ".join(f"{e.field}: {e.key}" for e in errors))
        self.errors = errors

    def keys_for(self, field: str) -> list[str]:
        return [e.key for e in self.errors if e.field == field]


class Checker:
    """Collects every field error at once, so the screen can show them all together."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def fail(self, field: str, key: str) -> None:
        self.errors.append(FieldError(field, key))

    def text(
        self,
        field: str,
        value: str,
        *,
        max_length: int,
        required: bool = False,
        multiline: bool = False,
    ) -> str:
        cleaned = clean_text(value, multiline=multiline)
        if cleaned is None:
            self.fail(field, "text.invalid")
            return ""
        if required and not cleaned:
            self.fail(field, "field.required")
        elif len(cleaned) > max_length:
            self.fail(field, "text.too_long")
        return cleaned

    def raise_if_failed(self) -> None:
        if self.errors:
            raise ValidationFailed(list(self.errors))


def field_errors(fields: Callable[[Checker, FormT], object], form: FormT) -> list[FieldError]:
    """Every error ``fields`` (a form's field checks) finds in ``form``, raising nothing.

    What a form page shows beside its fields before the last step, from the
    same checks the service's ``check_*`` runs.
    """
    check = Checker()
    fields(check, form)
    return check.errors


def clean_text(value: str, *, multiline: bool = False) -> str | None:
    """NFC, no control characters, trimmed; None when the text cannot be stored.

    Lone surrogates (which no keyboard produces, but a paste or a bad driver can)
    have no UTF-8 form; they are refused rather than silently dropped.
    """
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return None
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    kept = []
    for ch in value:
        if ch == "\n":
            kept.append("\n" if multiline else " ")
        elif ch == "\t":
            kept.append(" ")
        elif unicodedata.category(ch) != "Cc":
            kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept)).strip()


def normalize_phone(value: str) -> str | None:
    """Korean phone numbers in any usual spelling → digits only, or None."""
    cleaned = clean_text(value) or ""
    digits = re.sub(r"[\s\-().]", "", cleaned)
    if digits.startswith("+82"):
        digits = "0" + digits[3:].lstrip("0")
    if not _PHONE_DIGITS.match(digits):
        return None
    return digits


def normalize_email(value: str) -> str | None:
    cleaned = clean_text(value) or ""
    if len(cleaned) > EMAIL_MAX or not _EMAIL.match(cleaned) or not cleaned.isascii():
        return None
    local, _, domain = cleaned.partition("@")
    return f"{local}@{domain.lower()}"
