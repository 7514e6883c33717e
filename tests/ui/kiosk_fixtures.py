"""The real kiosk window on the kiosk_db store, and a citizen who uses it by touch.

Imported by tests/ui/conftest.py so every UI test module can ask for ``kiosk``
(the window at 1920×1080) and ``citizen`` (clicks real buttons, types real keys).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.launch import build_window
from kiosk.config import Settings
from kiosk.models import OutboxMutation, Registration, Submission
from sync.status import SyncObserver, SyncState, SyncStatus
from tests.conftest import NOW, KioskDB
from ui.earphone import EarphoneJack, ManualJack
from ui.idle import IdleTiming
from ui.photo import PhotoSource
from ui.screens.form import FormScreen
from ui.scrolling import scroll_area_of
from ui.shell import KioskWindow, OnlineServices
from ui.speech import Speaker

LANDSCAPE = (1920, 1080)
PORTRAIT = (1080, 1920)
# Long enough that no test meets the warning by accident; idle tests use their own.
CALM = IdleTiming(timeout_ms=600_000, warning_ms=600_000)


@dataclass
class FakeSync:
    """Stands in for the sync engine: records what the UI asked of it."""

    observers: list[SyncObserver] = field(default_factory=list)
    commits: int = 0
    syncs: int = 0
    network_hints: int = 0
    status: SyncStatus = field(default_factory=lambda: SyncStatus(SyncState.OFFLINE, pending=0))

    def add_observer(self, observer: SyncObserver) -> None:
        self.observers.append(observer)

    def notify_local_commit(self) -> None:
        self.commits += 1

    def sync_now(self) -> None:
        self.syncs += 1

    def network_back(self) -> None:
        self.network_hints += 1


def make_window(
    qtbot: QtBot,
    kiosk_db: KioskDB,
    *,
    size: tuple[int, int] = LANDSCAPE,
    timing: IdleTiming = CALM,
    sync: FakeSync | None = None,
    photo_source: PhotoSource | None = None,
    jack: EarphoneJack | None = None,
    speaker: Speaker | None = None,
    online: OnlineServices | None = None,
    show: bool = True,
    **overrides: Any,
) -> KioskWindow:
    values: dict[str, Any] = {
        "data_dir": str(kiosk_db.path.parent),
        "checkin_staff_only": False,
        "office_name": "",
        "screen_dpi": 96.0,
    }
    values.update(overrides)
    settings = Settings().with_overrides(**values)
    window = build_window(
        settings,
        kiosk_db.store,
        sync=sync,
        timing=timing,
        clock=lambda: NOW,
        network=False,
        photo_source=photo_source,
        # The earphone jack is hardware: plugged by hand in tests (window.voice.jack).
        jack=jack or ManualJack(),
        speaker=speaker,
        online=online,
    )
    qtbot.addWidget(window)  # closed and deleted after the test
    window.resize(*size)
    if show:
        window.show()
        qtbot.waitExposed(window)
    return window


@pytest.fixture
def fake_sync() -> FakeSync:
    return FakeSync()


def destroy(window: QWidget) -> None:
    """Delete a window now: a live one would be restyled by every later test's theme."""
    window.close()
    window.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def kiosk_windows_alive(app: QApplication) -> list[KioskWindow]:
    """Kiosk windows not deleted yet, once every deletion already asked for has run."""
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return [w for w in app.topLevelWidgets() if isinstance(w, KioskWindow)]


@pytest.fixture(autouse=True)
def no_kiosk_left(qapp: QApplication) -> Iterator[None]:
    """A test that leaves a kiosk window alive fails.

    Each window a test builds is given to ``qtbot.addWidget``, which closes and
    deletes it after the test. One still alive afterwards would be restyled by
    every later test's theme and keep its timers and store running, so a later
    test would fail for this one's sake. It is deleted here as well, so that
    only the test that leaked it fails.
    """
    yield
    left = kiosk_windows_alive(qapp)
    for window in left:
        destroy(window)
    if left:
        pytest.fail(
            f"{len(left)} kiosk window(s) left alive after the test: "
            "give each window the test builds to qtbot.addWidget",
            pytrace=False,
        )


@pytest.fixture
def kiosk(qtbot: QtBot, kiosk_db: KioskDB, fake_sync: FakeSync) -> KioskWindow:
    return make_window(qtbot, kiosk_db, sync=fake_sync)


def type_keys(widget: QWidget, text: str) -> None:
    """Key presses carrying each character, as a physical keyboard sends them.

    QTest.keyClicks only knows ASCII (it asserts on Hangul), so the events are
    built here: the key code matters little to an editor, the text is inserted.
    """
    for ch in text:
        key = ord(ch.upper()) if ch.isascii() and ch.isalnum() else Qt.Key.Key_unknown
        if ch == " ":
            key = Qt.Key.Key_Space
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            event = QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, ch)
            QApplication.sendEvent(widget, event)


def press(qtbot: QtBot, widget: QWidget) -> None:
    """Touch ``widget`` as a person does: scrolled into view first if it lies below the fold
    (of its list, and of the page that list is on)."""
    area = scroll_area_of(widget)
    while area is not None:
        area.ensureWidgetVisible(widget, 0, 0)
        area = scroll_area_of(area)
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=widget.rect().center())  # type: ignore[no-untyped-call]


