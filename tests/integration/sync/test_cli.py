"""``civic-kiosk`` operator commands against the real server: enrol, submit, sync, status."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from core.pipes import BROKEN_PIPE_EXIT
from tests.support.pipes import run_into_closed_pipe
from tests.support.sync_rig import SyncRig

Run = Callable[..., tuple[int, str, str]]

COMPLAINT = {
    "category": "road",
    "district": "mapo",
    "description": "보도블록이 깨졌습니다",
    "name": "김민수",
    "phone": "010-1234-5678",
    "consent": {"version": "2026-11", "required": True},
}


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    """Run ``civic-kiosk`` in this process on a kiosk store of its own."""
    config = tmp_path / "kiosk.toml"
    config.write_text("")
    monkeypatch.setenv("CIVIC_KIOSK_CONFIG", str(config))
    monkeypatch.setenv("CIVIC_KIOSK_DATA_DIR", str(tmp_path / "cli-kiosk"))

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def write_json(tmp_path: Path, value: dict[str, Any], name: str = "form.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    return str(path)


@pytest.fixture
def enrolled(cli: Run, rig: SyncRig) -> Run:
    assert rig.live is not None
    code, out, _ = cli("enroll", "--server", rig.proxy.url, "--code", rig.live.code())
    assert code == 0, out
    assert cli("sync", "--once")[0] == 0  # categories and events first
    return cli


def test_enroll_prints_the_device_and_status_shows_it(enrolled: Run, rig: SyncRig) -> None:
    code, out, _ = enrolled("status", "--json")
    status = json.loads(out)
    assert code == 0
    assert status["enrolled"] and status["device_id"]
    assert status["server"] == rig.proxy.url
    assert status["state"] == "online"
    assert (status["pending"], status["needs_attention"]) == (0, 0)
    assert status["last_sync"] is not None
    assert abs(status["clock_skew_s"]) < 5 and not status["clock_skew_warning"]


def test_a_refused_code_exits_1_with_the_reason(cli: Run, rig: SyncRig) -> None:
    code, _, err = cli("enroll", "--server", rig.proxy.url, "--code", "2222-3333-4444")
    assert code == 1
    assert "invalid_enrollment_code" in err


def test_submit_prints_the_receipt_and_sync_once_delivers_it(
    enrolled: Run, rig: SyncRig, tmp_path: Path
) -> None:
    code, out, _ = enrolled("submit", "complaint", "--json", write_json(tmp_path, COMPLAINT))
    receipt = json.loads(out)
    assert code == 0
    assert (receipt["kind"], receipt["status"], len(receipt["receipt_code"])) == (
        "complaint",
        "queued",
        8,
    )
    assert json.loads(enrolled("status", "--json")[1])["pending"] == 1
    assert enrolled("sync", "--once")[0] == 0
    assert receipt["id"] in rig.server_records()


def test_submit_with_invalid_fields_names_each_field_and_key(enrolled: Run, tmp_path: Path) -> None:
    form = {**COMPLAINT, "phone": "", "consent": {"version": "", "required": False}}
    code, _, err = enrolled("submit", "complaint", "--json", write_json(tmp_path, form))
    assert code == 1
    assert "invalid: phone: contact.required" in err
    assert "invalid: consent: consent.required" in err


def test_submit_refuses_fields_it_does_not_know(enrolled: Run, tmp_path: Path) -> None:
    code, _, err = enrolled(
        "submit", "complaint", "--json", write_json(tmp_path, {**COMPLAINT, "nmae": "x"})
    )
    assert code == 1
    assert "nmae" in err


def test_suggestion_and_proposal_are_submitted_too(enrolled: Run, tmp_path: Path) -> None:
    suggestion = {"category": "road", "description": "벤치를 놓아 주세요"}
    proposal = {
        "area": "transport",
        "title": "자전거 도로",
        "description": "한강까지 이어 주세요",
    }
    assert enrolled("submit", "suggestion", "--json", write_json(tmp_path, suggestion))[0] == 0
    assert enrolled("submit", "proposal", "--json", write_json(tmp_path, proposal))[0] == 0
    assert enrolled("sync", "--once")[0] == 0


def test_sign_up_prints_a_confirmed_receipt(enrolled: Run, tmp_path: Path) -> None:
    form = {"name": "김민수", "phone": "010-1234-5678", "consent": COMPLAINT["consent"]}
    code, out, _ = enrolled("sign-up", "1", "--json", write_json(tmp_path, form))
    assert code == 0
    assert json.loads(out)["status"] == "confirmed"


def test_sync_once_exits_1_and_says_why_when_the_server_is_unreachable(
    enrolled: Run, rig: SyncRig, tmp_path: Path
) -> None:
    enrolled("submit", "complaint", "--json", write_json(tmp_path, COMPLAINT))
    rig.proxy.pause_listening()
    code, _, err = enrolled("sync", "--once")
    assert code == 1
    assert "pending 1" in err
    rig.proxy.resume_listening()
    assert enrolled("sync", "--once")[0] == 0


def test_submit_before_enrolment_exits_1(cli: Run, tmp_path: Path) -> None:
    code, _, err = cli("submit", "complaint", "--json", write_json(tmp_path, COMPLAINT))
    assert code == 1
    assert "not enrolled" in err


def test_output_into_a_pipe_its_reader_closed_ends_without_a_traceback(tmp_path: Path) -> None:
    """``civic-kiosk status --json | head -c0``: the reader leaving is not an error to report."""
    config = tmp_path / "kiosk.toml"
    config.write_text("")
    env = os.environ | {
        "CIVIC_KIOSK_CONFIG": str(config),
        "CIVIC_KIOSK_DATA_DIR": str(tmp_path / "kiosk"),
    }
    done = run_into_closed_pipe("app.cli", ["status", "--json"], env)

    assert (done.returncode, done.stderr) == (BROKEN_PIPE_EXIT, "")
