"""Settings: TOML file, then CIVIC_KIOSK_* variables; mistakes name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import ConfigError, Settings, load_settings


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_defaults_without_file_use_korean_and_a_sqlite_file_in_the_data_dir(
    tmp_path: Path,
) -> None:
    settings = load_settings(environ={"CIVIC_KIOSK_DATA_DIR": str(tmp_path)})
    assert settings.language == "ko"
    assert settings.idle_timeout_s == 90
    assert settings.database_url_resolved == f"sqlite:///{tmp_path / 'kiosk.db'}"


def test_file_values_are_read_with_their_types(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'office_name = "성북구 현장시장실"\nlanguage = "en"\nidle_timeout_s = 45\n'
        f'data_dir = "{tmp_path}"\nlarge_text = true\n',
    )
    settings = load_settings(path, environ={})
    assert settings.office_name == "성북구 현장시장실"
    assert settings.language == "en"
    assert settings.idle_timeout_s == 45
    assert settings.data_dir == tmp_path
    assert settings.large_text is True


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "idle_timeout_s = 45\n")
    settings = load_settings(
        path,
        environ={"CIVIC_KIOSK_IDLE_TIMEOUT_S": "120", "CIVIC_KIOSK_LARGE_TEXT": "yes"},
    )
    assert settings.idle_timeout_s == 120
    assert settings.large_text is True


def test_config_path_may_come_from_the_environment(tmp_path: Path) -> None:
    path = write(tmp_path, 'server_url = "https://kiosk.seoul.example"\n')
    settings = load_settings(environ={"CIVIC_KIOSK_CONFIG": str(path)})
    assert settings.server_url == "https://kiosk.seoul.example"


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ("idle_timout_s = 30\n", "idle_timout_s"),
        ('idle_timeout_s = "soon"\n', "idle_timeout_s"),
        ('language = "fr"\n', "language"),
        ("large_text = 1\n", "large_text"),
        ("office_name = 3\n", "office_name"),
        ("idle_timeout_s = -5\n", "idle_timeout_s"),
    ],
)
def test_unknown_keys_and_wrong_types_are_errors_that_name_the_key(
    tmp_path: Path, body: str, key: str
) -> None:
    with pytest.raises(ConfigError, match=key):
        load_settings(write(tmp_path, body), environ={})


def test_unknown_environment_variable_is_an_error() -> None:
    with pytest.raises(ConfigError, match="CIVIC_KIOSK_IDLE"):
        load_settings(environ={"CIVIC_KIOSK_IDLE": "3"})


def test_bad_environment_number_names_the_key() -> None:
    with pytest.raises(ConfigError, match="idle_timeout_s"):
        load_settings(environ={"CIVIC_KIOSK_IDLE_TIMEOUT_S": "ninety"})


def test_invalid_toml_is_reported_with_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write(tmp_path, "office_name = \n"), environ={})


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_overrides_are_checked_like_file_values() -> None:
    with pytest.raises(ConfigError, match="language"):
        Settings().with_overrides(language="de")


def test_a_network_printer_is_read_with_its_address_and_paper(tmp_path: Path) -> None:
    path = write(
        tmp_path, 'printer = "network"\nprinter_address = "192.168.0.50"\npaper_width_mm = 58\n'
    )
    settings = load_settings(path, environ={})
    assert (settings.printer, settings.printer_address) == ("network", "192.168.0.50")
    assert settings.paper_width_mm == 58


@pytest.mark.parametrize(
    ("environ", "key"),
    [
        ({"CIVIC_KIOSK_PRINTER": "laser"}, "printer"),
        ({"CIVIC_KIOSK_PRINTER": "network"}, "printer_address"),
        ({"CIVIC_KIOSK_PRINTER": "usb", "CIVIC_KIOSK_PRINTER_ADDRESS": "epson"}, "printer_address"),
        (
            {"CIVIC_KIOSK_PRINTER": "network", "CIVIC_KIOSK_PRINTER_ADDRESS": "10.0.0.9:70000"},
            "printer_address",
        ),
        (
            {
                "CIVIC_KIOSK_PRINTER": "serial",
                "CIVIC_KIOSK_PRINTER_ADDRESS": "/dev/ttyS0",
                "CIVIC_KIOSK_PRINTER_BAUDRATE": "1234",
            },
            "printer_baudrate",
        ),
        ({"CIVIC_KIOSK_PAPER_WIDTH_MM": "72"}, "paper_width_mm"),
    ],
)
def test_printer_settings_that_cannot_work_stop_the_start_naming_the_key(
    environ: dict[str, str], key: str
) -> None:
    with pytest.raises(ConfigError, match=f"'{key}'"):
        load_settings(environ=environ | {"CIVIC_KIOSK_CONFIG": "/nonexistent/kiosk.toml"})
