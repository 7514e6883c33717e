"""A connected kiosk asks the server while the citizen waits: places, sign-ups, their case.

The server is a stand-in here (``Desk``) answering as sync.online.OnlineDesk
does, from another thread; tests/integration/sync/test_online_signup.py
drives the real one against the real server.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field

from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from kiosk.models import OutboxMutation, Registration
from kiosk.online_signups import OnlineAnswer, PreparedSignup
from sync.protocol import CaseResponse, CaseStep, CaseView
from tests.conftest import NOW, KioskDB
from tests.ui.kiosk_fixtures import Citizen, make_window
from tests.ui.screens.test_signup import event_button
from ui.i18n import translate
from ui.shell import KioskWindow


@dataclass
class Desk:
    answer: OnlineAnswer | None = None
    seats: dict[int, int] | None = None
    found: CaseResponse | None = None
    claims: list[PreparedSignup] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)
    # Held until set, so a test sees the "checking" state.
    go: threading.Event = field(default_factory=threading.Event)

    def claim(self, prepared: PreparedSignup) -> OnlineAnswer | None:
        self.claims.append(prepared)
        self.go.wait(10)
        return self.answer

    def availability(self) -> dict[int, int] | None:
        return self.seats

    def case(self, code: str) -> CaseResponse | None:
        self.asked.append(code)
        return self.found

    def cancel(self, code: str) -> CaseResponse | None:
        return self.found

    def ask_again(self, code: str) -> CaseResponse | None:
        return self.found


def _window(qtbot: QtBot, kiosk_db: KioskDB, desk: Desk) -> tuple[KioskWindow, Citizen]:
    window = make_window(qtbot, kiosk_db, online=desk)
    return window, Citizen(qtbot, window)


def _sign_up(citizen: Citizen, window: KioskWindow, *, notify: bool = False) -> None:
    citizen.home_tile("signup")
    citizen.tap(event_button(window, 1))
    citizen.type_into("name", "박영희")
    citizen.type_into("phone", "010-9876-5432")
    citizen.next()
    citizen.tap(window.consent.required)
    if notify:
        citizen.tap(window.consent.notify)
    citizen.tap(window.consent.nav.next_button)
    citizen.submit()


def test_the_event_list_shows_the_servers_free_seats(qtbot: QtBot, kiosk_db: KioskDB) -> None:
    desk = Desk(seats={1: 37})
    window, citizen = _window(qtbot, kiosk_db, desk)

    citizen.home_tile("signup")

    qtbot.waitUntil(lambda: "남은 자리 37석" in event_button(window, 1).text())


def test_an_online_place_waits_for_the_server_and_keeps_nothing_to_send(
    qtbot: QtBot, kiosk_db: KioskDB
) -> None:
    desk = Desk(answer=OnlineAnswer("confirmed", "", 1, 4, "CK1SERVERTICKET", "ABCD2345"))
    window, citizen = _window(qtbot, kiosk_db, desk)

    _sign_up(citizen, window, notify=True)
    assert window.review.checking.isVisible()
    assert not window.review.nav.next_button.isEnabled()  # no second tap
    desk.go.set()
    qtbot.waitUntil(lambda: citizen.screen == "receipt")

    [prepared] = desk.claims
    assert prepared.payload["notify"] is True and prepared.payload["language"] == "ko"
    with kiosk_db.store.read() as session:
        row = session.get(Registration, prepared.id)
        assert row is not None and row.ticket == "CK1SERVERTICKET" and row.number == 4
        assert session.scalars(select(OutboxMutation)).all() == []
    assert window.receipt.manual.text() == "ABCD-2345"
    assert window.receipt.next_steps.text() == translate("receipt.next.signup.remind", "ko")


def test_no_answer_signs_up_from_the_kiosk_block_under_the_same_id(
    qtbot: QtBot, kiosk_db: KioskDB
) -> None:
    desk = Desk(answer=None)
    desk.go.set()
    window, citizen = _window(qtbot, kiosk_db, desk)

    _sign_up(citizen, window)
    qtbot.waitUntil(lambda: citizen.screen == "receipt")

    [prepared] = desk.claims
    with kiosk_db.store.read() as session:
        [queued] = session.scalars(select(OutboxMutation)).all()
    assert queued.id == prepared.id
    assert window.receipt.receipt is not None
    assert window.receipt.receipt.code == prepared.receipt_code
    assert window.receipt.receipt.ticket.startswith("CK1")  # the kiosk's own ticket


def test_check_my_case_shows_the_answer_and_history(qtbot: QtBot, kiosk_db: KioskDB) -> None:
    answered = dt.datetime(2026, 11, 28, 1, tzinfo=dt.UTC)
    desk = Desk(
        found=CaseResponse(
            receipt_code="K7M2XQ9X",
            found=[
                CaseView(
                    kind="complaint",
                    status="answered",
                    title_ko="가로등·신호등",
                    title_en="Street lights",
                    answer="28일에 고쳤습니다.",
                    history=[
                        CaseStep(status="received", at=NOW),
                        CaseStep(status="answered", at=answered, note="28일에 고쳤습니다."),
                    ],
                    can_ask_again=True,
                )
            ],
            server_time=NOW,
        )
    )
    window, citizen = _window(qtbot, kiosk_db, desk)
    citizen.home_tile("case")

    # The hand scanner reads the receipt QR: the status page's address.
    window.case.scanned("https://kiosk.seoul.example/status/K7M2XQ9X")

    qtbot.waitUntil(lambda: len(window.case.cards) == 1)
    card = window.case.cards[0]
    assert desk.asked == ["K7M2XQ9X"]
    assert "답변 완료" in card.heading.text()
    assert "28일에 고쳤습니다." in card.body.text()
    assert card.ask_button.isVisible() and not card.cancel_button.isVisible()


def test_check_my_case_offline_says_it_will_show_when_connected(
    qtbot: QtBot, kiosk_db: KioskDB
) -> None:
    window = make_window(qtbot, kiosk_db)  # no server to ask
    citizen = Citizen(qtbot, window)
    citizen.home_tile("case")
    editor = window.case.field.editor
    assert isinstance(editor, QLineEdit)
    # As the on-screen keyboard leaves it (a fast key burst would be a hand scanner's).
    editor.setText("k7m2-xq9x")

    citizen.tap(window.case.go)

    assert window.case.message.text() == translate("case.offline", "ko")
    assert window.case.cards == []
