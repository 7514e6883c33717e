"""The staff screens that need no server: attendance, today's counts, settings.

(The sync dashboard and enrolment are tested against the real server in
tests/integration/staff.)
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import get_args

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import update

from kiosk.admissions import record_admission
from kiosk.config import Orientation
from kiosk.models import CheckIn
from kiosk.submissions import ComplaintForm, submit_complaint, submit_suggestion
from tests.conftest import NOW, KioskDB
from tests.integration.staff.door import CONSENT, EVENT_ID, PIN, Door, open_door
from ui.display import Outcome
from ui.i18n import translate
from ui.staff.screen import StaffScreen


def ko(key: str, **params: object) -> str:
    return translate(key, "ko", **params)


@pytest.fixture
def door(qtbot: QtBot, kiosk_db: KioskDB, tmp_path: Path) -> Iterator[Door]:
    opened = open_door(qtbot, kiosk_db)
    opened.window.config_path = tmp_path / "kiosk.toml"
    yield opened


def staff(door: Door, page: str) -> StaffScreen:
    door.enter_pin(PIN)
    screen = door.window.staff
    screen.menu[page].click()
    return screen


def test_attendance_counts_each_event_and_search_narrows_the_list(door: Door) -> None:
    for index in (0, 1):
        record_admission(door.store, EVENT_ID, door.ticket(index), NOW)
    # The server later flagged the second one (admitted at another kiosk too).
    with door.store.write() as session:
        session.execute(update(CheckIn).where(CheckIn.number == 2).values(flagged=True))
    page = staff(door, "attendance").attendance
    first = page.events[0]
    assert first.property("event_id") == EVENT_ID
    assert "신청 3 · 입장 2 · 확인 필요 1" in first.text()
    page.search.setText("시장실")
    assert [label.property("event_id") for label in page.events] == [EVENT_ID]
    page.search.setText("없는 행사")
    assert page.events == [] and page.empty.isVisible()


def test_todays_counts_per_kind(door: Door) -> None:
    form = ComplaintForm(
        category="road",
        district="mapo",
        description="가로등 고장",
        name="홍길동",
        phone="010-1111-2222",
    )
    submit_complaint(door.store, form, CONSENT, now=NOW)
    submit_complaint(door.store, form, CONSENT, now=NOW - dt.timedelta(days=1))  # yesterday
    submit_suggestion(door.store, ComplaintForm(category="road", description="벤치"), now=NOW)
    record_admission(door.store, EVENT_ID, door.ticket(0), NOW)
    page = staff(door, "attendance").attendance
    shown = {name: label.text() for name, label in page.today.items()}
    # The three sign-ups were made yesterday: not today's.
    assert shown == {
        "complaints": "1", "suggestions": "1", "proposals": "0",
        "signups": "0", "waitlisted": "0", "checkins": "1",
    }  # fmt: skip


def test_saved_settings_write_only_what_changed_and_apply_to_the_next_citizen(
    qtbot: QtBot, door: Door
) -> None:
    path = door.window.config_path
    assert path is not None
    path.write_text('# set by the installer\noffice_name = "성북구청"\n', encoding="utf-8")
    page = staff(door, "settings").settings
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
    page = staff(door, "settings").settings
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
    page = staff(door, "settings").settings
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


def test_every_key_the_staff_and_check_in_screens_build_from_parts_exists() -> None:
    from core.payloads import MutationType
    from core.tickets import TicketType
    from kiosk.admissions import UndoOutcome
    from kiosk.checkin import Reason
    from ui.camera import STATUS_ACTIVE, STATUS_FAILED, STATUS_NONE, STATUS_OFF
    from ui.i18n import catalog
    from ui.staff.attendance import TODAY_FIGURES
    from ui.staff.dashboard import FIGURES
    from ui.staff.screen import PAGES
    from ui.staff.settings import IDLE_CHOICES

    keys = [f"checkin.invalid.{reason}" for reason in Reason]
    keys += [f"checkin.undo.{outcome}" for outcome in UndoOutcome]
    keys += [f"ticket.type.{kind.name.lower()}" for kind in TicketType]
    keys += [STATUS_ACTIVE, STATUS_FAILED, STATUS_NONE, STATUS_OFF]
    keys += [f"staff.mutation.{kind}" for kind in MutationType]
    keys += [f"staff.dashboard.{name}" for name in FIGURES]
    keys += [f"staff.today.{name}" for name in TODAY_FIGURES]
    keys += [f"staff.menu.{name}" for name in PAGES]
    keys += [f"staff.settings.idle.{seconds}" for seconds in IDLE_CHOICES]
    keys += [f"staff.settings.orientation.{o}" for o in get_args(Orientation)]
    keys += [f"staff.enrol.{name}" for name in ("device", "office", "server")]
    assert [key for key in keys if key not in catalog()] == []
