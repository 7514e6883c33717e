"""The wire models: strict about unknown fields, explicit about limits."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from pydantic import ValidationError

from sync.protocol import (
    MAX_BATCH,
    MAX_PUSH_BYTES,
    ErrorResponse,
    Mutation,
    PullResponse,
    PushRequest,
)


def _mutation() -> dict[str, object]:
    return {
        "id": str(uuid.uuid4()),
        "seq": 1,
        "type": "complaint.create",
        "occurred_at": "2026-11-27T09:00:00Z",
        "payload": {},
    }


def test_push_request_limits_the_batch() -> None:
    body = {"protocol": 1, "device_id": "d", "mutations": [_mutation()] * (MAX_BATCH + 1)}

    with pytest.raises(ValidationError):
        PushRequest.model_validate(body)
    assert MAX_PUSH_BYTES >= MAX_BATCH * 41_000  # a full batch of the largest payloads fits


def test_unknown_fields_and_types_are_refused() -> None:
    with pytest.raises(ValidationError):
        Mutation.model_validate({**_mutation(), "extra": 1})
    with pytest.raises(ValidationError):
        Mutation.model_validate({**_mutation(), "type": "complaint.delete"})


def test_pull_response_defaults_to_empty_changes() -> None:
    page = PullResponse.model_validate(
        {
            "changes": {},
            "cursor": "c",
            "has_more": False,
            "reset": False,
            "server_time": "2026-11-27T09:00:00Z",
        }
    )

    assert page.changes.events == [] and page.changes.revoked_tickets == []


def test_error_response_shape() -> None:
    error = ErrorResponse.model_validate(
        {
            "error": {"code": "batch_too_large", "message": "m", "max_mutations": 100},
            "server_time": dt.datetime(2026, 11, 27, tzinfo=dt.UTC),
        }
    )

    assert error.error.max_mutations == 100 and error.error.max_bytes is None
