"""The check-in screen at the door: scan, see the verdict from afar, count, undo, look up.

A real kiosk window on a real store with today's event and three real
sign-ups (``tests/integration/staff/door.py``). Scans arrive as key events
sent to the screen with no text field focused, timed by a fake monotonic
clock (5 ms a key for a scanner, 150 ms for a person), or as a camera frame
decoded by ``ui.camera``'s own decoder; what is checked is what staff see
(verdict colour role and words, the count) and what the store holds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from nacl.signing import SigningKey
from PIL.ImageQt import ImageQt
from PySide6.QtCore import QSize
from PySide6.QtGui import QImage
from PySide6.QtMultimedia import QVideoFrame, QVideoFrameFormat, QVideoSink
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from core.clock import SEOUL
from core.receipts import check_character
from core.tickets import TicketPayload, encode_ticket, parse_ticket, ticket_qr_image
from kiosk.lookups import pending_count
from kiosk.models import CheckIn, OutboxMutation
from tests.conftest import KIOSK_KEY_ID, NOW, KioskDB
from tests.integration.staff.door import (
    EVENT_ID,
    HUMAN_GAP,
    SCANNER_GAP,
    Door,
    open_door,
    type_burst,
)
from tests.ui.kiosk_fixtures import press
from ui.camera import STATUS_ACTIVE, STATUS_OFF, CameraPreview, CameraScanner
from ui.i18n import translate
from ui.screens.checkin import CheckinScreen


@pytest.fixture
def door(qtbot: QtBot, kiosk_db: KioskDB) -> Iterator[Door]:
    opened = open_door(qtbot, kiosk_db)
    yield opened
    opened.window.checkin.wipe()  # stops listening to the application's keys


@pytest.fixture
def desk(door: Door) -> CheckinScreen:
    """The check-in desk for today's event, opened from home as staff would."""
    door.window.start("checkin")
    screen = door.window.checkin
    today = screen.event_buttons[0]
    assert today.item.id == EVENT_ID
    today.click()
    assert screen.page_name() == "desk"
    return screen


def ko(key: str, **params: object) -> str:
    return translate(key, "ko", **params)


def admissions(door: Door) -> list[CheckIn]:
    with door.store.read() as session:
        return list(session.scalars(select(CheckIn).where(~CheckIn.undone)))


def scan(door: Door, text: str, gap: float = SCANNER_GAP, *, enter: bool = True) -> None:
    type_burst(door.window.checkin, door.monotonic, text, gap, enter=enter)


# --- the verdicts -------------------------------------------------------------------------


def test_todays_event_first_then_a_scanner_burst_anywhere_admits_with_a_big_green_welcome(
    door: Door, desk: CheckinScreen
) -> None:
    chosen = desk.event_buttons
    assert ko("checkin.today") in chosen[0].hint.text()
    assert all(not b.item.today for b in chosen[1:])  # the demo events are days ahead
    scan(door, door.ticket(0))
    assert desk.verdict.kind == "admit"
    assert desk.verdict.role == "verdict-ok"
    assert desk.verdict.headline.property("role") == "verdict-ok"
    assert desk.verdict.headline.text() == ko("checkin.admit")
    assert desk.verdict.detail.text() == f"{ko('ticket.type.standard')} · 김*수"
    assert desk.count.text() == ko("checkin.count", checked_in=1, registered=3)
    [admitted] = admissions(door)
    assert parse_ticket(door.ticket(0)).identity == (  # type: ignore[union-attr]
        admitted.key_id,
        admitted.event_id,
        admitted.number,
    )
    with door.store.read() as session:
        mutation = session.get(OutboxMutation, admitted.id)
    assert mutation is not None and mutation.type == "checkin.create"
    assert json.loads(mutation.payload or "{}")["source"] == "scan"
    assert door.sync.commits == 1  # the sync engine hears of it, to push it soon
    # Readable from two metres: 3× body text, 72 px at 96 dpi, about 19 mm tall.
    assert desk.verdict.headline.fontInfo().pixelSize() >= 72


def test_a_person_typing_is_not_a_scan_and_a_burst_without_enter_is_one_once_keys_stop(
    qtbot: QtBot, door: Door, desk: CheckinScreen
) -> None:
    scan(door, door.ticket(1), HUMAN_GAP)  # the same characters, at a person's speed
    qtbot.wait(50)
    assert desk.verdict.kind == "ready"
    assert admissions(door) == []
    door.monotonic.advance(1.0)
    scan(door, door.ticket(1), enter=False)
    assert desk.verdict.kind == "ready"  # the scanner may not be done yet
    door.monotonic.advance(0.2)
    qtbot.waitUntil(lambda: desk.verdict.kind == "admit", timeout=2000)
    assert desk.verdict.detail.text().endswith("이*희")


