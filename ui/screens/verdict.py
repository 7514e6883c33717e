"""The check-in verdict, big enough to read from two metres: green, amber or red, in words.

Colour is never the only signal: the headline says Welcome, Already checked
in or Not valid, and the line under it says the ticket type and masked name,
or the reason. Roles come from the theme (``verdict-ok``/``-warn``/``-bad``);
the headline is the theme's headline size.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QStackedLayout, QVBoxLayout, QWidget

from core.clock import SEOUL
from kiosk.checkin import Reason, Verdict, VerdictKind
from ui.bigtext import BigTextLabel
from ui.i18n import tr
from ui.widgets import set_role

ROLES = {
    VerdictKind.ADMIT: "verdict-ok",
    VerdictKind.ALREADY: "verdict-warn",
    VerdictKind.INVALID: "verdict-bad",
}


def clock_time(moment: dt.datetime) -> str:
    """14:05 in Seoul: the door's time, whatever the kiosk's clock zone."""
    return moment.astimezone(SEOUL).strftime("%H:%M")


def day_name(day: dt.date) -> str:
    """11월 30일 (월) / Mon 30 Nov: the day a ticket is for."""
    return tr(
        "checkin.day",
        month=day.month,
        month_name=tr(f"month.{day.month}"),
        day=day.day,
        weekday=tr(f"weekday.{day.weekday()}"),
    )


def role_for(verdict: Verdict) -> str:
    # A genuine ticket for another day is amber, like "already in": not a forgery.
    if verdict.reason is Reason.WRONG_DAY:
        return "verdict-warn"
    return ROLES[verdict.kind]


def headline(verdict: Verdict) -> str:
    if verdict.reason is Reason.WRONG_DAY and verdict.valid_day is not None:
        return tr("checkin.wrong_day", day=day_name(verdict.valid_day))
    if verdict.kind is VerdictKind.INVALID:
        return tr("checkin.invalid")
    if verdict.kind is VerdictKind.ALREADY and verdict.previous is not None:
        previous = verdict.previous
        kiosk = tr("checkin.this_kiosk") if previous.this_kiosk else previous.device
        return tr("checkin.already", time=clock_time(previous.at), kiosk=kiosk or "?")
    return tr(verdict.message_key)


def detail(verdict: Verdict) -> str:
    if verdict.kind is VerdictKind.INVALID:
        return tr(verdict.message_key)
    parts = [tr(verdict.ticket_type_key)] if verdict.ticket_type_key else []
    if verdict.masked_name:
        parts.append(verdict.masked_name)
    return " · ".join(parts)


class _Face(QFrame):
    """The panel in one colour role, styled once: a headline and the line under it."""

    def __init__(self, role: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        set_role(self, role)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        # Both lines are taller than Qt's glyph cache on a 1080p panel (ui/bigtext.py).
        self.headline = BigTextLabel(self)
        self.headline.setProperty("headline", True)
        # Waiting: a title on the window's colour; a verdict: all of it in the verdict's.
        set_role(self.headline, "title" if role == READY else role)
        self.detail = BigTextLabel(self)
        set_role(self.detail, "body" if role == READY else role)
        for label in (self.headline, self.detail):
            label.setWordWrap(True)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setTextFormat(Qt.TextFormat.PlainText)
            layout.addWidget(label)
        layout.addStretch(1)


READY = "window"


class VerdictPanel(QWidget):
    """Ready (neutral), or the last verdict in its colour; ``kind`` says which, for tests too.

    One face per colour role, each styled once when the theme is applied; a
    verdict in another colour turns to that face. Changing a widget's role
    instead makes the style sheet look at it again (unpolish, polish), which
    also tells the labels their font changed and lays them out again: ~1.5 ms
    more per change of colour at the door, where most verdicts alternate.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._faces = QStackedLayout(self)
        self._by_role = {role: _Face(role, self) for role in (READY, *ROLES.values())}
        for face in self._by_role.values():
            self._faces.addWidget(face)
        self._face = self._by_role[READY]
        self._faces.setCurrentWidget(self._face)
        self.verdict: Verdict | None = None
        self._note_key = ""
        self._problem_key = ""
        self.show_ready()

    @property
    def headline(self) -> QLabel:
        return self._face.headline

    @property
    def detail(self) -> QLabel:
        return self._face.detail

    @property
    def kind(self) -> str:
        if self._problem_key:
            return "problem"
        return "ready" if self.verdict is None else str(self.verdict.kind)

    @property
    def role(self) -> str:
        return str(self._face.property("role") or "")

    def show_ready(self, note_key: str = "") -> None:
        """Waiting for a scan; ``note_key`` says what just happened (e.g. an undo)."""
        self.verdict = None
        self._note_key = note_key
        self._problem_key = ""
        self._paint(READY)

    def show_verdict(self, verdict: Verdict) -> None:
        self.verdict = verdict
        self._problem_key = ""
        self._paint(role_for(verdict))

    def show_problem(self, key: str) -> None:
        """Nothing could be judged (not enrolled, the event gone): red, with why."""
        self.verdict = None
        self._problem_key = key
        self._paint("verdict-bad")

    def _paint(self, role: str) -> None:
        face = self._by_role[role]
        if face is not self._face:
            previous, self._face = self._face, face
            self.retranslate()
            self._faces.setCurrentWidget(face)
            # A hidden face keeps no words: the panel's size is what is shown.
            for label in (previous.headline, previous.detail):
                label.clear()
                label.setAccessibleName("")
            return
        self.retranslate()

    def retranslate(self) -> None:
        if self._problem_key:
            top, bottom = tr("checkin.problem"), tr(self._problem_key)
        elif self.verdict is None:
            top = tr(self._note_key) if self._note_key else tr("checkin.ready")
            bottom = tr("checkin.ready.hint")
        else:
            top, bottom = headline(self.verdict), detail(self.verdict)
        self.headline.setText(top)
        self.detail.setText(bottom)
        self.detail.setVisible(bool(bottom))
        self.setAccessibleName(f"{top}. {bottom}" if bottom else top)
        self.headline.setAccessibleName(top)
        self.detail.setAccessibleName(bottom)
