"""The staff screens' tests: a kiosk at the door of today's event, with a settings file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from tests.conftest import KioskDB
from tests.integration.staff.door import Door, open_door


@pytest.fixture
def door(qtbot: QtBot, kiosk_db: KioskDB, tmp_path: Path) -> Iterator[Door]:
    opened = open_door(qtbot, kiosk_db)
    opened.window.config_path = tmp_path / "kiosk.toml"
    yield opened
