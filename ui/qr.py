"""QR codes as pixmaps, encoded by zxing-cpp (C++) and scaled by whole modules.

The receipt's QR is made between the citizen's tap on Submit and the receipt
on screen, so it must be cheap: the pure-Python ``qrcode`` took 12-35 ms per
code on a kiosk (most of it trying all eight mask patterns), zxing-cpp takes
well under a millisecond. zxing-cpp is the kiosk's QR decoder already
(ui/camera.py). Medium error correction and a four-module quiet zone, as
before; the printed slip keeps its own encoder (core.tickets).
"""

from __future__ import annotations

import zxingcpp
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap

QUIET_ZONE = 4  # modules of white around the code, as ISO/IEC 18004 asks


def qr_modules(text: str) -> QImage:
    """One pixel per module, quiet zone included: black on white, 8-bit grey."""
    # Medium error correction: survives glare on a phone photo of the screen.
    code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    # zxing-cpp's own quiet zone is the four modules the standard asks for.
    image = code.to_image(scale=1, add_quiet_zones=True)
    height, width = image.shape
    # The image is a buffer of one byte per module (its stub does not say so).
    pixels = bytes(memoryview(image))  # type: ignore[arg-type]
    # copy(): the QImage must own its pixels, not borrow the bytes object's.
    return QImage(pixels, width, height, width, QImage.Format.Format_Grayscale8).copy()


def qr_matrix(text: str) -> list[list[bool]]:
    """The modules, True for dark, quiet zone included."""
    image = qr_modules(text)
    return [
        [image.pixelColor(x, y).value() < 128 for x in range(image.width())]
        for y in range(image.height())
    ]


def qr_pixmap(text: str, size: int) -> QPixmap:
    """A square pixmap about ``size`` pixels wide, every module a whole number of pixels."""
    modules = qr_modules(text)
    scale = max(1, size // modules.width())
    # Black on white whatever the theme: scanners need the contrast, not the palette. Fast
    # (nearest-neighbour) scaling keeps every module a sharp square of whole pixels.
    scaled = modules.scaled(
        modules.width() * scale,
        modules.height() * scale,
        Qt.AspectRatioMode.IgnoreAspectRatio,
        Qt.TransformationMode.FastTransformation,
    )
    return QPixmap.fromImage(scaled)
