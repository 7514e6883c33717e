"""The receipt QR opens the receipt's status page (DESIGN: "Receipts and tickets carry the
public status-page URL in their QR"); the printed slip carries the same (core.links)."""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image
from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtGui import QPixmap
from pytestqt.qtbot import QtBot

from tests.conftest import KioskDB
from tests.ui.kiosk_fixtures import Citizen, only_record
from ui.qr import qr_pixmap
from ui.shell import KioskWindow


def decode(pixmap: QPixmap) -> list[str]:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    pixmap.save(buffer, "PNG")
    image = Image.open(io.BytesIO(bytes(buffer.data().data())))
    return [result.text for result in zxingcpp.read_barcodes(image)]


def test_qr_pixmap_decodes_to_its_text(qtbot: QtBot) -> None:
    pixmap = qr_pixmap("K7M2XQ9C", 300)
    assert pixmap.width() == pixmap.height() >= 250
    assert decode(pixmap) == ["K7M2XQ9C"]


def test_receipt_qr_holds_the_status_page_of_the_stored_receipt_code(
    citizen: Citizen, kiosk: KioskWindow, kiosk_db: KioskDB
) -> None:
    citizen.file_complaint()
    citizen.agree()
    citizen.submit()
    stored = only_record(kiosk_db)
    assert stored.submission is not None
    # The test kiosk was enrolled with http://127.0.0.1:9 and no public address.
    url = f"http://127.0.0.1:9/status/{stored.submission.receipt_code}"
    assert decode(kiosk.receipt.qr.pixmap()) == [url]
    # Shown with places to wrap after its slashes and dots (zero-width spaces).
    assert url in kiosk.receipt.link.text().replace("\u200b", "")
