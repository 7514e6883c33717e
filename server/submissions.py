"""Submissions as staff handle them: filtered pages, one case, status changes, CSV.

Lists are paged by keyset on (created_at, id), newest first: a page is one
index range scan however many rows there are, where OFFSET would read and
throw away every row before the page. The cursor is opaque to the browser.
"""

from __future__ import annotations

import base64
import binascii
import csv
import datetime as dt
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import Session

from core.clock import SEOUL, in_seoul
from server.db import Database
from server.export import csv_cell
from server.models import (
    Delivery,
    Device,
    Event,
    Registration,
    Submission,
    SubmissionKind,
    SubmissionPhoto,
    SubmissionStatus,
    SubmissionUpdate,
    utcnow,
)
from server.notifications import Planner, Subject, contacts_of
from server.notifications import write as write_notifications

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
NOTE_MAX = 4000

# Where a case may go next. Closed cases can be reopened; nothing goes back to "received".
TRANSITIONS: dict[SubmissionStatus, frozenset[SubmissionStatus]] = {
    SubmissionStatus.RECEIVED: frozenset(
        {SubmissionStatus.IN_PROGRESS, SubmissionStatus.ANSWERED, SubmissionStatus.CLOSED}
    ),
    SubmissionStatus.IN_PROGRESS: frozenset({SubmissionStatus.ANSWERED, SubmissionStatus.CLOSED}),
    SubmissionStatus.ANSWERED: frozenset({SubmissionStatus.IN_PROGRESS, SubmissionStatus.CLOSED}),
    SubmissionStatus.CLOSED: frozenset({SubmissionStatus.IN_PROGRESS}),
}


