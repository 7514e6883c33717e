"""An event's places, shared by online sign-ups, kiosks' offline blocks and the waiting list.

Every kiosk (not revoked) holds its offline block back from what the server
gives out online: the places it may still confirm with no network. A place a
kiosk confirmed counts against its block for good, even if cancelled later, so
a kiosk that never hears of the cancellation can never confirm one too many.
The invariant, kept by every path that confirms a place:

    confirmed places + places still held by kiosks' blocks <= capacity

so kiosks offline with their blocks can never overbook. A kiosk online takes
from the free places and from its own block; a cancelled place is free again
and goes to the first person waiting.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.models import Device, Event, EventBlock, Registration, RegistrationStatus


@dataclass(frozen=True)
class Places:
    capacity: int
    confirmed: int
    # Places kiosks' blocks still hold, in all and for the kiosk asking.
    held: int
    held_here: int
    waiting: int

    @property
    def free(self) -> int:
        """Places nobody holds: what online sign-ups and the waiting list may take."""
        return max(0, self.capacity - self.confirmed - self.held)

    @property
    def for_kiosk(self) -> int:
        """What a sign-up from the kiosk asking would get: free places and its own block."""
        return self.free + self.held_here


def places(session: Session, event: Event, device_id: str | None = None) -> Places:
    counts = dict(
        session.execute(
            select(Registration.status, func.count())
            .where(Registration.event_id == event.id)
            .group_by(Registration.status)
        ).all()
    )
    issued = dict(
        session.execute(
            select(Registration.device_id, func.count())
            .where(
                Registration.event_id == event.id,
                Registration.requested_status == RegistrationStatus.CONFIRMED.value,
                Registration.device_id.is_not(None),
            )
            .group_by(Registration.device_id)
        ).all()
    )
    overrides = dict(
        session.execute(
            select(EventBlock.device_id, EventBlock.places).where(EventBlock.event_id == event.id)
        ).all()
    )
    held = held_here = 0
    for (active,) in session.execute(select(Device.id).where(Device.revoked_at.is_(None))):
        left = max(0, overrides.get(active, event.offline_block) - int(issued.get(active, 0)))
        held += left
        if active == device_id:
            held_here = left
    return Places(
        capacity=event.capacity,
        confirmed=int(counts.get(RegistrationStatus.CONFIRMED.value, 0)),
        held=held,
        held_here=held_here,
        waiting=int(counts.get(RegistrationStatus.WAITLISTED.value, 0)),
    )
