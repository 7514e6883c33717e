"""The forwarder against a real (scripted) Open311 endpoint on 127.0.0.1, failures included.

Time is the forwarder's clock, moved by the test: backoff is checked by what is
(not) sent before and after a delay, never by sleeping.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import delete, select

from server import destinations
from server.cli import main as server_cli
from server.forwarder import Forwarder
from server.models import Delivery, DeliveryState, Submission, utcnow
from tests.integration.open311.endpoint import (
    API_KEY,
    Open311Endpoint,
    Reply,
    failure,
    request_id,
    token,
)
from tests.integration.web.seed import complaint
from tests.integration.web.staffsite import Site

NOW = dt.datetime.now(dt.UTC)


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def routed(site: Site, endpoint: Open311Endpoint) -> Iterator[str]:
    """Road complaints go to the endpoint as service 001; the category is removed after."""
    destinations.save_destination(site.db, "city", endpoint.url, API_KEY, "seoul.go.kr")
    destinations.save_route(site.db, "road", "city", "001", {"receipt": "receipt_code"})
    yield "city"
    destinations.remove_route(site.db, "road", "city")
    # Each test starts with no deliveries left over: the server is shared by the module.
    with site.db.write() as session:
        session.execute(delete(Delivery))


@pytest.fixture
def forwarder(site: Site, clock: Clock) -> Iterator[Forwarder]:
    runner = Forwarder(site.db, clock=clock, rng=lambda: 1.0, timeouts=(2.0, 1.0))
    yield runner
    runner.close()


def push(site: Site, **fields: Any) -> str:
    mutation = complaint(site.kiosk, NOW, category=fields.pop("category", "road"), **fields)
    assert site.kiosk.push([mutation])[0]["status"] == "applied"
    return str(mutation["id"])


def delivery(site: Site, submission_id: str) -> Delivery:
    with site.db.read() as session:
        return session.scalars(
            select(Delivery).where(Delivery.submission_id == submission_id)
        ).one()


def test_a_complaint_is_sent_once_and_its_request_id_kept(
    site: Site, endpoint: Open311Endpoint, routed: str, forwarder: Forwarder
) -> None:
    case = push(
        site,
        description="보도블록이 들떴어요",
        name="김민수",
        phone="010-1234-5678",
        email="kim@example.kr",
        share_contact=True,
    )
    endpoint.then(request_id("SR-77"))

    first = forwarder.run_once()
    again = forwarder.run_once()

    posts = endpoint.posts()
    assert (first.sent, again.sent, len(posts)) == (1, 0, 1)
    sent = posts[0]
    assert sent["service_code"] == "001" and sent["api_key"] == API_KEY
    assert sent["jurisdiction_id"] == "seoul.go.kr"
    assert sent["description"] == "보도블록이 들떴어요"
    assert sent["address_string"] == "세종대로 110"
    assert (sent["last_name"], sent["first_name"]) == ("김", "민수")
    assert (sent["phone"], sent["email"]) == ("010-1234-5678", "kim@example.kr")
    with site.db.read() as session:
        receipt = session.get(Submission, case).receipt_code  # type: ignore[union-attr]
    assert sent["attribute[receipt]"] == receipt
    record = delivery(site, case)
    assert (record.state, record.service_request_id) == ("sent", "SR-77")
    assert record.sent_at is not None


def test_without_an_address_the_district_and_dong_locate_the_complaint(
    site: Site, endpoint: Open311Endpoint, routed: str, forwarder: Forwarder
) -> None:
    push(site, address="", district="guro", dong="hang")
    endpoint.then(request_id("SR-78"))

    forwarder.run_once()

    assert endpoint.posts()[0]["address_string"] == "서울특별시 구로구 항동"


def test_contact_details_stay_home_without_consent(
    site: Site, endpoint: Open311Endpoint, routed: str, forwarder: Forwarder
) -> None:
    push(site, name="이서연", phone="010-2222-3333", email="lee@example.kr", share_contact=False)

    forwarder.run_once()

    (sent,) = endpoint.posts()
    assert not {"first_name", "last_name", "phone", "email"} & set(sent)
    assert "이서연" not in str(sent) and "010-2222-3333" not in str(sent)


def test_only_routed_formal_complaints_are_forwarded(
    site: Site, endpoint: Open311Endpoint, routed: str, forwarder: Forwarder
) -> None:
    push(site, category="noise")  # no route
    push(site, anonymous=True)  # an anonymous suggestion, not a formal complaint

    result = forwarder.run_once()

    assert (result.planned, endpoint.posts()) == (0, [])


def test_server_errors_are_retried_later_and_never_counted_as_sent(
    site: Site, endpoint: Open311Endpoint, routed: str, forwarder: Forwarder, clock: Clock
) -> None:
    case = push(site)
    endpoint.then(failure(500), failure(503, "maintenance"), request_id("SR-9"))

    forwarder.run_once()
    after_first = delivery(site, case)
    forwarder.run_once()  # not due yet: nothing is sent
    clock.advance(seconds=30)
    forwarder.run_once()
    after_second = delivery(site, case)
    clock.advance(seconds=59)
    forwarder.run_once()  # the second delay is twice the first
    clock.advance(seconds=1)
    forwarder.run_once()

    assert (after_first.state, after_first.attempts, after_first.last_status) == ("pending", 1, 500)
    assert after_first.next_attempt_at == after_first.updated_at + dt.timedelta(seconds=30)
    assert (after_second.state, after_second.last_error) == ("pending", "maintenance")
    assert len(endpoint.posts()) == 3
    final = delivery(site, case)
    assert (final.state, final.service_request_id, final.attempts) == ("sent", "SR-9", 3)


def test_retry_after_is_honoured(
    site: Site, endpoint: Open311Endpoint, routed: str, forwarder: Forwarder, clock: Clock
) -> None:
    case = push(site)
    endpoint.then(failure(429, "slow down", {"Retry-After": "600"}))

    forwarder.run_once()
    clock.advance(seconds=599)
    forwarder.run_once()

    assert len(endpoint.posts()) == 1
    assert delivery(site, case).next_attempt_at == clock.now + dt.timedelta(seconds=1)


def test_a_refusal_fails_for_staff_until_they_retry_it(
    site: Site, endpoint: Open311Endpoint, routed: str, forwarder: Forwarder, clock: Clock
) -> None:
    case = push(site)
    endpoint.then(failure(400, "service_code 001 is not accepted"))

    result = forwarder.run_once()
    clock.advance(hours=12)
    forwarder.run_once()

    assert result.failed == 1 and len(endpoint.posts()) == 1
    failed = delivery(site, case)
    assert (failed.state, failed.last_error) == ("failed", "service_code 001 is not accepted")
    admin = site.client()
    admin.login("admin")
    page = admin.get("/staff/forwarding")
    assert "service_code 001 is not accepted" in page.text

    assert admin.submit(f"/staff/forwarding/deliveries/{failed.id}/retry", {}).status_code == 303
    clock.advance(seconds=1)
    forwarder.run_once()
    assert delivery(site, case).state == "sent"


def test_a_token_is_resolved_to_a_request_id_later(
    site: Site, endpoint: Open311Endpoint, routed: str, forwarder: Forwarder, clock: Clock
) -> None:
    case = push(site)
    endpoint.then(token("T-123"))

    first = forwarder.run_once()
    clock.advance(minutes=5)
    forwarder.run_once()  # the endpoint has no id for it yet
    waiting = delivery(site, case)
    endpoint.tokens["T-123"] = "SR-555"
    clock.advance(minutes=5)
    forwarder.run_once()

    assert first.accepted == 1 and (waiting.state, waiting.token) == ("accepted", "T-123")
    assert endpoint.token_lookups == ["T-123", "T-123"]
    assert len(endpoint.posts()) == 1  # the complaint itself went out once
    done = delivery(site, case)
    assert (done.state, done.service_request_id, done.token) == ("sent", "SR-555", "T-123")


def test_a_stalled_endpoint_is_retried(
    site: Site, endpoint: Open311Endpoint, routed: str, forwarder: Forwarder, clock: Clock
) -> None:
    case = push(site)
    endpoint.then(Reply(201, [{"service_request_id": "late"}], stall_s=2.0), request_id("SR-2"))

    forwarder.run_once()
    stalled = delivery(site, case)
    clock.advance(minutes=1)
    forwarder.run_once()

    assert stalled.state == "pending" and "Timeout" in stalled.last_error
    assert delivery(site, case).service_request_id == "SR-2"


def test_an_unreachable_endpoint_is_retried(
    site: Site, endpoint: Open311Endpoint, forwarder: Forwarder
) -> None:
    destinations.save_destination(site.db, "offline", "http://127.0.0.1:9", API_KEY)
    destinations.save_route(site.db, "streetlight", "offline", "002")
    try:
        case = push(site, category="streetlight")
        result = forwarder.run_once()
    finally:
        destinations.remove_route(site.db, "streetlight", "offline")

    unreachable = delivery(site, case)
    assert result.retrying == 1
    assert (unreachable.state, unreachable.sent_at) == ("pending", None)
    assert "ConnectionError" in unreachable.last_error


def test_two_forwarders_never_send_a_complaint_twice(
    site: Site, endpoint: Open311Endpoint, routed: str, clock: Clock
) -> None:
    cases = [push(site, description=f"민원 {n}") for n in range(20)]
    runners = [Forwarder(site.db, clock=clock, timeouts=(2.0, 5.0)) for _ in range(2)]
    threads = [threading.Thread(target=r.run_once) for r in runners]

    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for runner in runners:
        runner.close()

    descriptions = [post["description"] for post in endpoint.posts()]
    assert sorted(descriptions) == sorted(f"민원 {n}" for n in range(20))
    assert {delivery(site, case).state for case in cases} == {DeliveryState.SENT.value}


def test_the_command_line_sets_up_and_runs_forwarding(
    site: Site, endpoint: Open311Endpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ["--db", str(site.db.engine.url)]
    assert (
        server_cli(
            [
                "forward",
                "destination",
                "gu-office",
                "--endpoint",
                endpoint.url,
                "--api-key",
                API_KEY,
                *db,
            ]
        )
        == 0
    )
    assert (
        server_cli(
            [
                "forward",
                "route",
                "--category",
                "waste",
                "--destination",
                "gu-office",
                "--service-code",
                "W1",
                "--attribute",
                "channel==kiosk",
                *db,
            ]
        )
        == 0
    )
    try:
        push(site, category="waste")
        # The forwarder as operators run it: its own process.
        run = subprocess.run(
            [sys.executable, "-m", "server.cli", "forward", "run", "--once", *db],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert server_cli(["forward", "list", *db]) == 0
    finally:
        destinations.remove_route(site.db, "waste", "gu-office")

    assert run.returncode == 0, run.stderr
    assert "forwarder: planned 1, sent 1" in run.stdout
    output = capsys.readouterr().out
    assert "gu-office" in output and "channel==kiosk" in output
    assert endpoint.posts()[-1]["attribute[channel]"] == "kiosk"
    assert (
        server_cli(
            ["forward", "destination", "bad", "--endpoint", "http://city.example/georeport", *db]
        )
        == 1
    )
