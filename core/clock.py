"""Time as both sides see it: aware UTC now, Seoul's zone for days and display, clock types.

Clocks are injected (``Clock``, ``Monotonic``) so tests drive time instead of
sleeping; every stored instant is aware UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Final
from zoneinfo import ZoneInfo

__all__ = ["SEOUL", "Clock", "Monotonic", "in_seoul", "utcnow"]

# The city's zone: ticket days, event dates and every time shown to a person.
SEOUL: Final = ZoneInfo("Asia/Seoul")

# Wall-clock time, aware UTC (``utcnow`` in production, a fixed or stepping one in tests).
Clock = Callable[[], dt.datetime]
# Seconds that only ever grow (``time.monotonic``): intervals, never instants.
Monotonic = Callable[[], float]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def in_seoul(value: dt.datetime) -> dt.datetime | None:
    """``value`` in Seoul time, or None where Seoul's calendar has no such day.

    A stored instant near year 1 or 9999 (a kiosk whose clock said so, kept
    before pushes were bounded) has no Seoul equivalent: ``astimezone``
    raises OverflowError. Every place that shows a time goes through here,
    so one odd value can never break a page, a CSV or an API answer.
    """
    try:
        return value.astimezone(SEOUL)
    except (OverflowError, ValueError):
        return None
