"""The day-before reminder: when it goes, and that a sign-up on the day (or after it) gets none."""

from __future__ import annotations

import datetime as dt

from core.clock import SEOUL
from core.reminders import gets_reminder, reminder_time

EVENT = dt.datetime(2027, 3, 2, 14, 0, tzinfo=SEOUL)


def test_the_reminder_goes_at_ten_the_day_before_in_seoul() -> None:
    assert reminder_time(EVENT) == dt.datetime(2027, 3, 1, 10, 0, tzinfo=SEOUL)


def test_a_sign_up_days_ahead_gets_a_reminder() -> None:
    assert gets_reminder(dt.datetime(2027, 2, 20, 9, 0, tzinfo=SEOUL), EVENT)


def test_a_same_day_sign_up_gets_none() -> None:
    assert not gets_reminder(dt.datetime(2027, 3, 2, 9, 0, tzinfo=SEOUL), EVENT)


def test_a_sign_up_after_the_reminder_time_the_day_before_gets_none() -> None:
    assert not gets_reminder(dt.datetime(2027, 3, 1, 10, 30, tzinfo=SEOUL), EVENT)
    assert gets_reminder(dt.datetime(2027, 3, 1, 9, 59, tzinfo=SEOUL), EVENT)
