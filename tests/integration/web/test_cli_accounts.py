"""`civic-kiosk-server user …`: the only way the first account comes to exist."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from server.accounts import LoginOutcome, check_login
from server.cli import main as server_cli
from server.db import open_database


def test_add_list_disable_and_reset_a_staff_account(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'server.db'}"
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))

    assert (
        server_cli(
            [
                "user",
                "add",
                "Admin.Kim",
                "--role",
                "admin",
                "--display-name",
                "김 관리자",
                "--password-stdin",
                "--db",
                url,
            ]
        )
        == 0
    )
    assert server_cli(["user", "list", "--db", url]) == 0
    assert server_cli(["user", "disable", "admin.kim", "--db", url]) == 0
    output = capsys.readouterr().out

    assert "added admin admin.kim" in output and "김 관리자" in output
    db = open_database(url)
    try:
        assert (
            check_login(db, "admin.kim", "correct horse battery").outcome == LoginOutcome.DISABLED
        )
        assert server_cli(["user", "enable", "admin.kim", "--db", url]) == 0
        monkeypatch.setattr("sys.stdin", io.StringIO("another good password\n"))
        assert server_cli(["user", "passwd", "admin.kim", "--password-stdin", "--db", url]) == 0
        assert check_login(db, "admin.kim", "another good password").outcome == LoginOutcome.OK
    finally:
        db.close()


def test_a_weak_password_or_a_missing_terminal_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'server.db'}"
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))

    assert (
        server_cli(["user", "add", "kim", "--role", "officer", "--password-stdin", "--db", url])
        == 1
    )
    assert server_cli(["user", "add", "kim", "--role", "officer", "--db", url]) == 1

    errors = capsys.readouterr().err
    assert "at least 10 characters" in errors and "--password-stdin" in errors
