"""The receipt: the code big, a QR to photograph, what happens next and when, the slip's fate."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QBoxLayout, QLabel, QVBoxLayout, QWidget
from typing_extensions import override

from core.links import receipt_qr
from core.receipts import format_code
from kiosk.submissions import Receipt
from ui.i18n import tr
from ui.qr import qr_pixmap
from ui.screens.base import Screen
from ui.widgets import TrButton, TrLabel, set_role

QR_PIXELS = 360


def next_steps_key(receipt: Receipt) -> str:
    if receipt.kind == "signup":
        return "receipt.next.waitlist" if receipt.status == "waitlisted" else "receipt.next.signup"
    return f"receipt.next.{receipt.kind}"


def title_key(receipt: Receipt) -> str:
    if receipt.kind == "signup":
        return (
            "receipt.title.waitlist" if receipt.status == "waitlisted" else "receipt.title.signup"
        )
    return "receipt.title"


class ReceiptScreen(Screen):
    title_key = "receipt.title"
    done = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.receipt: Receipt | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = TrLabel("receipt.title", "verdict-ok", self)
        layout.addWidget(self.title)
        # QR beside the text in landscape, above it in portrait.
        row = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self._row = row
        layout.addLayout(row, 1)
        self.qr = QLabel(self)
        self.qr.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.qr)
        column = QVBoxLayout()
        row.addLayout(column, 1)
        self.code_label = TrLabel("receipt.code", "subtitle", self)
        self.code = QLabel(self)
        set_role(self.code, "code")
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        column.addWidget(self.code_label)
        column.addWidget(self.code)
        self.manual_label = TrLabel("receipt.manual", "subtitle", self)
        self.manual = QLabel(self)
        set_role(self.manual, "code")
        column.addWidget(self.manual_label)
        column.addWidget(self.manual)
        self.qr_hint = TrLabel("receipt.qr.hint", "hint", self)
        self.next_steps = TrLabel("", "body", self)
        self.queued = TrLabel("receipt.queued", "hint", self)
        column.addWidget(self.qr_hint)
        column.addWidget(self.next_steps)
        column.addWidget(self.queued)
        # Whether the printed slip came out (ui.printing): empty when no printer is set up.
        self.slip = TrLabel("", "body", self)
        self.slip.setVisible(False)
        column.addWidget(self.slip)
        column.addStretch(1)
        self.done_button = TrButton("receipt.done", "primary", self)
        self.done_button.clicked.connect(self.done)
        layout.addWidget(self.done_button)

    @override
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        portrait = event.size().height() > event.size().width()
        self._row.setDirection(
            QBoxLayout.Direction.TopToBottom if portrait else QBoxLayout.Direction.LeftToRight
        )

    def show_receipt(self, receipt: Receipt, server_url: str = "") -> None:
        self.receipt = receipt
        self.show_slip("")
        # Tickets (signed, for check-in) are read at the door; other receipts open the status page.
        self.qr.setPixmap(
            qr_pixmap(receipt_qr(receipt.ticket, receipt.code, server_url), QR_PIXELS)
        )
        self.code.setText(format_code(receipt.code))
        manual = receipt.manual_code
        self.manual.setText(format_code(manual) if manual else "")
        self.manual.setVisible(bool(manual))
        self.manual_label.setVisible(bool(manual))
        self.title.set_key(title_key(receipt))
        self.next_steps.set_key(next_steps_key(receipt))
        self.retranslate()

    def announcement(self) -> str:
        if self.receipt is None:
            return tr("receipt.title")
        spelled = " ".join(self.receipt.code)
        return f"{tr(title_key(self.receipt))}. {tr('receipt.code')} {spelled}"

    def retranslate(self) -> None:
        super().retranslate()
        self.qr.setAccessibleName(tr("receipt.qr"))
        if self.receipt is not None:
            self.code.setAccessibleName(f"{tr('receipt.code')} {self.code.text()}")
            self.manual.setAccessibleName(f"{tr('receipt.manual')} {self.manual.text()}")

    def show_slip(self, key: str) -> None:
        """receipt.slip.printing / .printed / .failed, or "" for no printer."""
        self.slip.set_key(key)
        self.slip.setProperty("role", "verdict-warn" if key == "receipt.slip.failed" else "body")
        self.slip.style().unpolish(self.slip)
        self.slip.style().polish(self.slip)
        self.slip.setVisible(bool(key))

    def wipe(self) -> None:
        self.receipt = None
        self.show_slip("")
        self.qr.clear()
        self.code.clear()
        self.manual.clear()