class SubmissionError(ValueError):
    """A change staff asked for cannot be made; ``key`` is the message key for the page."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class Filters:
    kind: str = ""
    category: str = ""
    district: str = ""
    office: str = ""
    device_id: str = ""
    status: str = ""
    # Days as staff in Seoul mean them, both included.
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def is_empty(self) -> bool:
        return self == Filters()


@dataclass(frozen=True)
class Cursor:
    created_at: dt.datetime
    id: str

    def encode(self) -> str:
        raw = json.dumps([self.created_at.isoformat(), self.id]).encode()
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor | None:
        """The cursor, or None for anything we did not make (the first page is shown)."""
        if not text or len(text) > 200:
            return None
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            created, id_ = json.loads(raw)
            when = dt.datetime.fromisoformat(created)
        except (binascii.Error, ValueError, TypeError):
            return None
        if not isinstance(id_, str) or when.tzinfo is None:
            return None
        return cls(when, id_)


@dataclass(frozen=True)
class Row:
    id: str
    kind: str
    receipt_code: str
    category: str
    district: str
    device_id: str
    status: str
    created_at: dt.datetime
    received_at: dt.datetime
    office: str = ""
    device_name: str = ""
    dong: str = ""


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    next_cursor: str | None


@dataclass(frozen=True)
class Detail:
    submission: Submission
    device: Device | None
    updates: list[SubmissionUpdate]
    deliveries: list[Delivery]
    allowed: list[SubmissionStatus] = field(default_factory=list)
    has_photo: bool = False


def day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=SEOUL)


def filtered(query: Any, filters: Filters) -> Any:
    """``query`` (any SELECT over submissions) narrowed to ``filters``."""
    if filters.kind:
        query = query.where(Submission.kind == filters.kind)
    if filters.category:
        query = query.where(Submission.category == filters.category)
    if filters.district:
        query = query.where(Submission.district == filters.district)
    if filters.status:
        query = query.where(Submission.status == filters.status)
    if filters.device_id:
        query = query.where(Submission.device_id == filters.device_id)
    if filters.office:
        query = query.where(
            Submission.device_id.in_(select(Device.id).where(Device.office == filters.office))
        )
    if filters.date_from is not None:
        query = query.where(Submission.created_at >= day_start(filters.date_from))
    if filters.date_to is not None:
        end = day_start(filters.date_to + dt.timedelta(days=1))
        query = query.where(Submission.created_at < end)
    return query


def page_query(filters: Filters, after: Cursor | None, size: int) -> Any:
    """The statement behind one page (tests look at its query plan)."""
    query: Any = select(
        Submission.id,
        Submission.kind,
        Submission.receipt_code,
        Submission.category,
        Submission.district,
        Submission.device_id,
        Submission.status,
        Submission.created_at,
        Submission.received_at,
        Submission.dong,
    )
    query = filtered(query, filters)
    if after is not None:
        # Spelled out rather than as a row value: both databases turn this into
        # one index range, and it reads plainly.
        query = query.where(
            or_(
                Submission.created_at < after.created_at,
                and_(Submission.created_at == after.created_at, Submission.id < after.id),
            )
        )
    return query.order_by(Submission.created_at.desc(), Submission.id.desc()).limit(size + 1)


def list_page(db: Database, filters: Filters, cursor: str = "", size: int = PAGE_SIZE) -> Page:
    size = max(1, min(size, MAX_PAGE_SIZE))
    with db.read() as session:
        found = session.execute(page_query(filters, Cursor.decode(cursor), size)).all()
        devices = _devices(session, {r.device_id for r in found[:size]})
    rows = [
        Row(
            r.id,
            r.kind,
            r.receipt_code,
            r.category,
            r.district,
            r.device_id,
            r.status,
            r.created_at,
            r.received_at,
            office=devices[r.device_id].office if r.device_id in devices else "",
            device_name=devices[r.device_id].name if r.device_id in devices else "",
            dong=r.dong,
        )
        for r in found[:size]
    ]
    next_cursor = None
    if len(found) > size:
        last = rows[-1]
        next_cursor = Cursor(last.created_at, last.id).encode()
    return Page(rows, next_cursor)


def _devices(session: Session, ids: set[str]) -> dict[str, Device]:
    if not ids:
        return {}
    return {d.id: d for d in session.scalars(select(Device).where(Device.id.in_(sorted(ids))))}


def detail(db: Database, submission_id: str) -> Detail | None:
    with db.read() as session:
        submission = session.get(Submission, submission_id)
        if submission is None:
            return None
        updates = list(
            session.scalars(
                select(SubmissionUpdate)
                .where(SubmissionUpdate.submission_id == submission_id)
                .order_by(SubmissionUpdate.created_at, SubmissionUpdate.id)
            )
        )
        deliveries = list(
            session.scalars(
                select(Delivery)
                .where(Delivery.submission_id == submission_id)
                .order_by(Delivery.destination)
            )
        )
        device = session.get(Device, submission.device_id)
        has_photo = (
            session.scalar(
                select(SubmissionPhoto.submission_id).where(
                    SubmissionPhoto.submission_id == submission_id
                )
            )
            is not None
        )
    order = list(SubmissionStatus)
    allowed = sorted(TRANSITIONS[SubmissionStatus(submission.status)], key=order.index)
    return Detail(submission, device, updates, deliveries, allowed, has_photo)


def photo(db: Database, submission_id: str) -> bytes | None:
    """The JPEG a complaint came with, or None."""
    with db.read() as session:
        return session.scalar(
            select(SubmissionPhoto.jpeg).where(SubmissionPhoto.submission_id == submission_id)
        )


def purge_photos(db: Database, closed_before: dt.datetime) -> int:
    """Delete the photos of cases closed before ``closed_before``; the cases themselves stay.

    A photo may show faces or number plates and is only evidence while the case
    is worked on. How long to keep it after closing is the city's decision, so
    the cut-off is the caller's (``civic-kiosk-server purge-photos``, from cron).
    """
    closed = select(Submission.id).where(
        Submission.status == str(SubmissionStatus.CLOSED),
        Submission.updated_at < closed_before,
    )
    with db.write() as session:
        doomed = list(
            session.scalars(
                select(SubmissionPhoto.submission_id).where(
                    SubmissionPhoto.submission_id.in_(closed)
                )
            )
        )
        if doomed:
            session.execute(
                delete(SubmissionPhoto).where(SubmissionPhoto.submission_id.in_(doomed))
            )
    return len(doomed)


def change_status(
    db: Database,
    submission_id: str,
    new_status: str,
    note: str,
    user_id: int | None,
    now: dt.datetime | None = None,
    *,
    publish_note: bool | None = None,
) -> None:
    """Move a case on and record who did it; the note becomes the citizen's answer.

    ``publish_note`` sets whether Open311 shows the answer too (None: unchanged).
    """
    now = now or utcnow()
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise SubmissionError("note_too_long", f"the note may have at most {NOTE_MAX} characters")
    try:
        target = SubmissionStatus(new_status)
    except ValueError:
        raise SubmissionError("status_unknown", f"unknown status {new_status!r}") from None
    with db.write() as session:
        submission = session.scalars(
            select(Submission).where(Submission.id == submission_id).with_for_update()
        ).first()
        if submission is None:
            raise SubmissionError("not_found", f"no submission {submission_id}")
        current = SubmissionStatus(submission.status)
        if target is current:
            if not note:
                raise SubmissionError("status_unchanged", "choose a new status or write a note")
        elif target not in TRANSITIONS[current]:
            raise SubmissionError("status_not_allowed", f"a case {current} cannot become {target}")
        update_row = SubmissionUpdate(
            submission_id=submission_id,
            old_status=str(current),
            new_status=str(target),
            note=note,
            user_id=user_id,
            created_at=now,
        )
        session.add(update_row)
        submission.status = str(target)
        if note:
            submission.status_note = note
        if publish_note is not None:
            submission.status_note_public = publish_note
        submission.updated_at = now
        session.flush()
        if submission.notify and target in NOTIFIED_STATUSES:
            _plan_status_message(session, submission, update_row.id, note, now)


# The steps a citizen is told about: a case assigned, answered, closed.
NOTIFIED_STATUSES = frozenset(
    {SubmissionStatus.IN_PROGRESS, SubmissionStatus.ANSWERED, SubmissionStatus.CLOSED}
)


def _plan_status_message(
    session: Session, submission: Submission, step: int, note: str, now: dt.datetime
) -> None:
    planner = Planner.load(session)
    subject = Subject("submission", submission.id, submission.receipt_code, submission.language)
    facts = {"status": submission.status, "note": note}
    rows = planner.rows(
        subject, "status", str(step), facts, contacts_of(submission.details), now, now
    )
    write_notifications(session.connection(), rows)


# --- CSV -------------------------------------------------------------------------------

CSV_COLUMNS = (
    "id",
    "kind",
    "receipt_code",
    "status",
    "category",
    "district",
    "dong",
    "office",
    "device_id",
    "created_at",
    "received_at",
    "title",
    "description",
    "address",
    "name",
    "phone",
    "email",
    "share_contact",
    "status_note",
    "photo",
)
_BATCH = 500
# Excel opens a CSV as UTF-8 only when it starts with a byte order mark.
BOM = "\ufeff"


def kst(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    local = in_seoul(value)
    # A time Seoul's calendar cannot hold is written as stored, never a failed export.
    return local.strftime("%Y-%m-%d %H:%M") if local else value.isoformat(timespec="minutes")


def csv_lines(db: Database, filters: Filters) -> Iterator[str]:
    """The filtered submissions as CSV text, newest first, a chunk at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(CSV_COLUMNS)
    # Whether there is a photo, not the photo: staff open it on the case page.
    query = filtered(
        select(Submission, Device.office, SubmissionPhoto.submission_id)
        .outerjoin(Device, Device.id == Submission.device_id)
        .outerjoin(SubmissionPhoto, SubmissionPhoto.submission_id == Submission.id),
        filters,
    )
    query = query.order_by(Submission.created_at.desc(), Submission.id.desc())
    with db.read() as session:
        for n, (s, office, photo_of) in enumerate(
            session.execute(query.execution_options(yield_per=_BATCH)), start=1
        ):
            writer.writerow([csv_cell(v) for v in _csv_row(s, office or "", photo_of is not None)])
            if n % _BATCH == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue()


