"""bench/server_ingest.py's simulated kiosks send what real kiosks send, to a real server."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bench.server_ingest import BenchKiosk, kiosk_headers, prepare, real_server, server_process
from server.db import open_database
from server.models import Device


@pytest.mark.slow
def test_bench_pushes_carry_the_backlog_and_printer_headers(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'server.db'}"
    event, [code] = prepare(url, 1)
    with server_process(real_server(url)) as (base, _session):
        kiosk = BenchKiosk.enroll(base, code, "bench 0")
        batch = [kiosk.complaint(), kiosk.signup(event, 1)]
        reply = kiosk.push_raw_to(base, batch, kiosk_headers(57))
        kiosk.close()

    assert reply.status_code == 200, reply.text
    assert [r["status"] for r in reply.json()["results"]] == ["applied", "applied"]
    db = open_database(url)
    try:
        with db.read() as session:
            device = session.scalars(select(Device)).one()
            assert (device.pending_reported, device.printer_state) == (57, "ready")
    finally:
        db.close()
