"""The complaint's optional photo page: live preview, Take photo, Retake, Skip.

The picture becomes a JPEG (core.photos) the moment it is taken and lives in
memory only, in ``jpeg``, until the complaint is sealed or the screen wiped.
The camera runs only while the page is on screen.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QHideEvent, QImage, QPixmap, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget
from typing_extensions import override

from core.photos import PhotoRejected, jpeg_from_rgb
from ui.i18n import tr
from ui.photo import PhotoSource
from ui.widgets import TrButton, TrLabel, set_role

log = logging.getLogger(__name__)

# Big enough to judge the picture, small enough to leave the buttons on a landscape screen;
# a portrait screen has room below for one twice the size.
VIEW = QSize(480, 360)
VIEW_PORTRAIT = QSize(960, 720)


def jpeg_of(image: QImage) -> bytes:
    """The JPEG a complaint carries, made from a camera picture (raises PhotoRejected)."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    return jpeg_from_rgb(rgb.width(), rgb.height(), rgb.bytesPerLine(), bytes(rgb.constBits()))


def pixmap_of(jpeg: bytes, size: QSize) -> QPixmap:
    pixmap = QPixmap()
    pixmap.loadFromData(jpeg, "JPEG")
    return pixmap.scaled(
        size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )


class PhotoPanel(QWidget):
    """Preview and buttons; ``skipped`` when the citizen goes on without a photo."""

    skipped = Signal()

    def __init__(self, source: PhotoSource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source = source
        self.jpeg = b""
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(12)
        column.addWidget(TrLabel("photo.title", "field-label", self))
        column.addWidget(TrLabel("photo.hint", "hint", self))
        self.view = QLabel(self)
        self.view.setFixedSize(VIEW)
        self.view.setAlignment(Qt.AlignmentFlag.AlignCenter)
        set_role(self.view, "photo")
        column.addWidget(self.view, 0, Qt.AlignmentFlag.AlignHCenter)
        self.status = TrLabel("photo.starting", "hint", self)
        column.addWidget(self.status)
        buttons = QGridLayout()
        self.take = TrButton("photo.take", "primary", self)
        self.retake = TrButton("photo.retake", "secondary", self)
        self.skip = TrButton("photo.skip", "secondary", self)
        for button in (self.take, self.retake, self.skip):
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        buttons.addWidget(self.take, 0, 0)
        buttons.addWidget(self.retake, 0, 0)
        buttons.addWidget(self.skip, 0, 1)
        column.addLayout(buttons)
        self.retake.hide()
        self.take.clicked.connect(self.source.capture)
        self.retake.clicked.connect(self.retake_photo)
        self.skip.clicked.connect(self._skip)
        source.preview.connect(self._preview)
        source.captured.connect(self._captured)
        source.failed.connect(self._failed)
        self.retranslate()

    def retranslate(self) -> None:
        name = tr("photo.thumbnail") if self.jpeg else tr("photo.preview")
        self.view.setAccessibleName(name)

    def thumbnail(self, size: QSize) -> QPixmap:
        return pixmap_of(self.jpeg, size) if self.jpeg else QPixmap()

    def clear(self) -> None:
        """Forget the picture (Skip, Retake, the idle wipe, Done)."""
        self.jpeg = b""
        self.view.clear()
        self.status.set_key("photo.starting")
        self.retake.hide()
        self.take.show()
        self.retranslate()

    def retake_photo(self) -> None:
        self.clear()
        self._start()

    # --- the camera follows the page -------------------------------------------------------

    @override
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self.jpeg:
            self._start()

    @override
    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.source.stop()

    @override
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        window = self.window()
        portrait = window.height() > window.width() and self.width() >= VIEW_PORTRAIT.width()
        size = VIEW_PORTRAIT if portrait else VIEW
        if self.view.size() != size:
            self.view.setFixedSize(size)
            if self.jpeg:
                self.view.setPixmap(pixmap_of(self.jpeg, size))

    def _start(self) -> None:
        if not self.source.start():
            self._failed()

    def _skip(self) -> None:
        self.clear()
        self.source.stop()
        self.skipped.emit()

    def _preview(self, image: QImage) -> None:
        if self.jpeg or not self.isVisible():
            return  # a taken photo stays on screen, not the live picture behind it
        self.view.setPixmap(
            QPixmap.fromImage(image).scaled(
                self.view.size(),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.FastTransformation,
            )
        )
        self.status.set_key("photo.hint.live")

    def _captured(self, image: QImage) -> None:
        if not self.isVisible():
            return  # the citizen left the page before the picture came
        try:
            self.jpeg = jpeg_of(image)
        except PhotoRejected as rejected:
            log.warning("camera picture refused: %s", rejected.key)
            self._failed()
            return
        self.source.stop()
        # What is shown is the JPEG that will be sent, not the camera's picture.
        self.view.setPixmap(pixmap_of(self.jpeg, self.view.size()))
        self.status.set_key("photo.taken")
        self.take.hide()
        self.retake.show()
        self.retranslate()

    def _failed(self) -> None:
        self.status.set_key("photo.failed")