def test_the_same_code_twice_within_a_second_counts_once_and_later_is_amber(
    door: Door, desk: CheckinScreen
) -> None:
    scan(door, door.ticket(0))
    door.monotonic.advance(0.3)
    scan(door, door.ticket(0))  # the scanner read it twice: still the one admission
    assert desk.verdict.kind == "admit"
    assert len(admissions(door)) == 1
    door.monotonic.advance(2.0)
    door.clock.advance(120)
    scan(door, door.ticket(0))  # shown again two minutes later
    assert desk.verdict.kind == "already"
    assert desk.verdict.role == "verdict-warn"
    when = NOW.astimezone(SEOUL).strftime("%H:%M")
    assert desk.verdict.headline.text() == ko(
        "checkin.already", time=when, kiosk=ko("checkin.this_kiosk")
    )
    assert "김*수" in desk.verdict.detail.text()
    assert len(admissions(door)) == 1
    assert desk.count.text() == ko("checkin.count", checked_in=1, registered=3)


def forged(ticket: str) -> str:
    """The ticket with one signature character changed: well formed, wrongly signed."""
    last = "A" if ticket[-1] != "A" else "B"
    return ticket[:-1] + last


def refused_tickets(door: Door) -> dict[str, str]:
    today = NOW.astimezone(SEOUL).date()
    return {
        "malformed": "HELLO-WORLD-1234",
        "bad_signature": forged(door.ticket(0)),
        "unknown_key": encode_ticket(
            TicketPayload(99, EVENT_ID, 1, 0, today), SigningKey(bytes(range(1, 33)))
        ),
        "wrong_event": encode_ticket(
            TicketPayload(KIOSK_KEY_ID, 9999, 1, 0, today), SigningKey(bytes(range(32)))
        ),
    }


def test_a_refused_ticket_is_red_with_its_reason(door: Door, desk: CheckinScreen) -> None:
    for reason, ticket in refused_tickets(door).items():
        door.monotonic.advance(2)
        scan(door, ticket)
        assert desk.verdict.kind == "invalid", reason
        assert desk.verdict.role == "verdict-bad"
        assert desk.verdict.headline.text() == ko("checkin.invalid")
        assert desk.verdict.detail.text() == ko(f"checkin.invalid.{reason}")
    assert admissions(door) == []
    assert not desk.undo_button.isVisible()


# --- the camera ---------------------------------------------------------------------------


def test_a_camera_frame_goes_through_the_same_pipeline(
    qtbot: QtBot, door: Door, desk: CheckinScreen
) -> None:
    assert desk.camera_status.text() == ko("camera.none")  # no camera on this machine
    frame = QImage(ImageQt(ticket_qr_image(door.ticket(1), box_size=4).convert("RGB")))
    assert desk.camera.submit(frame)
    qtbot.waitUntil(lambda: desk.verdict.kind == "admit", timeout=5000)
    assert desk.verdict.detail.text().endswith("이*희")
    # The camera sees it thirty times a second: the same ticket within a second is one scan.
    desk.camera.wait_idle()
    assert desk.camera.submit(frame)
    desk.camera.wait_idle()
    qtbot.wait(20)
    assert desk.verdict.kind == "admit"
    assert len(admissions(door)) == 1


# --- undo ---------------------------------------------------------------------------------


def test_the_last_admission_can_be_undone_within_its_window(
    qtbot: QtBot, door: Door, desk: CheckinScreen
) -> None:
    scan(door, door.ticket(0))
    assert desk.undo_button.isVisible()
    assert "김*수" in desk.undo_button.text()
    press(qtbot, desk.undo_button)
    assert desk.verdict.kind == "ready"
    assert desk.verdict.headline.text() == ko("checkin.undo.undone")
    assert desk.count.text() == ko("checkin.count", checked_in=0, registered=3)
    assert admissions(door) == []
    assert not desk.undo_button.isVisible()
    assert door.sync.commits == 2  # the undo goes to the server too
    door.monotonic.advance(2)
    scan(door, door.ticket(0))  # taken back, so the ticket is welcome again
    assert desk.verdict.kind == "admit"
    door.clock.advance(61)  # undo is offered for a short while only
    qtbot.waitUntil(lambda: not desk.undo_button.isVisible(), timeout=2000)
    assert len(admissions(door)) == 1


