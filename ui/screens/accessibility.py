"""Large text, high contrast and audio guidance, each one big on/off switch."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

from ui.i18n import tr
from ui.screens.base import Screen
from ui.widgets import TrButton, TrLabel, set_role


@dataclass(frozen=True)
class Accessibility:
    large_text: bool = False
    high_contrast: bool = False
    audio: bool = False


class Switch(QPushButton):
    """A checkable button that says its name and whether it is on."""

    def __init__(self, name_key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        set_role(self, "choice")
        self.setCheckable(True)
        self._name_key = name_key
        self.toggled.connect(lambda _on: self.retranslate())
        self.retranslate()

    def retranslate(self) -> None:
        if not self.isEnabled():
            state = tr("a11y.unavailable")
        else:
            state = tr("a11y.on" if self.isChecked() else "a11y.off")
        self.setText(tr("a11y.toggle", name=tr(self._name_key), state=state))
        # The state is the button's own (checked), as a screen reader announces it.
        self.setAccessibleName(tr(self._name_key))


class AccessibilityScreen(Screen):
    title_key = "a11y.title"
    changed = Signal(object)  # Accessibility
    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addWidget(TrLabel("a11y.title", "title", self))
        self.large_text = Switch("a11y.large_text", self)
        self.high_contrast = Switch("a11y.high_contrast", self)
        self.audio = Switch("a11y.audio", self)
        for switch in (self.large_text, self.high_contrast, self.audio):
            layout.addWidget(switch)
            switch.clicked.connect(self._changed)
        layout.addStretch(1)
        self.close_button = TrButton("a11y.done", "primary", self)
        self.close_button.clicked.connect(self.closed)
        layout.addWidget(self.close_button)

    def options(self) -> Accessibility:
        return Accessibility(
            self.large_text.isChecked(), self.high_contrast.isChecked(), self.audio.isChecked()
        )

    def set_audio_available(self, available: bool) -> None:
        """Without a speech engine the audio switch is off and says it cannot be used."""
        self.audio.setEnabled(available)
        if not available:
            self.audio.setChecked(False)
        self.audio.retranslate()

    def set_options(self, options: Accessibility) -> None:
        self.large_text.setChecked(options.large_text)
        self.high_contrast.setChecked(options.high_contrast)
        self.audio.setChecked(options.audio)

    def wipe(self) -> None:
        """Settings belong to the shell, which resets them for the next citizen."""

    def _changed(self) -> None:
        self.changed.emit(self.options())
