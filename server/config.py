"""Server settings from ``CIVIC_SERVER_*`` environment variables (and the command line).

An unknown ``CIVIC_SERVER_*`` variable stops the start with a message naming
it: a mistyped setting on the city's server should fail loudly, not be ignored.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import platformdirs

APP_NAME = "civic-kiosk-server"
ENV_PREFIX = "CIVIC_SERVER_"
COOKIE_SECURE_MODES = ("auto", "always", "never")


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
    return str(value)
