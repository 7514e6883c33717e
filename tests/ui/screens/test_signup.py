"""Event sign-up: the list with seats, the form, consent, the receipt with its QR."""

from __future__ import annotations

from core.kinds import RegistrationStatus
from tests.conftest import KioskDB
from tests.ui.kiosk_fixtures import Citizen, count_records, only_record
from ui.i18n import translate
from ui.screens.signup import EventButton
from ui.shell import KioskWindow


def event_button(kiosk: KioskWindow, event_id: int) -> EventButton:
    for button in kiosk.events.buttons:
        if button.item.id == event_id:
            return button
    raise AssertionError(f"event {event_id} is not listed")


def sign_up(citizen: Citizen, kiosk: KioskWindow, event_id: int, name: str, phone: str) -> None:
    citizen.home_tile("signup")
    citizen.tap(event_button(kiosk, event_id))
    citizen.type_into("name", name)
    citizen.type_into("phone", phone)
    citizen.next()
    citizen.agree()
    citizen.submit()


def test_event_list_shows_title_time_place_and_seats(citizen: Citizen, kiosk: KioskWindow) -> None:
    citizen.home_tile("signup")
    assert citizen.screen == "events"
    assert len(kiosk.events.buttons) == 4
    text = event_button(kiosk, 2).text()
    assert "청년 정책 간담회" in text
    assert "서울시청 다목적홀" in text
    assert "10:00" in text  # Seoul time, not UTC
    # No server to ask: the seats are this kiosk's offline block, and it says so.
    assert "이 키오스크에서 신청 가능 10석 (서버 연결 전)" in text


def test_sign_up_end_to_end(citizen: Citizen, kiosk: KioskWindow, kiosk_db: KioskDB) -> None:
    sign_up(citizen, kiosk, 1, "박영희", "010 9876 5432")
    assert citizen.screen == "receipt"
    stored = only_record(kiosk_db)
    assert stored.registration is not None
    assert stored.registration.status == RegistrationStatus.CONFIRMED
    assert stored.registration.masked_name == "박*희"
    assert stored.mutation.type == "signup.create"
    sealed = kiosk_db.unsealed(stored.mutation)
    assert sealed == {"name": "박영희", "phone": "01098765432"}
    assert not kiosk.receipt.qr.pixmap().isNull()
    assert kiosk.receipt.title.text() == translate("receipt.title.signup", "ko")


def test_full_event_offers_the_waiting_list(
    citizen: Citizen, kiosk: KioskWindow, kiosk_db: KioskDB
) -> None:
    # Event 3 has an offline block of two places on this kiosk.
    for name in ("김일", "김이"):
        sign_up(citizen, kiosk, 3, name, "010-1111-2222")
        citizen.tap(kiosk.receipt.done_button)
    citizen.home_tile("signup")
    full = event_button(kiosk, 3)
    assert translate("signup.full", "ko") in full.text()
    citizen.tap(full)
    assert kiosk.signup.waitlist_note.isVisible()
    citizen.type_into("name", "김삼")
    citizen.type_into("phone", "010-3333-4444")
    citizen.next()
    citizen.agree()
    assert kiosk.review.nav.next_button.text() == translate("review.submit.waitlist", "ko")
    citizen.submit()
    assert kiosk.receipt.title.text() == translate("receipt.title.waitlist", "ko")
    assert count_records(kiosk_db) == 3


def test_last_place_taken_meanwhile_turns_into_a_waiting_list_offer(
    citizen: Citizen, kiosk: KioskWindow, kiosk_db: KioskDB
) -> None:
    citizen.home_tile("signup")
    citizen.tap(event_button(kiosk, 3))
    citizen.type_into("name", "최민")
    citizen.type_into("phone", "010-5555-6666")
    citizen.next()
    citizen.agree()
    # Meanwhile the two places go (another citizen at another moment of the day).
    from kiosk.signups import SignupForm
    from kiosk.signups import sign_up as domain_sign_up
    from kiosk.submissions import Consent
    from tests.conftest import NOW

    for _ in range(2):
        domain_sign_up(
            kiosk_db.store, 3, SignupForm("다른분", "01000000000"), Consent("v", True), now=NOW
        )
    citizen.submit()
    assert citizen.screen == "review"
    assert translate("error.event.full", "ko") in kiosk.review.error.text()
    assert kiosk.review.nav.next_button.text() == translate("review.submit.waitlist", "ko")
    citizen.submit()
    assert citizen.screen == "receipt"
    assert kiosk.receipt.title.text() == translate("receipt.title.waitlist", "ko")


def test_signup_errors_show_beside_their_fields(
    citizen: Citizen, kiosk: KioskWindow, kiosk_db: KioskDB
) -> None:
    citizen.home_tile("signup")
    citizen.tap(event_button(kiosk, 1))
    citizen.next()
    assert translate("error.field.required", "ko") in citizen.error_beside("name")
    assert translate("error.field.required", "ko") in citizen.error_beside("phone")
    citizen.type_into("name", "홍길동")
    citizen.type_into("phone", "0101234")
    citizen.next()
    assert translate("error.phone.invalid", "ko") in citizen.error_beside("phone")
    assert count_records(kiosk_db) == 0


def test_back_from_the_form_returns_to_the_list(citizen: Citizen, kiosk: KioskWindow) -> None:
    citizen.home_tile("signup")
    citizen.tap(event_button(kiosk, 2))
    citizen.tap(citizen.form().nav.back_button)
    assert citizen.screen == "events"
