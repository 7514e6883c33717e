"""Taking a complaint's photo: a small interface, and the camera behind it.

``PhotoSource`` is what the photo page talks to: ``available()`` (is there a
camera at all), ``start()``/``stop()`` around the page being on screen,
``preview`` frames while it runs and ``capture()``, answered by ``captured``
(a QImage) or ``failed``. ``CameraPhotoSource`` is the kiosk's first camera
through QtMultimedia; tests put a source of generated pictures behind the same
interface.

The photo is the last preview frame, not a separate still capture: the frames
are already what the citizen sees, the V4L2 backend takes stills from the same
stream anyway, and a kiosk webcam often has no still mode at all.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, QSize, Signal, Slot
from PySide6.QtGui import QImage

# ui.camera first: it quiets Qt Multimedia's start-up warnings before the module loads.
from ui.camera import PREVIEW_FPS, CameraFeed, scaled_for_preview

# isort: split
from PySide6.QtMultimedia import QCamera, QCameraDevice, QMediaDevices, QVideoFrame

log = logging.getLogger(__name__)

# Enough for a preview the size of a hand; converting every frame would cost the GUI.
PREVIEW_SIZE = QSize(640, 640)


class PhotoSource(QObject):
    """Where the photo page gets its preview and its picture from."""

    preview = Signal(QImage)
    captured = Signal(QImage)
    failed = Signal()

    def available(self) -> bool:
        raise NotImplementedError

    def start(self) -> bool:
        """Begin the preview; False when there is no camera to start."""
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def capture(self) -> None:
        """Take the picture now: ``captured`` or ``failed`` follows."""
        raise NotImplementedError


class CameraPhotoSource(PhotoSource):
    """The first camera of the kiosk, as the check-in scanner uses it (not at the same time)."""

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        devices: Callable[[], Sequence[QCameraDevice]] = QMediaDevices.videoInputs,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self._devices = devices
        self._monotonic = monotonic
        self._feed: CameraFeed | None = None
        self._last = QVideoFrame()
        self._shown_at = 0.0

    def available(self) -> bool:
        return bool(self._devices())

    def start(self) -> bool:
        if self._feed is not None:
            return True
        devices = self._devices()
        if not devices:
            return False
        self._feed = CameraFeed(self, devices[0], self._frame, self._on_error)
        return True

    def stop(self) -> None:
        if self._feed is not None:
            self._feed.close()
        self._feed = None
        self._last = QVideoFrame()

    def capture(self) -> None:
        image = self._last.toImage() if self._last.isValid() else QImage()
        if image.isNull():
            self.failed.emit()
            return
        self.captured.emit(image)

    @Slot(QVideoFrame)
    def _frame(self, frame: QVideoFrame) -> None:
        self._last = QVideoFrame(frame)
        now = self._monotonic()
        if now - self._shown_at < 1 / PREVIEW_FPS:
            return
        self._shown_at = now
        image = frame.toImage()
        if not image.isNull():
            self.preview.emit(scaled_for_preview(image, PREVIEW_SIZE))

    @Slot(QCamera.Error, str)
    def _on_error(self, error: QCamera.Error, message: str) -> None:
        log.warning("camera error while taking a photo %s: %s", error, message)
        self.failed.emit()
