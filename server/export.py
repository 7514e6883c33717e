"""Export of everything kiosks delivered, for the city's IT team (JSON Lines or CSV).

One record per submission, sign-up, check-in or rejected mutation, with the
unsealed fields. The output holds personal data: the CLI writes it only where
the operator points it.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db import Database
from server.models import CheckIn, Registration, RejectedMutation, Submission, SubmissionKind

KINDS = ("complaint", "suggestion", "proposal", "signup", "checkin", "rejected")
FORMATS = ("jsonl", "csv")

COLUMNS = (
    "id",
    "kind",
    "receipt_code",
    "device_id",
    "created_at",
    "received_at",
    "status",
    "category",
    "district",
    "dong",
    "consent_version",
    "title",
    "description",
    "address",
    "name",
    "phone",
    "email",
    "share_contact",
    "event_id",
    "key_id",
    "number",
    "ticket",
    "source",
    "admission",
    "flag_reason",
    "code",
    "message",
    "raw",
)
_BATCH = 500


def export_records(
    db: Database, kinds: Sequence[str] = KINDS, since: dt.datetime | None = None
) -> Iterator[dict[str, Any]]:
    """Every stored record of ``kinds`` received at or after ``since``, oldest first."""
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown kind(s): {', '.join(sorted(unknown))}")
    with db.read() as session:
        submission_kinds = [k for k in kinds if k in {str(s) for s in SubmissionKind}]
        if submission_kinds:
            yield from _submissions(session, submission_kinds, since)
        if "signup" in kinds:
            yield from _signups(session, since)
        if "checkin" in kinds:
            yield from _checkins(session, since)
        if "rejected" in kinds:
            yield from _rejected(session, since)


def _submissions(
    session: Session, kinds: Sequence[str], since: dt.datetime | None
) -> Iterator[dict[str, Any]]:
    query = select(Submission).where(Submission.kind.in_(kinds))
    if since is not None:
        query = query.where(Submission.received_at >= since)
    query = query.order_by(Submission.received_at, Submission.id)
    for s in session.scalars(query.execution_options(yield_per=_BATCH)):
        yield {
            "id": s.id,
            "kind": s.kind,
            "receipt_code": s.receipt_code,
            "device_id": s.device_id,
            "created_at": s.created_at,
            "received_at": s.received_at,
            "status": s.status,
            "category": s.category,
            "district": s.district,
            "dong": s.dong,
            "consent_version": s.consent_version,
            **s.details,
        }


def _signups(session: Session, since: dt.datetime | None) -> Iterator[dict[str, Any]]:
    query = select(Registration)
    if since is not None:
        query = query.where(Registration.received_at >= since)
    query = query.order_by(Registration.received_at, Registration.id)
    for r in session.scalars(query.execution_options(yield_per=_BATCH)):
        yield {
            "id": r.id,
            "kind": "signup",
            "receipt_code": r.receipt_code,
            "device_id": r.device_id or "",
            "created_at": r.created_at,
            "received_at": r.received_at,
            "status": r.status,
            "consent_version": r.consent_version,
            "name": r.name,
            "phone": r.phone,
            "event_id": r.event_id,
            "key_id": r.key_id,
            "number": r.number,
            "ticket": r.ticket,
            # The kiosk told the citizen this; it differs when the server moved them.
            "code": "" if r.status == r.requested_status else f"requested_{r.requested_status}",
        }


def _checkins(session: Session, since: dt.datetime | None) -> Iterator[dict[str, Any]]:
    query = select(CheckIn, Registration.receipt_code).outerjoin(
        Registration,
        (Registration.key_id == CheckIn.key_id)
        & (Registration.event_id == CheckIn.event_id)
        & (Registration.number == CheckIn.number),
    )
    if since is not None:
        query = query.where(CheckIn.received_at >= since)
    query = query.order_by(CheckIn.received_at, CheckIn.id)
    for c, receipt_code in session.execute(query.execution_options(yield_per=_BATCH)):
        yield {
            "id": c.id,
            "kind": "checkin",
            "receipt_code": receipt_code or "",
            "device_id": c.device_id,
            "created_at": c.scanned_at,
            "received_at": c.received_at,
            "status": "flagged" if c.flagged else "admitted",
            "event_id": c.event_id,
            "key_id": c.key_id,
            "number": c.number,
            "source": c.source,
            "admission": c.admission,
            "flag_reason": c.flag_reason,
        }


def _rejected(session: Session, since: dt.datetime | None) -> Iterator[dict[str, Any]]:
    query = select(RejectedMutation)
    if since is not None:
        query = query.where(RejectedMutation.received_at >= since)
    query = query.order_by(RejectedMutation.received_at, RejectedMutation.id)
    for m in session.scalars(query.execution_options(yield_per=_BATCH)):
        yield {
            "id": m.mutation_id,
            "kind": "rejected",
            "device_id": m.device_id,
            "received_at": m.received_at,
            "status": "rejected",
            "code": m.code,
            "message": m.message,
            "raw": m.raw,
        }


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    return value


def write_jsonl(records: Iterable[dict[str, Any]], out: TextIO) -> int:
    count = 0
    for record in records:
        out.write(json.dumps({k: _plain(v) for k, v in record.items()}, ensure_ascii=False))
        out.write("\n")
        count += 1
    return count


def write_csv(records: Iterable[dict[str, Any]], out: TextIO) -> int:
    writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    count = 0
    for record in records:
        writer.writerow({k: csv_cell(_plain(v)) for k, v in record.items()})
        count += 1
    return count


def csv_cell(value: Any) -> Any:
    # Citizens' text opened in a spreadsheet must not run as a formula.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
