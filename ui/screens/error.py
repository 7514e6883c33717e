"""The calm "please ask staff" screen; it returns home by itself after a while."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ui.screens.base import Screen
from ui.widgets import TrButton, TrLabel

RETURN_AFTER_S = 20


class ErrorScreen(Screen):
    title_key = "problem.title"
    home = Signal()

    def __init__(
        self, parent: QWidget | None = None, *, return_after_s: int = RETURN_AFTER_S
    ) -> None:
        super().__init__(parent)
        self._return_after_s = return_after_s
        self._left = return_after_s
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(TrLabel("problem.title", "title", self))
        self.message = TrLabel("error.unexpected", "body", self)
        self.countdown = TrLabel("problem.return", "hint", self, seconds=return_after_s)
        layout.addWidget(self.message)
        layout.addWidget(self.countdown)
        self.home_button = TrButton("problem.home", "primary", self)
        self.home_button.clicked.connect(self.home)
        layout.addWidget(self.home_button)
        layout.addStretch(1)
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._tick)

    def show_problem(self, message_key: str = "error.unexpected") -> None:
        self.message.set_key(message_key)
        self._left = self._return_after_s
        self.countdown.set_key("problem.return", seconds=self._left)
        self._timer.start()

    def announcement(self) -> str:
        return f"{super().announcement()}. {self.message.text()}"

    def wipe(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        self._left -= 1
        self.countdown.set_key("problem.return", seconds=max(0, self._left))
        if self._left <= 0:
            self._timer.stop()
            self.home.emit()
