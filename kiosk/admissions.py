"""Recording an admission at the door, and taking one back.

What is recorded: admissions. The check-in log (the ``check_in`` table) is
the log of who was let in, with the kiosk's time and later the server's,
because that is what another kiosk must know to say "already checked in" and
what the server counts and flags. An admission's row and its
``checkin.create`` mutation commit in one write transaction.

What is not: refused scans. An ALREADY or INVALID verdict (or a manual code
that matches several tickets) changes nothing in the store and is not queued
for the server, where it would read as an admission. It is shown to staff and
written to the kiosk's own log file (kiosk.log, rotated and redacted; see
ui/logs.py) as one INFO line: the event, the verdict, the reason and the
ticket's identity, never a name. That file is the "local log" of refused
scans; it stays on the kiosk.

At the door (``admit``) everything a scan needs happens in that one write
transaction on its Core connection: the decision's reads, the admission, its
mutation, and the event's kept figures read back for the screen. The GUI
thread then pays one BEGIN and one durable COMMIT per scan, and no ORM work.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import uuid
from dataclasses import dataclass, replace

from sqlalchemy import Connection, insert
from sqlalchemy.orm import Session

from core.ids import new_id
from core.payloads import CheckinPayload, MutationType, checkin_json
from core.tickets import TicketIdentity
from kiosk.attendance import EventCounts, read_kept_counts
from kiosk.checkin import Ambiguous, Source, Verdict, VerdictKind, checkin_payload, judge
from kiosk.checkin_context import StoreCheckinContext, event_window
from kiosk.identity import require_device_id
from kiosk.models import CheckIn
from kiosk.outbox import enqueue
from kiosk.prepared import Prepared
from kiosk.store import Store

log = logging.getLogger(__name__)

# How long staff may take back an admission made here (a wrong person, a
# double tap): long enough to notice, short enough that the door log stays true.
UNDO_WINDOW_S = 60.0


@dataclass(frozen=True)
class AtTheDoor:
    """What the desk shows after a scan: the outcome, and the event's figures after it."""

    outcome: Verdict | Ambiguous
    counts: EventCounts


def admit(
    store: Store,
    event_id: int,
    scanned: str | TicketIdentity,
    now: dt.datetime,
    *,
    source: Source | None = None,
) -> AtTheDoor:
    """Judge a scan, a typed manual code or a candidate staff picked, and record an admission.

    ``scanned`` is as for ``kiosk.checkin.judge``. The decision is made again
    inside the write transaction (SQLite's write lock is taken at BEGIN), so
    two scans of one ticket at this kiosk can never both be admitted. On ADMIT
    the ``CheckIn`` row and its ``checkin.create`` mutation (same id) commit
    together, and the verdict carries that id for ``undo_admission``; this
    returns only after that COMMIT. The counts are the kept ones
    (``event_tallies``), read in the same transaction after the triggers ran,
    so they include this admission without a second transaction.
    ``source`` defaults to "scan" for ticket text and "manual" otherwise.
    """
    with store.write() as session:
        outcome = _judge_and_record(session, event_id, scanned, now, source)
        counts = read_kept_counts(session.connection(), event_id)
    return AtTheDoor(outcome, counts)


def record_admission(
    store: Store,
    event_id: int,
    scanned: str | TicketIdentity,
    now: dt.datetime,
    *,
    source: Source | None = None,
) -> Verdict | Ambiguous:
    """``admit`` without the figures (the command line; a store not yet at the schema head)."""
    with store.write() as session:
        return _judge_and_record(session, event_id, scanned, now, source)


def _judge_and_record(
    session: Session,
    event_id: int,
    scanned: str | TicketIdentity,
    now: dt.datetime,
    source: Source | None,
) -> Verdict | Ambiguous:
    conn = session.connection()
    device_id = require_device_id(conn)
    ctx = StoreCheckinContext(conn, event_window(conn, event_id))
    verdict, how = judge(scanned, ctx, now)
    if isinstance(verdict, Ambiguous) or verdict.kind is not VerdictKind.ADMIT:
        _log_refusal(event_id, verdict)
        return verdict
    return _record(session, conn, verdict, device_id, now, source or how)


def _record(
    session: Session,
    conn: Connection,
    verdict: Verdict,
    device_id: str,
    now: dt.datetime,
    source: Source,
) -> Verdict:
    checkin_id = new_id()
    payload = checkin_payload(verdict, now, source)
    _INSERT_CHECKIN.run(
        conn,
        {
            "id": checkin_id,
            "event_id": payload.event_id,
            "key_id": payload.key_id,
            "number": payload.number,
            "device_id": device_id,
            "scanned_at": now,
            "local": True,
        },
    )
    enqueue(session, MutationType.CHECKIN, checkin_json(payload), mutation_id=checkin_id, now=now)
    return replace(verdict, checkin_id=checkin_id)


# Run on the driver (kiosk/prepared.py); the other columns take their defaults.
_INSERT_CHECKIN = Prepared(
    insert(CheckIn),
    columns=("id", "event_id", "key_id", "number", "device_id", "scanned_at", "local"),
)


def _log_refusal(event_id: int, verdict: Verdict | Ambiguous) -> None:
    # The kiosk's log file is where refused scans are kept (see the module docstring).
    if isinstance(verdict, Ambiguous):
        log.info(
            "check-in for event %s: manual code matches %d tickets",
            event_id,
            len(verdict.candidates),
        )
        return
    log.info(
        "check-in for event %s: %s %s ticket %s",
        event_id,
        verdict.kind,
        verdict.reason or "",
        "/".join(map(str, verdict.identity)) if verdict.identity else "-",
    )


class UndoOutcome(enum.StrEnum):
    """What ``undo_admission`` did; the UI translates ``checkin.undo.<value>``."""

    UNDONE = "undone"
    UNKNOWN = "unknown"  # no check-in with this id
    NOT_HERE = "not_here"  # admitted by another kiosk: only that kiosk may take it back
    ALREADY_UNDONE = "already_undone"
    TOO_LATE = "too_late"  # the window has passed; the admission stands


def undo_admission(
    store: Store, checkin_id: str, now: dt.datetime, *, window_s: float = UNDO_WINDOW_S
) -> UndoOutcome:
    """Take back an admission made here within ``window_s`` seconds, and tell the server.

    The row stays in the log, marked undone, so the ticket is admissible again
    here at once. The server learns it from a ``checkin.create`` carrying
    ``undo_of`` (its own mutation id, same ticket, ``scanned_at`` = when it was
    undone), queued in the same transaction; it marks its copy of the admission
    undone and every kiosk pulls that. Sent even if the admission itself has
    not left yet: the outbox keeps their order, and the server's log shows both.
    """
    with store.write() as session:
        row = session.get(CheckIn, checkin_id)
        if row is None:
            return UndoOutcome.UNKNOWN
        if not row.local:
            return UndoOutcome.NOT_HERE
        if row.undone:
            return UndoOutcome.ALREADY_UNDONE
        if (now - row.scanned_at).total_seconds() > window_s:
            return UndoOutcome.TOO_LATE
        row.undone = True
        payload = CheckinPayload(
            event_id=row.event_id,
            key_id=row.key_id,
            number=row.number,
            scanned_at=now,
            source="manual",  # a staff action, not a scan
            undo_of=uuid.UUID(row.id),
        )
        enqueue(session, MutationType.CHECKIN, checkin_json(payload), now=now)
    return UndoOutcome.UNDONE
