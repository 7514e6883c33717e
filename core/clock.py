"""Time as both sides see it: aware UTC now, Seoul's zone for days and display, clock types.

Clocks are injected (``Clock``, ``Monotonic``) so tests drive time instead of
sleeping; every stored instant is aware UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Final
from zoneinfo import ZoneInfo

__all__ = ["SEOUL", "Clock", "Monotonic", "utcnow"]

# The city's zone: ticket days, event dates and every time shown to a person.
SEOUL: Final = ZoneInfo("Asia/Seoul")

# Wall-clock time, aware UTC (``utcnow`` in production, a fixed or stepping one in tests).
Clock = Callable[[], dt.datetime]
# Seconds that only ever grow (``time.monotonic``): intervals, never instants.
Monotonic = Callable[[], float]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
