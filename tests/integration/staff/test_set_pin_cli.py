"""``civic-kiosk set-pin``: how an installer or an administrator sets the staff PIN."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from app.cli import main
from core.clock import utcnow
from kiosk.staff import check_pin
from kiosk.store import open_store


def run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, stdin: str) -> int:
    monkeypatch.setenv("CIVIC_KIOSK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CIVIC_KIOSK_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(["set-pin", "--stdin"])


def test_set_pin_from_stdin_sets_a_pin_the_kiosk_accepts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(monkeypatch, tmp_path, "73914826\n") == 0
    assert "staff PIN set" in capsys.readouterr().out
    store = open_store(f"sqlite:///{tmp_path / 'kiosk.db'}")
    assert check_pin(store, "73914826", utcnow()).ok


def test_a_pin_against_the_rules_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(monkeypatch, tmp_path, "1234\n") == 1
    assert "6 to 12 digits" in capsys.readouterr().err
