"""Enrolment over HTTP: a one-time code becomes a device id, a token and the server's key."""

from __future__ import annotations

import datetime as dt

import requests
from nacl.public import PrivateKey
from nacl.signing import SigningKey

from core.receipts import check_character
from core.sealing import b64, seal, unseal
from server.enrolment import MAX_FAILURES, create_enrollment_code
from server.models import Device
from server.models import SigningKey as SigningKeyRow
from tests.integration.server.live import LiveServer
from tests.integration.server.simkiosk import enroll_raw, expect_error


def test_good_code_enrols_a_device(live: LiveServer) -> None:
    code = live.code(office="성북구 현장민원실")
    key = SigningKey.generate()
    reply = enroll_raw(live.base_url, code, b64(bytes(key.verify_key)), name="성북 1번")

    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["office"] == "성북구 현장민원실"
    assert body["server_time"]
    assert body["signing_key_id"] >= 2  # 1 is the server's own key
    # What a kiosk seals to the returned key, the server can open.
    sealed = seal(body["server_public_key"], {"name": "김민수"})
    assert unseal(live.keys.sealing_key, sealed) == {"name": "김민수"}
    with live.db.read() as session:
        device = session.get(Device, body["device_id"])
        assert device is not None and device.name == "성북 1번"
        assert body["token"] not in device.token_hash  # stored only as a hash
        key_row = session.get(SigningKeyRow, body["signing_key_id"])
        assert key_row is not None and key_row.public_key == b64(bytes(key.verify_key))


def test_token_from_enrolment_authorises_sync(live: LiveServer) -> None:
    kiosk = live.kiosk()
    assert kiosk.pull_raw().status_code == 200
    assert kiosk.push([]) == []


def test_a_code_works_only_once(live: LiveServer) -> None:
    code = live.code()
    assert enroll_raw(live.base_url, code).status_code == 200

    expect_error(enroll_raw(live.base_url, code), 403, "enrollment_code_used")


def test_unknown_code_is_refused(live: LiveServer) -> None:
    real = live.code()
    # Never issued, but well-formed (its check character is right)...
    body = "ABCDEFGHJKM"
    never_issued = body + check_character(body)
    expect_error(enroll_raw(live.base_url, never_issued), 403, "invalid_enrollment_code")
    # ...not a code at all...
    expect_error(enroll_raw(live.base_url, "hello"), 403, "invalid_enrollment_code")
    # ...and a real code with a typo in it.
    typo = ("2" if real[0] != "2" else "3") + real[1:]
    expect_error(enroll_raw(live.base_url, typo), 403, "invalid_enrollment_code")

    assert enroll_raw(live.base_url, real).status_code == 200


def test_expired_code_is_refused(live: LiveServer) -> None:
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    code = create_enrollment_code(live.db, "시청", ttl=dt.timedelta(hours=1), now=past)

    expect_error(enroll_raw(live.base_url, code), 403, "enrollment_code_expired")


def test_bad_public_key_is_refused_without_using_the_code(live: LiveServer) -> None:
    code = live.code()
    expect_error(
        enroll_raw(live.base_url, code, public_key="bm90IGEga2V5"), 400, "invalid_public_key"
    )

    assert enroll_raw(live.base_url, code).status_code == 200


def test_a_signing_key_cannot_be_enrolled_twice(live: LiveServer) -> None:
    key = b64(bytes(SigningKey.generate().verify_key))
    assert enroll_raw(live.base_url, live.code(), public_key=key).status_code == 200

    expect_error(enroll_raw(live.base_url, live.code(), public_key=key), 409, "public_key_in_use")


def test_guessing_is_rate_limited(live: LiveServer) -> None:
    for _ in range(MAX_FAILURES):
        expect_error(enroll_raw(live.base_url, "2222-2222-2222"), 403, "invalid_enrollment_code")

    # Once limited, even a good code waits.
    reply = enroll_raw(live.base_url, live.code())
    expect_error(reply, 429, "rate_limited")
    assert int(reply.headers["Retry-After"]) > 0


def test_malformed_body_is_a_json_error(live: LiveServer) -> None:
    reply = requests.post(live.base_url + "/v1/devices/enroll", json={"name": "x"}, timeout=10)
    body = expect_error(reply, 400, "invalid_request")
    assert "enrollment_code" in body["error"]["message"]


def test_the_server_sealing_key_is_stable(live: LiveServer) -> None:
    first = live.kiosk()
    second = live.kiosk()
    assert first.server_public_key == second.server_public_key
    assert first.signing_key_id != second.signing_key_id
    assert isinstance(live.keys.sealing_key, PrivateKey)
