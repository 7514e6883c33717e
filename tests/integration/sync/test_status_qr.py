"""A phone camera check: the receipt QR decodes (zxing-cpp) to the status URL, and that URL
answers 200 on the running server with the case."""

from __future__ import annotations

import io

import requests
import zxingcpp
from PIL import Image
from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtWidgets import QApplication

from core.receipts import format_code
from kiosk.submissions import submit_complaint
from tests.support.quick_engine import complaint_form
from tests.support.sync_rig import CONSENT, SyncRig
from ui.qr import qr_pixmap
from ui.screens.receipt import QR_PIXELS


def _decode(text: str) -> list[str]:
    pixmap = qr_pixmap(text, QR_PIXELS)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    pixmap.save(buffer, "PNG")
    image = Image.open(io.BytesIO(bytes(buffer.data().data())))
    return [found.text for found in zxingcpp.read_barcodes(image)]


def test_the_receipt_qr_opens_the_case_on_the_server(rig: SyncRig, qapp: QApplication) -> None:
    receipt = submit_complaint(rig.store, complaint_form(1), CONSENT)

    [url] = _decode(receipt.status_url)
    before = requests.get(url, timeout=10)
    rig.sync_until_done()
    after = requests.get(url, timeout=10)

    assert url.endswith(f"/status/{receipt.code}")
    assert before.status_code == 404  # not on the server yet: said, not hidden
    assert after.status_code == 200
    assert format_code(receipt.code) in after.text
    assert "접수" in after.text
