"""One real server per test module (SQLite), and one headless Chromium per session.

The paging test also runs on PostgreSQL: it takes the per-test database
fixtures of the server tests.

Chromium is Debian's (``apt-get install chromium``, which `python3 dev.py test`
installs), driven by Playwright's Python package; Playwright's own browser
download is not used. Without it the browser tests fail under CI=true and are
skipped, loudly, elsewhere.
"""

from __future__ import annotations

import os
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.server.conftest import (  # noqa: F401  (fixtures, by name)
    _stopping,
    backend,
    db,
    db_url,
    postgres_cluster,
    template,
)
from tests.integration.web.staffsite import Site

CHROMIUM = os.environ.get("CIVIC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    running = Site.start(tmp_path_factory.mktemp("site"))
    yield running
    running.stop()


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    warnings.warn(reason, stacklevel=2)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        _unavailable(
            f"{CHROMIUM} not found (Debian: apt-get install chromium); the browser "
            "tests of the staff pages did NOT run"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable(
            "the playwright package is missing (pip install -e '.[test]'); the "
            "browser tests of the staff pages did NOT run"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """docs/screenshots with CIVIC_SCREENSHOTS=1 (to refresh the committed ones), else temp."""
    if os.environ.get("CIVIC_SCREENSHOTS") == "1":
        target = ROOT / "docs" / "screenshots"
        target.mkdir(parents=True, exist_ok=True)
        return target
    return tmp_path_factory.mktemp("screenshots")
