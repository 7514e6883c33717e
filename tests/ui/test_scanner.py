"""Keyboard-wedge scanners: a fast burst is a scan, a person's typing is left alone.

Time is a fake clock moved by the test between key presses, so "scanner speed"
(5 ms a key) and "human speed" (120 ms) are exact, whatever the machine does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from nacl.signing import SigningKey
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from core.tickets import TicketPayload, encode_ticket
from ui.scanner import ScanPipeline, WedgeScanner, WedgeTiming

TICKET = encode_ticket(TicketPayload(7, 42, 1, 0, dt.date(2026, 11, 30)), SigningKey(bytes(32)))
SCANNER_GAP = 0.005
HUMAN_GAP = 0.120

# Two-set (dubeolsik) Hangul layout: what each letter key composes in Hangul mode.
HANGUL = dict(
    zip(
        "QWERTYUIOPASDFGHJKLZXCVBNM",
        "ㅂㅈㄷㄱㅅㅛㅕㅑㅐㅔㅁㄴㅇㄹㅎㅗㅓㅏㅣㅋㅌㅊㅍㅠㅜㅡ",
        strict=True,
    )
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def field(qtbot: QtBot) -> QLineEdit:
    line = QLineEdit()
    qtbot.addWidget(line)
    line.show()
    line.setFocus()
    return line


@pytest.fixture
def scanner(qapp: QApplication, clock: FakeClock) -> Iterator[WedgeScanner]:
    wedge = WedgeScanner(clock=clock)
    wedge.watch(qapp)  # as the check-in screen does: every key of the application
    yield wedge
    wedge.unwatch()
    wedge.deleteLater()


@pytest.fixture
def scans(scanner: WedgeScanner) -> list[str]:
    seen: list[str] = []
    scanner.scanned.connect(seen.append)
    return seen


def press(widget: QWidget, key: int, text: str = "", *, autorepeat: bool = False) -> None:
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        event = QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, text, autorepeat)
        QApplication.sendEvent(widget, event)


def type_text(widget: QWidget, clock: FakeClock, text: str, gap: float) -> None:
    for ch in text:
        clock.advance(gap)
        press(widget, ord(ch.upper()), ch)


def enter(widget: QWidget, clock: FakeClock, gap: float = SCANNER_GAP) -> None:
    clock.advance(gap)
    press(widget, Qt.Key.Key_Return, "\r")


def returns(line: QLineEdit) -> list[None]:
    pressed: list[None] = []
    line.returnPressed.connect(lambda: pressed.append(None))
    return pressed


# --- scanner speed ------------------------------------------------------------------------


def test_a_burst_ending_in_enter_is_one_scan_and_never_reaches_the_field(
    field: QLineEdit, clock: FakeClock, scans: list[str]
) -> None:
    pressed = returns(field)
    type_text(field, clock, TICKET, SCANNER_GAP)
    enter(field, clock)
    assert scans == [TICKET]
    assert field.text() == ""
    assert pressed == []  # the scanner's Enter pressed nothing on the screen


def test_a_burst_without_enter_ends_after_a_silence(
    qtbot: QtBot, field: QLineEdit, clock: FakeClock, scanner: WedgeScanner, scans: list[str]
) -> None:
    type_text(field, clock, TICKET, SCANNER_GAP)
    assert scans == []
    clock.advance(0.1)
    with qtbot.waitSignal(scanner.scanned, timeout=1000) as signal:
        pass
    assert signal.args == [TICKET]
    assert field.text() == ""


def test_a_scan_without_enter_also_ends_at_the_next_key_after_a_silence(
    field: QLineEdit, clock: FakeClock, scans: list[str]
) -> None:
    type_text(field, clock, TICKET, SCANNER_GAP)
    type_text(field, clock, TICKET[0], 0.5)  # the next ticket's first key, after a pause
    type_text(field, clock, TICKET[1:], SCANNER_GAP)
    enter(field, clock)
    assert scans == [TICKET, TICKET]


def test_lowercase_scanner_output_arrives_upper_case(
    field: QLineEdit, clock: FakeClock, scans: list[str]
) -> None:
    type_text(field, clock, TICKET.lower(), SCANNER_GAP)
    enter(field, clock)
    assert scans == [TICKET]


def test_hangul_mode_composed_text_is_ignored_for_the_key_code(
    field: QLineEdit, clock: FakeClock, scans: list[str]
) -> None:
    # In Hangul mode the scanner's R arrives as ㄱ: the key code still says R.
    for ch in TICKET:
        clock.advance(SCANNER_GAP)
        press(field, ord(ch), HANGUL.get(ch, ch))
    enter(field, clock)
    assert scans == [TICKET]
    assert field.text() == ""


def test_a_platform_without_key_codes_falls_back_to_the_virtual_key(
    field: QLineEdit, clock: FakeClock, scans: list[str]
) -> None:
    for ch in "CK1ABC234":
        clock.advance(SCANNER_GAP)
        event = QKeyEvent(
            QEvent.Type.KeyPress,
            Qt.Key.Key_unknown,
            Qt.KeyboardModifier.NoModifier,
            0,
            ord(ch),  # a Windows virtual-key code
            0,
            HANGUL.get(ch, ch),
        )
        QApplication.sendEvent(field, event)
    enter(field, clock)
    assert scans == ["CK1ABC234"]


def test_shift_presses_between_keys_do_not_break_a_burst(
    field: QLineEdit, clock: FakeClock, scans: list[str]
) -> None:
    for ch in TICKET[:20]:
        clock.advance(SCANNER_GAP / 2)
        press(field, Qt.Key.Key_Shift)
        clock.advance(SCANNER_GAP / 2)
        press(field, ord(ch), ch)
    enter(field, clock)
    assert scans == [TICKET[:20]]


def test_one_usb_hiccup_inside_a_long_burst_is_tolerated(
    field: QLineEdit, clock: FakeClock, scans: list[str]
) -> None:
    type_text(field, clock, TICKET[:50], SCANNER_GAP)
    type_text(field, clock, TICKET[50], 0.060)
    type_text(field, clock, TICKET[51:], SCANNER_GAP)
    enter(field, clock)
    assert scans == [TICKET]


def test_a_scanner_stuck_on_repeat_is_cut_into_pieces(
    field: QLineEdit, clock: FakeClock, scans: list[str]
) -> None:
    type_text(field, clock, "A" * 5000, 0.001)
    enter(field, clock)
    assert [len(scan) for scan in scans] == [2048, 2048, 904]
    assert field.text() == ""


def test_a_scan_works_with_no_text_field_at_all(
    qtbot: QtBot, clock: FakeClock, scans: list[str]
) -> None:
    screen = QWidget()
    screen.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    qtbot.addWidget(screen)
    screen.show()
    screen.setFocus()
    type_text(screen, clock, TICKET, SCANNER_GAP)
    enter(screen, clock)
    assert scans == [TICKET]


def test_keys_from_the_window_system_are_seen_once(
    field: QLineEdit, clock: FakeClock, scans: list[str]
) -> None:
    # Real key presses reach the window first and are then forwarded to the focused
    # widget: an application-wide filter sees each of them twice.
    window = field.window().windowHandle()
    assert window is not None
    for ch in TICKET:
        clock.advance(SCANNER_GAP)
        QTest.keyClick(window, ord(ch))
    clock.advance(SCANNER_GAP)
    QTest.keyClick(window, Qt.Key.Key_Return)
    assert scans == [TICKET]
    assert field.text() == ""
    clock.advance(0.5)
    for ch in "hi":
        QTest.keyClick(window, ord(ch.upper()), Qt.KeyboardModifier.NoModifier)
        clock.advance(HUMAN_GAP)
    clock.advance(HUMAN_GAP)
    QTest.keyClick(window, Qt.Key.Key_Escape)  # any other key delivers what was held
    assert field.text() == "HI"
    assert scans == [TICKET]


# --- human speed --------------------------------------------------------------------------


def test_human_typing_reaches_the_field_unchanged_and_is_no_scan(
    qtbot: QtBot, field: QLineEdit, clock: FakeClock, scans: list[str]
) -> None:
    type_text(field, clock, "Hello world 12", HUMAN_GAP)
    clock.advance(HUMAN_GAP)
    qtbot.waitUntil(lambda: field.text() == "Hello world 12", timeout=1000)
    assert scans == []


def test_a_person_pressing_enter_still_presses_enter(
    field: QLineEdit, clock: FakeClock, scans: list[str]
) -> None:
    pressed = returns(field)
    type_text(field, clock, "7KQ2", HUMAN_GAP)
    enter(field, clock, HUMAN_GAP)
    assert field.text() == "7KQ2"  # delivered before the Enter, in order
    assert pressed == [None]
    assert scans == []


def test_a_button_pressed_with_space_is_clicked_once(
    qtbot: QtBot, clock: FakeClock, scans: list[str]
) -> None:
    button = QPushButton("OK")
    qtbot.addWidget(button)
    button.show()
    button.setFocus()
    clicks: list[None] = []
    button.clicked.connect(lambda: clicks.append(None))
    clock.advance(HUMAN_GAP)
    press(button, Qt.Key.Key_Space, " ")  # press and release, both held back a moment
    assert clicks == []
    clock.advance(HUMAN_GAP)
    qtbot.waitUntil(lambda: clicks == [None], timeout=1000)
    assert not button.isDown()
    assert scans == []


def test_a_short_fast_burst_is_not_a_scan(
    field: QLineEdit, clock: FakeClock, scans: list[str]
) -> None:
    # A chord of keys mashed at once is fast but short: it is still a person's.
    pressed = returns(field)
    type_text(field, clock, "ASDF", SCANNER_GAP)
    enter(field, clock)
    assert field.text() == "ASDF"
    assert pressed == [None]
    assert scans == []


def test_a_held_key_repeating_fast_is_not_a_scan(
    qtbot: QtBot, field: QLineEdit, clock: FakeClock, scans: list[str]
) -> None:
    press(field, Qt.Key.Key_A, "a")
    for _ in range(20):
        clock.advance(0.030)
        press(field, Qt.Key.Key_A, "a", autorepeat=True)
    clock.advance(0.1)
    qtbot.waitUntil(lambda: field.text() == "a" * 21, timeout=1000)
    assert scans == []


def test_typing_then_scanning_keeps_both_apart(
    field: QLineEdit, clock: FakeClock, scans: list[str]
) -> None:
    type_text(field, clock, "ab", HUMAN_GAP)
    clock.advance(0.5)
    type_text(field, clock, TICKET, SCANNER_GAP)
    enter(field, clock)
    assert field.text() == "ab"
    assert scans == [TICKET]


def test_shortcut_chords_pass_through(field: QLineEdit, clock: FakeClock, scans: list[str]) -> None:
    field.setText("abc")
    clock.advance(HUMAN_GAP)
    QTest.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)  # select all
    clock.advance(HUMAN_GAP)
    QTest.keyClick(field, Qt.Key.Key_X, Qt.KeyboardModifier.ControlModifier)  # cut
    assert field.text() == ""
    assert scans == []


def test_unwatching_delivers_what_was_held_and_stops_filtering(
    qapp: QApplication, field: QLineEdit, clock: FakeClock, scanner: WedgeScanner
) -> None:
    type_text(field, clock, "x", HUMAN_GAP)
    scanner.unwatch()
    assert field.text() == "x"
    type_text(field, clock, TICKET, SCANNER_GAP)
    assert field.text() == "x" + TICKET


def test_timing_is_configurable(qapp: QApplication, field: QLineEdit, clock: FakeClock) -> None:
    slow_scanner = WedgeScanner(timing=WedgeTiming(max_gap_s=0.060, min_length=4), clock=clock)
    seen: list[str] = []
    slow_scanner.scanned.connect(seen.append)
    slow_scanner.watch(qapp)
    try:
        type_text(field, clock, "ABCD", 0.050)
        enter(field, clock, 0.050)
    finally:
        slow_scanner.unwatch()
    assert seen == ["ABCD"]


# --- one pipeline for every source --------------------------------------------------------


@pytest.fixture
def pipeline(clock: FakeClock) -> Iterator[ScanPipeline]:
    merged = ScanPipeline(clock=clock)
    yield merged
    merged.deleteLater()


@pytest.fixture
def merged(pipeline: ScanPipeline) -> list[str]:
    seen: list[str] = []
    pipeline.scan.connect(seen.append)
    return seen


def test_a_wedge_scan_goes_through_the_pipeline(
    field: QLineEdit,
    clock: FakeClock,
    scanner: WedgeScanner,
    pipeline: ScanPipeline,
    merged: list[str],
) -> None:
    pipeline.add_source(scanner.scanned)
    type_text(field, clock, TICKET, SCANNER_GAP)
    enter(field, clock)
    assert merged == [TICKET]


def test_the_same_code_twice_within_a_second_counts_once(
    pipeline: ScanPipeline, clock: FakeClock, merged: list[str]
) -> None:
    pipeline.feed(TICKET)
    clock.advance(0.4)
    pipeline.feed(f" {TICKET.lower()}\n")  # the same code from another source
    pipeline.feed("CK1OTHER")
    clock.advance(1.5)
    pipeline.feed(TICKET)
    assert merged == [TICKET, "CK1OTHER", TICKET]


def test_a_ticket_held_in_front_of_the_camera_counts_once(
    pipeline: ScanPipeline, clock: FakeClock, merged: list[str]
) -> None:
    for _ in range(100):  # ten seconds of sightings, ten a second
        pipeline.feed(TICKET)
        clock.advance(0.1)
    assert merged == [TICKET]


def test_empty_scans_are_ignored(pipeline: ScanPipeline, merged: list[str]) -> None:
    pipeline.feed("")
    pipeline.feed("  \r\n")
    assert merged == []
