"""Rows delivered to the outside world one at a time: claimed with a lease, retried with backoff.

The Open311 forwarder (``server.forwarder``) and the notifier (``server.notifier``)
both keep one row per thing to deliver and must never send one twice at once,
even with several server processes. The pattern they share:

1. *claim*: due rows are taken with a lease, by an UPDATE that only one
   process wins (``claim``); the lease's end doubles as the claim's ticket;
2. *settle*: the outcome is written only while that lease still holds
   (``settle``), so a process whose lease ran out cannot overwrite the answer
   of the one that took over;
3. *backoff*: a failed try waits a doubling, jittered delay (``backoff``).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session

from server.db import Database

Rng = Callable[[], float]


def backoff(
    attempts: int, base: dt.timedelta, cap: dt.timedelta, rng: Rng = random.random
) -> dt.timedelta:
    """Delay before the next try: doubling from ``base`` up to ``cap``, jittered."""
    ceiling = min(cap, base * (1 << min(max(attempts - 1, 0), 20)))
    # Equal jitter: at least half the delay, so a failing endpoint is not hammered.
    return ceiling / 2 + ceiling / 2 * rng()


def free_of_lease(model: Any, now: dt.datetime) -> ColumnElement[bool]:
    """Rows nobody holds: never leased, or their holder's lease ran out."""
    return or_(model.leased_until.is_(None), model.leased_until < now)


def claim(
    db: Database,
    model: Any,
    due: ColumnElement[bool],
    now: dt.datetime,
    lease: dt.timedelta,
    *,
    limit: int,
    rng: Rng = random.random,
) -> list[tuple[int, dt.datetime]]:
    """Due rows (``due`` and free of any lease) this process now holds, each with its lease's end.

    ``model`` has ``id``, ``next_attempt_at`` and ``leased_until`` columns.
    """
    takeable = and_(due, free_of_lease(model, now))
    with db.read() as session:
        ids = session.scalars(
            select(model.id).where(takeable).order_by(model.next_attempt_at).limit(limit)
        ).all()
    claimed = []
    # The lease's end doubles as a claim ticket: it differs per claim by the microsecond.
    until = now + lease + dt.timedelta(microseconds=rng() * 1000)
    for row_id in ids:
        with db.write() as session:
            won = session.execute(
                update(model).where(model.id == row_id, takeable).values(leased_until=until)
            )
            if getattr(won, "rowcount", 0) == 1:
                claimed.append((row_id, until))
    return claimed


def settle(session: Session, model: Any, row_id: int, until: dt.datetime, **values: Any) -> bool:
    """Write a claimed row's outcome (and drop its lease) only while our lease holds."""
    done = session.execute(
        update(model)
        .where(model.id == row_id, model.leased_until == until)
        .values(leased_until=None, **values)
    )
    return getattr(done, "rowcount", 0) == 1
