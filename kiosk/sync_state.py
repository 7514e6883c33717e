"""How this kiosk's exchanges with the central server have gone, as kept in the store.

The sync engine writes here after each round; ``civic-kiosk status`` and the
staff screen read it back without talking to the network.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from kiosk.identity import current_identity
from kiosk.outbox import needs_attention_count, pending_count, sync_state


@dataclass(frozen=True)
class SyncSnapshot:
    enrolled: bool
    device_id: str
    server_url: str
    office: str
    revoked: bool
    pending: int
    needs_attention: int
    state: str
    last_success_at: dt.datetime | None
    last_attempt_at: dt.datetime | None
    last_error: str
    clock_offset_s: float


def snapshot(session: Session) -> SyncSnapshot:
    identity = current_identity(session)
    state = sync_state(session)
    return SyncSnapshot(
        enrolled=identity is not None,
        device_id=identity.device_id if identity else "",
        server_url=identity.server_url if identity else "",
        office=identity.office if identity else "",
        revoked=bool(identity and identity.revoked),
        pending=pending_count(session),
        needs_attention=needs_attention_count(session),
        state=state.status,
        last_success_at=state.last_success_at,
        last_attempt_at=state.last_attempt_at,
        last_error=state.last_error,
        clock_offset_s=state.clock_offset_s,
    )


def record_contact(session: Session, clock_offset_s: float) -> None:
    """The server answered: remember how far our clock is from its ``server_time``."""
    sync_state(session).clock_offset_s = clock_offset_s


def record_round(
    session: Session, state: str, now: dt.datetime, *, success: bool, error: str = ""
) -> None:
    row = sync_state(session)
    row.status = state
    row.last_attempt_at = now
    if success:
        row.last_success_at = now
        row.last_error = ""
    else:
        row.last_error = error


def mark_revoked(session: Session) -> None:
    """The server refused this device for good: stop until staff enrol it again."""
    identity = current_identity(session)
    if identity is not None:
        identity.revoked = True
