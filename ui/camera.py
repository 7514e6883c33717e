"""The kiosk camera as a second scanner: QtMultimedia frames, zxing-cpp in a worker thread.

Measured at 720p, zxing-cpp needs ~2 ms for a frame's luminance restricted to
QR codes, ~23 ms looking for every format and ~18 ms when the frame is first
converted with ``QVideoFrame.toImage()``. So frames are decoded for QR only,
straight from the mapped luminance (plane 0 of NV12/YUV420P-style formats,
every other byte of YUYV/UYVY, the RGB bytes of packed RGB formats) through a
``zxingcpp.ImageView`` with the frame's own strides: no copy, no conversion.
Only formats not listed in ``_LAYOUTS`` (MJPEG, 10-bit planar...) fall back to
``toImage()``.

``CameraPreview`` paints a few of the same frames, small and mirrored, for
people to aim their QR; it converts at most ten frames a second on the GUI
thread and never holds up the decoder.

Decoding runs on one worker thread (zxing-cpp releases the GIL, so the GUI
stays smooth); a frame that arrives while the worker is busy is dropped, never
queued, so the camera can never build a backlog.

No camera is a normal state, not an error: ``start()`` returns False and
``status`` says ``camera.none`` for the screen to show.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import zxingcpp
from PySide6.QtCore import QLoggingCategory, QObject, QSize, Qt, QThreadPool, Signal, Slot

# Qt Multimedia probes optional system libraries when it loads (PipeWire for
# camera discovery, VA-API for hardware video decoding) and warns when they are
# absent; it then uses V4L2 and CPU paths, which is all a kiosk camera needs.
# Those warnings would land in every kiosk's log on every start, so that one
# category is quieted, before the module is imported. (Replaces earlier
# setFilterRules rules: whoever adds app-wide rules must keep this one.)
QLoggingCategory.setFilterRules("qt.multimedia.symbolsresolver.warning=false")

from PySide6.QtGui import QImage, QPixmap  # noqa: E402
from PySide6.QtMultimedia import (  # noqa: E402
    QCamera,
    QCameraDevice,
    QCameraFormat,
    QMediaCaptureSession,
    QMediaDevices,
    QVideoFrame,
    QVideoFrameFormat,
    QVideoSink,
)
from PySide6.QtWidgets import QLabel, QWidget  # noqa: E402

from ui.i18n import tr  # noqa: E402
from ui.widgets import set_role  # noqa: E402

log = logging.getLogger(__name__)

# Enough to resolve a version 8 ticket at arm's length; more pixels only cost time.
MAX_PIXELS = 1280 * 720

STATUS_OFF = "camera.off"
STATUS_NONE = "camera.none"  # no camera on this kiosk: use the hand scanner or the code
STATUS_ACTIVE = "camera.active"
STATUS_FAILED = "camera.failed"


@dataclass(frozen=True)
class _Layout:
    """Where the luminance is in plane 0 of a mapped frame."""

    image_format: zxingcpp.ImageFormat
    offset: int = 0
    pixel_stride: int = 0  # 0: the format's own size


_PF = QVideoFrameFormat.PixelFormat
_Y8 = _Layout(zxingcpp.ImageFormat.Lum)
# Little-endian 16-bit luma (MSB-aligned for P010): its high byte is the second.
_Y16 = _Layout(zxingcpp.ImageFormat.Lum, offset=1, pixel_stride=2)
_LAYOUTS: dict[QVideoFrameFormat.PixelFormat, _Layout] = {
    _PF.Format_NV12: _Y8,
    _PF.Format_NV21: _Y8,
    _PF.Format_YUV420P: _Y8,
    _PF.Format_YUV422P: _Y8,
    _PF.Format_YV12: _Y8,
    _PF.Format_IMC1: _Y8,
    _PF.Format_IMC2: _Y8,
    _PF.Format_IMC3: _Y8,
    _PF.Format_IMC4: _Y8,
    _PF.Format_Y8: _Y8,
    _PF.Format_P010: _Y16,
    _PF.Format_P016: _Y16,
    _PF.Format_Y16: _Y16,
    _PF.Format_YUYV: _Layout(zxingcpp.ImageFormat.Lum, offset=0, pixel_stride=2),
    _PF.Format_UYVY: _Layout(zxingcpp.ImageFormat.Lum, offset=1, pixel_stride=2),
    # Qt names packed RGB formats by byte order in memory, as zxing-cpp does.
    _PF.Format_ARGB8888: _Layout(zxingcpp.ImageFormat.ARGB),
    _PF.Format_ARGB8888_Premultiplied: _Layout(zxingcpp.ImageFormat.ARGB),
    _PF.Format_XRGB8888: _Layout(zxingcpp.ImageFormat.ARGB),
    _PF.Format_BGRA8888: _Layout(zxingcpp.ImageFormat.BGRA),
    _PF.Format_BGRA8888_Premultiplied: _Layout(zxingcpp.ImageFormat.BGRA),
    _PF.Format_BGRX8888: _Layout(zxingcpp.ImageFormat.BGRA),
    _PF.Format_RGBA8888: _Layout(zxingcpp.ImageFormat.RGBA),
    _PF.Format_RGBX8888: _Layout(zxingcpp.ImageFormat.RGBA),
    _PF.Format_ABGR8888: _Layout(zxingcpp.ImageFormat.ABGR),
    _PF.Format_XBGR8888: _Layout(zxingcpp.ImageFormat.ABGR),
}


def _read(image: object) -> list[str]:
    # QR only: ~10x faster than looking for every format. (Made per call: a
    # module-level zxing-cpp object trips nanobind's leak report at exit.)
    formats = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    return [barcode.text for barcode in zxingcpp.read_barcodes(image, formats=formats)]


def decode_image(image: QImage) -> list[str]:
    """QR codes in a still image (a test's rendered ticket, a fallback frame)."""
    if image.isNull():
        return []
    if image.format() != QImage.Format.Format_Grayscale8:
        image = image.convertToFormat(QImage.Format.Format_Grayscale8)
    view = zxingcpp.ImageView(
        image.constBits(),
        image.width(),
        image.height(),
        zxingcpp.ImageFormat.Lum,
        row_stride=image.bytesPerLine(),
    )
    return _read(view)


def decode_frame(frame: QVideoFrame | QImage) -> list[str]:
    """QR codes in a camera frame, read from its luminance in place when the format allows."""
    if isinstance(frame, QImage):
        return decode_image(frame)
    layout = _LAYOUTS.get(frame.pixelFormat())
    if layout is None:
        return decode_image(frame.toImage())
    if not frame.map(QVideoFrame.MapMode.ReadOnly):
        return []
    try:
        plane = frame.bits(0)[layout.offset :]
        stride = frame.bytesPerLine(0)
        # zxing-cpp wants height * stride bytes after the offset: a layout whose
        # luminance starts at byte 1 gives up the frame's last row for that.
        height = min(frame.height(), len(plane) // stride)
        view = zxingcpp.ImageView(
            plane,
            frame.width(),
            height,
            layout.image_format,
            row_stride=stride,
            pix_stride=layout.pixel_stride,
        )
        return _read(view)
    finally:
        frame.unmap()


def format_rank(
    width: int, height: int, pixel_format: QVideoFrameFormat.PixelFormat, max_fps: float
) -> tuple[bool, bool, int, float]:
    """Higher is better: within 720p, readable in place, as large as that allows, then fps."""
    pixels = width * height
    fits = pixels <= MAX_PIXELS
    return (fits, pixel_format in _LAYOUTS, pixels if fits else -pixels, max_fps)


def preferred_format(formats: Sequence[QCameraFormat]) -> QCameraFormat | None:
    def rank(f: QCameraFormat) -> tuple[bool, bool, int, float]:
        size = f.resolution()
        return format_rank(size.width(), size.height(), f.pixelFormat(), f.maxFrameRate())

    return max(formats, key=rank, default=None)


Decoder = Callable[[QVideoFrame | QImage], list[str]]


class CameraFeed:
    """A camera, its capture session and the sink its frames arrive in: opened and closed as one.

    The check-in scanner and the complaint's photo page each hold one while they
    run; they are on different screens, so never both at once.
    """

    def __init__(
        self,
        owner: QObject,
        device: QCameraDevice,
        on_frame: Callable[[QVideoFrame], object],
        on_error: Callable[[QCamera.Error, str], None],
        *,
        sink: QVideoSink | None = None,
        camera_format: QCameraFormat | None = None,
    ) -> None:
        self.camera = QCamera(device, owner)
        if camera_format is not None:
            self.camera.setCameraFormat(camera_format)
        self.camera.errorOccurred.connect(on_error)
        self.session = QMediaCaptureSession(owner)
        self.session.setCamera(self.camera)
        self.sink = sink if sink is not None else QVideoSink(owner)
        self.session.setVideoSink(self.sink)
        self._on_frame = on_frame
        self.sink.videoFrameChanged.connect(on_frame)
        self.camera.start()

    def close(self) -> None:
        self.sink.videoFrameChanged.disconnect(self._on_frame)
        self.camera.stop()
        self.camera.deleteLater()
        self.session.deleteLater()


class CameraScanner(QObject):
    """The first camera, decoded on a worker thread; emits ``scanned`` for each QR read."""

    scanned = Signal(str)
    status_changed = Signal(str)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        devices: Callable[[], Sequence[QCameraDevice]] = QMediaDevices.videoInputs,
        decoder: Decoder = decode_frame,
    ) -> None:
        super().__init__(parent)
        self._devices = devices
        self._decoder = decoder
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._busy = threading.Lock()
        self._feed: CameraFeed | None = None
        self._status = STATUS_OFF

    @property
    def status(self) -> str:
        return self._status

    def available(self) -> bool:
        return bool(self._devices())

    def start(self, sink: QVideoSink | None = None) -> bool:
        """Start the first camera; give the preview widget's sink to show what it sees."""
        if self._feed is not None:
            return True
        devices = self._devices()
        if not devices:
            self._set_status(STATUS_NONE)
            return False
        device = devices[0]
        self._feed = CameraFeed(
            self,
            device,
            self.submit,
            self._on_error,
            sink=sink,
            camera_format=preferred_format(device.videoFormats()),
        )
        self._set_status(STATUS_ACTIVE)
        return True

    def stop(self) -> None:
        if self._feed is not None:
            self._feed.close()
        self._feed = None
        self._pool.waitForDone()
        self._set_status(STATUS_OFF)

    @Slot(QVideoFrame)
    def submit(self, frame: QVideoFrame | QImage) -> bool:
        """Decode ``frame`` on the worker unless it is busy; False when the frame was dropped."""
        if not self._busy.acquire(blocking=False):
            return False
        # A copy shares the pixels but outlives the signal that delivered the frame.
        own = QImage(frame) if isinstance(frame, QImage) else QVideoFrame(frame)
        self._pool.start(lambda: self._decode(own))
        return True

    def wait_idle(self, msecs: int = -1) -> bool:
        return self._pool.waitForDone(msecs)

    def _decode(self, frame: QVideoFrame | QImage) -> None:
        # Runs on the worker thread; ``scanned`` reaches GUI-thread slots queued.
        try:
            texts = self._decoder(frame)
        except Exception:
            log.exception("decoding a camera frame failed")
            texts = []
        finally:
            self._busy.release()
        for text in texts:
            self.scanned.emit(text)

    @Slot(QCamera.Error, str)
    def _on_error(self, error: QCamera.Error, message: str) -> None:
        log.warning("camera error %s: %s", error, message)
        self._set_status(STATUS_FAILED)

    def _set_status(self, status: str) -> None:
        if status != self._status:
            self._status = status
            self.status_changed.emit(status)


# Live previews (the check-in desk's, the photo page's) are painted at most this often.
PREVIEW_FPS = 10


class CameraPreview(QLabel):
    """What the camera sees, small and mirrored like a mirror, so people can aim their QR.

    It paints at most ``PREVIEW_FPS`` frames a second from the scanner's own sink
    (QVideoSink): the decoder still gets every frame it can take, on its thread.
    """

    SIZE = QSize(320, 240)

    def __init__(self, parent: QWidget | None = None, *, monotonic: Callable[[], float]) -> None:
        super().__init__(parent)
        self._monotonic = monotonic
        self._painted_at = -1.0
        self._sink: QVideoSink | None = None
        self.setFixedSize(self.SIZE)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        set_role(self, "preview")
        self.retranslate()

    @property
    def sink(self) -> QVideoSink:
        """The frames to paint; made when the camera first starts: the first video
        sink loads Qt Multimedia's FFmpeg backend (~12 MB resident), which a kiosk
        whose desk never opens its camera does without."""
        if self._sink is None:
            self._sink = QVideoSink(self)
            self._sink.videoFrameChanged.connect(self._frame)
        return self._sink

    def retranslate(self) -> None:
        self.setAccessibleName(tr("camera.preview"))

    def _frame(self, frame: QVideoFrame) -> None:
        now = self._monotonic()
        if not self.isVisible() or now - self._painted_at < 1 / PREVIEW_FPS:
            return
        small = _small_luma(frame, self.SIZE)
        if small is None:
            image = frame.toImage()  # MJPEG, YUYV...: Qt converts (on the CPU without a GPU)
            small = scaled_for_preview(image, self.SIZE) if not image.isNull() else None
        if small is None:
            return
        self._painted_at = now
        self.setPixmap(QPixmap.fromImage(small.flipped(Qt.Orientation.Horizontal)))


def scaled_for_preview(image: QImage, size: QSize) -> QImage:
    """Fit ``image`` into ``size`` cheaply: a preview is redrawn many times a second."""
    return image.scaled(
        size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation
    )


def _small_luma(frame: QVideoFrame, size: QSize) -> QImage | None:
    """A grey preview straight from an 8-bit luminance plane (NV12, YUV420P...), or None.

    Grey is enough to aim a QR, and it skips the colour conversion that
    ``toImage()`` would do for every painted frame.
    """
    if _LAYOUTS.get(frame.pixelFormat()) is not _Y8 or not frame.map(QVideoFrame.MapMode.ReadOnly):
        return None
    try:
        luma = QImage(
            frame.bits(0),
            frame.width(),
            frame.height(),
            frame.bytesPerLine(0),
            QImage.Format.Format_Grayscale8,
        )
        # A new image: nothing refers to the mapped frame afterwards.
        return scaled_for_preview(luma, size)
    finally:
        frame.unmap()
