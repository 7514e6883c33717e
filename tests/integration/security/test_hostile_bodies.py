"""Finding 7: odd push bodies answered 500; the kiosk CLI died with a traceback.

Every limit is applied before the body is used: nesting depth, UTF-8 and lone
surrogates, integer ranges, header values. The answer is a 4xx naming what was
wrong, and nothing of a refused request is committed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from app.cli import main
from core.sealing import b64
from server.models import Device, MutationRecord
from sync.protocol import PATH_ENROLL, PATH_PUSH, PENDING_HEADER
from tests.integration.server.live import LiveServer
from tests.integration.server.simkiosk import TIMEOUT, SimKiosk, expect_error

DEEP = 100_000


def _post(kiosk: SimKiosk, body: bytes, **headers: str) -> requests.Response:
    return kiosk.http.post(
        kiosk.base_url + PATH_PUSH,
        data=body,
        headers={**kiosk.headers, "Content-Type": "application/json", **headers},
        timeout=TIMEOUT,
    )


def _stored(live: LiveServer) -> int:
    with live.db.read() as session:
        return session.scalar(select(func.count()).select_from(MutationRecord)) or 0


def test_a_body_nested_100000_deep_is_a_400(live: LiveServer, kiosk: SimKiosk) -> None:
    envelope = json.dumps({"protocol": 1, "device_id": kiosk.device_id, "mutations": []})
    body = envelope[:-2] + "[" * DEEP + "]" * DEEP + "]}"

    error = expect_error(_post(kiosk, body.encode()), 400, "invalid_request")

    assert "nested deeper" in error["error"]["message"]


def test_an_enrolment_nested_30000_deep_is_a_400(live: LiveServer) -> None:
    # Within the 64 KiB an enrolment may have, far beyond what the parser survives.
    body = '{"name": ' + "[" * 30_000 + "]" * 30_000 + "}"
    reply = requests.post(
        live.base_url + PATH_ENROLL,
        data=body.encode(),
        headers={"Content-Type": "application/json"},
        timeout=TIMEOUT,
    )
    expect_error(reply, 400, "invalid_request")


def test_a_lone_surrogate_is_a_400_and_nothing_is_stored(live: LiveServer, kiosk: SimKiosk) -> None:
    mutation = kiosk.complaint()
    body = json.dumps({"protocol": 1, "device_id": kiosk.device_id, "mutations": [mutation]})
    # An escape json.dumps would never write for real text: half a UTF-16 pair.
    body = body.replace('"category": "road"', '"category": "road\\ud800"')

    error = expect_error(_post(kiosk, body.encode()), 400, "invalid_request")

    assert "surrogate" in error["error"]["message"]
    assert _stored(live) == 0


def test_a_name_with_a_lone_surrogate_does_not_enrol(live: LiveServer) -> None:
    body = json.dumps(
        {"enrollment_code": live.code(), "name": "kiosk", "public_key": b64(bytes(32))}
    ).replace('"kiosk"', '"kiosk\\udfff"')
    reply = requests.post(
        live.base_url + PATH_ENROLL,
        data=body.encode(),
        headers={"Content-Type": "application/json"},
        timeout=TIMEOUT,
    )
    expect_error(reply, 400, "invalid_request")
    with live.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Device)) == 0


def test_a_seq_beyond_bigint_is_one_refused_mutation_not_a_failed_batch(
    live: LiveServer, kiosk: SimKiosk
) -> None:
    odd, fine = kiosk.complaint(), kiosk.complaint()
    odd["seq"] = 2**63

    results = kiosk.push([odd, fine])

    assert [(r["status"], r["code"]) for r in results] == [
        ("rejected", "invalid_mutation"),
        ("applied", ""),
    ]


@pytest.mark.parametrize("field", ["event_id", "key_id", "number"])
def test_an_id_beyond_the_integer_column_is_a_refused_payload(kiosk: SimKiosk, field: str) -> None:
    mutation = kiosk.checkin(1, kiosk.signing_key_id, 1)
    mutation["payload"][field] = 2**40

    [result] = kiosk.push([mutation])

    assert (result["status"], result["code"]) == ("rejected", "invalid_payload")


@pytest.mark.parametrize("value", ["²", "1e3", "-1", "12 34", "٣"])
def test_an_odd_pending_header_is_a_400_before_anything_is_committed(
    live: LiveServer, kiosk: SimKiosk, value: str
) -> None:
    body = json.dumps(
        {"protocol": 1, "device_id": kiosk.device_id, "mutations": [kiosk.complaint()]}
    )

    reply = _post(kiosk, body.encode(), **{PENDING_HEADER: value.encode().decode("latin-1")})

    expect_error(reply, 400, "invalid_request")
    assert _stored(live) == 0


def test_a_sensible_pending_header_is_kept_for_staff(live: LiveServer, kiosk: SimKiosk) -> None:
    body = json.dumps({"protocol": 1, "device_id": kiosk.device_id, "mutations": []})

    assert _post(kiosk, body.encode(), **{PENDING_HEADER: "42"}).status_code == 200

    with live.db.read() as session:
        device = session.get(Device, kiosk.device_id)
        assert device is not None and device.pending_reported == 42


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("[" * DEEP + "]" * DEEP, "nested deeper"),
        ('{"description": "\\ud800"}', "surrogate"),
        ('{"description": ', "not JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
    ],
)
def test_the_kiosk_cli_answers_a_broken_form_file_with_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    content: str | bytes,
    says: str,
) -> None:
    monkeypatch.setenv("CIVIC_KIOSK_CONFIG", str(tmp_path / "none.toml"))
    (tmp_path / "none.toml").write_text("")
    monkeypatch.setenv("CIVIC_KIOSK_DATA_DIR", str(tmp_path / "kiosk"))
    form = tmp_path / "form.json"
    if isinstance(content, bytes):
        form.write_bytes(content)
    else:
        form.write_text(content, encoding="utf-8")

    code = main(["submit", "complaint", "--json", str(form)])

    out, err = capsys.readouterr()
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1 and says in err
    assert "Traceback" not in err
