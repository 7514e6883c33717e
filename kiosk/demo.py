"""Seeding a kiosk's local store with the demo categories and events (core.demo)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from core.demo import demo_data, demo_event_start
from kiosk.models import Category, Event


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
