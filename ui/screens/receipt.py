"""The receipt: what was filed, a QR that opens its status page, and what really happens next.

Every receipt's QR is the public status page (``core.receipts.status_url``),
its address printed beside it, so a phone camera leads somewhere. A confirmed
event place is a ticket: the entry QR (the signed ticket, for the door) and the
entry code are what stand out, with the event's name, date, time and place;
the status page's QR sits smaller beside it. The address comes from
``core.links``, as the printed slip's does; the slip's fate is said below.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QBoxLayout, QLabel, QVBoxLayout, QWidget
from typing_extensions import override

from core.receipts import format_code
from kiosk.lookups import EventItem
from kiosk.submissions import Receipt
from ui.i18n import tr
from ui.qr import qr_pixmap
from ui.screens.base import Screen
from ui.screens.signup import event_place, event_title, event_when
from ui.widgets import TrButton, TrLabel, set_role

QR_PIXELS = 360
STATUS_QR_PIXELS = 180


def next_steps_key(receipt: Receipt) -> str:
    """The sentence that tells the citizen what will happen: only what the system will do."""
    if receipt.kind == "signup":
        if receipt.already:
            return "receipt.next.already"
        if receipt.status == "waitlisted":
            return "receipt.next.waitlist.notify" if receipt.notify else "receipt.next.waitlist"
        if not receipt.notify:
            return "receipt.next.signup"
        return "receipt.next.signup.remind" if receipt.reminder else "receipt.next.signup.notify"
    if receipt.kind in ("complaint", "proposal") and receipt.notify:
        return f"receipt.next.{receipt.kind}.notify"
    return f"receipt.next.{receipt.kind}"


def title_key(receipt: Receipt) -> str:
    if receipt.kind == "signup":
        if receipt.already:
            return "receipt.title.already"
        return (
            "receipt.title.waitlist" if receipt.status == "waitlisted" else "receipt.title.signup"
        )
    return "receipt.title"


def is_ticket(receipt: Receipt) -> bool:
    return receipt.kind == "signup" and bool(receipt.ticket) and not receipt.already


class ReceiptScreen(Screen):
    title_key = "receipt.title"
    done = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.receipt: Receipt | None = None
        self.shown_event: EventItem | None = None
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
        self.event_label = QLabel(self)
        self.event_label.setWordWrap(True)
        set_role(self.event_label, "subtitle")
        column.addWidget(self.event_label)
        # The entry code of a ticket: the one thing to show at the door, so the biggest.
        self.manual_label = TrLabel("receipt.ticket.entry", "subtitle", self)
        self.manual = QLabel(self)
        set_role(self.manual, "code")
        column.addWidget(self.manual_label)
        column.addWidget(self.manual)
        self.code_label = TrLabel("receipt.code", "subtitle", self)
        self.code = QLabel(self)
        set_role(self.code, "code")
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        column.addWidget(self.code_label)
        column.addWidget(self.code)
        # On a ticket the receipt number steps back: one small line under the entry code.
        self.code_line = TrLabel("", "hint", self)
        column.addWidget(self.code_line)
        status_row = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.status_qr = QLabel(self)
        status_row.addWidget(self.status_qr)
        status_text = QVBoxLayout()
        self.qr_hint = TrLabel("receipt.qr.hint", "hint", self)
        self.link = QLabel(self)
        self.link.setWordWrap(True)
        set_role(self.link, "body")
        status_text.addWidget(self.qr_hint)
        status_text.addWidget(self.link)
        status_row.addLayout(status_text, 1)
        column.addLayout(status_row)
        self.next_steps = TrLabel("", "body", self)
        self.queued = TrLabel("receipt.queued", "hint", self)
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

    def show_receipt(self, receipt: Receipt, event: EventItem | None = None) -> None:
        self.receipt = receipt
        self.show_slip("")
        self.shown_event = event if receipt.kind == "signup" else None
        ticket = is_ticket(receipt)
        status = receipt.status_url or receipt.code
        # A ticket's big QR is for the door; every other receipt's is its status page.
        self.qr.setPixmap(qr_pixmap(receipt.ticket if ticket else status, QR_PIXELS))
        self.status_qr.setVisible(ticket)
        if ticket:
            self.status_qr.setPixmap(qr_pixmap(status, STATUS_QR_PIXELS))
        else:
            self.status_qr.clear()
        self.code.setText(format_code(receipt.code))
        self.manual.setText(format_code(receipt.manual_code) if ticket else "")
        self.manual.setVisible(ticket)
        self.manual_label.setVisible(ticket)
        self.code.setVisible(not ticket)
        self.code_label.setVisible(not ticket)
        self.code_line.setVisible(ticket)
        if ticket:
            self.code_line.set_key("receipt.code.line", code=format_code(receipt.code))
        self.event_label.setVisible(self.shown_event is not None)
        self.title.set_key(title_key(receipt))
        self.next_steps.set_key(next_steps_key(receipt))
        self.queued.set_key("receipt.online" if receipt.online else "receipt.queued")
        self.queued.setVisible(not receipt.already)
        self.retranslate()

    def announcement(self) -> str:
        if self.receipt is None:
            return tr("receipt.title")
        spelled = " ".join(self.receipt.code)
        said = f"{tr(title_key(self.receipt))}. {tr('receipt.code')} {spelled}"
        if is_ticket(self.receipt):
            said += f". {tr('receipt.ticket.entry')} {' '.join(self.receipt.manual_code)}"
        return said

    def retranslate(self) -> None:
        super().retranslate()
        ticket = self.receipt is not None and is_ticket(self.receipt)
        self.qr.setAccessibleName(tr("receipt.ticket.qr" if ticket else "receipt.qr"))
        self.status_qr.setAccessibleName(tr("receipt.qr"))
        if self.shown_event is not None:
            text = tr(
                "receipt.ticket.event",
                title=event_title(self.shown_event),
                when=event_when(self.shown_event.starts_at),
                place=event_place(self.shown_event),
            )
            self.event_label.setText(text)
            self.event_label.setAccessibleName(text.replace("\n", ". "))
        if self.receipt is not None:
            url = self.receipt.status_url or format_code(self.receipt.code)
            self.link.setText(tr("receipt.status_link", url=url))
            self.code.setAccessibleName(f"{tr('receipt.code')} {self.code.text()}")
            self.manual.setAccessibleName(f"{tr('receipt.ticket.entry')} {self.manual.text()}")

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
        self.shown_event = None
        self.qr.clear()
        self.status_qr.clear()
        self.code.clear()
        self.manual.clear()
        self.link.clear()
        self.event_label.clear()
