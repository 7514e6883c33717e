"""What staff see of the messages to citizens: counts, the ones not sent, a retry.

Addresses appear only masked (010-****-5678): staff who need the whole number
open the case itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select, update

from server.db import Database
from server.models import Notification, NotificationState, utcnow

UNSENT_LIMIT = 200


@dataclass(frozen=True)
class Unsent:
    id: int
    kind: str
    channel: str
    subject: str
    subject_id: str
    receipt_code: str
    recipient: str
    state: str
    attempts: int
    next_attempt_at: dt.datetime
    last_error: str


def counts(db: Database) -> dict[str, int]:
    with db.read() as session:
        return {
            state: int(n)
            for state, n in session.execute(
                select(Notification.state, func.count()).group_by(Notification.state)
            )
        }


def unsent(db: Database, limit: int = UNSENT_LIMIT) -> list[Unsent]:
    """Failed first, then those waiting, oldest first."""
    waiting = [
        NotificationState.FAILED.value,
        NotificationState.PENDING.value,
        NotificationState.SENDING.value,
    ]
    with db.read() as session:
        rows = session.scalars(
            select(Notification)
            .where(Notification.state.in_(waiting))
            .order_by(
                (Notification.state != NotificationState.FAILED.value),
                Notification.next_attempt_at,
                Notification.id,
            )
            .limit(limit)
        ).all()
    return [
        Unsent(
            r.id,
            r.kind,
            r.channel,
            r.subject,
            r.subject_id,
            r.receipt_code,
            r.recipient_masked,
            r.state,
            r.attempts,
            r.next_attempt_at,
            r.last_error,
        )
        for r in rows
    ]


def retry(db: Database, notification_id: int, now: dt.datetime | None = None) -> bool:
    """A failed message goes out again at the next round (staff fixed the cause)."""
    with db.write() as session:
        done = session.execute(
            update(Notification)
            .where(
                Notification.id == notification_id,
                Notification.state == NotificationState.FAILED.value,
            )
            .values(
                state=NotificationState.PENDING.value,
                attempts=0,
                next_attempt_at=now or utcnow(),
                leased_until=None,
            )
        )
        return getattr(done, "rowcount", 0) == 1
