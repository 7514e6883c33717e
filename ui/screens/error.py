"""The calm "please ask staff" screen; it returns home by itself after a while."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ui.screens.base import Screen
from ui.scrolling import ScrollPage
from ui.widgets import NavBar, TrLabel

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
        layout.setContentsMargins(0, 0, 0, 0)
        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(TrLabel("problem.title", "question", content))
        self.message = TrLabel("error.unexpected", "body", content)
        self.countdown = TrLabel("problem.return", "hint", content, seconds=return_after_s)
        column.addWidget(self.message)
        column.addWidget(self.countdown)
        layout.addWidget(ScrollPage(content), 1)
        self.nav = NavBar("problem.home", parent=self, next_icon="home")
        self.home_button = self.nav.next_button
        self.nav.forward.connect(self.home)
        layout.addWidget(self.nav)
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
