"""Demo reference data (categories and events in Korean and English).

The same file seeds the embedded demo server, so a demo kiosk pulls what a
stand-alone ``civic-kiosk demo-data`` would have written locally.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from assets import asset
from kiosk.models import Category, Event

SEOUL = ZoneInfo("Asia/Seoul")


def demo_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(asset("demo_data.json").read_text(encoding="utf-8"))
    return data


def demo_event_start(spec: dict[str, Any], now: dt.datetime) -> dt.datetime:
    """Events sit a few days ahead of ``now`` so the demo never shows a past event."""
    day = now.astimezone(SEOUL).date() + dt.timedelta(days=int(spec["days_from_now"]))
    return dt.datetime.combine(day, dt.time(int(spec["hour"])), tzinfo=SEOUL).astimezone(dt.UTC)


def seed_demo_reference(session: Session, now: dt.datetime) -> None:
    data = demo_data()
    for order, spec in enumerate(data["categories"]):
        session.merge(Category(sort_order=order, active=True, **spec))
    for spec in data["events"]:
        starts = demo_event_start(spec, now)
        session.merge(
            Event(
                id=spec["id"],
                title_ko=spec["title_ko"],
                title_en=spec["title_en"],
                place_ko=spec["place_ko"],
                place_en=spec["place_en"],
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=2),
                capacity=spec["capacity"],
                offline_block=spec["offline_block"],
                taken_remote=0,
                cancelled=False,
            )
        )
