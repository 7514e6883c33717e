"""Rate limits that hold across worker processes: one atomic upsert per attempt.

A limit that first counts earlier attempts and later writes the new one lets
every attempt of a parallel burst read the same old count (60 parallel
enrolment guesses were judged against a limit of 10 and 35 got through). Here
the attempt is counted and its number read back in one statement,
``INSERT … ON CONFLICT DO UPDATE … RETURNING``, which the database runs under
the row's lock on PostgreSQL and the write lock on SQLite: the n-th of a burst
sees n, whatever the timing. A key's window starts at its first attempt and
restarts at the first attempt after it ended.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, case, delete, literal, select
from sqlalchemy.dialects import postgresql, sqlite

from server.db import Database
from server.models import RateCounter, UTCDateTime, table_of

_counters = table_of(RateCounter)
MAX_KEY = 200


@dataclass(frozen=True)
class Limit:
    """At most ``attempts`` per ``window`` under one key (``prefix`` + what is counted)."""

    prefix: str
    attempts: int
    window: dt.timedelta

    def key(self, subject: str) -> str:
        return f"{self.prefix}:{subject}"[:MAX_KEY]


@dataclass(frozen=True)
class Count:
    """How many attempts a key has in its current window, and when that window ends."""

    attempts: int
    resets_at: dt.datetime

    def retry_after_s(self, now: dt.datetime) -> int:
        return max(1, int((self.resets_at - now).total_seconds()) + 1)


def hit(db: Database, limit: Limit, subject: str, now: dt.datetime) -> Count:
    """Count one attempt now, atomically; the count includes it."""
    with db.write() as session:
        return hit_in(session.connection(), limit, subject, now)


def hit_in(conn: Connection, limit: Limit, subject: str, now: dt.datetime) -> Count:
    """``hit`` inside the caller's transaction."""
    expired = _counters.c.window_start <= now - limit.window
    stamp = literal(now, UTCDateTime())
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(_counters)
        .values(key=limit.key(subject), window_start=stamp, count=1)
        .on_conflict_do_update(
            index_elements=["key"],
            set_={
                "count": case((expired, 1), else_=_counters.c.count + 1),
                "window_start": case((expired, stamp), else_=_counters.c.window_start),
            },
        )
        .returning(_counters.c.count, _counters.c.window_start)
    )
    attempts, window_start = conn.execute(statement).one()
    return Count(int(attempts), window_start + limit.window)


def peek(db: Database, limit: Limit, subject: str, now: dt.datetime) -> int:
    """Attempts counted under the key in its current window (0 after it ended)."""
    with db.read() as session:
        row = session.execute(
            select(RateCounter.count, RateCounter.window_start).where(
                RateCounter.key == limit.key(subject)
            )
        ).first()
    if row is None:
        return 0
    attempts, window_start = row
    return 0 if window_start <= now - limit.window else int(attempts)


def forget(db: Database, limit: Limit, subject: str) -> None:
    """Clear a key: a successful log-in clears its address, an admin an account."""
    with db.write() as session:
        session.execute(delete(RateCounter).where(RateCounter.key == limit.key(subject)))


def sweep(db: Database, older_than: dt.datetime) -> int:
    """Drop counters whose window started before ``older_than`` (housekeeping)."""
    with db.write() as session:
        result = session.execute(delete(RateCounter).where(RateCounter.window_start < older_than))
        return int(getattr(result, "rowcount", 0) or 0)


class LocalWindow:
    """A per-process limit kept in memory, for pages too busy to count in the database.

    The public status page is one read per request: counting each in the
    database would turn a flood of reads into a flood of writes. Each worker
    process counts on its own, so the limit a client meets is at most
    ``attempts`` × workers per window. Memory stays bounded: beyond
    ``max_keys`` addresses the oldest windows are dropped.
    """

    def __init__(
        self,
        attempts: int,
        window_s: float,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        self.attempts = attempts
        self.window_s = window_s
        self._clock = clock
        self._max_keys = max_keys
        self._windows: OrderedDict[str, tuple[float, int]] = OrderedDict()
        self._lock = threading.Lock()

    def hit(self, subject: str) -> int | None:
        """Count one attempt; None if allowed, else the seconds until the window ends."""
        now = self._clock()
        with self._lock:
            started, count = self._windows.pop(subject, (now, 0))
            if now - started >= self.window_s:
                started, count = now, 0
            count += 1
            self._windows[subject] = (started, count)
            while len(self._windows) > self._max_keys:
                self._windows.popitem(last=False)
        if count <= self.attempts:
            return None
        return max(1, int(started + self.window_s - now) + 1)
