"""Enrolling from the staff screen against the real server, on a worker thread.

The page must keep the screen alive while the server is asked (the progress
bar shows and the window still paints), then show the device id and office
the server gave, and take a new staff PIN in the same step.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.launch import build_window
from core.clock import utcnow
from kiosk.config import Settings
from kiosk.identity import current_identity
from kiosk.staff import check_pin, set_pin
from kiosk.store import Store, open_store
from tests.integration.server.live import LiveServer
from tests.integration.staff.door import CALM, PIN, TEST_COST, enter_pin
from tests.support.sync_rig import ENROL_TIMEOUTS, open_server_db
from ui.i18n import translate
from ui.shell import KioskWindow
from ui.staff.enrolment import EnrolmentPage

OFFICE = "성북구 현장시장실"


def ko(key: str, **params: object) -> str:
    return translate(key, "ko", **params)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    db = open_server_db(tmp_path / "server.db")
    live = LiveServer.start(db)
    yield live
    live.stop()
    db.close()


@pytest.fixture
def fresh_store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(f"sqlite:///{tmp_path / 'kiosk.db'}")
    yield store
    store.close()


def enrolment_page(qtbot: QtBot, store: Store, tmp_path: Path) -> tuple[KioskWindow, EnrolmentPage]:
    set_pin(store, PIN, utcnow(), cost=TEST_COST)
    window = build_window(
        Settings().with_overrides(data_dir=str(tmp_path), screen_dpi=96.0),
        store,
        timing=CALM,
        network=False,
        enrol_timeouts=ENROL_TIMEOUTS,
    )
    qtbot.addWidget(window)  # closed and deleted after the test
    window.resize(1920, 1080)
    window.show()
    qtbot.waitExposed(window)
    enter_pin(qtbot, window)
    qtbot.mouseClick(window.staff.menu["enrolment"], Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
    return window, window.staff.enrolment


def test_enrolment_runs_off_the_gui_thread_and_shows_the_new_identity(
    qtbot: QtBot, server: LiveServer, fresh_store: Store, tmp_path: Path
) -> None:
    window, page = enrolment_page(qtbot, fresh_store, tmp_path)
    assert page.identity["device"].text() == ko("staff.enrol.not_enrolled")
    page.server.setText(server.base_url)
    page.code.setText(server.code(OFFICE))
    page.pin.setText("13572468")
    with qtbot.waitSignal(page.runner.finished, timeout=10_000):
        qtbot.mouseClick(page.enrol, Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
        # Still inside the click's call: the request is out, and the screen says so.
        assert page.busy.isVisible() and not page.enrol.isEnabled()
        assert page.message.text() == ko("staff.enrol.working", server=server.base_url)
    with fresh_store.read() as session:
        identity = current_identity(session)
        assert identity is not None
        device_id = identity.device_id
    assert page.identity["device"].text() == device_id
    assert page.identity["office"].text() == OFFICE
    assert page.message.text() == ko("staff.enrol.done", device=device_id, office=OFFICE)
    assert not page.busy.isVisible()
    assert window.header.office.text() == OFFICE
    assert page.code.text() == "" and page.pin.text() == ""  # no secret stays on screen
    assert check_pin(fresh_store, "13572468", utcnow()).ok


def test_a_refused_code_says_so_and_leaves_the_kiosk_as_it_was(
    qtbot: QtBot, server: LiveServer, fresh_store: Store, tmp_path: Path
) -> None:
    _window, page = enrolment_page(qtbot, fresh_store, tmp_path)
    page.server.setText(server.base_url)
    page.code.setText("NOT-A-CODE")
    with qtbot.waitSignal(page.runner.finished, timeout=10_000) as finished:
        qtbot.mouseClick(page.enrol, Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
    code = finished.args[0].code if finished.args else ""
    assert page.message.text() == ko("staff.enrol.failed", code=code)
    with fresh_store.read() as session:
        assert current_identity(session) is None
    assert page.enrol.isEnabled()


def test_a_bad_new_pin_stops_the_enrolment_before_anything_is_sent(
    qtbot: QtBot, server: LiveServer, fresh_store: Store, tmp_path: Path
) -> None:
    _window, page = enrolment_page(qtbot, fresh_store, tmp_path)
    page.server.setText(server.base_url)
    page.code.setText(server.code(OFFICE))
    page.pin.setText("12")
    qtbot.mouseClick(page.enrol, Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
    assert not page.runner.running
    assert page.message.text() == ko("staff.pin.rules")
    assert check_pin(fresh_store, PIN, utcnow()).ok  # the old PIN still stands