def _csv_row(s: Submission, office: str, has_photo: bool) -> Sequence[object]:
    d = s.details
    return (
        s.id,
        s.kind,
        s.receipt_code,
        s.status,
        s.category,
        s.district,
        s.dong,
        office,
        s.device_id,
        kst(s.created_at),
        kst(s.received_at),
        d.get("title", ""),
        d.get("description", ""),
        d.get("address", ""),
        d.get("name", ""),
        d.get("phone", ""),
        d.get("email", ""),
        "yes" if d.get("share_contact") else "",
        s.status_note,
        "yes" if has_photo else "",
    )


# --- public status by receipt code -----------------------------------------------------


@dataclass(frozen=True)
class PublicStatus:
    """All a receipt code shows to anyone holding it: never personal data."""

    kind: str
    category: str
    status: str
    answer: str
    updated_at: dt.datetime | None


def public_status(db: Database, receipt_code: str) -> list[PublicStatus]:
    """What was filed under this receipt code; a sign-up shows its event as the category."""
    with db.read() as session:
        rows = session.execute(
            select(
                Submission.kind,
                Submission.category,
                Submission.status,
                Submission.status_note,
                Submission.updated_at,
                Submission.received_at,
            )
            .where(Submission.receipt_code == receipt_code)
            .order_by(Submission.received_at)
            .limit(5)
        ).all()
        signups = session.execute(
            select(Registration.status, Registration.received_at, Event.id)
            .join(Event, Event.id == Registration.event_id)
            .where(Registration.receipt_code == receipt_code)
            .order_by(Registration.received_at)
            .limit(5)
        ).all()
    found = [
        PublicStatus(r.kind, r.category, r.status, r.status_note, r.updated_at or r.received_at)
        for r in rows
    ]
    found += [PublicStatus("signup", f"event:{r.id}", r.status, "", r.received_at) for r in signups]
    return found


KINDS = tuple(str(k) for k in SubmissionKind)
STATUSES = tuple(str(s) for s in SubmissionStatus)
