"""The slip printer for staff: its state as the printer itself reports it, a test page, a reprint.

Opening the page asks the printer (``DLE EOT``) through the print worker; the
answer arrives as a signal, so the page never waits on a printer that is off.
"Reprint the last slip" prints the newest receipt made on this kiosk again,
from what the kiosk keeps anyway (``kiosk.slips``: receipt code, public event
details, the masked name check-in uses), in the language staff are using.
"""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from core.printers import PrinterState, can_print, needs_staff
from printing.printer import PrintResult
from ui.printing import Printing
from ui.slips import printer_test_slip, receipt_slip
from ui.staff.desk import StaffDesk
from ui.staff.grid import FittingGrid
from ui.widgets import TrButton, TrLabel, retranslate_tree, set_role

TAGS = ("test", "reprint")


def state_role(state: PrinterState | None) -> str:
    if state is None or state is PrinterState.NONE:
        return "body"
    if not can_print(state):
        return "verdict-bad"
    return "verdict-warn" if needs_staff(state) else "verdict-ok"


class PrinterPage(QWidget):
    def __init__(self, desk: StaffDesk, printing: Printing, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.printing = printing
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(TrLabel("staff.printer.title", "subtitle", self))
        self.target = TrLabel("", "hint", self)
        self.state = TrLabel("staff.printer.unknown", "body", self)
        self.message = TrLabel("", "hint", self)
        layout.addWidget(self.target)
        layout.addWidget(self.state)
        layout.addWidget(self.message)
        buttons = FittingGrid(3, self)
        self.check = TrButton("staff.printer.check", "secondary", self)
        self.test = TrButton("staff.printer.test", "secondary", self)
        self.reprint = TrButton("staff.printer.reprint", "primary", self)
        for button in (self.check, self.test, self.reprint):
            buttons.add(button)
        layout.addWidget(buttons)
        layout.addStretch(1)
        self.check.clicked.connect(self.ask)
        self.test.clicked.connect(self.print_test)
        self.reprint.clicked.connect(self.print_last)
        printing.state_changed.connect(self.show_state)
        printing.printed.connect(self._printed)

    def refresh(self) -> None:
        """The page is shown: say where the printer is and ask it how it is now."""
        configured = self.printing.configured
        if configured:
            self.target.set_key("staff.printer.target", target=self.printing.description)
        else:
            self.target.set_key("")
        for button in (self.check, self.test, self.reprint):
            button.setEnabled(configured)
        self.show_state(self.printing.health.state)
        if self.printing.check():
            self.message.set_key("staff.printer.checking")

    def show_state(self, state: PrinterState | None) -> None:
        self.state.set_key(f"staff.printer.state.{state}" if state else "staff.printer.unknown")
        set_role(self.state, state_role(state))
        self.state.style().unpolish(self.state)
        self.state.style().polish(self.state)
        if self.message.key == "staff.printer.checking":
            self.message.set_key("")

    def ask(self) -> None:
        if self.printing.check():
            self.message.set_key("staff.printer.checking")

    def print_test(self) -> None:
        slip = printer_test_slip(
            office=self.desk.office(),
            printer=self.printing.description,
            width_mm=self.printing.width_mm,
            now=self.desk.now(),
        )
        self.printing.print_slip(slip, "test")

    def print_last(self) -> None:
        facts = self.desk.last_slip()
        if facts is None:
            self.message.set_key("staff.printer.reprint.none")
            return
        slip = receipt_slip(facts, office=self.desk.office(), server_url=self.desk.status_server())
        self.printing.print_slip(slip, "reprint")

    def _printed(self, tag: str, result: PrintResult) -> None:
        if tag in TAGS:
            self.message.set_key(
                "staff.printer.printed" if result.printed else "staff.printer.not_printed"
            )

    def retranslate(self) -> None:
        retranslate_tree(self)

    def wipe(self) -> None:
        self.message.set_key("")
