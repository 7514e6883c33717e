"""Demo reference data (categories and events in Korean and English), for kiosk and server.

The same file seeds the embedded demo server, so a demo kiosk pulls what a
stand-alone ``civic-kiosk demo-data`` would have written locally.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from assets import asset
from core.clock import SEOUL


def demo_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(asset("demo_data.json").read_text(encoding="utf-8"))
    return data


def demo_event_start(spec: dict[str, Any], now: dt.datetime) -> dt.datetime:
    """Events sit a few days ahead of ``now`` so the demo never shows a past event."""
    day = now.astimezone(SEOUL).date() + dt.timedelta(days=int(spec["days_from_now"]))
    return dt.datetime.combine(day, dt.time(int(spec["hour"])), tzinfo=SEOUL).astimezone(dt.UTC)
