"""How the staff screens write times and ages: Seoul time, in the catalog's words."""

from __future__ import annotations

import datetime as dt

from core.clock import SEOUL
from ui.i18n import tr


def clock_time(moment: dt.datetime) -> str:
    """14:05, in Seoul."""
    return moment.astimezone(SEOUL).strftime("%H:%M")


def day_and_time(moment: dt.datetime) -> str:
    local = moment.astimezone(SEOUL)
    return tr("staff.when", month=local.month, day=local.day, time=local.strftime("%H:%M"))


def age(seconds: float) -> str:
    """ "45 s", "12 min", "3 h", "2 days": the coarsest unit that is not zero."""
    whole = int(max(0.0, seconds))
    if whole < 60:
        return tr("staff.age.seconds", count=whole)
    if whole < 3600:
        return tr("staff.age.minutes", count=whole // 60)
    if whole < 86400:
        return tr("staff.age.hours", count=whole // 3600)
    return tr("staff.age.days", count=whole // 86400)
