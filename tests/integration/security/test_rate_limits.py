"""Findings 8 and 9: limits that a parallel burst, a forged header or a fast loop walks past.

Enrolment guesses are counted atomically before they are judged (60 parallel
guesses used to be judged against a limit of 10 and 35 got through);
X-Forwarded-For is believed only from a configured proxy (uvicorn believed it
from 127.0.0.1); the public status page answers a probe with 429.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import uvicorn

from server.app import create_app
from server.cli import uvicorn_options
from server.config import ServerSettings
from server.db import Database
from server.enrolment import MAX_FAILURES
from server.keys import load_or_create_keys
from tests.integration.server.live import LiveServer
from tests.integration.server.simkiosk import enroll_raw
from tests.integration.web.staffsite import Site

WRONG_CODE = "2222-2222-2222"


def test_sixty_parallel_guesses_get_at_most_the_limit_judged(live: LiveServer) -> None:
    with ThreadPoolExecutor(max_workers=20) as burst:
        replies = list(burst.map(lambda _: enroll_raw(live.base_url, WRONG_CODE), range(60)))

    statuses = [r.status_code for r in replies]
    assert statuses.count(403) == MAX_FAILURES
    assert statuses.count(429) == 60 - MAX_FAILURES


@dataclasses.dataclass
class _Served:
    url: str
    server: uvicorn.Server
    thread: threading.Thread


@pytest.fixture
def served(db: Database, request: pytest.FixtureRequest) -> Iterator[_Served]:
    """The server as ``civic-kiosk-server serve`` configures uvicorn, with ``trusted_proxies``."""
    settings = ServerSettings(port=0, trusted_proxies=getattr(request, "param", ""))
    config = uvicorn.Config(
        create_app(db, load_or_create_keys(db), settings),
        lifespan="off",
        **uvicorn_options(settings),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield _Served(f"http://127.0.0.1:{port}", server, thread)
    server.should_exit = True
    thread.join(timeout=15)


def _guesses_with_forged_addresses(url: str) -> list[int]:
    return [
        requests.post(
            url + "/v1/devices/enroll",
            json={"enrollment_code": WRONG_CODE, "name": "k", "public_key": "A" * 43 + "="},
            headers={"X-Forwarded-For": f"198.51.100.{n}"},
            timeout=10,
        ).status_code
        for n in range(MAX_FAILURES + 1)
    ]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_forged_x_forwarded_for_is_not_believed_without_a_configured_proxy(
    served: _Served,
) -> None:
    statuses = _guesses_with_forged_addresses(served.url)

    assert statuses == [403] * MAX_FAILURES + [429]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("served", ["127.0.0.1"], indirect=True)
def test_the_configured_proxy_is_believed(served: _Served) -> None:
    statuses = _guesses_with_forged_addresses(served.url)

    assert statuses == [403] * (MAX_FAILURES + 1)


def test_the_status_page_answers_a_probe_with_429(site: Site) -> None:
    http = requests.Session()
    codes = [http.get(f"{site.url}/status/ABCD2345", timeout=10).status_code for _ in range(31)]

    assert 429 not in codes[:30]
    assert codes[30] == 429
    last = http.get(f"{site.url}/status/ABCD2345", timeout=10)
    assert last.status_code == 429
    assert int(last.headers["Retry-After"]) > 0
    assert "조회가 너무 많습니다" in last.text
