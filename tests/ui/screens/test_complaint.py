"""The complaint and anonymous suggestion flows, driven by touch and typed keys."""

from __future__ import annotations

import unicodedata

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QScrollArea
from pytestqt.qtbot import QtBot

from core.kinds import SubmissionKind
from core.receipts import format_code, is_valid_code
from tests.conftest import KioskDB
from tests.ui.kiosk_fixtures import (
    Citizen,
    FakeSync,
    count_records,
    make_window,
    only_record,
)
from tests.ui.photo_source import StillPhotoSource
from tests.ui.toolkit_fixtures import TapKeys
from ui.i18n import translate
from ui.keyboard import OnScreenKeyboard
from ui.screens.consent import consent_version
from ui.shell import KioskWindow


def test_complaint_end_to_end_is_stored_sealed_with_hangul_nfc(
    citizen: Citizen, kiosk: KioskWindow, kiosk_db: KioskDB, fake_sync: FakeSync
) -> None:
    citizen.home_tile("complaint")
    for button in citizen.form().grid("category").buttons():
        assert not button.icon().isNull(), f"{button.text()} has no icon"
    kiosk.start_over()
    citizen.file_complaint(description="보도블록이 깨져 있어요. 밤에 위험합니다.")
    assert citizen.screen == "consent"
    citizen.agree(share=True)
    assert citizen.screen == "review"
    shown = [label.text() for label in kiosk.review.findChildren(type(kiosk.review.error))]
    assert "김민수" in shown and "도로·보도 파손" in shown and "마포구" in shown
    citizen.submit()

    assert citizen.screen == "receipt"
    stored = only_record(kiosk_db)
    assert stored.submission is not None
    assert stored.submission.kind == SubmissionKind.COMPLAINT
    assert stored.submission.category_code == "road"
    assert stored.submission.district == "mapo"
    assert stored.submission.consent_version == consent_version()
    assert stored.mutation.type == "complaint.create"
    sealed = kiosk_db.unsealed(stored.mutation)
    assert sealed["name"] == "김민수"
    assert sealed["phone"] == "01012345678"
    assert sealed["description"] == "보도블록이 깨져 있어요. 밤에 위험합니다."
    assert unicodedata.is_normalized("NFC", sealed["description"])
    assert sealed["address"] == "망원동 123"
    assert sealed["share_contact"] is True
    # The receipt shows the stored code, formatted, and a QR; the engine is told at once.
    code = stored.submission.receipt_code
    assert kiosk.receipt.code.text() == format_code(code)
    assert is_valid_code(code)
    assert not kiosk.receipt.qr.pixmap().isNull()
    assert fake_sync.commits == 1
    assert "7" in kiosk.receipt.next_steps.text()


def test_done_returns_home_and_leaves_nothing_typed(citizen: Citizen, kiosk: KioskWindow) -> None:
    citizen.file_complaint()
    citizen.agree()
    citizen.submit()
    citizen.tap(kiosk.receipt.done_button)
    assert citizen.screen == "home"
    for editor in kiosk.findChildren(QLineEdit):
        assert editor.text() == ""
    for text in kiosk.findChildren(QPlainTextEdit):
        assert text.toPlainText() == ""
    assert kiosk.receipt.code.text() == ""


@pytest.mark.parametrize("language", ["ko", "en"])
def test_every_complaint_field_error_shows_beside_its_field(
    qtbot: QtBot, kiosk_db: KioskDB, language: str
) -> None:
    window = make_window(qtbot, kiosk_db, language=language)
    citizen = Citizen(qtbot, window)

    def said(key: str) -> str:
        return translate(f"error.{key}", "en" if language == "en" else "ko")

    citizen.home_tile("complaint")
    citizen.next()
    assert said("category.required") in citizen.error_beside("category")
    citizen.choose("category", "noise")
    citizen.next()
    citizen.next()  # district and address are optional
    citizen.next()
    assert said("field.required") in citizen.error_beside("description")
    citizen.type_into("description", "밤마다 공사 소음이 심합니다")
    citizen.next()
    citizen.next()
    assert said("field.required") in citizen.error_beside("name")
    assert said("contact.required") in citizen.error_beside("phone")
    citizen.type_into("name", "이수진")
    citizen.type_into("phone", "12345")
    citizen.type_into("email", "not-an-address")
    citizen.next()
    assert said("phone.invalid") in citizen.error_beside("phone")
    assert said("email.invalid") in citizen.error_beside("email")
    assert citizen.error_beside("name") == ""
    citizen.form().field("phone").editor.clear()
    citizen.form().field("email").editor.clear()
    citizen.type_into("phone", "02-123-4567")
    citizen.next()
    # Consent: Next without the required tick is refused, beside the tick box.
    assert citizen.screen == "consent"
    citizen.tap(window.consent.nav.next_button)
    assert window.consent.error.isVisible()
    assert said("consent.required") in window.consent.error.text()
    assert count_records(kiosk_db) == 0


