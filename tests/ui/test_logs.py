"""The kiosk's log file after a full day's flow holds none of what citizens typed.

Everything goes through the real window with the log file installed as a
kiosk run installs it: a complaint with name, phone, e-mail, address and
text; an event sign-up; a wrong then a right staff PIN; check-in by scan, by
typed name and by manual code; an undo; the dashboard. Then the file is read.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from tests.conftest import KioskDB
from tests.integration.staff.door import EVENT_ID, PEOPLE, PIN, Door, enter_pin, open_door
from tests.ui.kiosk_fixtures import Citizen, type_keys
from ui.logs import LOG_FILE, install_file_log, remove_file_log

TYPED = {
    "name": "김민준",
    "phone": "010-8765-4321",
    "email": "minjun.kim@example.kr",
    "address": "망원동 412-3",
    "description": "가로등이 밤새 깜빡여서 잠을 못 자요",
    "signup_name": "박서연",
    "signup_phone": "010-5555-6666",
}


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    root = logging.getLogger()
    level = root.level
    handler = install_file_log(tmp_path / "logs")
    yield tmp_path / "logs" / LOG_FILE
    remove_file_log(handler)
    root.setLevel(level)


def test_a_full_flow_leaves_no_personal_data_in_the_log(
    qtbot: QtBot, kiosk_db: KioskDB, log_file: Path
) -> None:
    door: Door = open_door(qtbot, kiosk_db)
    window = door.window
    citizen = Citizen(qtbot, window)

    citizen.home_tile("complaint")
    citizen.choose("category", "road")
    citizen.next()
    citizen.choose("district", "mapo")
    citizen.type_into("address", TYPED["address"])
    citizen.next()
    citizen.type_into("description", TYPED["description"])
    citizen.next()
    citizen.type_into("name", TYPED["name"])
    citizen.type_into("phone", TYPED["phone"])
    citizen.type_into("email", TYPED["email"])
    citizen.next()
    citizen.agree(share=True)
    citizen.submit()
    assert citizen.screen == "receipt"
    window.end_session()

    citizen.home_tile("signup")
    window.events.buttons[0].click()
    citizen.type_into("name", TYPED["signup_name"])
    citizen.type_into("phone", TYPED["signup_phone"])
    citizen.next()
    citizen.agree()
    citizen.submit()
    assert citizen.screen == "receipt"
    window.end_session()

    window.staff_mode.request()
    enter_pin(qtbot, window, "999999")
    enter_pin(qtbot, window, PIN)
    window.staff.checkin.click()
    window.checkin.event_buttons[0].click()
    assert window.checkin.chosen_event is not None
    assert window.checkin.chosen_event.id == EVENT_ID
    window.checkin.handle_scan(door.ticket(0))
    window.checkin.undo_last()
    window.checkin.open_lookup.click()
    type_keys(window.checkin.name, "영희")
    window.checkin.search_name()
    window.checkin.candidates[0].click()
    window.checkin.open_lookup.click()
    window.checkin.code.setText(door.manual_code(2))
    window.checkin.check_code()
    window.checkin.handle_scan("NOT-A-TICKET-1234")
    window.checkin.desk_back.click()
    window.staff.menu["attendance"].click()
    window.staff.leave_button.click()

    for handler in logging.getLogger().handlers:
        handler.flush()
    text = log_file.read_text(encoding="utf-8")
    assert "staff mode entered" in text and "wrong staff PIN" in text  # it did log the day
    secrets = [*TYPED.values(), PIN, "999999", "8765", "5555-6666"]
    secrets += [name for name, _ in PEOPLE] + [phone for _, phone in PEOPLE]
    secrets += ["김*수", "이*희", door.manual_code(2), door.ticket(0)[:40]]
    leaked = [secret for secret in secrets if secret in text]
    assert leaked == [], leaked


def test_what_a_library_puts_in_an_error_message_is_redacted_in_the_file(
    log_file: Path,
) -> None:
    log = logging.getLogger("kiosk.test")
    try:
        raise ValueError(
            "1 validation error for SignupSealed name input_value='박서연'\n"
            "[parameters: ('minjun.kim@example.kr', '010-8765-4321')]"
        )
    except ValueError:
        log.exception("could not seal a sign-up for %s", "박서연")
    log.info("device 3f1a0123-4567-8901-2345-678901234567 pushed 12 records")
    text = log_file.read_text(encoding="utf-8")
    assert "박서연" not in text and "minjun" not in text and "8765-4321" not in text
    assert "input_value=<redacted>" in text and "[parameters: <redacted>]" in text
    assert "3f1a0123-4567-8901-2345-678901234567" in text  # ids stay readable
