"""Kiosk settings: one typed object from a TOML file and ``CIVIC_KIOSK_*`` variables.

Operators edit a TOML file; scripts and tests override single values through the
environment. Anything we do not understand stops the start with a message that
names the key, because a silently ignored typo (``idle_timout = 30``) on a kiosk
in a field office would only be noticed by a citizen.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal, get_args

import platformdirs

from kiosk.keypad import KeyMapError, check_key_name, parse_key_map
from printing.targets import PrinterKind, TargetError, parse_target

APP_NAME = "civic-kiosk"
ENV_PREFIX = "CIVIC_KIOSK_"
Language = Literal["ko", "en"]
# How staff want the display turned (ui/display.py); "auto" leaves it to the system.
Orientation = Literal["auto", "landscape", "portrait", "portrait_flipped"]
# How the kiosk knows earphones are plugged in (ui/earphone.py): "auto" asks the sound
# server where there is one (Linux), "keys" listens for ``earphone_keys``.
EarphoneDetection = Literal["auto", "sound_server", "keys", "off"]


class ConfigError(Exception):
    """A setting is unknown or has the wrong type; the message names the key."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(default_factory=lambda: Path(platformdirs.user_data_dir(APP_NAME)))
    # Empty means "kiosk.db inside data_dir"; see ``database_url_resolved``.
    database_url: str = ""
    server_url: str = ""
    language: Language = "ko"
    idle_timeout_s: int = 90
    idle_warning_s: int = 30
    office_name: str = ""
    checkin_staff_only: bool = True
    physical_keyboard: bool = False
    large_text: bool = False
    high_contrast: bool = False
    low_position: bool = False
    orientation: Orientation = "auto"
    camera: bool = True
    screen_dpi: float = 0.0
    retention_days: int = 30
    log_dir: Path = field(default_factory=lambda: Path(platformdirs.user_log_dir(APP_NAME)))
    # Staff mode ends by itself after this long without a touch, key or scan.
    staff_timeout_s: int = 120
    # Full screen, frameless, on top: a real kiosk. Off for the desktop demo,
    # where the window stays a window (it still ignores close and Escape).
    kiosk_mode: bool = True
    # A USB keyboard-wedge scanner reads tickets on the check-in screen.
    wedge_scanner: bool = True
    # The blind citizen's keypad (kiosk/keypad.py, docs/voice-and-keypad.md):
    # "action = Key Key; action = Key" replaces the default keys of those actions.
    keypad_keys: str = ""
    earphone_detection: EarphoneDetection = "auto"
    # For earphone_detection = "keys": the key sent on plugging in, and on pulling out
    # (one key alone toggles), e.g. "F13 F14".
    earphone_keys: str = ""
    # Voice mode on the speaker (no earphones) keeps an idle limit, this long;
    # with earphones plugged in there is none. 0: none on the speaker either.
    voice_idle_timeout_s: int = 300
    # The slip printer (printing/): none, or where it is. network: "host[:port]"
    # (port 9100 by default); usb: "vendor:product" in hex; serial: "/dev/ttyUSB0".
    printer: PrinterKind = "none"
    printer_address: str = ""
    printer_baudrate: int = 19200
    paper_width_mm: int = 80  # 58 or 80
    # Cut each slip where the printer has a cutter (a partial cut holds the slip in place).
    printer_cutter: bool = True
    # The check-in desk prints an admission slip for each admitted guest.
    print_admission_slip: bool = False

    @property
    def database_url_resolved(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'kiosk.db'}"

    def with_overrides(self, **values: Any) -> Settings:
        return replace(self, **_coerce_all(values, source="override"))


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "kiosk.toml"


def settings_path(environ: Mapping[str, str] | None = None) -> Path:
    """The file settings are read from when no path is given (and saved to by staff)."""
    environ = os.environ if environ is None else environ
    return _path_from_env(environ) or default_config_path()


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read the TOML file (if any), then apply ``CIVIC_KIOSK_*`` overrides."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    config_path = path or _path_from_env(environ) or default_config_path()
    if path is not None and not config_path.exists():
        raise ConfigError(f"config file not found: {config_path}")
    if config_path.exists():
        try:
            with config_path.open("rb") as fh:
                values.update(_coerce_all(tomllib.load(fh), source=str(config_path)))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{config_path}: not valid TOML: {exc}") from exc
    values.update(_coerce_all(_env_values(environ), source="environment"))
    settings = Settings(**values)
    check_printer(settings, source=str(config_path))
    return settings


PAPER_WIDTHS = (58, 80)


def check_printer(settings: Settings, source: str = "settings") -> None:
    """The printer settings together: an address that fits the kind, a known paper width."""
    if settings.paper_width_mm not in PAPER_WIDTHS:
        raise ConfigError(
            f"{source}: setting 'paper_width_mm' must be 58 or 80, got {settings.paper_width_mm}"
        )
    try:
        parse_target(settings.printer, settings.printer_address, settings.printer_baudrate)
    except TargetError as error:
        key = "printer_baudrate" if "baud" in str(error) else "printer_address"
        raise ConfigError(
            f"{source}: setting '{key}' {error} (printer = {settings.printer})"
        ) from None


