"""Complaints, anonymous suggestions and policy proposals: check, store, receipt.

Two steps, so that nothing is ever validated by trying to write it: a pure
``check_*`` turns a form (and the consent given) into a checked, frozen value
or raises ``ValidationFailed`` with every field error; ``store_*`` takes only
that checked value and writes the record and its outbox mutation in one
transaction. What needs the store (is the category still offered?) is checked
inside that write.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import validation as v
from core.clock import utcnow
from core.contact import contact_errors
from core.dongs import dong_error
from core.ids import new_id
from core.kinds import SubmissionKind
from core.links import status_page_url as status_url
from core.payloads import (
    ComplaintPayload,
    ComplaintSealed,
    MutationType,
    ProposalPayload,
    ProposalSealed,
    complaint_json,
    payload_json,
)
from core.photos import photo_error
from core.receipts import new_receipt_code
from core.reference import DISTRICT_CODES, POLICY_AREA_CODES
from core.sealing import seal, seal_bytes
from core.validation import FieldError
from kiosk.identity import require_identity
from kiosk.models import Category, Registration, Submission
from kiosk.outbox import enqueue
from kiosk.store import Store


@dataclass(frozen=True)
class Consent:
    """What the citizen ticked on the consent screen, and which text they saw."""

    version: str = ""
    required: bool = False
    share_contact: bool = False
    # The separate, optional box: tell me by text message, KakaoTalk or e-mail how it goes.
    notify: bool = False
    # The language the citizen read the consent in: the server writes to them in it.
    language: str = "ko"

    def citizen_fields(self) -> dict[str, Any]:
        """What a payload carries of this consent besides its version (nothing without one)."""
        if not self.version:
            return {}
        return {"language": "en" if self.language == "en" else "ko", "notify": self.notify}


@dataclass(frozen=True)
class Receipt:
    id: str
    code: str
    kind: str
    created_at: dt.datetime
    status: str = "queued"
    ticket: str = ""
    manual_code: str = ""
    # The public status page of this receipt (core.receipts.status_url): its QR.
    status_url: str = ""
    # The citizen asked for messages; for a confirmed place, whether a reminder will go.
    notify: bool = False
    reminder: bool = False
    # The server answered at once (an online sign-up), so nothing waits to be sent.
    online: bool = False
    # This phone already held a sign-up for the event: ``code`` is that one's.
    already: bool = False


@dataclass(frozen=True)
class ComplaintForm:
    category: str = ""
    description: str = ""
    district: str = ""
    # Optional: a citizen may not know their 행정동; the address text stays.
    dong: str = ""
    address: str = ""
    name: str = ""
    phone: str = ""
    email: str = ""
    # A JPEG from core.photos, in memory only until it is sealed.
    photo: bytes = field(default=b"", repr=False)


@dataclass(frozen=True)
class ProposalForm:
    area: str = ""
    title: str = ""
    description: str = ""
    district: str = ""
    name: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class Contact:
    name: str = ""
    phone: str = ""
    email: str = ""

    @property
    def given(self) -> bool:
        return bool(self.name or self.phone or self.email)


@dataclass(frozen=True)
class Place:
    """Where a complaint or suggestion is about, checked: category, district, dong, address."""

    category: str
    district: str
    dong: str
    address: str


@dataclass(frozen=True)
class CheckedComplaint:
    """A complaint form that passed every rule that does not need the store."""

    place: Place
    description: str
    contact: Contact
    consent: Consent
    photo: bytes = field(default=b"", repr=False)


@dataclass(frozen=True)
class CheckedSuggestion:
    """An anonymous suggestion that passed its checks: no contact, no photo."""

    place: Place
    description: str
    consent: Consent


@dataclass(frozen=True)
class CheckedProposal:
    area: str
    title: str
    description: str
    district: str
    contact: Contact
    consent: Consent


# --- the checks: pure, nothing read or written -------------------------------------------
#
# Each ``check_*`` raises ``ValidationFailed`` with every field error at once, or
# returns the checked form its ``store_*`` takes. The ``*_errors`` functions are
# the same rules less consent, for a form page that is asked before consent is.


def check_complaint(form: ComplaintForm, consent: Consent) -> CheckedComplaint:
    """A formal complaint (민원): needs a name and a phone or e-mail, and consent."""
    check = v.Checker()
    checked = _complaint_fields(check, form)
    _check_consent(check, consent)
    check.raise_if_failed()
    return replace(checked, consent=consent)


def complaint_errors(form: ComplaintForm) -> list[FieldError]:
    """The complaint form's field errors, consent not yet asked."""
    return v.field_errors(_complaint_fields, form)


def check_suggestion(form: ComplaintForm, consent: Consent | None = None) -> CheckedSuggestion:
    """An anonymous suggestion: no contact details may be given, none are kept."""
    check = v.Checker()
    checked = _suggestion_fields(check, form)
    check.raise_if_failed()
    return replace(checked, consent=consent or Consent())


