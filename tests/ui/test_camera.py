"""The camera scanner: frames decoded off the GUI thread, into the same pipeline as the wedge.

No test needs a camera: frames are built here in the pixel formats cameras
deliver, with the QR in the luminance and noise everywhere else, so a decoder
that read the wrong bytes would find nothing.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
from collections.abc import Iterator

import pytest
from nacl.signing import SigningKey
from PySide6.QtCore import QObject, QSize
from PySide6.QtGui import QImage
from PySide6.QtMultimedia import QCameraDevice, QVideoFrame, QVideoFrameFormat
from pytestqt.qtbot import QtBot

from core.tickets import TicketPayload, encode_ticket, ticket_qr_image
from ui.camera import (
    STATUS_NONE,
    CameraFeed,
    CameraScanner,
    decode_frame,
    decode_image,
    format_rank,
)
from ui.scanner import ScanPipeline

PF = QVideoFrameFormat.PixelFormat
TICKET = encode_ticket(TicketPayload(7, 42, 1, 0, dt.date(2026, 11, 30)), SigningKey(bytes(32)))
SIDE = 250  # not a multiple of 32: frames get padded rows, as real ones do


def luminance() -> bytes:
    """The ticket's QR, centred on a white square of SIDE pixels, one byte a pixel."""
    qr = ticket_qr_image(TICKET, box_size=4)
    canvas = qr.resize((SIDE, SIDE))
    canvas.paste(255, (0, 0, SIDE, SIDE))
    offset = (SIDE - qr.width) // 2
    canvas.paste(qr, (offset, offset))
    return canvas.tobytes()


LUMA = luminance()


def grey_image() -> QImage:
    return QImage(LUMA, SIDE, SIDE, SIDE, QImage.Format.Format_Grayscale8).copy()


def noise(size: int) -> bytes:
    return random.Random(size).randbytes(size)


def _interleave(luma_row: bytes, pixel_bytes: int, luma_at: tuple[int, ...]) -> bytes:
    row = bytearray(noise(len(luma_row) * pixel_bytes))
    for index in luma_at:
        row[index::pixel_bytes] = luma_row
    return bytes(row)


# Where a pixel's luminance goes in plane 0: (bytes per pixel, positions that carry it).
PACKED = {
    PF.Format_Y8: (1, (0,)),
    PF.Format_NV12: (1, (0,)),
    PF.Format_NV21: (1, (0,)),
    PF.Format_YUV420P: (1, (0,)),
    PF.Format_YV12: (1, (0,)),
    PF.Format_YUV422P: (1, (0,)),
    PF.Format_Y16: (2, (1,)),
    PF.Format_P010: (2, (1,)),
    PF.Format_BGRX8888: (4, (0, 1, 2)),
    PF.Format_BGRA8888: (4, (0, 1, 2)),
    PF.Format_XRGB8888: (4, (1, 2, 3)),
    PF.Format_ARGB8888: (4, (1, 2, 3)),
    PF.Format_RGBX8888: (4, (0, 1, 2)),
    PF.Format_XBGR8888: (4, (1, 2, 3)),
}


def writable(frame: QVideoFrame, plane: int) -> memoryview:
    view = frame.bits(plane)
    assert isinstance(view, memoryview)
    return view


def video_frame(pixel_format: QVideoFrameFormat.PixelFormat) -> QVideoFrame:
    frame = QVideoFrame(QVideoFrameFormat(QSize(SIDE, SIDE), pixel_format))
    assert frame.map(QVideoFrame.MapMode.WriteOnly)
    try:
        stride = frame.bytesPerLine(0)
        plane = writable(frame, 0)
        for y in range(SIDE):
            luma_row = LUMA[y * SIDE : (y + 1) * SIDE]
            if pixel_format in (PF.Format_YUYV, PF.Format_UYVY):
                row = _interleave(luma_row, 2, (0,) if pixel_format == PF.Format_YUYV else (1,))
            else:
                pixel_bytes, luma_at = PACKED[pixel_format]
                row = _interleave(luma_row, pixel_bytes, luma_at)
            plane[y * stride : y * stride + len(row)] = row
        for index in range(1, frame.planeCount()):
            chroma = writable(frame, index)
            chroma[:] = noise(len(chroma))
    finally:
        frame.unmap()
    return frame


# --- decoding -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pixel_format",
    [*PACKED, PF.Format_YUYV, PF.Format_UYVY],
    ids=lambda f: f.name.removeprefix("Format_"),
)
def test_frames_are_read_from_their_luminance_in_place(
    pixel_format: QVideoFrameFormat.PixelFormat,
) -> None:
    assert decode_frame(video_frame(pixel_format)) == [TICKET]


def test_still_images_in_any_format_are_read(qtbot: QtBot) -> None:
    image = grey_image()
    assert decode_image(image) == [TICKET]
    assert decode_frame(image.convertToFormat(QImage.Format.Format_RGB32)) == [TICKET]
    assert decode_frame(image.convertToFormat(QImage.Format.Format_ARGB32)) == [TICKET]


@pytest.mark.qt_log_ignore("No RHI backend")  # offscreen tests have no GPU to convert with
def test_other_formats_fall_back_to_converting_the_frame() -> None:
    # Packed 4:4:4 with alpha (A, Y, U, V): rare in cameras, so not read in place.
    frame = QVideoFrame(QVideoFrameFormat(QSize(SIDE, SIDE), PF.Format_AYUV))
    assert frame.map(QVideoFrame.MapMode.WriteOnly)
    try:
        stride = frame.bytesPerLine(0)
        plane = writable(frame, 0)
        for y in range(SIDE):
            row = bytearray(b"\xff\x00\x80\x80" * SIDE)
            row[1::4] = LUMA[y * SIDE : (y + 1) * SIDE]
            plane[y * stride : y * stride + len(row)] = bytes(row)
    finally:
        frame.unmap()
    assert decode_frame(frame) == [TICKET]