# --- manual lookup ------------------------------------------------------------------------


def test_the_printed_manual_code_checks_a_person_in(door: Door, desk: CheckinScreen) -> None:
    desk.open_lookup.click()
    desk.code.setText(door.manual_code(1))
    desk.code.returnPressed.emit()
    assert desk.page_name() == "desk"
    assert desk.verdict.kind == "admit"
    assert desk.verdict.detail.text().endswith("이*희")
    [admitted] = admissions(door)
    with door.store.read() as session:
        mutation = session.get(OutboxMutation, admitted.id)
    assert mutation is not None
    assert json.loads(mutation.payload or "{}")["source"] == "manual"

    desk.open_lookup.click()
    desk.code.setText("2222222" + check_character("2222222"))
    desk.code.returnPressed.emit()
    assert desk.verdict.kind == "invalid"
    assert desk.verdict.detail.text() == ko("checkin.invalid.unknown_code")

    door.window.bar.language.click()  # verdicts speak the screen's language
    desk.open_lookup.click()
    desk.code.setText(door.manual_code(2))
    desk.code.returnPressed.emit()
    assert desk.verdict.headline.text() == "Welcome"
    assert desk.verdict.detail.text() == "Standard · J*** D**"


def test_a_name_search_matches_masked_names_and_says_so(door: Door, desk: CheckinScreen) -> None:
    desk.open_lookup.click()
    assert "김*수" in ko("checkin.lookup.name_hint")  # the screen says names are masked
    desk.name.setText("김수")
    desk.name.returnPressed.emit()
    [candidate] = desk.candidates
    assert (
        candidate.text() == f"김*수 · {ko('ticket.type.standard')} · {ko('checkin.lookup.not_in')}"
    )
    candidate.click()
    assert desk.verdict.kind == "admit"
    assert desk.count.text() == ko("checkin.count", checked_in=1, registered=3)
    desk.open_lookup.click()
    desk.name.setText("김민수")  # the whole name fits the mask too
    desk.name.returnPressed.emit()
    assert desk.candidates[0].text().endswith(ko("checkin.lookup.in"))
    desk.name.setText("박")
    desk.name.returnPressed.emit()
    assert desk.candidates == []
    assert desk.lookup_message.text() == ko("checkin.lookup.none")


def test_leaving_the_screen_stops_listening_to_keys(
    qtbot: QtBot, door: Door, desk: CheckinScreen
) -> None:
    desk.desk_back.click()
    assert door.window.current_screen() is door.window.home
    scan(door, door.ticket(0), enter=True)
    qtbot.wait(20)
    assert admissions(door) == []


def nv12_frame(ticket: str) -> QVideoFrame:
    """A camera frame (NV12, as webcams send) of the ticket's QR, with a dark top-left mark."""
    grey = QImage(ImageQt(ticket_qr_image(ticket, box_size=4).convert("L")))
    grey = grey.convertToFormat(QImage.Format.Format_Grayscale8)
    side = grey.width() - grey.width() % 2
    nv12 = QVideoFrameFormat.PixelFormat.Format_NV12
    frame = QVideoFrame(QVideoFrameFormat(QSize(side, side), nv12))
    assert frame.map(QVideoFrame.MapMode.WriteOnly)
    try:
        luma, stride = frame.bits(0), frame.bytesPerLine(0)
        assert isinstance(luma, memoryview)
        for y in range(side):
            line = grey.constScanLine(y)
            assert isinstance(line, memoryview)
            row = bytes(line)[:side]
            if y < 4:
                row = b"\0" * 4 + row[4:]
            luma[y * stride : y * stride + side] = row
        chroma = frame.bits(1)
        assert isinstance(chroma, memoryview)
        chroma[:] = b"\x80" * len(chroma)
    finally:
        frame.unmap()
    return frame


class CameraStandIn(CameraScanner):
    """The real scanner, started without a device: frames are put into its sink by hand."""

    def available(self) -> bool:
        return True

    def start(self, sink: QVideoSink | None = None) -> bool:
        assert sink is not None, "the desk hands its preview's sink to the scanner"
        self.sink = sink
        sink.videoFrameChanged.connect(self.submit)
        self._set_status(STATUS_ACTIVE)
        return True

    def stop(self) -> None:
        self.sink.videoFrameChanged.disconnect(self.submit)
        self.wait_idle()
        self._set_status(STATUS_OFF)


def test_without_a_camera_the_desk_shows_no_preview_and_says_what_to_use(
    desk: CheckinScreen,
) -> None:
    assert not desk.preview.isVisible()
    assert desk.camera_status.isVisible() and desk.camera_status.text() == ko("camera.none")


