"""What every client of the HTTP API can rely on: health, OpenAPI, JSON errors."""

from __future__ import annotations

import requests
from openapi_spec_validator import validate

from tests.integration.server.live import LiveServer
from tests.integration.server.simkiosk import expect_error


def test_health_needs_no_token(live: LiveServer) -> None:
    reply = requests.get(live.base_url + "/v1/health", timeout=5)

    assert reply.status_code == 200
    body = reply.json()
    assert (body["status"], body["database"], body["protocol"]) == ("ok", "ok", 1)
    assert body["server_time"].endswith("Z")


def test_openapi_document_is_served_and_valid(live: LiveServer) -> None:
    reply = requests.get(live.base_url + "/openapi.json", timeout=5)

    assert reply.status_code == 200
    document = reply.json()
    validate(document)
    paths = document["paths"]
    assert {"/v1/devices/enroll", "/v1/sync/push", "/v1/sync/pull", "/v1/health"} <= set(paths)
    push_body = paths["/v1/sync/push"]["post"]["requestBody"]["content"]["application/json"]
    assert push_body["schema"] == {"$ref": "#/components/schemas/PushRequest"}
    assert "Mutation" in document["components"]["schemas"]
    assert "426" in paths["/v1/sync/push"]["post"]["responses"]


def test_unknown_path_and_method_are_json_errors(live: LiveServer) -> None:
    expect_error(requests.get(live.base_url + "/v2/anything", timeout=5), 404, "not_found")
    expect_error(
        requests.delete(live.base_url + "/v1/sync/push", timeout=5), 405, "method_not_allowed"
    )


def test_oversized_enrolment_body_is_413(live: LiveServer) -> None:
    reply = requests.post(
        live.base_url + "/v1/devices/enroll",
        data=b"x" * 100_000,
        headers={"Content-Type": "application/json"},
        timeout=10,
    )

    expect_error(reply, 413, "request_too_large")