def _path_from_env(environ: Mapping[str, str]) -> Path | None:
    raw = environ.get(ENV_PREFIX + "CONFIG")
    return Path(raw) if raw else None


def _env_values(environ: Mapping[str, str]) -> dict[str, Any]:
    known = {f.name for f in fields(Settings)}
    out: dict[str, Any] = {}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or name == ENV_PREFIX + "CONFIG":
            continue
        key = name.removeprefix(ENV_PREFIX).lower()
        if key not in known:
            raise ConfigError(f"unknown setting in environment: {name}")
        out[key] = raw
    return out


def _coerce_all(values: Mapping[str, Any], source: str) -> dict[str, Any]:
    types = {f.name: f.type for f in fields(Settings)}
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key not in types:
            raise ConfigError(f"{source}: unknown setting '{key}'")
        out[key] = _coerce(key, str(types[key]), value, source)
    return out


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_LITERALS: dict[str, tuple[str, ...]] = {
    "Language": get_args(Language),
    "Orientation": get_args(Orientation),
    "EarphoneDetection": get_args(EarphoneDetection),
    "PrinterKind": get_args(PrinterKind),
}


def _coerce(key: str, type_name: str, value: Any, source: str) -> Any:
    """Turn a TOML or environment value into the field's type, or say what is wrong."""

    def wrong(expected: str) -> ConfigError:
        return ConfigError(f"{source}: setting '{key}' must be {expected}, got {value!r}")

    from_env = isinstance(value, str) and source == "environment"
    if type_name == "bool":
        if isinstance(value, bool):
            return value
        if from_env and value.lower() in _TRUE | _FALSE:
            return value.lower() in _TRUE
        raise wrong("true or false")
    if type_name in ("int", "float"):
        if isinstance(value, bool):
            raise wrong(f"a number ({type_name})")
        py_type = int if type_name == "int" else float
        if isinstance(value, int | float) and (py_type is float or isinstance(value, int)):
            number = py_type(value)
        elif from_env:
            try:
                number = py_type(value)
            except ValueError:
                raise wrong(f"a number ({type_name})") from None
        else:
            raise wrong(f"a number ({type_name})")
        if number < 0:
            raise wrong("zero or more")
        return number
    if not isinstance(value, str):
        raise wrong("text")
    if type_name == "Path":
        return Path(value).expanduser()
    if type_name in _LITERALS:
        if value not in _LITERALS[type_name]:
            raise wrong("one of " + ", ".join(_LITERALS[type_name]))
        return value
    if key in _KEY_SETTINGS:
        try:
            _KEY_SETTINGS[key](value)
        except KeyMapError as error:
            raise ConfigError(f"{source}: setting '{key}': {error}") from None
    return value


def _earphone_keys(value: str) -> None:
    names = value.split()
    if len(names) > 2:
        raise KeyMapError("give the key sent on plugging in and, if another, on pulling out")
    for name in names:
        check_key_name(name)


# Settings that name keys: read now, so a typo stops the start with its key named.
_KEY_SETTINGS: dict[str, Callable[[str], object]] = {
    "keypad_keys": parse_key_map,
    "earphone_keys": _earphone_keys,
}


# --- saving what staff changed ------------------------------------------------------------

_TABLE_HEADER = re.compile(r"^\s*\[")


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    # A JSON string is a valid TOML basic string (json.dumps never writes "\/").
    return json.dumps(str(value), ensure_ascii=False)


def save_settings(path: Path, settings: Settings, before: Settings) -> list[str]:
    """Write the settings that differ from ``before`` into the TOML file at ``path``.

    Only those keys are touched: a key already in the file has its line
    replaced, a new one is added; every other line, comment and setting stays
    as the operator wrote it (values that came from the environment are not
    copied into the file). The new file is checked by reading it back before
    it atomically replaces the old one. Returns the keys written.
    """
    changed = {
        f.name: getattr(settings, f.name)
        for f in fields(Settings)
        if getattr(settings, f.name) != getattr(before, f.name)
    }
    if not changed:
        return []
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    top_level_end = next((i for i, line in enumerate(lines) if _TABLE_HEADER.match(line)), None)
    top = lines if top_level_end is None else lines[:top_level_end]
    rest = [] if top_level_end is None else lines[top_level_end:]
    for key, value in changed.items():
        line = f"{key} = {_toml_value(value)}"
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        index = next((i for i, old in enumerate(top) if pattern.match(old)), None)
        if index is None:
            top.append(line)
        else:
            top[index] = line
    text = "\n".join([*top, *rest]) + "\n"
    check_printer(settings, source=str(path))
    _coerce_all(tomllib.loads(text), source=str(path))  # never write what cannot be read back
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".part")
    with temporary.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)
    return sorted(changed)
