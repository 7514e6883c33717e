"""Every actionable widget on every screen has a name in Qt's accessibility tree.

What a system screen reader (Orca through AT-SPI, NVDA or Narrator through
UI Automation) reads is what ``QAccessible`` reports for each widget: its
name, role and state. This walks every screen, every page of every form,
the keyboard in each of its layouts, the overlays and the staff pages, in
Korean and in English, and fails on any actionable widget whose accessible
name is empty or not in the language shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QAbstractButton, QWidget

from kiosk import lookups
from kiosk.config import Language
from kiosk.lookups import events
from tests.conftest import NOW
from tests.ui.kiosk_fixtures import Citizen
from ui.i18n import translate
from ui.keyboard import Mode, OnScreenKeyboard
from ui.screens.form import FormScreen
from ui.shell import KioskWindow
from ui.voice.targets import role_of

HANGUL = re.compile(r"[\uac00-\ud7a3\u3131-\u318e]")
LETTER = re.compile(r"[^\W\d_]")
# A word of an English sentence: acronyms (USB) and units (58mm) are the same in Korean.
ENGLISH_WORD = re.compile(r"[A-Za-z]*[a-z]{3,}")
# Names that are the same in both languages on purpose: the keyboard's script key
# shows both scripts; a language is named in itself (as language pickers do).
BOTH_LANGUAGES = {"한/A", "한국어", "English"}


def actionable(window: KioskWindow) -> list[QWidget]:
    return [
        w
        for w in window.findChildren(QWidget)
        if w.isVisible() and (role_of(w) is not None or isinstance(w, QAbstractButton))
    ]


def every_view(citizen: Citizen, kiosk: KioskWindow) -> Iterator[str]:
    """Show every screen, page, keyboard layout and overlay in turn."""
    for name, screen in kiosk.every_screen().items():
        if name in ("staff_pin", "staff"):
            continue
        if isinstance(screen, FormScreen):
            yield from _form_pages(kiosk, name, screen)
            continue
        if name == "events":
            kiosk.events.set_events(events(kiosk.store, NOW))
        kiosk.show_screen(screen)
        yield name
    kiosk.show_screen(kiosk.complaint)
    yield from _keyboard_layouts(kiosk)
    kiosk.idle_warning.start()
    yield "idle warning"
    kiosk.idle_warning.stop()
    assert kiosk.voice is not None
    kiosk.voice.notice.show_notice("voice.unplugged.title", "voice.unplugged.body", seconds=10)
    yield "earphones pulled out"
    kiosk.voice.notice.hide()
    kiosk.show_screen(kiosk.staff_pin)
    yield "staff PIN"
    kiosk.show_screen(kiosk.staff)
    for page in ("dashboard", "attendance", "enrolment", "settings"):
        kiosk.staff.show_page(page)
        yield f"staff {page}"


def _form_pages(kiosk: KioskWindow, name: str, form: FormScreen) -> Iterator[str]:
    if name in ("complaint", "suggestion"):
        _fill_choices(kiosk)
    kiosk.show_screen(form)
    for index in range(form.pages.count()):
        form.pages.setCurrentIndex(index)
        yield f"{name} page {index + 1}"


def _keyboard_layouts(kiosk: KioskWindow) -> Iterator[str]:
    keyboard = kiosk.keyboard
    assert isinstance(keyboard, OnScreenKeyboard)
    editor = kiosk.complaint.field("description").editor
    kiosk.complaint.pages.setCurrentIndex(2)
    editor.setFocus()
    for mode in Mode:
        keyboard.set_mode(mode)
        yield f"keyboard {mode.value}"


def problems(kiosk: KioskWindow, language: Language) -> list[str]:
    found = []
    for widget in actionable(kiosk):
        interface = QAccessible.queryAccessibleInterface(widget)
        name = interface.text(QAccessible.Text.Name) if interface is not None else ""
        what = f"{type(widget).__name__} {widget.objectName() or ''} showing {_shown(widget)!r}"
        character_key = widget.property("key") and len(str(widget.property("key"))) == 1
        if not name.strip():
            found.append(f"no name: {what}")
        elif name in BOTH_LANGUAGES or not LETTER.search(name):
            continue  # a PIN digit is a digit in every language
        elif character_key:
            # "ㅂ 키" / "ㅂ key": the letter is the key's own, the word around it the UI's.
            if not name.endswith(translate("keyboard.key", language).replace("{key}", "")):
                found.append(f"key named {name!r}: {what}")
        elif language == "en" and HANGUL.search(name):
            found.append(f"Korean name {name!r} in English: {what}")
        elif language == "ko" and not HANGUL.search(name) and ENGLISH_WORD.search(name):
            found.append(f"name {name!r} not in Korean: {what}")
    return found


def _shown(widget: QWidget) -> str:
    return widget.text() if isinstance(widget, QAbstractButton) else ""


@pytest.mark.parametrize("language", ["ko", "en"])
def test_every_actionable_widget_has_a_name_in_the_language_shown(
    citizen: Citizen, kiosk: KioskWindow, language: Language
) -> None:
    kiosk.i18n.set_language(language)
    report: dict[str, list[str]] = {}
    seen = 0
    for view in every_view(citizen, kiosk):
        seen += len(actionable(kiosk))
        wrong = problems(kiosk, language)
        if wrong:
            report[view] = wrong
    assert seen > 500  # the walk really went through the screens
    assert report == {}, "\n".join(f"{view}: {p}" for view, found in report.items() for p in found)


def _fill_choices(kiosk: KioskWindow) -> None:
    """The categories from the store, and a district chosen so that its dongs show."""
    for form in (kiosk.complaint, kiosk.suggestion):
        form.set_categories(lookups.categories(kiosk.store))
        form.grid("district").set_value("")
    kiosk.complaint.grid("district").button_for("songpa").click()  # its dongs show too
