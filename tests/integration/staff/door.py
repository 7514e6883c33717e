"""A kiosk at the door of today's event, for the check-in and staff-mode tests.

The store is the shared ``kiosk_db`` (enrolled, with the test kiosk's signing
key); this adds an event running today and real sign-ups for it, made with
``kiosk.signups.sign_up`` the day before, so tickets, manual codes and masked
names are exactly what a citizen's sign-up leaves on a kiosk. Clocks are
moved by the tests: the wall clock for undo windows and lockouts, a
monotonic one for key timing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from app.launch import build_window
from kiosk.config import Settings
from kiosk.models import Event
from kiosk.signups import SignupForm, sign_up
from kiosk.staff import ScryptCost, set_pin
from kiosk.store import Store
from kiosk.submissions import Consent, Receipt
from tests.conftest import NOW, KioskDB
from tests.ui.kiosk_fixtures import FakeSync
from ui.camera import CameraScanner
from ui.idle import IdleTiming
from ui.shell import KioskWindow
from ui.staff.screen import StaffScreen

EVENT_ID = 501
CONSENT = Consent(version="2026-11", required=True)
PIN = "246810"
# Cheap enough for a test run; the production cost is checked in tests/unit/kiosk/test_staff.py.
TEST_COST = ScryptCost(n=2**10, r=8, p=1)
CALM = IdleTiming(timeout_ms=600_000, warning_ms=600_000)
SCANNER_GAP = 0.005
HUMAN_GAP = 0.150
PEOPLE = (("김민수", "010-2345-6789"), ("이영희", "010-3456-7890"), ("Jane Doe", "010-4567-8901"))


@dataclass
class WallClock:
    """The kiosk's wall clock, moved by the test."""

    now: dt.datetime = NOW

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@dataclass
class Monotonic:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Door:
    window: KioskWindow
    store: Store
    clock: WallClock
    monotonic: Monotonic
    receipts: list[Receipt] = field(default_factory=list)
    sync: FakeSync = field(default_factory=FakeSync)
    qtbot: QtBot | None = None

    def enter_pin(self, pin: str = PIN) -> None:
        assert self.qtbot is not None
        enter_pin(self.qtbot, self.window, pin)

    def open_staff_page(self, page: str) -> StaffScreen:
        """Staff mode with the right PIN, then ``page`` from its menu."""
        self.enter_pin(PIN)
        screen = self.window.staff
        screen.menu[page].click()
        return screen

    def ticket(self, index: int = 0) -> str:
        return self.receipts[index].ticket

    def manual_code(self, index: int = 0) -> str:
        return self.receipts[index].manual_code


def add_event_today(store: Store, event_id: int = EVENT_ID, title: str = "현장 시장실") -> None:
    """An event running now (18:00 in Seoul on the test day), with places to sign up for."""
    with store.write() as session:
        session.merge(
            Event(
                id=event_id,
                title_ko=title,
                title_en="Mayor's field office",
                place_ko="성북구청",
                place_en="Seongbuk-gu Office",
                starts_at=NOW - dt.timedelta(hours=1),
                ends_at=NOW + dt.timedelta(hours=2),
                capacity=50,
                offline_block=20,
                taken_remote=0,
                cancelled=False,
            )
        )


def sign_up_people(store: Store, event_id: int = EVENT_ID) -> list[Receipt]:
    day_before = NOW - dt.timedelta(days=1)
    return [
        sign_up(store, event_id, SignupForm(name=name, phone=phone), CONSENT, now=day_before)
        for name, phone in PEOPLE
    ]


def open_door(
    qtbot: QtBot,
    kiosk_db: KioskDB,
    *,
    size: tuple[int, int] = (1920, 1080),
    pin: str | None = PIN,
    camera: CameraScanner | None = None,
    **overrides: Any,
) -> Door:
    add_event_today(kiosk_db.store)
    receipts = sign_up_people(kiosk_db.store)
    if pin is not None:
        set_pin(kiosk_db.store, pin, NOW, cost=TEST_COST)
    clock, monotonic, sync = WallClock(), Monotonic(), FakeSync()
    values: dict[str, Any] = {
        "data_dir": str(kiosk_db.path.parent),
        "log_dir": str(kiosk_db.path.parent / "logs"),
        "checkin_staff_only": False,
        "office_name": "",
        "screen_dpi": 96.0,
    }
    values.update(overrides)
    window = build_window(
        Settings().with_overrides(**values),
        kiosk_db.store,
        sync=sync,
        timing=CALM,
        clock=clock,
        network=False,
        monotonic=monotonic,
        # This test machine has no camera; a test may bring a stand-in.
        camera=camera or CameraScanner(devices=list),
    )
    qtbot.addWidget(window)  # closed and deleted after the test
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    return Door(window, kiosk_db.store, clock, monotonic, receipts, sync, qtbot)


def enter_pin(qtbot: QtBot, window: KioskWindow, pin: str = PIN) -> None:
    """Try ``pin`` and wait for the answer: the check runs off the GUI thread."""
    with qtbot.waitSignal(window.staff_mode.checked, timeout=10_000):
        window.staff_mode.try_pin(pin)


def key(widget: QWidget, code: int, text: str = "", modifiers: Any = None) -> None:
    mods = modifiers if modifiers is not None else Qt.KeyboardModifier.NoModifier
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(widget, QKeyEvent(kind, code, mods, text))


def type_burst(
    widget: QWidget, monotonic: Monotonic, text: str, gap: float, *, enter: bool = True
) -> None:
    """Keys as a wedge scanner (5 ms apart) or a person (150 ms) sends them, to ``widget``."""
    for ch in text:
        monotonic.advance(gap)
        key(widget, ord(ch.upper()), ch)
    if enter:
        monotonic.advance(gap)
        key(widget, Qt.Key.Key_Return, "\r")
