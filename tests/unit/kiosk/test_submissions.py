"""Complaints, suggestions and proposals: validated, stored atomically, receipted."""

from __future__ import annotations

import json
import unicodedata
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from core.payloads import ComplaintPayload, MutationType, ProposalPayload
from core.receipts import is_valid_code
from core.validation import ValidationFailed
from kiosk.identity import NotEnrolled
from kiosk.models import DeviceIdentity, OutboxMutation, Submission
from kiosk.store import open_store
from kiosk.submissions import (
    ComplaintForm,
    Consent,
    ProposalForm,
    check_complaint,
    check_proposal,
    check_suggestion,
    complaint_errors,
    proposal_errors,
    store_complaint,
    submit_complaint,
    submit_proposal,
    submit_suggestion,
    suggestion_errors,
)
from tests.conftest import NOW, KioskDB

CONSENT = Consent(version="2026-11", required=True)
GOOD = ComplaintForm(
    category="road",
    district="mapo",
    address="마포구 월드컵로 212 앞",
    description="보도블록이 깨져서 어르신들이 넘어질 위험이 있습니다.",
    name="김민수",
    phone="010-1234-5678",
)


def rows(db: KioskDB) -> tuple[list[Submission], list[OutboxMutation]]:
    with db.store.read() as session:
        return (
            list(session.scalars(select(Submission))),
            list(session.scalars(select(OutboxMutation).order_by(OutboxMutation.seq))),
        )


def errors_of(excinfo: pytest.ExceptionInfo[ValidationFailed]) -> set[tuple[str, str]]:
    return {(e.field, e.key) for e in excinfo.value.errors}


class TestComplaint:
    def test_receipt_carries_the_record_uuid_and_a_valid_short_code(
        self, kiosk_db: KioskDB
    ) -> None:
        receipt = submit_complaint(kiosk_db.store, GOOD, CONSENT, now=NOW)
        assert is_valid_code(receipt.code)
        submissions, mutations = rows(kiosk_db)
        assert [s.id for s in submissions] == [receipt.id]
        assert [m.id for m in mutations] == [receipt.id]

    def test_domain_row_and_outbox_mutation_are_written_together(self, kiosk_db: KioskDB) -> None:
        receipt = submit_complaint(kiosk_db.store, GOOD, CONSENT, now=NOW)
        [submission], [mutation] = rows(kiosk_db)
        assert submission.receipt_code == receipt.code
        assert submission.kind == "complaint"
        assert submission.status == "queued"
        assert submission.consent_version == "2026-11"
        assert mutation.type == MutationType.COMPLAINT
        assert mutation.state == "pending"
        payload = ComplaintPayload.model_validate_json(mutation.payload or "")
        assert payload.receipt_code == receipt.code
        assert payload.anonymous is False
        assert payload.category == "road"

    def test_personal_data_is_sealed_and_only_the_server_can_read_it(
        self, kiosk_db: KioskDB
    ) -> None:
        submit_complaint(kiosk_db.store, GOOD, CONSENT, now=NOW)
        _, [mutation] = rows(kiosk_db)
        assert "김민수" not in (mutation.payload or "")
        assert "01012345678" not in (mutation.payload or "")
        sealed = kiosk_db.unsealed(mutation)
        assert sealed["name"] == "김민수"
        assert sealed["phone"] == "01012345678"
        assert sealed["description"] == GOOD.description
        assert sealed["address"] == GOOD.address

    def test_name_and_a_phone_or_email_are_required(self, kiosk_db: KioskDB) -> None:
        form = ComplaintForm(category="road", description="가로등이 꺼져 있어요")
        with pytest.raises(ValidationFailed) as excinfo:
            submit_complaint(kiosk_db.store, form, CONSENT)
        assert errors_of(excinfo) == {("name", "field.required"), ("phone", "contact.required")}
        assert rows(kiosk_db) == ([], [])

    def test_email_alone_is_enough_contact(self, kiosk_db: KioskDB) -> None:
        form = ComplaintForm(
            category="road", description="가로등", name="Jane Doe", email="jane@example.org"
        )
        submit_complaint(kiosk_db.store, form, CONSENT)

    def test_bad_phone_and_email_are_reported_per_field(self, kiosk_db: KioskDB) -> None:
        form = ComplaintForm(
            category="road", description="가로등", name="김", phone="12", email="x@"
        )
        with pytest.raises(ValidationFailed) as excinfo:
            submit_complaint(kiosk_db.store, form, CONSENT)
        assert errors_of(excinfo) == {("phone", "phone.invalid"), ("email", "email.invalid")}

    def test_consent_must_be_given_for_the_shown_text_version(self, kiosk_db: KioskDB) -> None:
        for consent in (Consent(version="2026-11", required=False), Consent(required=True)):
            with pytest.raises(ValidationFailed) as excinfo:
                submit_complaint(kiosk_db.store, GOOD, consent)
            assert errors_of(excinfo) == {("consent", "consent.required")}

    def test_description_up_to_4000_characters(self, kiosk_db: KioskDB) -> None:
        submit_complaint(kiosk_db.store, _with(description="가" * 4000), CONSENT)
        with pytest.raises(ValidationFailed) as excinfo:
            submit_complaint(kiosk_db.store, _with(description="가" * 4001), CONSENT)
        assert errors_of(excinfo) == {("description", "text.too_long")}

    def test_unknown_category_and_district_are_refused(self, kiosk_db: KioskDB) -> None:
        with pytest.raises(ValidationFailed) as excinfo:
            submit_complaint(kiosk_db.store, _with(district="atlantis"), CONSENT)
        assert errors_of(excinfo) == {("district", "district.unknown")}
        with pytest.raises(ValidationFailed) as excinfo:
            submit_complaint(kiosk_db.store, _with(category="nope"), CONSENT)
        assert errors_of(excinfo) == {("category", "category.unknown")}
        assert rows(kiosk_db) == ([], [])

    def test_optional_consent_to_share_contact_travels_sealed(self, kiosk_db: KioskDB) -> None:
        consent = Consent(version="2026-11", required=True, share_contact=True)
        submit_complaint(kiosk_db.store, GOOD, consent)
        _, [mutation] = rows(kiosk_db)
        assert kiosk_db.unsealed(mutation)["share_contact"] is True


