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

from sqlalchemy import func, select

from kiosk.models import OutboxMutation
from kiosk.outbox import QUEUED_STATES, AttentionItem, needs_attention
from kiosk.store import Store
from kiosk.sync_state import SyncSnapshot, snapshot


@dataclass(frozen=True)
class Dashboard:
    sync: SyncSnapshot
    oldest_pending_at: dt.datetime | None
    attention: tuple[AttentionItem, ...]

    def oldest_pending_age_s(self, now: dt.datetime) -> float | None:
        """How long the oldest record has waited to be sent; None when nothing waits."""
        if self.oldest_pending_at is None:
            return None
        return max(0.0, (now - self.oldest_pending_at).total_seconds())


def dashboard(store: Store) -> Dashboard:
    with store.read() as session:
        oldest = session.scalar(
            select(func.min(OutboxMutation.created_at)).where(
                OutboxMutation.state.in_(QUEUED_STATES)
            )
        )
        return Dashboard(
            sync=snapshot(session),
            # min() comes back through SQLite as a naive text value, not through UTCDateTime.
            oldest_pending_at=_utc(oldest),
            attention=tuple(needs_attention(session)),
        )


def _utc(value: dt.datetime | str | None) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
