"""The staff settings page: what it saves, what applies at once, turning the display."""

from __future__ import annotations

import tomllib

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from kiosk.config import Orientation
from tests.conftest import KioskDB
from tests.integration.staff.door import Door, open_door
from ui.display import Outcome
from ui.i18n import translate


def ko(key: str, **params: object) -> str:
    return translate(key, "ko", **params)


def test_saved_settings_write_only_what_changed_and_apply_to_the_next_citizen(
    qtbot: QtBot, door: Door
) -> None:
    path = door.window.config_path
    assert path is not None
    path.write_text('# set by the installer\noffice_name = "성북구청"\n', encoding="utf-8")
    page = door.open_staff_page("settings").settings
    assert page.language.buttons["ko"].isChecked()
    page.language.buttons["en"].click()
    page.idle.buttons["60"].click()
    page.large_text.click()
    page.camera.click()
    qtbot.mouseClick(page.save, Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
    assert page.message.text() == ko("staff.settings.saved")
    text = path.read_text(encoding="utf-8")
    assert text.startswith('# set by the installer\noffice_name = "성북구청"\n')
    assert tomllib.loads(text) == {
        "office_name": "성북구청", "language": "en", "idle_timeout_s": 60,
        "large_text": True, "camera": False,
    }  # fmt: skip
    window = door.window
    assert window.settings.camera is False
    qtbot.mouseClick(window.staff.leave_button, Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
    assert window.i18n.language == "en"
    assert window.accessibility.large_text
    assert window.home.tiles["complaint"].title.text() == "File a complaint"
    assert window.idle_timeout_ms == 60_000
    window.start("complaint")
    window.set_idle_timeout_ms(50)  # the same path the saved setting took, at test speed
    qtbot.waitUntil(window.idle_warning.isVisible, timeout=2000)


def test_a_new_orientation_turns_the_display_at_once(qtbot: QtBot, door: Door) -> None:
    turned: list[str] = []

    def turn(orientation: Orientation) -> Outcome:
        turned.append(orientation)
        return Outcome.TURNED

    door.window.turn_display = turn
    page = door.open_staff_page("settings").settings
    qtbot.mouseClick(page.save, Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
    assert turned == []  # nothing changed, nothing turned
    page.orientation.buttons["portrait"].click()
    qtbot.mouseClick(page.save, Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
    assert turned == ["portrait"]
    assert page.message.text() == ko("staff.settings.saved")
    assert door.window.settings.orientation == "portrait"


def test_where_the_kiosk_cannot_turn_the_display_staff_are_told_to_turn_it_by_hand(
    qtbot: QtBot, door: Door
) -> None:
    # The real turn_display, on the offscreen platform: no X11, nothing to run.
    page = door.open_staff_page("settings").settings
    page.orientation.buttons["portrait_flipped"].click()
    qtbot.mouseClick(page.save, Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
    assert page.message.text() == ko("staff.settings.saved.turn_by_hand")
    path = door.window.config_path
    assert path is not None
    assert tomllib.loads(path.read_text(encoding="utf-8")) == {"orientation": "portrait_flipped"}


def test_the_desktop_demo_never_turns_the_screen_it_runs_on(
    qtbot: QtBot, kiosk_db: KioskDB
) -> None:
    door = open_door(qtbot, kiosk_db, kiosk_mode=False)
    assert door.window.turn_display("portrait") == Outcome.UNSUPPORTED
