"""Bounds on the times a kiosk reports (``created_at``, ``occurred_at``, ``scanned_at``).

A kiosk's clock is not trusted: a flat RTC battery says 1970, a typo or a
hostile device says 9999. Such a value, stored as it came, broke every page
that converts it to Seoul time and sorted first in every list for ever. So a
time outside [``EARLIEST``, now + ``MAX_AHEAD``] is replaced by the server's
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
# Clocks drift and zones get mixed up; a day ahead is still a clock, not an attack.
MAX_AHEAD: Final = dt.timedelta(days=1)


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
