"""Before "start over" throws away what a citizen wrote: a full page with two big answers.

Not a small dialog: the question fills the screen and the answers are the
screen's two main buttons, so a shaky finger or a glance cannot miss it.
Asked only when more than a few words (or a photo) would be lost
(``kiosk.flows.asks_before_discarding``).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ui.screens.base import Screen
from ui.scrolling import ScrollPage
from ui.widgets import NavBar, TrButton, TrLabel


class LeaveScreen(Screen):
    title_key = "leave.title"
    confirmed = Signal()  # yes: discard and start over
    kept = Signal()  # no: back to where the citizen was

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(TrLabel("leave.title", "question", content))
        column.addWidget(TrLabel("leave.body", "body", content))
        layout.addWidget(ScrollPage(content), 1)
        self.nav = NavBar("leave.discard", parent=self, next_icon="home")
        self.keep = TrButton("leave.keep", "primary", self, icon_name="back")
        self.discard = self.nav.next_button
        self.discard.setProperty("role", "danger")
        self.nav.add_middle(self.keep)
        self.nav.forward.connect(self.confirmed)
        self.keep.clicked.connect(self.kept)
        layout.addWidget(self.nav)
