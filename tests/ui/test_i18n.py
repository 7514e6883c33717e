"""The catalog: every key in Korean and English, every key the code uses exists."""

from __future__ import annotations

import re
import string
from pathlib import Path
from typing import get_args

import pytest
from pytestqt.qtbot import QtBot

from kiosk.config import Language, Orientation
from ui.i18n import I18n, catalog, translate
from ui.screens.consent import KINDS, SECTIONS, consent_texts

ROOT = Path(__file__).resolve().parents[2]
KEYBOARD_KEYS = (
    "keyboard.space",
    "keyboard.backspace",
    "keyboard.enter",
    "keyboard.shift",
    "keyboard.toggle_language",
)
# Catalog keys written as string literals: tr("…"), TrLabel("…"), set_key("…") and the like.
KEY_LITERAL = re.compile(r"""["']((?:[a-z0-9_]+\.)+[a-z0-9_]+)["']""")
KEY_PREFIXES = tuple(sorted({key.split(".")[0] + "." for key in catalog()}))
# Literals that look like keys but are not catalog entries.
NOT_KEYS = re.compile(r"^(catalog\.json|ko\.json|en\.json|ui\.|kiosk\.|sync\.|PySide6|assets\.)")


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_has_korean_and_english() -> None:
    for key, entry in catalog().items():
        assert set(entry) == {"ko", "en"}, key
        assert entry["ko"].strip() and entry["en"].strip(), key


def test_both_languages_take_the_same_parameters() -> None:
    for key, entry in catalog().items():
        assert placeholders(entry["ko"]) <= placeholders(entry["en"]) | {"month"}, key
        assert placeholders(entry["en"]) <= placeholders(entry["ko"]) | {"month_name"}, key


def test_keyboard_labels_are_in_the_catalog() -> None:
    for key in KEYBOARD_KEYS:
        assert key in catalog()


def test_every_validation_key_has_an_error_text() -> None:
    keys = [
        "field.required",
        "text.too_long",
        "text.invalid",
        "phone.invalid",
        "email.invalid",
        "contact.required",
        "contact.not_allowed",
        "consent.required",
        "category.required",
        "category.unknown",
        "district.unknown",
        "dong.not_in_district",
        "dong.needs_district",
        "photo.invalid",
        "photo.too_large",
        "photo.not_allowed",
        "area.required",
        "area.unknown",
        "event.full",
        "event.cancelled",
        "event.closed",
        "event.unknown",
        "kiosk.not_enrolled",
    ]
    for key in keys:
        assert f"error.{key}" in catalog(), key


def ui_sources() -> list[Path]:
    return sorted((ROOT / "ui").rglob("*.py"))


def test_every_key_used_in_ui_code_exists() -> None:
    missing = []
    for path in ui_sources():
        for key in KEY_LITERAL.findall(path.read_text(encoding="utf-8")):
            if not key.startswith(KEY_PREFIXES) or NOT_KEYS.match(key):
                continue
            # Domain message keys (event.full) are shown as error.<key>.
            if key not in catalog() and f"error.{key}" not in catalog():
                missing.append(f"{path.relative_to(ROOT)}: {key}")
    assert not missing, missing


def test_keys_built_from_parts_exist() -> None:
    # Keys put together at run time: error.<validation key>, status.state.<state>, …
    from sync.status import SyncState

    for state in SyncState:
        assert f"status.state.{state.value}" in catalog()
    for day in range(7):
        assert f"weekday.{day}" in catalog()
    for month in range(1, 13):
        assert f"month.{month}" in catalog()
    for kind in ("complaint", "suggestion", "proposal", "signup", "waitlist"):
        assert f"receipt.next.{kind}" in catalog()


@pytest.mark.parametrize("language", ["ko", "en"])
def test_consent_texts_are_complete_and_share_one_version(language: Language) -> None:
    texts = consent_texts(language)
    assert texts["version"] == consent_texts("ko")["version"]
    for kind in KINDS:
        for section in SECTIONS:
            assert texts["kinds"][kind][section].strip(), (kind, section)


def test_a_missing_key_shows_itself_instead_of_crashing(caplog: pytest.LogCaptureFixture) -> None:
    assert translate("no.such.key", "ko") == "no.such.key"
    assert "no.such.key" in caplog.text


def test_language_change_is_signalled_once(qtbot: QtBot) -> None:
    i18n = I18n("ko")
    with qtbot.waitSignal(i18n.languageChanged) as blocker:
        i18n.set_language("en")
    assert blocker.args == ["en"]
    assert i18n.text("home.complaint") == "File a complaint"


def test_every_key_the_staff_and_check_in_screens_build_from_parts_exists() -> None:
    from core.payloads import MutationType
    from core.tickets import TicketType
    from kiosk.admissions import UndoOutcome
    from kiosk.checkin import Reason
    from ui.camera import STATUS_ACTIVE, STATUS_FAILED, STATUS_NONE, STATUS_OFF
    from ui.i18n import catalog
    from ui.staff.attendance import TODAY_FIGURES
    from ui.staff.dashboard import FIGURES
    from ui.staff.screen import PAGES
    from ui.staff.settings import IDLE_CHOICES

    keys = [f"checkin.invalid.{reason}" for reason in Reason]
    keys += [f"checkin.undo.{outcome}" for outcome in UndoOutcome]
    keys += [f"ticket.type.{kind.name.lower()}" for kind in TicketType]
    keys += [STATUS_ACTIVE, STATUS_FAILED, STATUS_NONE, STATUS_OFF]
    keys += [f"staff.mutation.{kind}" for kind in MutationType]
    keys += [f"staff.dashboard.{name}" for name in FIGURES]
    keys += [f"staff.today.{name}" for name in TODAY_FIGURES]
    keys += [f"staff.menu.{name}" for name in PAGES]
    keys += [f"staff.settings.idle.{seconds}" for seconds in IDLE_CHOICES]
    keys += [f"staff.settings.orientation.{o}" for o in get_args(Orientation)]
    keys += [f"staff.enrol.{name}" for name in ("device", "office", "server")]
    assert [key for key in keys if key not in catalog()] == []
