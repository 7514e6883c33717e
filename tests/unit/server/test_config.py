"""Server settings from CIVIC_SERVER_* variables: typed, and loud about typos."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.config import ConfigError, load_settings


def test_defaults_put_an_sqlite_file_in_the_data_dir(tmp_path: Path) -> None:
    settings = load_settings({"CIVIC_SERVER_DATA_DIR": str(tmp_path)})

    assert settings.database_url_resolved == f"sqlite:///{tmp_path / 'server.db'}"
    assert (settings.host, settings.port, settings.workers) == ("127.0.0.1", 8080, 1)


def test_environment_values_are_typed() -> None:
    settings = load_settings(
        {
            "CIVIC_SERVER_PORT": "9000",
            "CIVIC_SERVER_DATABASE_URL": "postgresql://db/civic",
            "OTHER": "ignored",
        }
    )

    assert settings.port == 9000
    assert settings.database_url_resolved == "postgresql://db/civic"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"CIVIC_SERVER_PROT": "1"}, "CIVIC_SERVER_PROT"),
        ({"CIVIC_SERVER_PORT": "eighty"}, "'port' must be a whole number"),
        ({"CIVIC_SERVER_PORT": "70000"}, "'port' is out of range"),
        ({"CIVIC_SERVER_WORKERS": "0"}, "'workers' is out of range"),
    ],
)
def test_bad_settings_name_the_culprit(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(environ)


def test_command_line_overrides_skip_what_was_not_given() -> None:
    settings = load_settings({"CIVIC_SERVER_PORT": "9000"})
    settings = settings.with_overrides(port=None, host="0.0.0.0")

    assert (settings.port, settings.host) == (9000, "0.0.0.0")
