"""Push over HTTP: applied, duplicate, conflict, invalid, mixed batches and limits."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator

import requests
from nacl.public import PrivateKey
from sqlalchemy import func, select

from core.sealing import b64, seal
from server.catalogue import NewEvent, add_event
from server.models import MutationRecord, RejectedMutation, Submission
from sync.protocol import MAX_BATCH, MAX_PUSH_BYTES, PATH_PUSH
from tests.integration.server.live import LiveServer
from tests.integration.server.simkiosk import SimKiosk, expect_error


def _count(live: LiveServer, model: type[object]) -> int:
    with live.db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_complaint_is_applied_and_stored_unsealed(live: LiveServer, kiosk: SimKiosk) -> None:
    mutation = kiosk.complaint(description="가로등이 꺼졌어요", name="김민수")

    [result] = kiosk.push([mutation])

    assert result["status"] == "applied"
    with live.db.read() as session:
        stored = session.get(Submission, mutation["id"])
        assert stored is not None
        assert stored.kind == "complaint"
        assert stored.receipt_code == mutation["payload"]["receipt_code"]
        assert stored.device_id == kiosk.device_id
        assert stored.details["description"] == "가로등이 꺼졌어요"
        assert stored.details["name"] == "김민수"
        assert stored.details["share_contact"] is True


def test_suggestion_and_proposal_are_applied(live: LiveServer, kiosk: SimKiosk) -> None:
    suggestion, proposal = kiosk.suggestion(), kiosk.proposal(title="자전거 도로")

    results = kiosk.push([suggestion, proposal])

    assert [r["status"] for r in results] == ["applied", "applied"]
    with live.db.read() as session:
        kinds = {s.id: (s.kind, s.details) for s in session.scalars(select(Submission))}
    assert kinds[suggestion["id"]][0] == "suggestion"
    assert kinds[suggestion["id"]][1]["name"] == ""
    assert kinds[proposal["id"]] == ("proposal", kinds[proposal["id"]][1])
    assert kinds[proposal["id"]][1]["title"] == "자전거 도로"


def test_identical_resend_is_a_duplicate_stored_once(live: LiveServer, kiosk: SimKiosk) -> None:
    mutation = kiosk.complaint()
    kiosk.push([mutation])

    # The kiosk missed our answer and sends the very same mutation again.
    [again] = kiosk.push([mutation])

    assert again["status"] == "duplicate"
    assert _count(live, Submission) == 1
    assert _count(live, MutationRecord) == 1


def test_duplicate_within_one_batch(live: LiveServer, kiosk: SimKiosk) -> None:
    mutation = kiosk.complaint()

    results = kiosk.push([mutation, mutation])

    assert [r["status"] for r in results] == ["applied", "duplicate"]
    assert _count(live, Submission) == 1


def test_same_id_different_payload_is_a_conflict(live: LiveServer, kiosk: SimKiosk) -> None:
    original = kiosk.complaint(description="첫 번째")
    kiosk.push([original])
    clash = kiosk.complaint(description="두 번째")
    clash["id"] = original["id"]

    [result] = kiosk.push([clash])

    assert (result["status"], result["code"]) == ("rejected", "conflict")
    with live.db.read() as session:
        stored = session.get(Submission, original["id"])
        assert stored is not None and stored.details["description"] == "첫 번째"
        kept = session.scalars(select(RejectedMutation)).one()
    assert kept.code == "conflict"
    assert json.loads(kept.raw)["payload"] == clash["payload"]


def test_schema_invalid_payload_is_rejected_and_kept(live: LiveServer, kiosk: SimKiosk) -> None:
    bad = kiosk.complaint(receipt_code="not-a-code")

    [result] = kiosk.push([bad])

    assert (result["status"], result["code"]) == ("rejected", "invalid_payload")
    assert "receipt_code" in result["message"]
    assert "not-a-code" not in result["message"]  # never echo what was sent
    with live.db.read() as session:
        kept = session.scalars(select(RejectedMutation)).one()
        record = session.get(MutationRecord, (kiosk.device_id, bad["id"]))
    assert json.loads(kept.raw) == bad
    assert record is not None and record.outcome == "rejected"
    assert _count(live, Submission) == 0


def test_a_rejected_mutation_sent_again_unchanged_is_refused_again_while_the_cause_remains(
    kiosk: SimKiosk, live: LiveServer
) -> None:
    bad = kiosk.complaint(receipt_code="not-a-code")
    [first] = kiosk.push([bad])

    [again] = kiosk.push([bad])

    assert again == first
    assert _count(live, RejectedMutation) == 1


_STARTS = dt.datetime(2027, 3, 2, 5, 0, tzinfo=dt.UTC)


def test_a_rejected_mutation_sent_again_after_a_fix_on_the_server_is_applied(
    kiosk: SimKiosk, live: LiveServer
) -> None:
    existing = add_event(
        live.db,
        NewEvent(title_ko="가", title_en="A", starts_at=_STARTS, capacity=5, offline_block=2),
    )
    early = kiosk.signup(existing + 1, 1)  # made offline against an event not created yet
    [refused] = kiosk.push([early])
    assert (refused["status"], refused["code"]) == ("rejected", "unknown_event")

    created = add_event(
        live.db,
        NewEvent(title_ko="나", title_en="B", starts_at=_STARTS, capacity=5, offline_block=2),
    )
    assert created == existing + 1
    [retried] = kiosk.push([early])

    assert retried["status"] == "applied"
    assert _count(live, RejectedMutation) == 1  # the refusal stays on record
    with live.db.read() as session:
        record = session.get(MutationRecord, (kiosk.device_id, early["id"]))
    assert record is not None and record.outcome == "applied"


def test_a_conflicting_resend_never_releases_the_original(
    kiosk: SimKiosk, live: LiveServer
) -> None:
    bad = kiosk.complaint(receipt_code="not-a-code")
    kiosk.push([bad])
    changed = json.loads(json.dumps(bad))
    changed["payload"]["district"] = "mapo"

    [answer] = kiosk.push([changed])

    assert (answer["status"], answer["code"]) == ("rejected", "conflict")


def test_unsealable_payload_is_rejected(live: LiveServer, kiosk: SimKiosk) -> None:
    stranger = kiosk.complaint()
    someone_else = b64(bytes(PrivateKey.generate().public_key))
    stranger["payload"]["sealed"] = seal(someone_else, {"description": "다른 서버로"})

    [result] = kiosk.push([stranger])

    assert (result["status"], result["code"]) == ("rejected", "unsealable")
    assert _count(live, RejectedMutation) == 1


def test_invalid_sealed_fields_are_rejected(kiosk: SimKiosk) -> None:
    mutation = kiosk.complaint()
    mutation["payload"]["sealed"] = seal(kiosk.server_public_key, {"description": ""})

    [result] = kiosk.push([mutation])

    assert (result["status"], result["code"]) == ("rejected", "invalid_payload")


def test_formal_complaint_without_contact_is_rejected(kiosk: SimKiosk) -> None:
    [result] = kiosk.push([kiosk.complaint(name="")])

    assert (result["status"], result["code"]) == ("rejected", "invalid_payload")


def test_unknown_type_is_rejected(live: LiveServer, kiosk: SimKiosk) -> None:
    mutation = kiosk.complaint()
    mutation["type"] = "complaint.delete"

    [result] = kiosk.push([mutation])

    assert (result["status"], result["code"]) == ("rejected", "invalid_mutation")
    assert _count(live, RejectedMutation) == 1


def test_mixed_batch_applies_the_good_ones(live: LiveServer, kiosk: SimKiosk) -> None:
    good1, bad, good2 = kiosk.complaint(), kiosk.complaint(category="x" * 500), kiosk.proposal()

    results = kiosk.push([good1, bad, good2])

    assert [r["status"] for r in results] == ["applied", "rejected", "applied"]
    assert _count(live, Submission) == 2
    assert _count(live, RejectedMutation) == 1


def test_a_mutation_without_id_fails_the_batch(kiosk: SimKiosk) -> None:
    mutation = kiosk.complaint()
    del mutation["id"]

    expect_error(kiosk.push_raw([mutation]), 400, "invalid_request")


def test_more_than_max_batch_is_413_with_the_limit(live: LiveServer, kiosk: SimKiosk) -> None:
    batch = [kiosk.suggestion() for _ in range(MAX_BATCH + 1)]

    body = expect_error(kiosk.push_raw(batch), 413, "batch_too_large")

    assert body["error"]["max_mutations"] == MAX_BATCH
    assert body["error"]["max_bytes"] == MAX_PUSH_BYTES
    assert _count(live, Submission) == 0


def test_body_over_the_byte_limit_is_413(kiosk: SimKiosk) -> None:
    body = json.dumps(
        {
            "protocol": 1,
            "device_id": kiosk.device_id,
            "mutations": [],
            "padding": "x" * MAX_PUSH_BYTES,
        }
    )
    reply = requests.post(
        kiosk.base_url + PATH_PUSH,
        data=body,
        timeout=30,
        headers={**kiosk.headers, "Content-Type": "application/json"},
    )

    error = expect_error(reply, 413, "request_too_large")
    assert error["error"]["max_bytes"] == MAX_PUSH_BYTES


def test_chunked_body_over_the_limit_is_413(kiosk: SimKiosk) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: the server must count
        for _ in range(MAX_PUSH_BYTES // 65536 + 2):
            yield b"x" * 65536

    reply = requests.post(
        kiosk.base_url + PATH_PUSH, data=chunks(), timeout=30, headers=kiosk.headers
    )

    expect_error(reply, 413, "request_too_large")


def test_wrong_protocol_is_426(kiosk: SimKiosk) -> None:
    expect_error(kiosk.push_raw([kiosk.complaint()], protocol=2), 426, "unsupported_protocol")


def test_device_id_must_be_the_tokens(kiosk: SimKiosk) -> None:
    expect_error(kiosk.push_raw([], device_id=str(uuid.uuid4())), 403, "device_mismatch")


def test_missing_or_bad_token_is_401(kiosk: SimKiosk) -> None:
    url = kiosk.base_url + PATH_PUSH
    body = {"protocol": 1, "device_id": kiosk.device_id, "mutations": []}
    missing = requests.post(url, json=body, timeout=10)
    wrong = requests.post(url, json=body, timeout=10, headers={"Authorization": "Bearer nope"})

    expect_error(missing, 401, "unauthorized")
    expect_error(wrong, 401, "unauthorized")
    assert wrong.headers["WWW-Authenticate"] == "Bearer"


def test_body_that_is_not_json_is_400(kiosk: SimKiosk) -> None:
    reply = requests.post(
        kiosk.base_url + PATH_PUSH, data=b"{nope", timeout=10, headers=kiosk.headers
    )

    expect_error(reply, 400, "invalid_request")


def test_every_push_answer_carries_server_time(kiosk: SimKiosk) -> None:
    reply = kiosk.push_raw([kiosk.complaint()])

    assert reply.status_code == 200
    assert reply.json()["server_time"].endswith("Z")
