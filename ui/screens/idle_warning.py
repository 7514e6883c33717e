"""The full-window "Are you still there?" warning with its countdown."""

from __future__ import annotations

import math

from PySide6.QtCore import QDeadlineTimer, Qt, QTimer, Signal
from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

from ui.widgets import TrButton, TrLabel, retranslate_tree, set_role


class IdleWarning(QWidget):
    """Covers the whole window; ``carry_on`` on Continue, ``expired`` when time is up."""

    carry_on = Signal()
    expired = Signal()

    def __init__(self, parent: QWidget, warning_ms: int) -> None:
        super().__init__(parent)
        set_role(self, "overlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self._warning_ms = warning_ms
        self._deadline = QDeadlineTimer(warning_ms)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(120, 60, 120, 60)
        layout.addStretch(1)
        self.title = TrLabel("idle.title", "title", self)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body = TrLabel("idle.body", "body", self, seconds=self._seconds_left())
        self.body.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.continue_button = TrButton("idle.continue", "primary", self)
        # Big on purpose: it is the one thing to find in a hurry. The style sheet's
        # min-height wins over setMinimumHeight, so the layout gives it its size.
        self.continue_button.setSizePolicy(
            QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding
        )
        layout.addWidget(self.title)
        layout.addWidget(self.body)
        layout.addWidget(self.continue_button, 1)
        layout.addStretch(1)
        self._tick = QTimer(self)
        # Update often enough that the shown second is never stale by more than a tick.
        self._tick.setInterval(max(10, min(250, warning_ms // 20)))
        self._tick.timeout.connect(self._update)
        self._expiry = QTimer(self)
        self._expiry.setSingleShot(True)
        self._expiry.timeout.connect(self._expire)
        self.continue_button.clicked.connect(self._continue)
        self.hide()

    def start(self) -> None:
        self._deadline = QDeadlineTimer(self._warning_ms)
        self._expiry.start(self._warning_ms)
        self._tick.start()
        self._update()
        parent = self.parentWidget()
        if parent is not None:
            self.resize(parent.size())
        self.raise_()
        self.show()
        self.continue_button.setFocus()

    def stop(self) -> None:
        self._tick.stop()
        self._expiry.stop()
        self.hide()

    def retranslate(self) -> None:
        retranslate_tree(self)
        self._update()

    def _seconds_left(self) -> int:
        return math.ceil(max(0, self._deadline.remainingTime()) / 1000)

    def _update(self) -> None:
        self.body.set_key("idle.body", seconds=self._seconds_left())

    def _continue(self) -> None:
        self.stop()
        self.carry_on.emit()

    def _expire(self) -> None:
        self.stop()
        self.expired.emit()