def suggestion_errors(form: ComplaintForm) -> list[FieldError]:
    """The suggestion form's field errors (contact given where none may be, too)."""
    return v.field_errors(_suggestion_fields, form)


def check_proposal(form: ProposalForm, consent: Consent) -> CheckedProposal:
    """A policy proposal; contact is optional, and consent is needed only with it."""
    check = v.Checker()
    checked = _proposal_fields(check, form)
    if checked.contact.given:
        _check_consent(check, consent)
    check.raise_if_failed()
    return replace(checked, consent=consent)


def proposal_errors(form: ProposalForm) -> list[FieldError]:
    """The proposal form's field errors, consent not yet asked."""
    return v.field_errors(_proposal_fields, form)


def _complaint_fields(check: v.Checker, form: ComplaintForm) -> CheckedComplaint:
    place = _check_place(check, form)
    description = _description(check, form.description)
    contact = _check_contact(check, SubmissionKind.COMPLAINT, form.name, form.phone, form.email)
    if form.photo:
        problem = photo_error(form.photo)
        if problem is not None:
            check.fail("photo", problem)
    return CheckedComplaint(place, description, contact, Consent(), form.photo)


def _suggestion_fields(check: v.Checker, form: ComplaintForm) -> CheckedSuggestion:
    place = _check_place(check, form)
    description = _description(check, form.description)
    refused = contact_errors(
        SubmissionKind.SUGGESTION,
        name=form.name,
        phone=form.phone,
        email=form.email,
        photo=bool(form.photo),
    )
    for error in refused:
        check.fail(error.field, error.key)
    return CheckedSuggestion(place, description, Consent())


def _proposal_fields(check: v.Checker, form: ProposalForm) -> CheckedProposal:
    if form.area not in POLICY_AREA_CODES:
        check.fail("area", "area.required" if not form.area else "area.unknown")
    title = check.text("title", form.title, max_length=v.TITLE_MAX, required=True)
    description = _description(check, form.description)
    district = _check_district(check, form.district)
    contact = _check_contact(check, SubmissionKind.PROPOSAL, form.name, form.phone, form.email)
    return CheckedProposal(form.area, title, description, district, contact, Consent())


# --- the store steps: one write each, record and outbox mutation together ------------------


def store_complaint(
    store: Store, checked: CheckedComplaint, now: dt.datetime | None = None
) -> Receipt:
    sealed = ComplaintSealed(
        description=checked.description,
        address=checked.place.address,
        share_contact=checked.consent.share_contact,
        **vars(checked.contact),
    )
    return _store_place_report(
        store,
        SubmissionKind.COMPLAINT,
        checked.place,
        sealed,
        checked.consent,
        now,
        photo=checked.photo,
    )


def store_suggestion(
    store: Store, checked: CheckedSuggestion, now: dt.datetime | None = None
) -> Receipt:
    sealed = ComplaintSealed(description=checked.description, address=checked.place.address)
    return _store_place_report(
        store, SubmissionKind.SUGGESTION, checked.place, sealed, checked.consent, now
    )


def store_proposal(
    store: Store, checked: CheckedProposal, now: dt.datetime | None = None
) -> Receipt:
    sealed = ProposalSealed(
        title=checked.title, description=checked.description, **vars(checked.contact)
    )
    when = now or utcnow()
    with store.write() as session:
        identity = require_identity(session)
        submission = _new_submission(
            session,
            SubmissionKind.PROPOSAL,
            checked.area,
            checked.district,
            checked.consent,
            when,
        )
        payload = ProposalPayload(
            receipt_code=submission.receipt_code,
            area=checked.area,
            district=checked.district,
            consent_version=submission.consent_version,
            created_at=when,
            sealed=seal(identity.server_public_key, sealed.model_dump()),
            **(checked.consent.citizen_fields() if checked.contact.given else {}),
        )
        _enqueue(session, MutationType.PROPOSAL, payload_json(payload), submission, when)
        url = status_url(identity.status_base, submission.receipt_code)
    return _receipt(submission, url, checked.consent.notify and checked.contact.given)


# --- check, then store: for callers that hold the whole form at once ------------------------


def submit_complaint(
    store: Store, form: ComplaintForm, consent: Consent, now: dt.datetime | None = None
) -> Receipt:
    return store_complaint(store, check_complaint(form, consent), now)


def submit_suggestion(
    store: Store,
    form: ComplaintForm,
    consent: Consent | None = None,
    now: dt.datetime | None = None,
) -> Receipt:
    return store_suggestion(store, check_suggestion(form, consent), now)


def submit_proposal(
    store: Store, form: ProposalForm, consent: Consent, now: dt.datetime | None = None
) -> Receipt:
    return store_proposal(store, check_proposal(form, consent), now)


