"""QR codes as pixmaps, drawn from the ``qrcode`` matrix (no image library round trip)."""

from __future__ import annotations

import qrcode
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPixmap

QUIET_ZONE = 4  # modules of white around the code, as ISO/IEC 18004 asks


def qr_matrix(text: str) -> list[list[bool]]:
    # Medium error correction: survives glare on a phone photo of the screen.
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=QUIET_ZONE)
    code.add_data(text)
    code.make(fit=True)
    matrix: list[list[bool]] = code.get_matrix()
    return matrix


def qr_pixmap(text: str, size: int) -> QPixmap:
    """A square pixmap about ``size`` pixels wide, every module a whole number of pixels."""
    matrix = qr_matrix(text)
    modules = len(matrix)
    scale = max(1, size // modules)
    pixmap = QPixmap(modules * scale, modules * scale)
    # Black on white whatever the theme: scanners need the contrast, not the palette.
    pixmap.fill(QColor("white"))
    painter = QPainter(pixmap)
    try:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("black"))
        for y, row in enumerate(matrix):
            for x, dark in enumerate(row):
                if dark:
                    painter.drawRect(QRect(x * scale, y * scale, scale, scale))
    finally:
        painter.end()
    return pixmap
