"""The policy proposal flow: consent only when contact details are given."""

from __future__ import annotations

from core.kinds import SubmissionKind
from tests.conftest import KioskDB
from tests.ui.kiosk_fixtures import Citizen, count_records, only_record
from ui.i18n import translate
from ui.screens.consent import consent_version
from ui.shell import KioskWindow


def write_proposal(citizen: Citizen) -> None:
    citizen.home_tile("proposal")
    citizen.choose("area", "transport")
    citizen.next()
    citizen.type_into("title", "마을버스 배차 간격 단축")
    citizen.type_into("description", "출퇴근 시간에 마을버스가 20분마다 와서 너무 깁니다.")
    citizen.next()


def test_proposal_without_contact_needs_no_consent(
    citizen: Citizen, kiosk: KioskWindow, kiosk_db: KioskDB
) -> None:
    write_proposal(citizen)
    citizen.next()  # no district
    citizen.next()  # no contact
    assert citizen.screen == "review"
    citizen.submit()
    assert citizen.screen == "receipt"
    stored = only_record(kiosk_db)
    assert stored.submission is not None
    assert stored.submission.kind == SubmissionKind.PROPOSAL
    assert stored.submission.category_code == "transport"
    assert stored.submission.district == ""
    assert stored.mutation.type == "proposal.create"
    sealed = kiosk_db.unsealed(stored.mutation)
    assert sealed["title"] == "마을버스 배차 간격 단축"
    assert sealed["name"] == ""
    assert "30" in kiosk.receipt.next_steps.text()


def test_proposal_with_contact_asks_consent_and_stores_its_version(
    citizen: Citizen, kiosk: KioskWindow, kiosk_db: KioskDB
) -> None:
    write_proposal(citizen)
    citizen.choose("district", "gwanak")
    citizen.next()
    citizen.type_into("name", "Jane Doe")
    citizen.type_into("email", "Jane@Example.COM")
    citizen.next()
    assert citizen.screen == "consent"
    citizen.agree()
    citizen.submit()
    stored = only_record(kiosk_db)
    assert stored.submission is not None
    assert stored.submission.consent_version == consent_version()
    assert stored.submission.district == "gwanak"
    sealed = kiosk_db.unsealed(stored.mutation)
    assert sealed["name"] == "Jane Doe"
    assert sealed["email"] == "Jane@example.com"


def test_proposal_errors_show_beside_their_fields(
    citizen: Citizen, kiosk: KioskWindow, kiosk_db: KioskDB
) -> None:
    citizen.home_tile("proposal")
    citizen.next()
    assert translate("error.area.required", "ko") in citizen.error_beside("area")
    citizen.choose("area", "welfare")
    citizen.next()
    citizen.next()
    assert translate("error.field.required", "ko") in citizen.error_beside("title")
    assert translate("error.field.required", "ko") in citizen.error_beside("description")
    citizen.type_into("title", "제목")
    citizen.type_into("description", "내용")
    citizen.next()
    citizen.next()
    citizen.type_into("phone", "010-12")
    citizen.next()
    assert translate("error.phone.invalid", "ko") in citizen.error_beside("phone")
    assert count_records(kiosk_db) == 0


def test_district_can_be_unchosen(citizen: Citizen, kiosk: KioskWindow) -> None:
    write_proposal(citizen)
    citizen.choose("district", "jongno")
    citizen.choose("district", "")
    assert citizen.form().value("district") == ""
