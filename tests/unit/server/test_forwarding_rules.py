"""What the forwarder sends to an Open311 endpoint, and how it reads the answers."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import requests

from server.forwarder import (
    BACKOFF_BASE,
    BACKOFF_CAP,
    MAX_DESCRIPTION,
    backoff,
    read_answer,
    request_fields,
    split_name,
)
from server.models import DeliveryState, ForwardDestination, Submission

T0 = dt.datetime(2026, 11, 27, 9, tzinfo=dt.UTC)


def _submission(**details: Any) -> Submission:
    return Submission(
        id="5c7d3f4e-0000-4000-8000-000000000001",
        kind="complaint",
        receipt_code="ABCD2345",
        device_id="dev",
        category="road",
        district="jung",
        consent_version="2026-01",
        status="received",
        created_at=T0,
        received_at=T0,
        details={
            "description": "보도블록이 깨졌어요",
            "address": "세종대로 110",
            "name": "김민수",
            "phone": "010-1234-5678",
            "email": "kim@example.kr",
            **details,
        },
    )


DESTINATION = ForwardDestination(
    name="city",
    endpoint="https://311.example",
    api_key="KEY",
    jurisdiction_id="seoul.go.kr",
    active=True,
)


def _fields(submission: Submission, attributes: dict[str, str] | None = None) -> dict[str, str]:
    return dict(request_fields(submission, "시청 민원실", DESTINATION, "001", attributes or {}))


def test_contact_details_go_out_only_with_the_citizens_consent() -> None:
    without = _fields(_submission(share_contact=False))
    with_consent = _fields(_submission(share_contact=True))

    assert not {"first_name", "last_name", "phone", "email"} & set(without)
    assert (with_consent["last_name"], with_consent["first_name"]) == ("김", "민수")
    assert with_consent["phone"] == "010-1234-5678"
    assert with_consent["email"] == "kim@example.kr"


def test_the_request_carries_key_service_location_and_description() -> None:
    fields = _fields(_submission())

    assert fields["api_key"] == "KEY" and fields["jurisdiction_id"] == "seoul.go.kr"
    assert fields["service_code"] == "001"
    assert fields["address_string"] == "세종대로 110"
    assert fields["description"] == "보도블록이 깨졌어요"


def test_without_an_address_the_district_is_the_location() -> None:
    assert _fields(_submission(address=""))["address_string"] == "서울특별시 중구"


def test_a_long_description_is_cut_to_the_open311_limit() -> None:
    description = _fields(_submission(description="가" * 5000))["description"]

    assert len(description) == MAX_DESCRIPTION and description.endswith("…")


def test_attributes_come_from_our_fields_or_fixed_text() -> None:
    fields = _fields(_submission(), {"receipt": "receipt_code", "channel": "=kiosk"})

    assert fields["attribute[receipt]"] == "ABCD2345"
    assert fields["attribute[channel]"] == "kiosk"


@pytest.mark.parametrize(
    ("name", "first_last"),
    [
        ("김민수", ("민수", "김")),
        ("남궁민수", ("민수", "남궁")),
        ("김 민수", ("민수", "김")),
        ("John Smith", ("John", "Smith")),
        ("Mary Ann Lee", ("Mary Ann", "Lee")),
        ("", ("", "")),
    ],
)
def test_names_split_into_first_and_last(name: str, first_last: tuple[str, str]) -> None:
    assert split_name(name) == first_last


def _response(
    status: int, body: object, headers: dict[str, str] | None = None
) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    response.headers.update(headers or {})
    response.reason = "reason"
    return response


def test_answers_map_to_delivery_states() -> None:
    sent = read_answer(_response(201, [{"service_request_id": "638344", "service_notice": ""}]))
    token = read_answer(_response(200, [{"token": "12345"}]))
    refused = read_answer(_response(400, [{"code": 400, "description": "service_code unknown"}]))
    busy = read_answer(_response(429, [], {"Retry-After": "120"}))
    broken = read_answer(_response(503, "down"))
    empty = read_answer(_response(200, []))

    assert (sent.state, sent.service_request_id) == (DeliveryState.SENT, "638344")
    assert (token.state, token.token) == (DeliveryState.ACCEPTED, "12345")
    assert (refused.state, refused.error) == (DeliveryState.FAILED, "service_code unknown")
    assert (busy.state, busy.retry_after) == (DeliveryState.PENDING, dt.timedelta(seconds=120))
    assert broken.state is DeliveryState.PENDING
    assert empty.state is DeliveryState.PENDING


def test_backoff_doubles_with_jitter_up_to_the_cap() -> None:
    assert backoff(1, lambda: 0.0) == BACKOFF_BASE / 2
    assert backoff(1, lambda: 1.0) == BACKOFF_BASE
    assert backoff(3, lambda: 1.0) == BACKOFF_BASE * 4
    assert backoff(50, lambda: 1.0) == BACKOFF_CAP
