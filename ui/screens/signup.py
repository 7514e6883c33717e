"""Event sign-up: the list of upcoming events, then name and phone.

A full event stays in the list, marked as such: choosing it means joining
the waiting list, said plainly on the form before anything is typed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtCore import QEvent, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QVBoxLayout, QWidget
from typing_extensions import override

from core.clock import SEOUL
from kiosk.lookups import EventItem
from kiosk.signups import SignupForm
from ui.i18n import language, tr
from ui.screens.base import Screen
from ui.screens.form import FormScreen
from ui.scrolling import ScrollPage
from ui.theme import current_theme
from ui.widgets import DIGITS, TileButton, TrLabel, line_field, set_role


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


class EventButton(TileButton):
    """One event in the list: its title, and under it when, where and the places left."""

    def __init__(self, event: EventItem, parent: QWidget | None = None) -> None:
        self.item = event
        super().__init__("", "", parent, icon_name="signup")
        if event.full:
            self.setProperty("full", True)

    def retranslate(self) -> None:
        title = event_title(self.item)
        details = f"{event_when(self.item.starts_at)} · {event_place(self.item)}\n"
        details += event_seats(self.item)
        self.title.setText(title)
        self.hint.setText(details)
        self.setAccessibleName(f"{title}. {details.replace(chr(10), '. ')}")


class EventListScreen(Screen):
    title_key = "signup.list.title"
    chosen = Signal(object)  # EventItem
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._list = QWidget()
        self._column = QVBoxLayout(self._list)
        self._column.setContentsMargins(0, 0, 0, 0)
        self.question = TrLabel("signup.list.title", "question", self._list)
        self.empty = TrLabel("signup.none", "verdict-warn", self._list)
        self.empty.setProperty("note", True)
        self.view = ScrollPage(self._list)
        layout.addWidget(self.view, 1)
        self.buttons: list[EventButton] = []
        self._restyle()

    def step_key(self) -> str:
        return "step.event"

    @override
    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.StyleChange:
            self._restyle()

    def _restyle(self) -> None:
        self._column.setSpacing(current_theme().metrics.gap)

    def set_events(self, events: Sequence[EventItem]) -> None:
        for button in self.buttons:
            button.hide()
            button.deleteLater()
        self.buttons = []
        while self._column.count():
            self._column.takeAt(0)
        self._column.addWidget(self.question)
        self._column.addWidget(self.empty)
        self.empty.setVisible(not events)
        for event in events:
            button = EventButton(event, self._list)
            button.clicked.connect(lambda _=False, e=event: self.chosen.emit(e))
            self._column.addWidget(button)
            self.buttons.append(button)


class SignupFormScreen(FormScreen):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("flow.signup", parent)
        self.item: EventItem | None = None
        self.summary = TrLabel("", "subtitle", self)
        self.waitlist_note = TrLabel("signup.waitlist.note", "verdict-warn", self)
        self.waitlist_note.setProperty("note", True)
        page = self.add_page(
            [
                line_field("name", "field.name", self),
                line_field("phone", "field.phone", self, keyboard=DIGITS),
            ],
            step="step.you",
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

    def review_rows(self) -> list[tuple[str, str | QPixmap]]:
        rows: list[tuple[str, str | QPixmap]] = [
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
