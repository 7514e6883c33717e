"""``civic-kiosk demo`` runs the real server as a process and enrols the kiosk with it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app.demo import connect_kiosk, start_demo_server
from kiosk.models import DeviceIdentity, Event
from kiosk.store import open_store
from sync.engine import EngineSettings, RoundOutcome, SyncEngine


@pytest.mark.slow(seconds=25)
def test_demo_server_starts_enrols_the_kiosk_and_a_kept_directory_reuses_it(
    tmp_path: Path,
) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'kiosk.db'}")
    first = start_demo_server(tmp_path)
    try:
        connect_kiosk(store, first)
        engine = SyncEngine(store, settings=EngineSettings(app_version="test"))
        assert engine.run_once().outcome is RoundOutcome.OK
        with store.read() as session:
            device = session.get(DeviceIdentity, 1)
            assert device is not None
            device_id = device.device_id
            assert list(session.scalars(select(Event)))  # the demo events were pulled
    finally:
        first.stop()
    again = start_demo_server(tmp_path)  # a new port, the same server database
    try:
        connect_kiosk(store, again)
        assert engine.run_once().outcome is RoundOutcome.OK
        with store.read() as session:
            device = session.get(DeviceIdentity, 1)
            assert device is not None
            assert (device.device_id, device.server_url) == (device_id, again.url)
    finally:
        again.stop()
        engine.close()
        store.close()
