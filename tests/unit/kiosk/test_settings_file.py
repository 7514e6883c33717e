"""Saving staff's settings: only the changed keys, the operator's file otherwise untouched."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from kiosk.config import ConfigError, Settings, load_settings, save_settings, settings_path


def test_only_changed_keys_are_written_and_comments_stay(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        '# kiosk 12, 성북구청 1층\nlanguage = "ko"  # citizens here mostly read Korean\n'
        'office_name = "성북구청"\n',
        encoding="utf-8",
    )
    before = load_settings(path, environ={})
    after = replace(before, language="en", idle_timeout_s=60, camera=False)
    assert save_settings(path, after, before) == ["camera", "idle_timeout_s", "language"]
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[:3] == [
        "# kiosk 12, 성북구청 1층",
        'language = "en"',
        'office_name = "성북구청"',
    ]
    assert tomllib.loads(text) == {
        "language": "en", "office_name": "성북구청", "idle_timeout_s": 60, "camera": False,
    }  # fmt: skip
    assert load_settings(path, environ={}) == after


def test_nothing_changed_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    assert save_settings(path, Settings(), Settings()) == []
    assert not path.exists()


def test_a_missing_file_is_created_with_just_the_changes(tmp_path: Path) -> None:
    path = tmp_path / "config" / "kiosk.toml"
    before = Settings()
    save_settings(path, replace(before, large_text=True, office_name='시청 "별관"'), before)
    assert tomllib.loads(path.read_text(encoding="utf-8")) == {
        "large_text": True, "office_name": '시청 "별관"',
    }  # fmt: skip


def test_keys_under_a_table_header_are_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text('language = "ko"\n\n[installer]\nlanguage = "ko"\n', encoding="utf-8")
    before = Settings()
    with pytest.raises(ConfigError):  # the kiosk's own settings have no tables
        save_settings(path, replace(before, language="en"), before)
    assert path.read_text(encoding="utf-8").startswith('language = "ko"')


def test_the_settings_file_is_the_one_the_environment_names(tmp_path: Path) -> None:
    named = tmp_path / "elsewhere.toml"
    assert settings_path({"CIVIC_KIOSK_CONFIG": str(named)}) == named
    assert settings_path({}).name == "kiosk.toml"
