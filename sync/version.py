"""The version this kiosk reports to the server (``app_version`` in enrol and push)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def app_version() -> str:
    try:
        return version("civic-kiosk")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0+source"
