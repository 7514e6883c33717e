"""Event attendance (registered, checked in, flagged per event; search) and today's counts."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from kiosk.attendance import EventSummary, TodayCounts
from ui.i18n import language, tr
from ui.staff.desk import StaffDesk
from ui.staff.figures import day_and_time
from ui.widgets import TEXT, TrLabel, retranslate_tree, set_role

TODAY_FIGURES = ("complaints", "suggestions", "proposals", "signups", "waitlisted", "checkins")


def event_line(event: EventSummary) -> str:
    title = event.title_ko if language() == "ko" else event.title_en
    counts = event.counts
    return tr(
        "staff.attendance.event",
        title=title,
        when=day_and_time(event.starts_at),
        registered=counts.registered,
        checked_in=counts.checked_in,
        flagged=counts.flagged,
    )


class AttendancePage(QWidget):
    def __init__(self, desk: StaffDesk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(TrLabel("staff.today.title", "subtitle", self))
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        self.today: dict[str, QLabel] = {}
        for index, name in enumerate(TODAY_FIGURES):
            label = TrLabel(f"staff.today.{name}", "field-label", self)
            value = QLabel("0", self)
            value.setObjectName(name)
            set_role(value, "body")
            grid.addWidget(label, index // 3, (index % 3) * 2)
            grid.addWidget(value, index // 3, (index % 3) * 2 + 1)
            self.today[name] = value
        layout.addLayout(grid)
        layout.addWidget(TrLabel("staff.attendance.title", "subtitle", self))
        self.search_label = TrLabel("staff.attendance.search", "field-label", self)
        self.search = QLineEdit(self)
        self.search.setProperty("keyboard", TEXT)
        self.search_label.setBuddy(self.search)
        self.search.textChanged.connect(lambda _text: self.refresh())
        layout.addWidget(self.search_label)
        layout.addWidget(self.search)
        self._list = QWidget()
        self._column = QVBoxLayout(self._list)
        self._column.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self._list)
        layout.addWidget(scroll, 1)
        self.empty = TrLabel("staff.attendance.none", "hint", self._list)
        self.events: list[QLabel] = []

    def refresh(self) -> None:
        self._show_today(self.desk.today())
        self._show_events(self.desk.attendance(self.search.text()))

    def _show_today(self, counts: TodayCounts) -> None:
        for name, label in self.today.items():
            label.setText(str(getattr(counts, name)))
            label.setAccessibleName(f"{tr(f'staff.today.{name}')} {label.text()}")

    def _show_events(self, events: list[EventSummary]) -> None:
        for label in self.events:
            label.hide()
            label.deleteLater()
        self.events = []
        while self._column.count():
            self._column.takeAt(0)
        self._column.addWidget(self.empty)
        self.empty.setVisible(not events)
        for event in events:
            label = QLabel(event_line(event), self._list)
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.PlainText)
            set_role(label, "body")
            label.setAccessibleName(label.text())
            label.setProperty("event_id", event.id)
            self._column.addWidget(label)
            self.events.append(label)
        self._column.addStretch(1)

    def retranslate(self) -> None:
        retranslate_tree(self)
        if self.isVisible():
            self.refresh()

    def wipe(self) -> None:
        self.search.clear()
