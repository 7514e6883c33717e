"""The keypad and earphone settings: read from the file and the environment, checked at start."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import ConfigError, load_settings
from kiosk.keypad import Action, parse_key_map


def test_a_kiosk_maps_its_own_keys_in_the_settings_file(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        'keypad_keys = "back = F13; home = F14 Keypad+7"\n'
        'earphone_detection = "keys"\nearphone_keys = "F20 F21"\nvoice_idle_timeout_s = 600\n',
        encoding="utf-8",
    )

    settings = load_settings(path, environ={})

    keys = parse_key_map(settings.keypad_keys)
    assert keys.action("F13") == Action.BACK and keys.action("F14") == Action.HOME
    assert settings.earphone_detection == "keys"
    assert settings.earphone_keys == "F20 F21"
    assert settings.voice_idle_timeout_s == 600


def test_the_environment_overrides_the_key_map(tmp_path: Path) -> None:
    settings = load_settings(
        environ={"CIVIC_KIOSK_DATA_DIR": str(tmp_path), "CIVIC_KIOSK_KEYPAD_KEYS": "repeat = F1"}
    )

    assert parse_key_map(settings.keypad_keys).action("F1") == Action.REPEAT
    assert settings.earphone_detection == "auto"


@pytest.mark.parametrize(
    ("line", "named"),
    [
        ('keypad_keys = "bakc = F13"', "setting 'keypad_keys': unknown action 'bakc'"),
        ('keypad_keys = "back = Keypad+6"', "setting 'keypad_keys': key Keypad+6 is given to both"),
        ('earphone_keys = "F20 F21 F22"', "setting 'earphone_keys'"),
        ('earphone_keys = "Plug"', "setting 'earphone_keys': 'Plug' is not a key name"),
        ('earphone_detection = "bluetooth"', "setting 'earphone_detection' must be one of"),
    ],
)
def test_a_wrong_key_setting_stops_the_start_and_names_the_setting(
    tmp_path: Path, line: str, named: str
) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(line + "\n", encoding="utf-8")

    with pytest.raises(ConfigError, match=named.replace("+", r"\+")):
        load_settings(path, environ={})