def test_too_long_text_is_refused_beside_the_field(citizen: Citizen, kiosk: KioskWindow) -> None:
    citizen.home_tile("complaint")
    citizen.choose("category", "other")
    citizen.next()
    citizen.next()
    editor = citizen.form().field("description").editor
    assert isinstance(editor, QPlainTextEdit)
    editor.setPlainText("가" * 4001)  # more than anyone types by hand; pasted by a test
    citizen.next()
    assert translate("error.text.too_long", "ko") in citizen.error_beside("description")


def test_refusing_consent_explains_the_consequence_and_stores_nothing(
    citizen: Citizen, kiosk: KioskWindow, kiosk_db: KioskDB
) -> None:
    citizen.file_complaint()
    citizen.tap(kiosk.consent.refuse)
    assert kiosk.consent.refused.isVisible()
    assert "익명 제안" in kiosk.consent.refused.text()
    assert not kiosk.consent.required.isChecked()
    citizen.tap(kiosk.consent.nav.next_button)
    assert citizen.screen == "consent"
    assert count_records(kiosk_db) == 0


def test_back_keeps_what_was_typed(citizen: Citizen, kiosk: KioskWindow) -> None:
    citizen.file_complaint()
    citizen.tap(kiosk.consent.nav.back_button)
    assert citizen.screen == "complaint"
    assert citizen.form().value("name") == "김민수"
    citizen.tap(citizen.form().nav.back_button)
    citizen.tap(citizen.form().nav.back_button)
    assert citizen.form().value("description") == "보도블록이 깨져 있어요"


def test_anonymous_suggestion_has_no_contact_fields_and_says_so(
    citizen: Citizen, kiosk: KioskWindow, kiosk_db: KioskDB
) -> None:
    citizen.home_tile("suggestion")
    form = citizen.form()
    assert {f.name for f in form.fields()} == {
        "category",
        "district",
        "dong",
        "address",
        "description",
    }
    notes = [label.text() for label in form.findChildren(type(form.title)) if label.isVisible()]
    assert translate("suggestion.note", "ko") in notes
    citizen.choose("category", "park")
    citizen.next()
    citizen.next()
    citizen.type_into("description", "공원에 그늘막을 더 설치해 주세요")
    citizen.next()
    # No personal data asked, so no consent screen: straight to review.
    assert citizen.screen == "review"
    citizen.submit()
    assert citizen.screen == "receipt"
    stored = only_record(kiosk_db)
    assert stored.submission is not None
    assert stored.submission.kind == SubmissionKind.SUGGESTION
    sealed = kiosk_db.unsealed(stored.mutation)
    assert sealed["name"] == sealed["phone"] == sealed["email"] == ""
    assert sealed["description"] == "공원에 그늘막을 더 설치해 주세요"
    assert translate("receipt.next.suggestion", "ko") == kiosk.receipt.next_steps.text()


def test_hangul_typed_on_the_on_screen_keyboard_is_stored_composed(
    citizen: Citizen, kiosk: KioskWindow, kiosk_db: KioskDB, tap_keys: TapKeys
) -> None:
    keyboard = kiosk.keyboard
    assert isinstance(keyboard, OnScreenKeyboard)
    assert not keyboard.isVisible()  # nothing to type into on the home screen
    citizen.home_tile("complaint")
    citizen.choose("category", "streetlight")
    citizen.next()
    citizen.next()
    editor = citizen.form().field("description").editor
    citizen.qtbot.mouseClick(editor.viewport(), Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call, union-attr]
    assert keyboard.isVisible()
    tap_keys(keyboard, text="가로등이 꺼졌어요")
    citizen.next()
    citizen.type_into("name", "")
    tap_keys(keyboard, text="최윤서")
    citizen.type_into("phone", "")
    tap_keys(keyboard, text="01024681357")
    citizen.next()
    citizen.agree()
    citizen.submit()
    sealed = kiosk_db.unsealed(only_record(kiosk_db).mutation)
    assert sealed["description"] == "가로등이 꺼졌어요"
    assert sealed["name"] == "최윤서"
    assert unicodedata.is_normalized("NFC", sealed["description"] + sealed["name"])
    assert sealed["phone"] == "01024681357"


