"""내 민원 확인 / Check my case: a receipt's status, answer and history, asked of the server.

The citizen shows the receipt QR to the hand scanner (a status URL or a bare
code, caught without a text field) or to the camera (the check-in screen's,
borrowed while this screen is shown), or types the code. The window asks the
server off the GUI thread and hands the answer to ``show_cases``; offline it
says so plainly. Only what the public status page shows is shown here. A
sign-up can be cancelled and a complaint asked about again, as on the page.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QApplication, QLabel, QScrollArea, QVBoxLayout, QWidget

from core.clock import SEOUL
from core.receipts import code_from_scan, format_code
from sync.protocol import CaseResponse, CaseView
from ui.camera import CameraScanner
from ui.i18n import language, tr
from ui.scanner import WedgeScanner
from ui.screens.base import Screen
from ui.widgets import NavBar, TrButton, TrLabel, line_field, set_role


def _when(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    local = value.astimezone(SEOUL)
    return local.strftime("%Y-%m-%d %H:%M")


class CaseCard(QWidget):
    """One case under the code: kind, title, status, answer, steps, what can be done."""

    cancel = Signal()
    ask_again = Signal()

    def __init__(self, case: CaseView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.case = case
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 8, 0, 8)
        self.heading = QLabel(self)
        self.heading.setWordWrap(True)
        set_role(self.heading, "subtitle")
        self.body = QLabel(self)
        self.body.setWordWrap(True)
        set_role(self.body, "body")
        column.addWidget(self.heading)
        column.addWidget(self.body)
        self.cancel_button = TrButton("case.cancel", "secondary", self)
        self.ask_button = TrButton("case.ask_again", "secondary", self)
        self.cancel_button.setVisible(case.can_cancel)
        self.ask_button.setVisible(case.can_ask_again)
        self.cancel_button.clicked.connect(self.cancel)
        self.ask_button.clicked.connect(self.ask_again)
        column.addWidget(self.cancel_button)
        column.addWidget(self.ask_button)
        self.retranslate()

    def retranslate(self) -> None:
        case = self.case
        title = case.title_ko if language() == "ko" else case.title_en
        heading = tr(
            "case.heading",
            kind=tr(f"case.kind.{case.kind}"),
            title=title,
            status=tr(f"case.status.{case.status}"),
        )
        lines = []
        if case.answer:
            lines.append(tr("case.answer", answer=case.answer))
        if case.manual_code:
            lines.append(tr("case.entry", code=format_code(case.manual_code)))
        for step in case.history:
            lines.append(
                tr("case.step", when=_when(step.at), status=tr(f"case.status.{step.status}"))
            )
            if step.note:
                lines.append(f"  {step.note}")
        self.heading.setText(heading)
        self.heading.setAccessibleName(heading)
        self.body.setText("\n".join(lines))
        self.body.setAccessibleName(". ".join(lines))
        self.cancel_button.retranslate()
        self.ask_button.retranslate()


class CaseScreen(Screen):
    title_key = "case.title"
    look_up = Signal(str)  # a valid receipt code
    cancel = Signal(str)
    ask_again = Signal(str)
    back = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.code = ""
        self.cards: list[CaseCard] = []
        # The kiosk's camera scanner (shared with check-in), when there is one to borrow.
        self.camera: CameraScanner | None = None
        self._camera_on = False
        self.wedge = WedgeScanner(self)
        self.wedge.scanned.connect(self.scanned)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(TrLabel("case.title", "title", self))
        layout.addWidget(TrLabel("case.hint", "subtitle", self))
        self.field = line_field("code", "case.code", self)
        layout.addWidget(self.field)
        self.go = TrButton("case.look_up", "primary", self)
        self.go.clicked.connect(self._typed)
        layout.addWidget(self.go)
        self.message = TrLabel("", "verdict-warn", self)
        self.message.hide()
        layout.addWidget(self.message)
        self._list = QWidget()
        self._column = QVBoxLayout(self._list)
        self._column.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self._list)
        layout.addWidget(scroll, 1)
        self.nav = NavBar(parent=self)
        self.nav.next_button.hide()
        self.nav.back.connect(self.back)
        layout.addWidget(self.nav)

    def start(self, *, camera: bool = False) -> None:
        self.wipe()
        app = QApplication.instance()
        if app is not None:
            self.wedge.watch(app)
        if camera and self.camera is not None and self.camera.available():
            self.camera.scanned.connect(self.scanned)
            self._camera_on = self.camera.start()

    def stop(self) -> None:
        self.wedge.unwatch()
        if self._camera_on and self.camera is not None:
            self.camera.scanned.disconnect(self.scanned)
            self.camera.stop()
        self._camera_on = False

    def scanned(self, text: str) -> None:
        """A scanner (hand or camera) read the receipt QR (the status URL) or its code."""
        self._ask(text)

    def _typed(self) -> None:
        self._ask(self.field.value())

    def _ask(self, text: str) -> None:
        code = code_from_scan(text)
        if code is None:
            self.show_message("case.invalid")
            return
        self.code = code
        self.show_message("case.checking")
        self.look_up.emit(code)

    def show_message(self, key: str) -> None:
        self.message.set_key(key)
        self.message.show()

    def show_cases(self, response: CaseResponse | None, done_key: str = "") -> None:
        """The server's answer; None: offline (or no answer in time)."""
        self._clear_cards()
        if response is None:
            self.show_message("case.offline")
            return
        if not response.found:
            self.show_message("case.unknown")
            return
        if done_key:
            self.show_message(done_key)
        else:
            self.message.hide()
        for case in response.found:
            card = CaseCard(case, self._list)
            card.cancel.connect(lambda: self.cancel.emit(self.code))
            card.ask_again.connect(lambda: self.ask_again.emit(self.code))
            self._column.insertWidget(self._column.count() - 1, card)
            card.show()
            self.cards.append(card)

    def _clear_cards(self) -> None:
        for card in self.cards:
            card.deleteLater()
        self.cards = []

    def retranslate(self) -> None:
        super().retranslate()
        for card in self.cards:
            card.retranslate()

    def wipe(self) -> None:
        super().wipe()
        self.stop()
        self.code = ""
        self._clear_cards()
        self.message.hide()
