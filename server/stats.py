"""Counts for the staff dashboard, grouped in the database (never row by row in Python)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import func, literal_column, select

from core.clock import SEOUL
from server.db import Database
from server.models import Submission, utcnow


def _seoul_day(dialect: str) -> Any:
    """created_at as a Seoul calendar day (text YYYY-MM-DD) on either database."""
    if dialect == "postgresql":
        return func.to_char(
            func.timezone("Asia/Seoul", Submission.created_at), literal_column("'YYYY-MM-DD'")
        )
    # SQLite stores naive UTC; Seoul has had no daylight saving time since 1988.
    return func.date(Submission.created_at, "+9 hours")


def per_day_per_kind(
    db: Database, days: int = 30, now: dt.datetime | None = None
) -> list[tuple[str, dict[str, int]]]:
    """For each of the last ``days`` Seoul days (oldest first): submissions per kind."""
    now = now or utcnow()
    today = now.astimezone(SEOUL).date()
    first = today - dt.timedelta(days=days - 1)
    since = dt.datetime.combine(first, dt.time(), tzinfo=SEOUL)
    day = _seoul_day(db.dialect).label("day")
    with db.read() as session:
        rows = session.execute(
            select(day, Submission.kind, func.count())
            .where(Submission.created_at >= since)
            .group_by(day, Submission.kind)
        ).all()
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for label, kind, n in rows:
        counts[str(label)][kind] = int(n)
    out = []
    for offset in range(days):
        date = first + dt.timedelta(days=offset)
        out.append((date.strftime("%m-%d"), counts.get(date.isoformat(), {})))
    return out


def per_district(
    db: Database, days: int = 30, now: dt.datetime | None = None, limit: int = 12
) -> list[tuple[str, int]]:
    now = now or utcnow()
    count = func.count().label("n")
    with db.read() as session:
        rows = session.execute(
            select(Submission.district, count)
            .where(Submission.created_at >= now - dt.timedelta(days=days))
            .group_by(Submission.district)
            .order_by(count.desc(), Submission.district)
            .limit(limit)
        ).all()
    return [(district, int(n)) for district, n in rows]
