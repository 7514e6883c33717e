"""The real command line: ``serve --demo`` in its own process, then ``enrollment-code``.

This is what the kiosk demo does: start the server on an SQLite file, make an
enrolment code with a second command, enrol, and pull the demo data.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.integration.server.simkiosk import SimKiosk

ROOT = Path(__file__).resolve().parents[3]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _cli(*argv: str) -> list[str]:
    return [sys.executable, "-m", "server.cli", *argv]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class DemoServer:
    base_url: str
    db_url: str
    log: Path

    def code(self, office: str) -> str:
        made = subprocess.run(
            _cli("enrollment-code", "--office", office, "--db", self.db_url),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
            env=ENV,
        )
        return made.stdout.strip().splitlines()[-1]


@pytest.fixture
def demo_server(tmp_path: Path) -> Iterator[DemoServer]:
    db_url = f"sqlite:///{tmp_path / 'server.db'}"
    log = tmp_path / "server.log"
    port = _free_port()
    with log.open("wb") as stderr:
        proc = subprocess.Popen(
            _cli("serve", "--demo", "--port", str(port), "--db", db_url),
            cwd=ROOT,
            env=ENV,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                if requests.get(base + "/v1/health", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "server did not come up"
            time.sleep(0.05)
        yield DemoServer(base, db_url, log)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)


def test_demo_server_enrols_a_kiosk_that_pulls_demo_data(demo_server: DemoServer) -> None:
    kiosk = SimKiosk.enroll(demo_server.base_url, demo_server.code("데모 민원실"))
    pages, _ = kiosk.pull_all()

    events = [e for page in pages for e in page["changes"]["events"]]
    categories = [c for page in pages for c in page["changes"]["categories"]]
    assert {e["title_en"] for e in events} >= {"Youth policy round table"}
    assert len(categories) == 10
    assert kiosk.office == "데모 민원실"


def test_logs_are_json_lines_without_personal_data(demo_server: DemoServer) -> None:
    kiosk = SimKiosk.enroll(demo_server.base_url, demo_server.code("시청"))
    [result] = kiosk.push([kiosk.complaint(description="비밀 민원 내용", name="홍길동")])
    assert result["status"] == "applied"
    assert requests.get(demo_server.base_url + "/nowhere", timeout=5).status_code == 404

    lines = [json.loads(line) for line in demo_server.log.read_text().splitlines()]

    pushes = [r for r in lines if r.get("path") == "/v1/sync/push"]
    assert pushes and pushes[-1]["status"] == 200 and pushes[-1]["applied"] == 1
    assert pushes[-1]["device"] == kiosk.device_id
    text = demo_server.log.read_text()
    for secret in ("홍길동", "비밀 민원", "010-1234-5678", kiosk.token):
        assert secret not in text
