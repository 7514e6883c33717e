"""A photo source with no camera behind it: real pictures, painted, behind the real interface."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter

from ui.photo import PhotoSource


def street_picture(width: int = 1920, height: int = 1440) -> QImage:
    """A camera-sized picture with edges and text, so JPEG has real work to do."""
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("#8fb4d9"))
    painter = QPainter(image)
    painter.fillRect(QRect(0, height // 2, width, height // 2), QColor("#5b5b5b"))
    for i in range(12):
        stripe = QRect(i * width // 12, height // 2 + 40, width // 30, 200)
        painter.fillRect(stripe, Qt.GlobalColor.white)
    painter.setPen(QColor("#d22"))
    painter.setFont(QFont("NanumSquare", 120))
    painter.drawText(QPoint(width // 8, height // 3), "보도블록 파손")
    painter.end()
    return image


class StillPhotoSource(PhotoSource):
    """Starts if told there is a camera; each capture hands over ``picture``."""

    def __init__(self, *, camera: bool = True, picture: QImage | None = None) -> None:
        super().__init__()
        self.camera = camera
        self.picture = picture if picture is not None else street_picture()
        self._running = False

    def available(self) -> bool:
        return self.camera

    def start(self) -> bool:
        if not self.camera:
            return False
        self._running = True
        self.preview.emit(self.picture.scaled(640, 480, Qt.AspectRatioMode.KeepAspectRatio))
        return True

    def stop(self) -> None:
        self._running = False

    def running(self) -> bool:
        return self._running

    def capture(self) -> None:
        if not self._running:
            self.failed.emit()
            return
        self.captured.emit(QImage(self.picture))
