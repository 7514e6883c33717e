"""Event sign-up: the list of upcoming events, then name and phone.

A full event stays in the list, marked as such: choosing it means joining
the waiting list, said plainly on the form before anything is typed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QScrollArea, QVBoxLayout, QWidget

from core.clock import SEOUL
from kiosk.lookups import EventItem
from kiosk.signups import SignupForm
from ui.i18n import language, tr
from ui.screens.base import Screen
from ui.screens.form import FormScreen
from ui.widgets import DIGITS, NavBar, TrButton, TrLabel, line_field, set_role


def event_title(event: EventItem) -> str:
    return event.title_ko if language() == "ko" else event.title_en


def event_place(event: EventItem) -> str:
    return event.place_ko if language() == "ko" else event.place_en


def event_when(starts_at: dt.datetime) -> str:
    """Date and time in Seoul, as a citizen reads it: 11월 30일 (월) 14:00."""
    local = starts_at.astimezone(SEOUL)
    return tr(
        "event.when",
        month=local.month,
        month_name=tr(f"month.{local.month}"),
        day=local.day,
        weekday=tr(f"weekday.{local.weekday()}"),
        time=local.strftime("%H:%M"),
    )


def event_seats(event: EventItem) -> str:
    """Free places as the server counts them now, or, offline, this kiosk's block (saying so)."""
    if event.full:
        return tr("signup.full")
    return tr("signup.seats" if event.live else "signup.seats.block", count=event.seats_left)


def event_summary(event: EventItem) -> str:
    return tr(
        "signup.event",
        title=event_title(event),
        when=event_when(event.starts_at),
        place=event_place(event),
        seats=event_seats(event),
    )


class EventButton(TrButton):
    """One event in the list: title, when, where, places left (or full)."""

    def __init__(self, event: EventItem, parent: QWidget | None = None) -> None:
        self.item = event
        super().__init__("signup.event", "secondary", parent)
        if event.full:
            self.setProperty("full", True)

    def retranslate(self) -> None:
        text = event_summary(self.item)
        self.setText(text)
        self.setAccessibleName(text.replace("\n", ". "))


class EventListScreen(Screen):
    title_key = "signup.list.title"
    chosen = Signal(object)  # EventItem
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(TrLabel("flow.signup", "title", self))
        layout.addWidget(TrLabel("signup.list.title", "subtitle", self))
        self._list = QWidget()
        self._column = QVBoxLayout(self._list)
        self._column.setSpacing(14)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self._list)
        layout.addWidget(scroll, 1)
        self.empty = TrLabel("signup.none", "verdict-warn", self._list)
        self.nav = NavBar(parent=self)
        self.nav.next_button.hide()
        self.nav.back.connect(self.cancelled)
        layout.addWidget(self.nav)
        self.buttons: list[EventButton] = []

    def set_events(self, events: Sequence[EventItem]) -> None:
        for button in self.buttons:
            button.deleteLater()
        self.buttons = []
        while self._column.count():
            self._column.takeAt(0)
        self._column.addWidget(self.empty)
        self.empty.setVisible(not events)
        for event in events:
            button = EventButton(event, self._list)
            button.clicked.connect(lambda _=False, e=event: self.chosen.emit(e))
            self._column.addWidget(button)
            self.buttons.append(button)
        self._column.addStretch(1)


class SignupFormScreen(FormScreen):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("flow.signup", parent)
        self.item: EventItem | None = None
        self.summary = TrLabel("", "subtitle", self)
        self.waitlist_note = TrLabel("signup.waitlist.note", "verdict-warn", self)
        page = self.add_page(
            [
                line_field("name", "field.name", self),
                line_field("phone", "field.phone", self, keyboard=DIGITS),
            ],
            note_key="signup.form.hint",
        )
        column = page.layout()
        assert isinstance(column, QVBoxLayout)
        column.insertWidget(0, self.waitlist_note)
        column.insertWidget(0, self.summary)
        set_role(self.summary, "subtitle")

    def set_event(self, event: EventItem | None) -> None:
        self.item = event
        self.waitlist_note.setVisible(bool(event and event.full))
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        self.summary.setText(event_summary(self.item) if self.item else "")
        self.summary.setAccessibleName(self.summary.text())

    def form(self) -> SignupForm:
        return SignupForm(name=self.value("name"), phone=self.value("phone"))

    def review_rows(self) -> list[tuple[str, str]]:
        rows = [
            ("field.event", event_title(self.item) if self.item else ""),
            ("field.name", self.value("name")),
            ("field.phone", self.value("phone")),
        ]
        if self.item is not None and self.item.full:
            rows.append(("review.waitlist", tr("signup.full")))
        return rows

    def wipe(self) -> None:
        super().wipe()
        self.set_event(None)
