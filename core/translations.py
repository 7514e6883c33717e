"""Texts in Korean and English by message key: the one catalogue format, and its loader.

The kiosk (assets/i18n/catalog.json) and the server (server/texts.json) keep
their own texts in their own files, in one format:

    {"key": {"ko": "…", "en": "…"}, …}

with ``str.format`` placeholders (``{count}``). Code never holds a sentence
for a person: it holds a key (and the values a text names) and asks the
catalogue where the text is shown — a screen, a staff page, a terminal.

A catalogue ships with the program, but it is still a file: ``parse`` refuses
one that is not that shape (not an object of keys, a language missing or
empty, a broken ``{``) and names the key, rather than showing a citizen a
half-translated screen. Which placeholders each language must share is a
rule of each program's tests (the kiosk's dates name the month differently).
A key missing at run time shows as the key itself and is logged, never as a
crash or an empty space; tests keep that from happening.
"""

from __future__ import annotations

import json
import logging
import string
from collections.abc import Iterator, Mapping
from importlib.resources.abc import Traversable
from typing import Any, Final, Literal

Language = Literal["ko", "en"]
LANGUAGES: Final[tuple[Language, ...]] = ("ko", "en")
# A catalogue is a few hundred short texts; anything near this is not one.
MAX_CHARACTERS: Final = 2_000_000

log = logging.getLogger(__name__)


class CatalogueFileError(ValueError):
    """A catalogue file is not in the one format; the message names the key and what is wrong."""


class Catalogue(Mapping[str, Mapping[Language, str]]):
    """One program's texts: key → language → text. Read-only once parsed."""

    def __init__(self, entries: Mapping[str, Mapping[Language, str]], name: str = "catalogue"):
        self._entries = dict(entries)
        self.name = name

    @classmethod
    def parse(cls, text: str, name: str = "catalogue") -> Catalogue:
        """The catalogue in ``text`` (a file's contents); ``name`` says which file in errors."""
        if len(text) > MAX_CHARACTERS:
            raise CatalogueFileError(f"{name}: longer than {MAX_CHARACTERS} characters")
        try:
            raw = json.loads(text)
        except ValueError as exc:
            raise CatalogueFileError(f"{name}: not JSON: {exc}") from None
        if not isinstance(raw, dict):
            raise CatalogueFileError(f"{name}: must be one JSON object of keys")
        return cls({key: _entry(name, key, value) for key, value in raw.items()}, name)

    @classmethod
    def load(cls, file: Traversable) -> Catalogue:
        """The catalogue in a file shipped with the program (a path or a package resource)."""
        return cls.parse(file.read_text(encoding="utf-8"), str(file))

    def __getitem__(self, key: str) -> Mapping[Language, str]:
        return self._entries[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def text(self, key: str, language: Language, **values: Any) -> str:
        """The text for ``key`` in ``language``, its placeholders filled from ``values``."""
        entry = self._entries.get(key)
        if entry is None:
            log.error("%s has no text for %r", self.name, key)
            return key
        text = entry[language]
        return text.format(**values) if values else text


def _entry(name: str, key: object, value: object) -> dict[Language, str]:
    if not isinstance(key, str) or not key:
        raise CatalogueFileError(f"{name}: a key must be non-empty text: {key!r}")
    if not isinstance(value, dict) or set(value) != set(LANGUAGES):
        raise CatalogueFileError(f"{name}: {key!r} needs exactly the languages {LANGUAGES}")
    texts: dict[Language, str] = {}
    for language in LANGUAGES:
        text = value[language]
        if not isinstance(text, str) or not text.strip():
            raise CatalogueFileError(f"{name}: {key!r} has no {language} text")
        try:
            list(string.Formatter().parse(text))
        except ValueError as exc:
            raise CatalogueFileError(f"{name}: {key!r} ({language}): {exc}") from None
        texts[language] = text
    return texts


def placeholders(text: str) -> set[str]:
    """The names a text's ``{…}`` placeholders use (for the tests that hold both languages)."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}
