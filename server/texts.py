"""The server's words in Korean and English: staff pages, the public status page, the CLI.

They live in server/texts.json, in the catalogue format the kiosk uses too
(``core.translations``). Errors raised by the server's rules carry a key of
this file (``catalogue.Problem``, ``AccountError.key``), and each edge
translates: a page into the staff member's language, the operator CLI into
English. A key missing from the file shows as the key itself (and a unit test
fails), never as an empty space on a page.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from core.translations import LANGUAGES, Catalogue

__all__ = ["CATALOG", "LANGUAGES", "translate"]

CATALOG = Catalogue.load(files("server") / "texts.json")


def translate(lang: str, key: str, **values: Any) -> str:
    """The text for ``key`` in ``lang``: Korean for "ko", English for anything else."""
    return CATALOG.text(key, "ko" if lang == "ko" else "en", **values)
