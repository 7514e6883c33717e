"""The receipt: the code big, a QR of it to photograph, what happens next and when."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QBoxLayout, QLabel, QVBoxLayout, QWidget
from typing_extensions import override

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

    def show_receipt(self, receipt: Receipt) -> None:
        self.receipt = receipt
        # Tickets (signed, for check-in) replace the plain code in the QR once issued.
        self.qr.setPixmap(qr_pixmap(receipt.ticket or receipt.code, QR_PIXELS))
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

    def wipe(self) -> None:
        self.receipt = None
        self.qr.clear()
        self.code.clear()
        self.manual.clear()
