"""The staff screen: its pages side by side with a menu, and the only way out of the kiosk.

Menu: sync dashboard, attendance, event check-in (opens the check-in
screen), enrolment, the slip printer, settings; then "Leave staff mode" and "Exit kiosk". Exit
asks once more ("Tap again to exit") for a few seconds, so a stray touch
never closes a kiosk in a field office.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from sync.client import Timeouts
from ui.printing import Printing
from ui.screens.base import Screen
from ui.staff.attendance import AttendancePage
from ui.staff.dashboard import DashboardPage
from ui.staff.desk import StaffDesk
from ui.staff.enrolment import EnrolmentPage
from ui.staff.grid import FittingGrid
from ui.staff.printer import PrinterPage
from ui.staff.settings import SettingsPage
from ui.widgets import TrButton, TrLabel

PAGES = ("dashboard", "attendance", "enrolment", "printer", "settings")
EXIT_CONFIRM_MS = 5000


class StaffScreen(Screen):
    title_key = "staff.title"
    open_checkin = Signal()
    leave = Signal()
    exit_kiosk = Signal()

    def __init__(
        self,
        desk: StaffDesk,
        parent: QWidget | None = None,
        *,
        enrol_timeouts: Timeouts | None = None,
        printing: Printing | None = None,
    ) -> None:
        super().__init__(parent)
        self.desk = desk
        self.printing = printing or Printing(desk.settings, parent=self)
        self.dashboard = DashboardPage(desk)
        self.attendance = AttendancePage(desk)
        self.enrolment = EnrolmentPage(desk, timeouts=enrol_timeouts)
        self.printer = PrinterPage(desk, self.printing)
        self.settings = SettingsPage()
        self.pages = QStackedWidget(self)
        # Each page scrolls when 200% text makes it taller than the screen: a page
        # must never make the window (which is the whole screen) grow.
        self._holders: dict[str, QWidget] = {}
        for name in PAGES:
            holder = _scrolling(getattr(self, name), self.pages)
            self.pages.addWidget(holder)
            self._holders[name] = holder
        self.menu: dict[str, TrButton] = {}
        self._group = QButtonGroup(self)
        for name in PAGES:
            button = TrButton(f"staff.menu.{name}", "choice", self)
            button.setCheckable(True)
            button.clicked.connect(lambda _=False, n=name: self.show_page(n))
            self._group.addButton(button)
            self.menu[name] = button
        self.checkin = TrButton("staff.menu.checkin", "secondary", self)
        self.checkin.clicked.connect(self.open_checkin)
        self.leave_button = TrButton("staff.leave", "secondary", self)
        self.leave_button.clicked.connect(self.leave)
        self.exit_button = TrButton("staff.exit", "danger", self)
        self.exit_button.clicked.connect(self._exit_tapped)
        self._exit_armed = QTimer(self)
        self._exit_armed.setSingleShot(True)
        self._exit_armed.setInterval(EXIT_CONFIRM_MS)
        self._exit_armed.timeout.connect(self._disarm_exit)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(TrLabel("staff.title", "title", self))
        self._body = QGridLayout()
        self._body.setHorizontalSpacing(24)
        self._menu_grid = FittingGrid(1, self)
        for item in (*self.menu.values(), self.checkin, self.leave_button, self.exit_button):
            self._menu_grid.add(item)
        self._menu_column = QVBoxLayout()
        self._menu_column.addWidget(self._menu_grid)
        self._menu_column.addStretch(1)
        layout.addLayout(self._body, 1)
        self._portrait: bool | None = None
        self._arrange(portrait=False)
        self.show_page("dashboard", refresh=False)

    # --- layout: the menu beside the pages in landscape, above them in portrait --------------

    @override
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange(portrait=event.size().height() > event.size().width())

    def _arrange(self, *, portrait: bool) -> None:
        if portrait == self._portrait:
            return
        self._portrait = portrait
        self._menu_grid.set_max_columns(3 if portrait else 1)
        self._body.removeItem(self._menu_column)
        self._body.removeWidget(self.pages)
        if portrait:
            self._body.addLayout(self._menu_column, 0, 0)
            self._body.addWidget(self.pages, 1, 0)
            self._body.setColumnStretch(1, 0)
            self._body.setRowStretch(1, 1)
        else:
            self._body.addLayout(self._menu_column, 0, 0)
            self._body.addWidget(self.pages, 0, 1)
            self._body.setColumnStretch(1, 1)
            self._body.setRowStretch(1, 0)

    # --- pages ------------------------------------------------------------------------

    def show_page(self, name: str, *, refresh: bool = True) -> None:
        self.menu[name].setChecked(True)
        self.pages.setCurrentWidget(self._holders[name])
        if refresh:
            self.refresh()

    def current_page(self) -> str:
        current = self.pages.currentWidget()
        return next(name for name, holder in self._holders.items() if holder is current)

    def refresh(self) -> None:
        """Read the figures of the page on show again (after a sync, a retry, a scan)."""
        page = getattr(self, self.current_page())
        if page is self.settings:
            self.settings.show_settings(self.desk.settings)
        elif isinstance(page, DashboardPage | AttendancePage | EnrolmentPage | PrinterPage):
            page.refresh()

    def _exit_tapped(self) -> None:
        if self._exit_armed.isActive():
            self._exit_armed.stop()
            self._disarm_exit()
            self.exit_kiosk.emit()
            return
        self.exit_button.set_key("staff.exit.confirm")
        self._exit_armed.start()

    def _disarm_exit(self) -> None:
        self.exit_button.set_key("staff.exit")

    def wipe(self) -> None:
        super().wipe()
        self._exit_armed.stop()
        self._disarm_exit()
        for page in (self.dashboard, self.attendance, self.enrolment, self.printer, self.settings):
            page.wipe()
        # Read again when staff mode next opens, not on every citizen's wipe.
        self.show_page("dashboard", refresh=False)


def _scrolling(page: QWidget, parent: QWidget) -> QScrollArea:
    scroll = QScrollArea(parent)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidget(page)
    return scroll