def test_a_frame_without_a_qr_code_gives_nothing() -> None:
    blank = QImage(SIDE, SIDE, QImage.Format.Format_Grayscale8)
    blank.fill(255)
    assert decode_frame(blank) == []
    assert decode_frame(QImage()) == []


def test_formats_within_720p_readable_in_place_are_preferred() -> None:
    options = [
        (1920, 1080, PF.Format_NV12, 30.0),
        (1280, 720, PF.Format_Jpeg, 30.0),
        (1280, 720, PF.Format_YUYV, 10.0),
        (640, 480, PF.Format_NV12, 30.0),
        (3840, 2160, PF.Format_NV12, 30.0),
    ]
    ranked = sorted(options, key=lambda option: format_rank(*option), reverse=True)
    assert ranked == [
        (1280, 720, PF.Format_YUYV, 10.0),
        (640, 480, PF.Format_NV12, 30.0),
        (1280, 720, PF.Format_Jpeg, 30.0),
        (1920, 1080, PF.Format_NV12, 30.0),
        (3840, 2160, PF.Format_NV12, 30.0),
    ]


# --- no camera ----------------------------------------------------------------------------


def test_no_camera_is_a_clear_state_not_an_error(qtbot: QtBot) -> None:
    camera = CameraScanner(devices=list)
    statuses: list[str] = []
    camera.status_changed.connect(statuses.append)
    assert not camera.available()
    assert camera.start() is False
    assert camera.status == STATUS_NONE == "camera.none"
    assert statuses == ["camera.none"]
    camera.stop()


def test_a_camera_feed_hands_on_its_sinks_frames_until_it_is_closed(qtbot: QtBot) -> None:
    # No camera here: a device-less QCamera does not start, but the session and
    # sink around it are the real ones, and a frame put into the sink arrives.
    owner = QObject()
    frames: list[QVideoFrame] = []
    feed = CameraFeed(owner, QCameraDevice(), frames.append, lambda _error, _message: None)
    assert not feed.camera.isActive()
    frame = QVideoFrame(QImage(64, 48, QImage.Format.Format_RGB32))
    feed.sink.setVideoFrame(frame)
    assert len(frames) == 1
    feed.close()
    feed.sink.setVideoFrame(frame)
    assert len(frames) == 1  # closed: nothing more reaches the scanner or the photo page


def test_looking_for_cameras_on_this_machine_warns_about_nothing(qtbot: QtBot) -> None:
    # Any Qt warning fails the test: Qt Multimedia's probes must stay quiet.
    camera = CameraScanner()
    assert camera.available() in (True, False)


# --- the worker thread --------------------------------------------------------------------


@pytest.fixture
def camera(qtbot: QtBot) -> Iterator[CameraScanner]:
    scanner = CameraScanner(devices=list)
    yield scanner
    scanner.stop()
    scanner.deleteLater()


def test_a_submitted_frame_is_decoded_off_the_gui_thread(
    qtbot: QtBot, camera: CameraScanner
) -> None:
    with qtbot.waitSignal(camera.scanned, timeout=5000) as signal:
        assert camera.submit(video_frame(PF.Format_NV12))
    assert signal.args == [TICKET]


def test_frames_arriving_while_the_worker_is_busy_are_dropped(qtbot: QtBot) -> None:
    release = threading.Event()
    decoded: list[int] = []

    def slow_decoder(frame: QVideoFrame | QImage) -> list[str]:
        release.wait(5)
        decoded.append(1)
        return [TICKET]

    camera = CameraScanner(devices=list, decoder=slow_decoder)
    try:
        assert camera.submit(grey_image())
        assert not camera.submit(grey_image())
        assert not camera.submit(grey_image())
        with qtbot.waitSignal(camera.scanned, timeout=5000):
            release.set()
        assert camera.wait_idle(5000)
        assert decoded == [1]
        assert camera.submit(grey_image())  # free again
        assert camera.wait_idle(5000)
    finally:
        release.set()
        camera.stop()


def test_a_failing_decoder_does_not_stop_the_camera(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[int] = []

    def flaky(frame: QVideoFrame | QImage) -> list[str]:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("corrupt frame")
        return decode_frame(frame)

    camera = CameraScanner(devices=list, decoder=flaky)
    try:
        assert camera.submit(grey_image())
        assert camera.wait_idle(5000)
        assert "decoding a camera frame failed" in caplog.text
        with qtbot.waitSignal(camera.scanned, timeout=5000):
            assert camera.submit(grey_image())
    finally:
        camera.stop()


# --- one pipeline -------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def test_camera_frames_feed_the_scan_pipeline_once_per_second(
    qtbot: QtBot, camera: CameraScanner
) -> None:
    clock = FakeClock()
    pipeline = ScanPipeline(clock=clock)
    pipeline.add_source(camera.scanned)
    merged: list[str] = []
    pipeline.scan.connect(merged.append)

    def show_frame() -> None:
        with qtbot.waitSignal(camera.scanned, timeout=5000):
            assert camera.submit(grey_image())

    show_frame()
    clock.now += 0.3
    show_frame()  # the same ticket, still in view
    assert merged == [TICKET]
    pipeline.feed(TICKET)  # and the hand scanner reads it too, at the same moment
    assert merged == [TICKET]
    clock.now += 1.5
    show_frame()  # shown again later: a new scan (the verdict will say "already")
    assert merged == [TICKET, TICKET]
    pipeline.deleteLater()
