"""The figures of the staff sync dashboard, read from the store in one transaction.

What the sync engine last recorded (state, last success, clock offset) comes
from ``kiosk.sync_state``; what only the outbox knows (how old the oldest
waiting record is, which records the server refused and why) is read here.
The live state (online, syncing) comes from the engine's status signal; this
is what the store says, and what staff see when no engine runs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import utcnow
from kiosk.models import OutboxMutation, Registration, Submission
from kiosk.outbox import QUEUED_STATES, AttentionItem, needs_attention
from kiosk.store import Store
from kiosk.sync_state import SyncSnapshot, snapshot

# How long staff mode shows the last receipt code made here (issue 16 #11).
RECENT_RECEIPT = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class RecentReceipt:
    code: str
    created_at: dt.datetime


@dataclass(frozen=True)
class Dashboard:
    sync: SyncSnapshot
    oldest_pending_at: dt.datetime | None
    attention: tuple[AttentionItem, ...]
    # The newest receipt made here within RECENT_RECEIPT, if any. A kiosk killed
    # between the commit and the receipt screen (power, crash) kept the record
    # and will deliver it, but the citizen never saw the code: staff, called
    # with the button on every screen, read it here (docs/threat-model.md).
    last_receipt: RecentReceipt | None = None

    def oldest_pending_age_s(self, now: dt.datetime) -> float | None:
        """How long the oldest record has waited to be sent; None when nothing waits."""
        if self.oldest_pending_at is None:
            return None
        return max(0.0, (now - self.oldest_pending_at).total_seconds())


def dashboard(store: Store, now: dt.datetime | None = None) -> Dashboard:
    now = now or utcnow()
    with store.read() as session:
        return Dashboard(
            sync=snapshot(session),
            oldest_pending_at=_oldest_queued(session),
            attention=tuple(needs_attention(session)),
            last_receipt=_last_receipt(session, now),
        )


def _oldest_queued(session: Session) -> dt.datetime | None:
    """When the first mutation still queued was made.

    The first by seq of each queued state, found in ix_outbox_due (state, seq):
    a min() over every queued row walked the whole queue on the GUI thread when
    staff opened the dashboard. Seqs are taken in the order records are made.
    """
    firsts = [
        session.scalar(
            select(OutboxMutation.created_at)
            .where(OutboxMutation.state == state)
            .order_by(OutboxMutation.seq)
            .limit(1)
        )
        for state in QUEUED_STATES
    ]
    made = [when for when in firsts if when is not None]
    return _utc(min(made)) if made else None


def _last_receipt(session: Session, now: dt.datetime) -> RecentReceipt | None:
    since = now - RECENT_RECEIPT
    found: list[tuple[dt.datetime, str]] = []
    for created_at, code in (
        *session.execute(
            select(Submission.created_at, Submission.receipt_code)
            .where(Submission.created_at >= since)
            .order_by(Submission.created_at.desc())
            .limit(1)
        ),
        *session.execute(
            select(Registration.created_at, Registration.receipt_code)
            .where(Registration.local, Registration.created_at >= since)
            .order_by(Registration.created_at.desc())
            .limit(1)
        ),
    ):
        if code:
            found.append((created_at, code))
    if not found:
        return None
    created_at, code = max(found)
    return RecentReceipt(code, created_at)


def _utc(value: dt.datetime | str | None) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
