"""The Open311 GeoReport v2 read API: the spec's fields, its filters, and no personal data."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
import requests

from server import submissions
from server.models import Submission, table_of
from server.open311 import (
    DEFINITION_FIELDS,
    ERROR_FIELDS,
    MAX_RECORDS,
    REQUEST_FIELDS,
    SERVICE_FIELDS,
)
from tests.integration.web.seed import complaint, proposal
from tests.integration.web.staffsite import Site

NOW = dt.datetime.now(dt.UTC)
API = "/open311/v2"


def get(site: Site, path: str, **params: Any) -> requests.Response:
    return requests.get(site.url + API + path, params=params, timeout=10)


def push(site: Site, *mutations: dict[str, Any]) -> list[str]:
    results = site.kiosk.push(list(mutations))
    assert all(r["status"] == "applied" for r in results), results
    return [m["id"] for m in mutations]


def assert_error(reply: requests.Response, status: int) -> None:
    assert reply.status_code == status
    body = reply.json()
    assert isinstance(body, list) and set(body[0]) == set(ERROR_FIELDS)
    assert body[0]["code"] == status


def assert_request_shape(item: dict[str, Any]) -> None:
    assert set(item) <= set(REQUEST_FIELDS), set(item) - set(REQUEST_FIELDS)
    assert {"service_request_id", "status", "service_code", "requested_datetime"} <= set(item)
    assert item["status"] in ("open", "closed")
    # W3C datetime with Seoul's offset, e.g. 2026-11-27T18:00:00+09:00
    assert dt.datetime.fromisoformat(item["requested_datetime"]).utcoffset() == dt.timedelta(
        hours=9
    )


def test_services_are_the_categories(site: Site) -> None:
    reply = get(site, "/services.json")

    assert reply.status_code == 200
    services = reply.json()
    assert [s["service_code"] for s in services][:3] == ["road", "streetlight", "waste"]
    for service in services:
        assert set(service) == set(SERVICE_FIELDS)
        assert service["type"] in ("realtime", "batch", "blackbox")
        assert service["metadata"] is False
    english = get(site, "/services.json", locale="en").json()
    assert english[0]["service_name"] != services[0]["service_name"]


def test_a_service_definition_and_an_unknown_service(site: Site) -> None:
    definition = get(site, "/services/road.json")

    assert definition.status_code == 200
    assert set(definition.json()) == set(DEFINITION_FIELDS)
    assert definition.json() == {"service_code": "road", "attributes": []}
    assert_error(get(site, "/services/nothing.json"), 404)


def test_complaints_and_suggestions_are_requests_but_proposals_are_not(site: Site) -> None:
    kiosk = site.kiosk
    formal, anonymous, idea = push(
        site,
        complaint(kiosk, NOW, category="noise"),
        complaint(kiosk, NOW, category="park", anonymous=True),
        proposal(kiosk, NOW),
    )

    listed = get(site, "/requests.json").json()

    ids = {item["service_request_id"] for item in listed}
    assert {formal, anonymous} <= ids and idea not in ids
    for item in listed:
        assert_request_shape(item)
    one = get(site, f"/requests/{formal}.json")
    assert one.status_code == 200 and len(one.json()) == 1
    assert one.json()[0]["service_code"] == "noise" and one.json()[0]["status"] == "open"
    assert_error(get(site, f"/requests/{idea}.json"), 404)


def test_status_and_answer_follow_the_staff(site: Site) -> None:
    (case,) = push(site, complaint(site.kiosk, NOW, category="waste"))

    # The answer is on Open311 because staff chose to publish it (issue 16 #5).
    submissions.change_status(site.db, case, "closed", "수거를 마쳤습니다", None, publish_note=True)

    item = get(site, f"/requests/{case}.json").json()[0]
    assert (item["status"], item["status_notes"]) == ("closed", "수거를 마쳤습니다")
    assert item["updated_datetime"] >= item["requested_datetime"]
    closed = {i["service_request_id"] for i in get(site, "/requests.json", status="closed").json()}
    still_open = {
        i["service_request_id"] for i in get(site, "/requests.json", status="open").json()
    }
    assert case in closed and case not in still_open


def test_filters_by_code_ids_and_dates(site: Site) -> None:
    old = NOW - dt.timedelta(days=40)
    parking, recent_noise, old_noise = push(
        site,
        complaint(site.kiosk, NOW, category="parking"),
        complaint(site.kiosk, NOW, category="noise"),
        complaint(site.kiosk, old, category="noise"),
    )

    by_code = get(site, "/requests.json", service_code="parking").json()
    by_ids = get(
        site, "/requests.json", service_request_id=f"{parking},{old_noise}", service_code="road"
    ).json()
    window = get(
        site,
        "/requests.json",
        service_code="noise",
        start_date=(old - dt.timedelta(days=1)).isoformat(),
        end_date=(old + dt.timedelta(days=1)).isoformat(),
    ).json()

    assert {i["service_code"] for i in by_code} == {"parking"}
    # With service_request_id the other parameters are ignored, as the spec says.
    assert {i["service_request_id"] for i in by_ids} == {parking, old_noise}
    assert [i["service_request_id"] for i in window] == [old_noise]
    assert recent_noise not in {i["service_request_id"] for i in window}


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "2026-01-01T00:00:00+09:00", "end_date": "2026-06-01T00:00:00+09:00"},
        {"start_date": "yesterday"},
        {"status": "pending"},
        {"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-05-01T00:00:00Z"},
    ],
    ids=["over-90-days", "not-a-date", "bad-status", "end-before-start"],
)
def test_bad_queries_get_open311_errors(site: Site, params: dict[str, str]) -> None:
    assert_error(get(site, "/requests.json", **params), 400)


def test_at_most_1000_requests_come_back(site: Site) -> None:
    rows = [
        {
            "id": str(uuid.uuid4()),
            "kind": "complaint",
            "receipt_code": "ABCD2345",
            "device_id": site.kiosk.device_id,
            "category": "road",
            "district": "jung",
            "consent_version": "",
            "status": "received",
            "details": {"description": "x"},
            "created_at": NOW - dt.timedelta(minutes=n),
            "received_at": NOW,
            "status_note": "",
        }
        for n in range(MAX_RECORDS + 5)
    ]
    with site.db.write() as session:
        session.execute(table_of(Submission).insert(), rows)

    assert len(get(site, "/requests.json").json()) == MAX_RECORDS


def test_the_api_is_read_only(site: Site) -> None:
    reply = requests.post(
        site.url + API + "/requests.json", data={"service_code": "road"}, timeout=10
    )

    assert_error(reply, 403)


def test_no_response_carries_a_name_phone_email_or_the_citizens_text(site: Site) -> None:
    secrets = {
        "name": "비밀한",
        "phone": "010-4321-8765",
        "email": "private@example.kr",
        "description": "우리 집 앞 비밀 이야기",
    }
    (case,) = push(
        site,
        complaint(
            site.kiosk,
            NOW,
            category="road",
            address="세종대로 110",
            name=secrets["name"],
            phone=secrets["phone"],
            email=secrets["email"],
            description=secrets["description"],
        ),
    )
    submissions.change_status(site.db, case, "answered", "보수를 마쳤습니다", None)
    with site.db.read() as session:
        receipt = session.get(Submission, case).receipt_code  # type: ignore[union-attr]

    bodies = [
        get(site, "/services.json").text,
        get(site, "/services/road.json").text,
        get(site, "/requests.json").text,
        get(site, "/requests.json", service_code="road").text,
        get(site, f"/requests/{case}.json").text,
        get(site, "/requests.json", service_request_id=case).text,
        requests.get(f"{site.url}/status/{receipt}", timeout=10).text,
        requests.get(f"{site.url}/status/{receipt}", cookies={"civic_lang": "en"}, timeout=10).text,
    ]

    # The citizen reads the answer by receipt code; Open311 shows neither the
    # answer (not marked public) nor the address (sealed as personal data on the
    # kiosk; no category makes it public by default) (issue 16 #5).
    assert "보수를 마쳤습니다" in bodies[6] and "보수를 마쳤습니다" not in bodies[4]
    secrets["address"] = "세종대로 110"
    for body in bodies:
        for value in secrets.values():
            assert value not in body
