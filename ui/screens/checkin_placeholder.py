"""Event check-in: a placeholder until the tickets issue brings the scanner screen."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ui.screens.base import Screen
from ui.widgets import TrButton, TrLabel


class CheckinPlaceholderScreen(Screen):
    title_key = "checkin.title"
    home = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addWidget(TrLabel("checkin.title", "title", self))
        layout.addWidget(TrLabel("checkin.placeholder", "body", self))
        layout.addStretch(1)
        button = TrButton("problem.home", "primary", self)
        button.clicked.connect(self.home)
        layout.addWidget(button)
