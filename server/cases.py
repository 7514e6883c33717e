"""A case as anyone holding its receipt code may see it: the status page and the kiosk's
"check my case" show exactly this, and nothing personal.

Also the citizen's own actions on it: "not solved, ask again" on an answered
or closed complaint (once, within ``ASK_AGAIN_DAYS`` of the last step), which
puts the case back in staff's hands.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.kinds import RegistrationStatus
from core.reference import POLICY_AREAS
from core.tickets import manual_code_of_text
from server.db import Database
from server.models import (
    Category,
    Event,
    Registration,
    Submission,
    SubmissionKind,
    SubmissionStatus,
    SubmissionUpdate,
    utcnow,
)
from sync.protocol import CaseStep, CaseView

ASK_AGAIN_DAYS = 14
ASK_AGAIN_NOTE = "시민이 상태 페이지에서 '해결되지 않음 — 다시 요청'을 눌렀습니다."
_LIMIT = 5


def cases(db: Database, receipt_code: str, now: dt.datetime | None = None) -> list[CaseView]:
    now = now or utcnow()
    with db.read() as session:
        found = [
            _submission_view(session, s, now)
            for s in session.scalars(
                select(Submission)
                .where(Submission.receipt_code == receipt_code)
                .order_by(Submission.received_at)
                .limit(_LIMIT)
            )
        ]
        for registration, event in session.execute(
            select(Registration, Event)
            .join(Event, Event.id == Registration.event_id)
            .where(Registration.receipt_code == receipt_code)
            .order_by(Registration.received_at)
            .limit(_LIMIT)
        ):
            found.append(_signup_view(registration, event, now))
    return found


def _submission_view(session: Session, submission: Submission, now: dt.datetime) -> CaseView:
    steps = session.scalars(
        select(SubmissionUpdate)
        .where(SubmissionUpdate.submission_id == submission.id)
        .order_by(SubmissionUpdate.created_at, SubmissionUpdate.id)
    ).all()
    history = [CaseStep(status="received", at=submission.received_at)]
    history += [CaseStep(status=u.new_status, at=u.created_at, note=u.note) for u in steps]
    title_ko, title_en = _category(session, submission)
    return CaseView(
        kind=submission.kind,
        status=submission.status,
        title_ko=title_ko,
        title_en=title_en,
        answer=submission.status_note,
        received_at=submission.received_at,
        updated_at=submission.updated_at or submission.received_at,
        history=history,
        can_ask_again=may_ask_again(submission, now),
    )


def _category(session: Session, submission: Submission) -> tuple[str, str]:
    if submission.kind == SubmissionKind.PROPOSAL:
        area = next((a for a in POLICY_AREAS if a.code == submission.category), None)
        return (area.ko, area.en) if area else (submission.category, submission.category)
    category = session.get(Category, submission.category)
    if category is None:
        return submission.category, submission.category
    return category.name_ko, category.name_en


def _signup_view(registration: Registration, event: Event, now: dt.datetime) -> CaseView:
    confirmed = registration.status == RegistrationStatus.CONFIRMED
    history = [CaseStep(status=registration.requested_status, at=registration.received_at)]
    if registration.updated_at is not None and registration.status != registration.requested_status:
        history.append(CaseStep(status=registration.status, at=registration.updated_at))
    return CaseView(
        kind="signup",
        status=registration.status,
        title_ko=event.title_ko,
        title_en=event.title_en,
        received_at=registration.received_at,
        updated_at=registration.updated_at or registration.received_at,
        history=history,
        starts_at=event.starts_at,
        place_ko=event.place_ko,
        place_en=event.place_en,
        manual_code=manual_code_of_text(registration.ticket) if confirmed else "",
        can_cancel=registration.status != RegistrationStatus.CANCELLED and event.starts_at > now,
    )


def may_ask_again(submission: Submission, now: dt.datetime) -> bool:
    if submission.kind != SubmissionKind.COMPLAINT or submission.reopened_at is not None:
        return False
    if submission.status not in (SubmissionStatus.ANSWERED, SubmissionStatus.CLOSED):
        return False
    last = submission.updated_at or submission.received_at
    return now - last <= dt.timedelta(days=ASK_AGAIN_DAYS)


def ask_again(db: Database, receipt_code: str, now: dt.datetime | None = None) -> bool:
    """Reopen the answered complaint under this code for staff; False if it may not be."""
    now = now or utcnow()
    with db.write() as session:
        submission = session.scalars(
            select(Submission)
            .where(
                Submission.receipt_code == receipt_code,
                Submission.kind == SubmissionKind.COMPLAINT.value,
            )
            .with_for_update()
        ).first()
        if submission is None or not may_ask_again(submission, now):
            return False
        session.add(
            SubmissionUpdate(
                submission_id=submission.id,
                old_status=submission.status,
                new_status=SubmissionStatus.IN_PROGRESS.value,
                note=ASK_AGAIN_NOTE,
                user_id=None,
                created_at=now,
            )
        )
        submission.status = SubmissionStatus.IN_PROGRESS.value
        submission.reopened_at = now
        submission.updated_at = now
        return True
