"""Every user-facing string, in Korean and English, from one catalog.

The catalog is ``assets/i18n/catalog.json`` in the one format the kiosk and the
server share, read by ``core.translations``: ``{"key": {"ko": "…", "en": "…"}}``
with ``str.format`` placeholders (``{count}``). Widgets never hold literal
text: they keep a key and ask ``tr`` again when the language changes, which is
how a language switch mid-flow retranslates everything while keeping what the
citizen typed (the typed text lives in the editors, not in the catalog).

One ``I18n`` object is installed per application (``install``); the module
level ``tr`` reads it so widgets need no reference passed around.
"""

from __future__ import annotations

from functools import cache
from typing import Any, get_args

from PySide6.QtCore import QObject, Signal

from assets import asset
from core.translations import Catalogue
from kiosk.config import Language

LANGUAGES: tuple[Language, ...] = get_args(Language)


@cache
def catalog() -> Catalogue:
    """The whole catalog, read once."""
    return Catalogue.load(asset("i18n", "catalog.json"))


def translate(key: str, language: Language, **params: Any) -> str:
    """The text for ``key`` in ``language``; a missing key shows itself, never crashes.

    A kiosk must not fall over for a missing word: it is logged, and the
    catalog test catches it before it ships.
    """
    return catalog().text(key, language, **params)


def has_key(key: str) -> bool:
    return key in catalog()


class I18n(QObject):
    """The current language; ``languageChanged`` tells every screen to retranslate."""

    languageChanged = Signal(str)  # noqa: N815 -- the name the other modules use

    def __init__(self, language: Language = "ko", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._language: Language = language

    @property
    def language(self) -> Language:
        return self._language

    def set_language(self, language: Language) -> None:
        if language == self._language:
            return
        self._language = language
        self.languageChanged.emit(language)

    def text(self, key: str, **params: Any) -> str:
        return translate(key, self._language, **params)


_active: I18n | None = None


def install(i18n: I18n) -> I18n:
    """Make ``i18n`` the one the module-level ``tr`` reads."""
    global _active  # one language per application, by design
    _active = i18n
    return i18n


def current() -> I18n:
    """The installed I18n (a Korean one is made on first use, e.g. in a widget test)."""
    if _active is None:
        return install(I18n())
    return _active


def language() -> Language:
    return current().language


def tr(key: str, **params: Any) -> str:
    """The text for ``key`` in the current language."""
    return current().text(key, **params)