def test_a_running_camera_shows_its_picture_mirrored_and_still_scans(
    qtbot: QtBot, kiosk_db: KioskDB
) -> None:
    camera = CameraStandIn(devices=list)
    door = open_door(qtbot, kiosk_db, camera=camera)
    door.window.start("checkin")
    screen = door.window.checkin
    screen.event_buttons[0].click()
    assert screen.preview.isVisible() and screen.camera_status.text() == ko("camera.active")
    assert screen.preview.accessibleName() == ko("camera.preview")
    screen.preview.sink.setVideoFrame(nv12_frame(door.ticket(1)))
    qtbot.waitUntil(lambda: screen.verdict.kind == "admit", timeout=5000)
    shown = screen.preview.pixmap().toImage()
    assert not shown.isNull() and shown.width() <= CameraPreview.SIZE.width()
    # The dark mark in the camera's top-left corner shows top-right, as in a mirror.
    assert shown.pixelColor(shown.width() - 1, 0).value() < 60
    assert shown.pixelColor(0, 0).value() > 200
    assert len(admissions(door)) == 1
    screen.show_chooser()  # leaving the desk stops the camera and its picture
    assert camera.status == STATUS_OFF and screen.preview.pixmap().isNull()
    screen.wipe()


# --- the verdict's colours ------------------------------------------------------------------


def shown_words(desk: CheckinScreen) -> list[str]:
    """Every word the verdict panel shows on screen (hidden parts do not count)."""
    return [
        label.text()
        for label in desk.verdict.findChildren(QLabel)
        if label.isVisibleTo(desk.verdict) and label.text()
    ]


def test_each_verdict_shows_only_its_own_words_in_its_own_colour(
    door: Door, desk: CheckinScreen
) -> None:
    expected_detail = f"{ko('ticket.type.standard')} · 김*수"
    scan(door, door.ticket(0))
    assert (desk.verdict.role, shown_words(desk)) == (
        "verdict-ok",
        [ko("checkin.admit"), expected_detail],
    )
    door.monotonic.advance(2)
    scan(door, forged(door.ticket(1)))
    assert (desk.verdict.role, desk.verdict.headline.property("role")) == (
        "verdict-bad",
        "verdict-bad",
    )
    assert shown_words(desk) == [ko("checkin.invalid"), ko("checkin.invalid.bad_signature")]
    door.monotonic.advance(2)
    scan(door, door.ticket(1))
    assert desk.verdict.role == "verdict-ok"
    assert shown_words(desk)[0] == ko("checkin.admit")
    assert shown_words(desk)[1].endswith("이*희")
    assert desk.verdict.headline.fontInfo().pixelSize() >= 72  # still the headline size
    assert desk.count.text() == ko("checkin.count", checked_in=2, registered=3)
    desk.wipe()
    assert (desk.verdict.kind, desk.verdict.role) == ("ready", "window")
    assert shown_words(desk) == [ko("checkin.ready"), ko("checkin.ready.hint")]


def ink(label: QLabel) -> int:
    """Pixels of the label as painted that differ from its top-left corner (its background)."""
    image = label.grab().toImage()
    background = image.pixel(0, 0)
    return sum(
        image.pixel(x, y) != background
        for x in range(0, image.width(), 2)
        for y in range(0, image.height(), 2)
    )


def test_the_big_headline_is_painted_not_only_set(door: Door, desk: CheckinScreen) -> None:
    # QT_MAX_CACHED_GLYPH_SIZE above 64 once made every text taller than 64 px paint
    # nothing at all while its label still held the words.
    scan(door, door.ticket(0))
    headline = desk.verdict.headline
    assert headline.fontInfo().pixelSize() > 64
    assert ink(headline) > 200


def test_admissions_reach_the_status_strip_once_the_burst_settles(
    door: Door, desk: CheckinScreen
) -> None:
    # The waiting figure is for staff, not the door: recounted after a scan's verdict,
    # once for a burst of scans, not on each one's way to the screen.
    pending = door.window.status.pending
    before = pending.text()
    scan(door, door.ticket(0))
    door.monotonic.advance(2)
    scan(door, door.ticket(1))
    assert desk.verdict.kind == "admit"
    assert pending.text() == before
    assert door.qtbot is not None
    waiting = ko("status.pending", count=pending_count(door.store))  # the two admissions too
    assert waiting != before
    door.qtbot.waitUntil(lambda: pending.text() == waiting)
