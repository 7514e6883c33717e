"""Bounds on the times a kiosk reports (``created_at``, ``occurred_at``, ``scanned_at``).

A kiosk's clock is not trusted: a flat RTC battery says 1970, a typo or a
hostile device says 9999. Such a value, stored as it came, broke every page
that converts it to Seoul time and sorted first in every list for ever. So a
time outside [``EARLIEST``, now + ``MAX_AHEAD``] (2020 to a year ahead) is replaced by the server's
receipt time before anything is stored, and the push answer and the
``mutations`` ledger say which field was replaced and what it said (the raw
value stays there, and in the mutation as received, for audit). Refusing the
record instead would lose a citizen's complaint for a wrong clock.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

# Nothing was collected before the product existed (ticket days count from here too).
EARLIEST: Final = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
# How far ahead of the server a kiosk's clock may be and still be believed. A
# year: generous for a wrong clock (and for tests that drive a kiosk's clock to
# an event months ahead), while what broke pages and sorting were times at the
# calendar's ends. A record dated within it sorts early for at most that year.
MAX_AHEAD: Final = dt.timedelta(days=366)


def plausible(value: dt.datetime, now: dt.datetime) -> bool:
    """Whether a reported instant lies in [EARLIEST, now + MAX_AHEAD]."""
    try:
        # Comparing aware times converts to UTC, which overflows at the calendar's ends.
        return EARLIEST <= value <= now + MAX_AHEAD
    except OverflowError:
        return False


def describe(value: dt.datetime) -> str:
    """The raw value for the audit note (isoformat never overflows)."""
    return value.isoformat()
