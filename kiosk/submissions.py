"""Complaints, anonymous suggestions and policy proposals: validate, store, receipt."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import validation as v
from core.clock import utcnow
from core.dongs import dong_error
from core.kinds import SubmissionKind
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
from core.receipts import new_receipt_code, status_url
from core.reference import DISTRICT_CODES, POLICY_AREA_CODES
from core.sealing import seal, seal_bytes
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


def submit_complaint(
    store: Store, form: ComplaintForm, consent: Consent, now: dt.datetime | None = None
) -> Receipt:
    """A formal complaint (민원): needs a name and a phone or e-mail, and consent."""
    check = v.Checker()
    where = _check_where(check, form)
    description = _description(check, form.description)
    contact = _check_contact(check, form.name, form.phone, form.email, required=True)
    if form.photo:
        problem = photo_error(form.photo)
        if problem is not None:
            check.fail("photo", problem)
    _check_consent(check, consent)
    check.raise_if_failed()
    sealed = ComplaintSealed(
        description=description,
        address=where["address"],
        share_contact=consent.share_contact,
        **vars(contact),
    )
    return _store_complaint(
        store, form.category, where, False, sealed, consent, now, photo=form.photo
    )


def submit_suggestion(
    store: Store,
    form: ComplaintForm,
    consent: Consent | None = None,
    now: dt.datetime | None = None,
) -> Receipt:
    """An anonymous suggestion: no contact details may be given, none are kept."""
    check = v.Checker()
    where = _check_where(check, form)
    description = _description(check, form.description)
    for name in ("name", "phone", "email"):
        if getattr(form, name).strip():
            check.fail(name, "contact.not_allowed")
    if form.photo:
        # A photo may show people: personal data, which a suggestion asks no consent for.
        check.fail("photo", "photo.not_allowed")
    check.raise_if_failed()
    sealed = ComplaintSealed(description=description, address=where["address"])
    return _store_complaint(store, form.category, where, True, sealed, consent or Consent(), now)


def submit_proposal(
    store: Store, form: ProposalForm, consent: Consent, now: dt.datetime | None = None
) -> Receipt:
    """A policy proposal; contact is optional, and consent is needed only with it."""
    check = v.Checker()
    if form.area not in POLICY_AREA_CODES:
        check.fail("area", "area.required" if not form.area else "area.unknown")
    title = check.text("title", form.title, max_length=v.TITLE_MAX, required=True)
    description = _description(check, form.description)
    district = _check_district(check, form.district)
    contact = _check_contact(check, form.name, form.phone, form.email, required=False)
    if contact.given:
        _check_consent(check, consent)
    check.raise_if_failed()
    sealed = ProposalSealed(title=title, description=description, **vars(contact))
    when = now or utcnow()
    with store.write() as session:
        identity = require_identity(session)
        submission = _new_submission(
            session, SubmissionKind.PROPOSAL, form.area, district, consent, when
        )
        payload = ProposalPayload(
            receipt_code=submission.receipt_code,
            area=form.area,
            district=district,
            consent_version=submission.consent_version,
            created_at=when,
            sealed=seal(identity.server_public_key, sealed.model_dump()),
            **(consent.citizen_fields() if contact.given else {}),
        )
        _enqueue(session, MutationType.PROPOSAL, payload_json(payload), submission, when)
        url = status_url(identity.status_base, submission.receipt_code)
    return _receipt(submission, url, consent.notify and contact.given)


def _store_complaint(
    store: Store,
    category: str,
    where: dict[str, str],
    anonymous: bool,
    sealed: ComplaintSealed,
    consent: Consent,
    now: dt.datetime | None,
    *,
    photo: bytes = b"",
) -> Receipt:
    when = now or utcnow()
    kind = SubmissionKind.SUGGESTION if anonymous else SubmissionKind.COMPLAINT
    with store.write() as session:
        identity = require_identity(session)
        if session.get(Category, category) is None:
            # Checked again inside the write: a pull may have removed it meanwhile.
            raise v.ValidationFailed([v.FieldError("category", "category.unknown")])
        submission = _new_submission(session, kind, category, where["district"], consent, when)
        submission.dong = where["dong"]
        payload = ComplaintPayload(
            receipt_code=submission.receipt_code,
            anonymous=anonymous,
            category=category,
            district=where["district"],
            dong=where["dong"] or None,
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
        id=str(uuid.uuid4()),
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


def _check_where(check: v.Checker, form: ComplaintForm) -> dict[str, str]:
    if not form.category:
        check.fail("category", "category.required")
    district = _check_district(check, form.district)
    problem = dong_error(district, form.dong)
    if problem is not None:
        check.fail("dong", problem)
    return {
        "district": district,
        "dong": form.dong,
        "address": check.text("address", form.address, max_length=v.ADDRESS_MAX),
    }


def _check_district(check: v.Checker, district: str) -> str:
    if district and district not in DISTRICT_CODES:
        check.fail("district", "district.unknown")
    return district


def _check_contact(
    check: v.Checker, name: str, phone: str, email: str, *, required: bool
) -> Contact:
    clean_name = check.text("name", name, max_length=v.NAME_MAX, required=required)
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
    if required and not phone.strip() and not email.strip():
        check.fail("phone", "contact.required")
    return Contact(clean_name, clean_phone, clean_email)


def _check_consent(check: v.Checker, consent: Consent) -> None:
    if not consent.required or not consent.version:
        check.fail("consent", "consent.required")
