"""Finding 13: with a Hangul input method active, scans at the look-up page came out mangled.

The "코드·이름으로 찾기" page focuses a text field while the scanner still
listens. Qt gives a key to the platform input method *before* any event filter
sees it whenever the focused widget answers ``Qt.ImEnabled`` with true; ibus-
hangul in Hangul mode then answers with composed text (``QInputMethodEvent``)
instead of the key, so the wedge scanner lost letters and a genuine ticket was
refused as forged (6 of 13 bursts).

No real input method runs here (no ibus under the test display): ``ime_type``
drives Qt's path the way the platform input context does, per key: to the IME
as a commit if the focused widget accepts input-method text, else as a key
event. The fix is that no widget on a page where the scanner listens accepts it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QInputMethodEvent, QInputMethodQueryEvent, QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from tests.conftest import KioskDB
from tests.integration.staff.door import EVENT_ID, SCANNER_GAP, Door, open_door
from ui.screens.checkin import CheckinScreen

# What ibus-hangul commits for Latin keys in Hangul mode (2-beolsik), enough for a ticket.
_JAMO = dict(
    zip(
        "QWERTASDFGZXCVYUIOPHJKLBNM",
        "ㅂㅈㄷㄱㅅㅁㄴㅇㄹㅎㅋㅌㅊㅍㅛㅕㅑㅐㅔㅗㅓㅏㅣㅠㅜㅡ",
        strict=True,
    )
)


def accepts_input_method(widget: QLineEdit) -> bool:
    """What Qt's platform input context asks the focus object before it takes its keys."""
    query = QInputMethodQueryEvent(Qt.InputMethodQuery.ImEnabled)
    QApplication.sendEvent(widget, query)
    return bool(query.value(Qt.InputMethodQuery.ImEnabled))


def ime_type(field: QLineEdit, door: Door, text: str) -> None:
    """Type ``text`` at scanner speed into the focused ``field`` through a Hangul input method."""
    for ch in [*text, "\r"]:
        door.monotonic.advance(SCANNER_GAP)
        if accepts_input_method(field):
            event = QInputMethodEvent("", [])
            event.setCommitString(_JAMO.get(ch, ch) if ch != "\r" else "")
            QApplication.sendEvent(field, event)
            continue
        code = Qt.Key.Key_Return if ch == "\r" else ord(ch)
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(field, QKeyEvent(kind, code, Qt.KeyboardModifier.NoModifier, ch))


@pytest.fixture
def door(qtbot: QtBot, kiosk_db: KioskDB) -> Iterator[Door]:
    opened = open_door(qtbot, kiosk_db)
    yield opened
    opened.window.checkin.wipe()


@pytest.fixture
def lookup(door: Door) -> CheckinScreen:
    door.window.start("checkin")
    screen = door.window.checkin
    [today] = [b for b in screen.event_buttons if b.item.id == EVENT_ID]
    today.click()
    screen.open_lookup.click()
    assert screen.page_name() == "lookup"
    return screen


@pytest.mark.parametrize("field", ["name", "code"])
def test_a_scan_burst_at_the_lookup_page_is_admitted_with_a_hangul_input_method_on(
    door: Door, lookup: CheckinScreen, field: str
) -> None:
    editor: QLineEdit = getattr(lookup, field)
    editor.setFocus()

    ime_type(editor, door, door.ticket(0))

    assert lookup.page_name() == "desk"
    assert lookup.verdict.kind == "admit"
    assert editor.text() == ""


def test_every_field_where_the_scanner_listens_refuses_input_method_text(
    lookup: CheckinScreen,
) -> None:
    fields = lookup.findChildren(QLineEdit)

    assert fields
    assert not any(accepts_input_method(f) for f in fields)
