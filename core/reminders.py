"""When the day-before reminder of an event goes out, and whether a sign-up gets one at all.

Kiosk and server share the rule: the server plans the message, the kiosk's
receipt says what will really happen. A sign-up made after the reminder's
time (on the day, or the evening before) gets none: it would arrive at once,
beside the confirmation, and tell nothing new.
"""

from __future__ import annotations

import datetime as dt

from core.clock import SEOUL

# 10:00 Seoul time on the day before: inside anyone's waking hours, and early
# enough to change plans.
REMINDER_HOUR = 10


def reminder_time(starts_at: dt.datetime) -> dt.datetime:
    day_before = starts_at.astimezone(SEOUL).date() - dt.timedelta(days=1)
    return dt.datetime.combine(day_before, dt.time(REMINDER_HOUR), tzinfo=SEOUL).astimezone(dt.UTC)


def gets_reminder(signed_up_at: dt.datetime, starts_at: dt.datetime) -> bool:
    return signed_up_at < reminder_time(starts_at)