def test_choosing_a_district_offers_its_dongs_and_a_new_district_clears_the_dong(
    citizen: Citizen, kiosk: KioskWindow, kiosk_db: KioskDB
) -> None:
    citizen.home_tile("complaint")
    citizen.choose("category", "road")
    citizen.next()
    form = citizen.form()
    assert not form.field("dong").isVisible()  # nothing to choose from before a district
    citizen.choose("district", "mapo")
    dong = form.field("dong")
    assert dong.isVisible()
    shown = [b.text() for b in form.grid("dong").buttons()]
    assert shown[0] == translate("field.dong.none", "ko")  # a citizen may not know it
    assert shown[1] == "공덕동" and "망원1동" in shown and len(shown) == 1 + 16
    citizen.choose("dong", "mangwon-1")
    citizen.choose("district", "gangnam")
    assert form.value("dong") == ""
    assert "망원1동" not in [b.text() for b in form.grid("dong").buttons()]
    citizen.choose("dong", "gaepo-3")
    citizen.tap(kiosk.header.english)
    assert form.grid("dong").button_for("gaepo-3").text() == "Gaepo 3-dong"
    assert form.grid("dong").button_for("gaepo-3").isChecked()
    # In the reader's own alphabetical order: 압구정동 comes first in English, 개포1동 in Korean.
    assert form.grid("dong").buttons()[1].text() == "Apgujeong-dong"
    citizen.next()
    citizen.type_into("description", "Broken pavement")
    citizen.next()
    citizen.type_into("name", "Kim Minsu")
    citizen.type_into("phone", "010-1234-5678")
    citizen.next()
    citizen.agree()
    shown = [label.text() for label in kiosk.review.findChildren(type(kiosk.review.error))]
    assert "Gangnam-gu" in shown and "Gaepo 3-dong" in shown
    citizen.submit()
    stored = only_record(kiosk_db)
    assert stored.submission is not None and stored.submission.dong == "gaepo-3"
    assert stored.submission.district == "gangnam"


def test_start_over_hides_the_dongs_of_the_last_citizen(
    citizen: Citizen, kiosk: KioskWindow
) -> None:
    citizen.home_tile("complaint")
    citizen.choose("category", "road")
    citizen.next()
    citizen.choose("district", "guro")
    citizen.choose("dong", "hang")
    kiosk.start_over()
    citizen.home_tile("complaint")
    form = citizen.form()
    assert form.value("district") == "" and form.value("dong") == ""
    assert not form.field("dong").isVisible()


def test_done_leaves_no_photo_behind(qtbot: QtBot, kiosk_db: KioskDB) -> None:
    kiosk = make_window(qtbot, kiosk_db, photo_source=StillPhotoSource())
    citizen = Citizen(qtbot, kiosk)
    citizen.file_complaint(photo=True)
    citizen.agree()
    citizen.submit()
    citizen.tap(kiosk.receipt.done_button)
    panel = kiosk.complaint.photo
    assert panel is not None and panel.jpeg == b"" and panel.view.pixmap().isNull()


def test_at_large_text_the_dongs_scroll_into_sight_once_a_district_is_chosen(
    qtbot: QtBot, kiosk_db: KioskDB
) -> None:
    kiosk = make_window(qtbot, kiosk_db, large_text=True)  # landscape: the shortest screen
    citizen = Citizen(qtbot, kiosk)
    citizen.home_tile("complaint")
    citizen.choose("category", "road")
    citizen.next()
    form = citizen.form()
    citizen.choose("district", "songpa")
    question = form.field("dong").label
    page = next(a for a in form.findChildren(QScrollArea) if a.isAncestorOf(question))
    bar = page.verticalScrollBar()

    def question_on_top() -> bool:
        at = question.mapTo(page.viewport(), QPoint(0, 0)).y()
        return at <= 0 < at + question.height() or bar.value() == bar.maximum() > 0

    # The question scrolled to the top, so as many dongs as fit are in sight below it.
    qtbot.waitUntil(question_on_top, timeout=2000)
