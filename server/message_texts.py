"""What the server tells citizens, in Korean and English: one template per kind of message.

The words are in server/message_texts.json, in the one catalogue format of
kiosk and server (``core.translations``); this module picks the template and
fills it.

Texts are filled from a notification's ``facts`` (nothing personal: the kind,
the status, the answer staff wrote for the public status page, the event) and
end with the status page and how to stop messages. The citizen's language is
the one they used at the kiosk.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from core.clock import SEOUL
from core.translations import Catalogue, Language

KINDS = ("received", "status", "reminder", "promoted", "cancelled")
# The templates a message may use: a kind, or what "received" says for a sign-up.
TEMPLATES = ("received", "signed_up", "waitlisted", "status", "reminder", "promoted", "cancelled")

# message.<template>.subject / .body, message.footer, message.note, message.what.<kind>,
# message.status.<status>: the catalogue format of core.translations. Placeholders:
# {status}, {note}, {event}, {when}, {place}, {code}, {what}, {admission}, {url}.
MESSAGES = Catalogue.load(files("server") / "message_texts.json")
# Texts of more than this many characters are cut (an LMS holds 2,000 bytes).
NOTE_LIMIT = 600


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str


def template_kind(kind: str, facts: dict[str, Any]) -> str:
    """The template a message uses: a sign-up's "received" says confirmed or waiting."""
    if kind == "received" and facts.get("event_ko"):
        return "waitlisted" if facts.get("waitlisted") else "signed_up"
    return kind


def render(kind: str, language: str, facts: dict[str, Any], url: str) -> Rendered:
    lang: Language = "en" if language == "en" else "ko"
    template = f"message.{template_kind(kind, facts)}"
    what = f"message.what.{facts.get('what', '')}"
    status = f"message.status.{facts.get('status', '')}"
    values = {
        "code": facts.get("code", ""),
        "what": MESSAGES.text(what if what in MESSAGES else "message.what.complaint", lang),
        "status": MESSAGES.text(status, lang) if status in MESSAGES else facts.get("status", ""),
        "note": "",
        "event": facts.get(f"event_{lang}") or facts.get("event_ko", ""),
        "place": facts.get(f"place_{lang}") or facts.get("place_ko", ""),
        "when": _when(facts.get("starts_at"), lang),
        "admission": facts.get("admission", "") or "-",
    }
    note = str(facts.get("note", "")).strip()
    if note:
        clipped = note if len(note) <= NOTE_LIMIT else note[: NOTE_LIMIT - 1] + "…"
        values["note"] = MESSAGES.text("message.note", lang, note=clipped)
    text = MESSAGES.text(f"{template}.body", lang, **values)
    text += MESSAGES.text("message.footer", lang, url=url)
    return Rendered(MESSAGES.text(f"{template}.subject", lang, **values), text)


def _when(value: object, lang: str) -> str:
    if not isinstance(value, str) or not value:
        return ""
    local = dt.datetime.fromisoformat(value).astimezone(SEOUL)
    if lang == "ko":
        return f"{local.month}월 {local.day}일 {local:%H:%M}"
    return f"{local.day} {local:%b} {local:%H:%M}"