class TestSuggestion:
    def test_anonymous_suggestion_keeps_no_contact(self, kiosk_db: KioskDB) -> None:
        form = ComplaintForm(category="park", description="공원에 그늘막을 더 설치해 주세요.")
        receipt = submit_suggestion(kiosk_db.store, form)
        [submission], [mutation] = rows(kiosk_db)
        assert receipt.kind == submission.kind == "suggestion"
        assert json.loads(mutation.payload or "")["anonymous"] is True
        sealed = kiosk_db.unsealed(mutation)
        assert (sealed["name"], sealed["phone"], sealed["email"]) == ("", "", "")

    @pytest.mark.parametrize("field", ["name", "phone", "email"])
    def test_contact_fields_are_not_allowed(self, kiosk_db: KioskDB, field: str) -> None:
        given = {name: "x" if name == field else "" for name in ("name", "phone", "email")}
        form = ComplaintForm(
            category="park",
            description="그늘막",
            name=given["name"],
            phone=given["phone"],
            email=given["email"],
        )
        with pytest.raises(ValidationFailed) as excinfo:
            submit_suggestion(kiosk_db.store, form)
        assert errors_of(excinfo) == {(field, "contact.not_allowed")}


class TestProposal:
    def test_proposal_without_contact_needs_no_consent(self, kiosk_db: KioskDB) -> None:
        form = ProposalForm(area="transport", title="심야 버스 증편", description="노선 증편 요청")
        receipt = submit_proposal(kiosk_db.store, form, Consent())
        _, [mutation] = rows(kiosk_db)
        assert mutation.id == receipt.id
        assert mutation.type == MutationType.PROPOSAL
        payload = ProposalPayload.model_validate_json(mutation.payload or "")
        assert payload.area == "transport"
        assert "심야" not in (mutation.payload or "")
        assert kiosk_db.unsealed(mutation)["title"] == "심야 버스 증편"

    def test_proposal_with_contact_needs_consent(self, kiosk_db: KioskDB) -> None:
        form = ProposalForm(
            area="transport", title="t", description="d", name="김", phone="01012345678"
        )
        with pytest.raises(ValidationFailed) as excinfo:
            submit_proposal(kiosk_db.store, form, Consent())
        assert errors_of(excinfo) == {("consent", "consent.required")}

    def test_title_description_and_area_are_required(self, kiosk_db: KioskDB) -> None:
        with pytest.raises(ValidationFailed) as excinfo:
            submit_proposal(kiosk_db.store, ProposalForm(), Consent())
        assert errors_of(excinfo) == {
            ("area", "area.required"),
            ("title", "field.required"),
            ("description", "field.required"),
        }


