"""Server settings from ``CIVIC_SERVER_*`` environment variables (and the command line).

An unknown ``CIVIC_SERVER_*`` variable stops the start with a message naming
it: a mistyped setting on the city's server should fail loudly, not be ignored.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import platformdirs

APP_NAME = "civic-kiosk-server"
ENV_PREFIX = "CIVIC_SERVER_"
COOKIE_SECURE_MODES = ("auto", "always", "never")
SMTP_SECURITY = ("none", "starttls", "ssl")


class ConfigError(Exception):
    """A setting is unknown or has the wrong type; the message names it."""


@dataclass(frozen=True)
class ServerSettings:
    data_dir: Path = field(default_factory=lambda: Path(platformdirs.user_data_dir(APP_NAME)))
    # Empty means "server.db (SQLite) inside data_dir"; see database_url_resolved.
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    log_level: str = "info"
    # Staff session cookies: "auto" marks them Secure when the request came over
    # HTTPS (directly or as X-Forwarded-Proto from a trusted proxy); "always"
    # for a TLS proxy that does not say so; "never" only for tests on loopback.
    cookie_secure: str = "auto"
    # Seconds between rounds of the Open311 forwarder (`serve --forward`, `forward run`).
    forward_interval: int = 30
    # Addresses (comma-separated, or "*") of the reverse proxy whose X-Forwarded-For
    # and -Proto are believed; empty: none, the client is the TCP peer.
    trusted_proxies: str = ""
    # The address citizens reach the status pages at (https://kiosk.seoul.example):
    # kiosks put it in every receipt QR and messages link to it.
    public_url: str = ""
    # --- messages to citizens (server/notifier.py; `serve --notify`, `notify run`) ---
    notify_interval: int = 10
    # How long a sender may hold a message before another may take it over.
    notify_lease: int = 120
    notify_max_attempts: int = 8
    # Seoul time, "HH:MM-HH:MM": messages due inside wait for its end; "" for none.
    notify_quiet_hours: str = "21:00-08:00"
    # E-mail over SMTP; an empty host means no e-mail channel.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: str = "starttls"
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = ""
    # SMS and KakaoTalk AlimTalk through SOLAPI; an empty key means no SMS channel.
    sms_api_url: str = "https://api.solapi.com"
    sms_api_key: str = ""
    sms_api_secret: str = ""
    sms_sender: str = ""
    # AlimTalk needs the channel's id and a template approved per message kind
    # ("received=TPL1,status=TPL2,..."); kinds without one go as SMS.
    alimtalk_pf_id: str = ""
    alimtalk_templates: str = ""
    # Secret part of the URL the SMS provider posts replies to (the stop word).
    sms_inbound_token: str = ""

    @property
    def database_url_resolved(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'server.db'}"

    def with_overrides(self, **values: Any) -> ServerSettings:
        given = {k: v for k, v in values.items() if v is not None}
        return replace(self, **_coerce_all(given, source="command line"))


def load_settings(environ: Mapping[str, str] | None = None) -> ServerSettings:
    environ = os.environ if environ is None else environ
    known = {f.name for f in fields(ServerSettings)}
    values: dict[str, Any] = {}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX):
            continue
        key = name.removeprefix(ENV_PREFIX).lower()
        if key not in known:
            raise ConfigError(f"unknown setting in environment: {name}")
        values[key] = raw
    return ServerSettings(**_coerce_all(values, source="environment"))


def _coerce_all(values: Mapping[str, Any], source: str) -> dict[str, Any]:
    types = {f.name: str(f.type) for f in fields(ServerSettings)}
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key not in types:
            raise ConfigError(f"{source}: unknown setting '{key}'")
        out[key] = _coerce(key, types[key], value, source)
    return out


def _coerce(key: str, type_name: str, value: Any, source: str) -> Any:
    if type_name == "Path":
        return Path(value).expanduser()
    if type_name == "int":
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{source}: '{key}' must be a whole number, got {value!r}") from None
        if number < 0 or (key == "workers" and number < 1) or (key == "port" and number > 65535):
            raise ConfigError(f"{source}: '{key}' is out of range: {number}")
        return number
    if key == "cookie_secure" and value not in COOKIE_SECURE_MODES:
        raise ConfigError(
            f"{source}: 'cookie_secure' must be one of {', '.join(COOKIE_SECURE_MODES)}, "
            f"got {value!r}"
        )
    if key == "smtp_security" and value not in SMTP_SECURITY:
        raise ConfigError(
            f"{source}: 'smtp_security' must be one of {', '.join(SMTP_SECURITY)}, got {value!r}"
        )
    if key == "notify_quiet_hours" and value and parse_quiet_hours(str(value)) is None:
        raise ConfigError(f"{source}: 'notify_quiet_hours' must be HH:MM-HH:MM, got {value!r}")
    return str(value)


def parse_quiet_hours(text: str) -> tuple[dt.time, dt.time] | None:
    """("21:00-08:00") -> (21:00, 08:00); None if it is not that shape."""
    start, sep, end = text.partition("-")
    if not sep:
        return None
    try:
        return dt.time.fromisoformat(start.strip()), dt.time.fromisoformat(end.strip())
    except ValueError:
        return None
