"""Who signed up for an event, and when and how often each ticket was admitted."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import func, select

from server.db import Database
from server.export import csv_cell
from server.models import CheckIn, Event, Registration
from server.submissions import BOM, kst


@dataclass(frozen=True)
class Attendee:
    registration_id: str
    receipt_code: str
    name: str
    phone: str
    status: str
    requested_status: str
    device_id: str
    ticket: str
    signed_up_at: dt.datetime
    # Every admission of this ticket in scan order; more than one is flagged.
    checkins: list[dt.datetime]
    flagged: bool
    flag_reasons: list[str]

    @property
    def moved_to_waitlist(self) -> bool:
        return self.status != self.requested_status


def attendees(db: Database, event_id: int) -> list[Attendee]:
    with db.read() as session:
        registrations = session.scalars(
            select(Registration)
            .where(Registration.event_id == event_id)
            .order_by(Registration.created_at, Registration.id)
        ).all()
        scans = session.scalars(
            select(CheckIn)
            .where(CheckIn.event_id == event_id)
            .order_by(CheckIn.scanned_at, CheckIn.id)
        ).all()
    by_ticket: dict[tuple[int, int], list[CheckIn]] = defaultdict(list)
    for scan in scans:
        by_ticket[(scan.key_id, scan.number)].append(scan)
    out = []
    for r in registrations:
        held = r.key_id is not None and r.number is not None
        mine = by_ticket.get((r.key_id or 0, r.number or 0), []) if held else []
        out.append(
            Attendee(
                registration_id=r.id,
                receipt_code=r.receipt_code,
                name=r.name,
                phone=r.phone,
                status=r.status,
                requested_status=r.requested_status,
                device_id=r.device_id or "",
                ticket=r.ticket,
                signed_up_at=r.created_at,
                checkins=[c.scanned_at for c in mine],
                flagged=any(c.flagged for c in mine),
                flag_reasons=sorted({c.flag_reason for c in mine if c.flag_reason}),
            )
        )
    return out


def checkin_counts(db: Database, since: dt.datetime) -> list[tuple[Event, int]]:
    """Events starting after ``since`` with how many distinct tickets were admitted."""
    tickets = select(CheckIn.event_id, CheckIn.key_id, CheckIn.number).distinct().subquery()
    admitted = (
        select(tickets.c.event_id, func.count().label("tickets"))
        .group_by(tickets.c.event_id)
        .subquery()
    )
    with db.read() as session:
        rows = session.execute(
            select(Event, admitted.c.tickets)
            .outerjoin(admitted, admitted.c.event_id == Event.id)
            .where(Event.starts_at >= since)
            .order_by(Event.starts_at, Event.id)
            .limit(20)
        ).all()
    return [(event, int(count or 0)) for event, count in rows]


ATTENDEE_COLUMNS = (
    "receipt_code",
    "name",
    "phone",
    "status",
    "requested_status",
    "device_id",
    "ticket",
    "signed_up_at",
    "first_checkin",
    "admissions",
    "flagged",
    "flag_reasons",
)


def attendee_csv(db: Database, event_id: int) -> Iterator[str]:
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(ATTENDEE_COLUMNS)
    for a in attendees(db, event_id):
        writer.writerow(
            [
                csv_cell(v)
                for v in (
                    a.receipt_code,
                    a.name,
                    a.phone,
                    a.status,
                    a.requested_status,
                    a.device_id,
                    a.ticket,
                    kst(a.signed_up_at),
                    kst(a.checkins[0]) if a.checkins else "",
                    len(a.checkins),
                    "yes" if a.flagged else "",
                    " ".join(a.flag_reasons),
                )
            ]
        )
    yield buffer.getvalue()