class TestCheckBeforeStore:
    """The checks are pure: they need no store, and what they pass is what gets stored."""

    def test_a_checked_complaint_holds_the_cleaned_values_and_nothing_is_written(
        self, kiosk_db: KioskDB
    ) -> None:
        checked = check_complaint(_with(name=" 김민수 ", phone="010 1234 5678"), CONSENT)
        assert (checked.contact.name, checked.contact.phone) == ("김민수", "01012345678")
        assert checked.place.district == "mapo"
        assert checked.consent == CONSENT
        assert rows(kiosk_db) == ([], [])
        store_complaint(kiosk_db.store, checked, now=NOW)
        _, [mutation] = rows(kiosk_db)
        assert kiosk_db.unsealed(mutation)["phone"] == "01012345678"

    def test_a_form_page_sees_its_field_errors_before_consent_is_asked(self) -> None:
        form = ComplaintForm(category="road", description="가로등", name="김", phone="12")
        assert {(e.field, e.key) for e in complaint_errors(form)} == {("phone", "phone.invalid")}
        assert complaint_errors(GOOD) == []
        with pytest.raises(ValidationFailed) as excinfo:
            check_complaint(GOOD, Consent())
        assert errors_of(excinfo) == {("consent", "consent.required")}

    def test_suggestion_and_proposal_pages_check_the_same_rules_as_the_submit(self) -> None:
        suggestion = ComplaintForm(category="park", description="그늘막", phone="01012345678")
        assert [(e.field, e.key) for e in suggestion_errors(suggestion)] == [
            ("phone", "contact.not_allowed")
        ]
        with pytest.raises(ValidationFailed):
            check_suggestion(suggestion)
        proposal = ProposalForm(area="transport", title="t", description="d", name="김")
        assert proposal_errors(proposal) == []
        # Contact given, so the consent the page did not ask for is needed at the end.
        with pytest.raises(ValidationFailed) as excinfo:
            check_proposal(proposal, Consent())
        assert errors_of(excinfo) == {("consent", "consent.required")}


class TestOutboxOrder:
    def test_each_submission_gets_the_next_sequence_number(self, kiosk_db: KioskDB) -> None:
        for _ in range(3):
            submit_complaint(kiosk_db.store, GOOD, CONSENT)
        submit_suggestion(kiosk_db.store, ComplaintForm(category="park", description="d"))
        _, mutations = rows(kiosk_db)
        assert [m.seq for m in mutations] == [1, 2, 3, 4]
        assert len({s.receipt_code for s in rows(kiosk_db)[0]}) == 4

    def test_record_ids_grow_with_time_so_the_servers_indexes_grow_at_one_end(
        self, kiosk_db: KioskDB
    ) -> None:
        for _ in range(3):
            submit_complaint(kiosk_db.store, GOOD, CONSENT)
            proposal = ProposalForm(area="transport", title="심야 버스", description="증편")
            submit_proposal(kiosk_db.store, proposal, Consent())
        _, mutations = rows(kiosk_db)
        ids = [m.id for m in mutations]
        assert all(uuid.UUID(i).version == 7 for i in ids)
        assert sorted(ids) == ids


def test_an_unenrolled_kiosk_refuses_rather_than_storing_plaintext(tmp_path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'k.db'}")
    with pytest.raises(NotEnrolled):
        submit_suggestion(store, ComplaintForm(category="park", description="d"))
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMutation)) == 0
        assert session.get(DeviceIdentity, 1) is None


# Every text field gets arbitrary Unicode: either a clear error or the text kept
# exactly as normalised (NFC, no control characters, trimmed).
TEXT_FIELDS = ["description", "address", "name"]


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(TEXT_FIELDS), text=st.text(max_size=300))
def test_arbitrary_unicode_is_refused_clearly_or_stored_intact(
    kiosk_db: KioskDB, field: str, text: str
) -> None:
    form = _with(**{field: text})
    try:
        receipt = submit_complaint(kiosk_db.store, form, CONSENT)
    except ValidationFailed as failed:
        assert {e.field for e in failed.errors} == {field}
        assert {e.key for e in failed.errors} <= {"text.invalid", "field.required", "text.too_long"}
        return
    with kiosk_db.store.read() as session:
        mutation = session.get(OutboxMutation, receipt.id)
        assert mutation is not None
    multiline = field == "description"
    expected = text.replace("\r\n", "\n").replace("\r", "\n")
    expected = "".join(
        ch if ch == "\n" and multiline else " " if ch in "\n\t" else ch
        for ch in expected
        if ch in "\n\t" or unicodedata.category(ch) != "Cc"
    )
    assert kiosk_db.unsealed(mutation)[field] == unicodedata.normalize("NFC", expected).strip()


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    field=st.sampled_from(["title", "description", "name"]),
    text=st.text(alphabet=st.characters(codec="utf-8"), max_size=250),
)
def test_proposal_text_fields_round_trip_after_nfc(
    kiosk_db: KioskDB, field: str, text: str
) -> None:
    values = {"area": "welfare", "title": "제목", "description": "내용"} | {field: text}
    try:
        receipt = submit_proposal(kiosk_db.store, ProposalForm(**values), CONSENT)
    except ValidationFailed as failed:
        assert {e.field for e in failed.errors} == {field}
        return
    with kiosk_db.store.read() as session:
        mutation = session.get(OutboxMutation, receipt.id)
        assert mutation is not None
    stored = kiosk_db.unsealed(mutation)[field]
    assert unicodedata.is_normalized("NFC", stored)
    assert stored == unicodedata.normalize("NFC", stored)
    assert stored.strip() == stored


def _with(**changes: str) -> ComplaintForm:
    return ComplaintForm(**(vars(GOOD) | changes))