def _store_place_report(
    store: Store,
    kind: SubmissionKind,
    place: Place,
    sealed: ComplaintSealed,
    consent: Consent,
    now: dt.datetime | None,
    *,
    photo: bytes = b"",
) -> Receipt:
    """A complaint or a suggestion: the same payload, anonymous for a suggestion."""
    anonymous = kind == SubmissionKind.SUGGESTION
    when = now or utcnow()
    with store.write() as session:
        identity = require_identity(session)
        if session.get(Category, place.category) is None:
            # Checked here, inside the write: it needs the store, and a pull may remove it.
            raise v.ValidationFailed([v.FieldError("category", "category.unknown")])
        submission = _new_submission(session, kind, place.category, place.district, consent, when)
        submission.dong = place.dong
        payload = ComplaintPayload(
            receipt_code=submission.receipt_code,
            anonymous=anonymous,
            category=place.category,
            district=place.district,
            dong=place.dong or None,
            consent_version=submission.consent_version,
            created_at=when,
            sealed=seal(identity.server_public_key, sealed.model_dump()),
            # Sealed here, inside the write: only the sealed form ever reaches the disk.
            photo=seal_bytes(identity.server_public_key, photo) if photo else None,
            **({} if anonymous else consent.citizen_fields()),
        )
        _enqueue(session, MutationType.COMPLAINT, complaint_json(payload), submission, when)
        url = status_url(identity.status_base, submission.receipt_code)
    return _receipt(submission, url, consent.notify and not anonymous)


def _new_submission(
    session: Session,
    kind: SubmissionKind,
    category: str,
    district: str,
    consent: Consent,
    when: dt.datetime,
) -> Submission:
    submission = Submission(
        id=new_id(),
        kind=kind,
        receipt_code=unused_receipt_code(session),
        category_code=category,
        district=district,
        consent_version=consent.version,
        created_at=when,
    )
    session.add(submission)
    return submission


def _enqueue(
    session: Session,
    mutation_type: MutationType,
    payload: dict[str, Any],
    submission: Submission,
    when: dt.datetime,
) -> None:
    # The submission's UUID doubles as the mutation id: one idempotency key end to end.
    enqueue(session, mutation_type, payload, mutation_id=submission.id, now=when)


def _receipt(submission: Submission, url: str, notify: bool) -> Receipt:
    return Receipt(
        id=submission.id,
        code=submission.receipt_code,
        kind=str(submission.kind),
        created_at=submission.created_at,
        status_url=url,
        notify=notify,
    )


def unused_receipt_code(session: Session) -> str:
    """A fresh code not yet given out here (a clash is one in billions, but cheap to rule out)."""
    while True:
        code = new_receipt_code()
        taken = session.scalar(select(Submission.id).where(Submission.receipt_code == code))
        taken = taken or session.scalar(
            select(Registration.id).where(Registration.receipt_code == code)
        )
        if taken is None:
            return code


def _description(check: v.Checker, text: str) -> str:
    return check.text(
        "description", text, max_length=v.DESCRIPTION_MAX, required=True, multiline=True
    )


def _check_place(check: v.Checker, form: ComplaintForm) -> Place:
    if not form.category:
        check.fail("category", "category.required")
    district = _check_district(check, form.district)
    problem = dong_error(district, form.dong)
    if problem is not None:
        check.fail("dong", problem)
    address = check.text("address", form.address, max_length=v.ADDRESS_MAX)
    return Place(form.category, district, form.dong, address)


def _check_district(check: v.Checker, district: str) -> str:
    if district and district not in DISTRICT_CODES:
        check.fail("district", "district.unknown")
    return district


def _check_contact(
    check: v.Checker, kind: SubmissionKind, name: str, phone: str, email: str
) -> Contact:
    """Each detail's form here; whether ``kind`` needs or refuses them is core.contact's rule."""
    before = len(check.errors)
    clean_name = check.text("name", name, max_length=v.NAME_MAX)
    # A name that cannot be stored is reported as that, not also as missing.
    unreadable_name = len(check.errors) > before and not clean_name
    clean_phone = ""
    clean_email = ""
    if phone.strip():
        clean_phone = v.normalize_phone(phone) or ""
        if not clean_phone:
            check.fail("phone", "phone.invalid")
    if email.strip():
        clean_email = v.normalize_email(email) or ""
        if not clean_email:
            check.fail("email", "email.invalid")
    for error in contact_errors(kind, name=clean_name, phone=phone, email=email):
        if not (unreadable_name and error.field == "name"):
            check.fail(error.field, error.key)
    return Contact(clean_name, clean_phone, clean_email)


def _check_consent(check: v.Checker, consent: Consent) -> None:
    if not consent.required or not consent.version:
        check.fail("consent", "consent.required")