class Citizen:
    """Uses the kiosk as a person would: taps visible buttons, types into fields."""

    def __init__(self, qtbot: QtBot, window: KioskWindow) -> None:
        self.qtbot = qtbot
        self.window = window

    @property
    def screen(self) -> str:
        return self.window.current_screen().objectName()

    def tap(self, button: QAbstractButton) -> None:
        assert button.isVisible(), f"{button.text()!r} is not on screen"
        assert button.isEnabled(), f"{button.text()!r} is disabled"
        self.scroll_to(button)
        centre = QPoint(button.width() // 2, button.height() // 2)
        self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=centre)  # type: ignore[no-untyped-call]

    def scroll_to(self, widget: QWidget) -> None:
        """What a person does before touching something below the fold: scroll to it."""
        area = scroll_area_of(widget)
        if area is not None:
            area.ensureWidgetVisible(widget, 0, 0)

    def tap_text(self, text: str) -> None:
        """Tap the visible button that shows exactly ``text``."""
        for button in self.window.findChildren(QAbstractButton):
            if button.isVisible() and button.text() == text:
                self.tap(button)
                return
        raise AssertionError(f"no visible button says {text!r}")

    def home_tile(self, flow: str) -> None:
        self.tap(self.window.home.tiles[flow])

    def form(self) -> FormScreen:
        screen = self.window.current_screen()
        assert isinstance(screen, FormScreen), f"on {screen.objectName()}, not a form"
        return screen

    def choose(self, field_name: str, code: str) -> None:
        self.tap(self.form().grid(field_name).button_for(code))

    def type_into(self, field_name: str, text: str) -> None:
        editor = self.form().field(field_name).editor
        assert isinstance(editor, QLineEdit | QPlainTextEdit)
        assert editor.isVisible(), f"{field_name} is not on screen"
        self.scroll_to(editor)
        target = editor.viewport() if isinstance(editor, QPlainTextEdit) else editor
        self.qtbot.mouseClick(target, Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
        type_keys(editor, text)

    def next(self) -> None:
        self.tap(self.form().nav.next_button)

    def error_beside(self, field_name: str) -> str:
        form = self.form()
        error = form.field(field_name).error
        return error.text() if error.isVisible() else ""

    def agree(self, *, share: bool = False) -> None:
        assert self.screen == "consent"
        self.tap(self.window.consent.required)
        if share:
            self.tap(self.window.consent.optional)
        self.tap(self.window.consent.nav.next_button)

    def submit(self) -> None:
        assert self.screen == "review"
        self.tap(self.window.review.nav.next_button)

    def file_complaint(
        self, *, description: str = "보도블록이 깨져 있어요", photo: bool = False
    ) -> None:
        self.home_tile("complaint")
        self.choose("category", "road")
        self.next()
        self.choose("district", "mapo")
        self.type_into("address", "망원동 123")
        self.next()
        self.type_into("description", description)
        self.next()
        if self.window.complaint.photo_page_shown():
            panel = self.window.complaint.photo
            assert panel is not None
            if photo:
                self.tap(panel.take)
                self.next()
            else:
                self.tap(panel.skip)
        else:
            assert not photo, "this kiosk has no photo page"
        self.type_into("name", "김민수")
        self.type_into("phone", "010-1234-5678")
        self.next()


@pytest.fixture
def citizen(qtbot: QtBot, kiosk: KioskWindow) -> Citizen:
    return Citizen(qtbot, kiosk)


# --- what the screen shows ----------------------------------------------------------------


def visible_texts(root: QWidget, *, skip: QWidget | None = None) -> list[str]:
    """Every text a person can read on screen right now (labels and buttons)."""
    texts = []
    for widget in root.findChildren(QWidget):
        if not widget.isVisible() or (skip is not None and skip.isAncestorOf(widget)):
            continue
        if isinstance(widget, QLabel | QAbstractButton) and widget.text():
            texts.append(widget.text())
    return texts


def typed_texts(root: QWidget) -> list[str]:
    """Everything typed into any editor under ``root``, visible or not."""
    texts = [e.text() for e in root.findChildren(QLineEdit)]
    texts += [e.toPlainText() for e in root.findChildren(QPlainTextEdit)]
    texts += [e.toPlainText() for e in root.findChildren(QTextEdit)]
    return [t for t in texts if t]


# --- what the database holds --------------------------------------------------------------


@dataclass(frozen=True)
class Stored:
    submission: Submission | None
    registration: Registration | None
    mutation: OutboxMutation


def only_record(kiosk_db: KioskDB) -> Stored:
    with kiosk_db.store.read() as session:
        mutations = list(session.scalars(select(OutboxMutation)))
        assert len(mutations) == 1, f"expected one outbox mutation, found {len(mutations)}"
        mutation = mutations[0]
        return Stored(
            session.get(Submission, mutation.id), session.get(Registration, mutation.id), mutation
        )


def count_records(kiosk_db: KioskDB) -> int:
    with kiosk_db.store.read() as session:
        return len(list(session.scalars(select(OutboxMutation.id))))


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)
