"""The transactional outbox: mutations written with their domain row, in one commit.

Only functions that take the caller's session live here; the caller owns the
transaction, so "received" on screen always means the row and its mutation
committed together.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.models import MutationState, OutboxMutation, SyncState, utcnow
from kiosk.payloads import MutationType
from kiosk.sealing import canonical_json


def sync_state(session: Session) -> SyncState:
    state = session.get(SyncState, 1)
    if state is None:
        state = SyncState(id=1, next_seq=1)
        session.add(state)
        session.flush()
    return state


def enqueue(
    session: Session,
    mutation_type: MutationType,
    payload: dict[str, Any],
    mutation_id: str | None = None,
    now: dt.datetime | None = None,
) -> OutboxMutation:
    """Add a mutation to the caller's transaction with the next per-device seq."""
    state = sync_state(session)
    mutation = OutboxMutation(
        id=mutation_id or str(uuid.uuid4()),
        seq=state.next_seq,
        type=str(mutation_type),
        payload=canonical_json(payload),
        state=MutationState.PENDING,
        attempts=0,
        next_attempt_at=now or utcnow(),
        created_at=now or utcnow(),
        last_error="",
        result_code="",
    )
    state.next_seq += 1
    session.add(mutation)
    return mutation


def pending_count(session: Session) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(OutboxMutation)
            .where(OutboxMutation.state.in_([MutationState.PENDING, MutationState.IN_FLIGHT]))
        )
        or 0
    )


def needs_attention_count(session: Session) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(OutboxMutation)
            .where(OutboxMutation.state == MutationState.REJECTED)
        )
        or 0
    )
