"""``civic-kiosk demo``: a kiosk on a fresh local store with demo reference data."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from kiosk.config import Settings
from kiosk.demo import seed_demo_reference
from kiosk.store import open_store
from ui.app import run_kiosk


def run_demo(settings: Settings, data_dir: Path | None) -> int:
    directory = data_dir or Path(tempfile.mkdtemp(prefix="civic-kiosk-demo-"))
    demo_settings = settings.with_overrides(
        data_dir=str(directory), database_url="", office_name="서울시청 시민청 (데모)"
    )
    store = open_store(demo_settings.database_url_resolved)
    with store.write() as session:
        seed_demo_reference(session, dt.datetime.now(dt.UTC))
    return run_kiosk(demo_settings, store)
