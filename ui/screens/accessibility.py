"""Large text, high contrast and audio guidance, each one big on/off switch."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

from ui.i18n import tr
from ui.screens.base import Screen
from ui.scrolling import ScrollPage
from ui.widgets import NavBar, TrLabel, set_role


@dataclass(frozen=True)
class Accessibility:
    large_text: bool = False
    high_contrast: bool = False
    audio: bool = False
    # Low-screen mode (화면 낮춤): the whole interaction in the lower half, for wheelchair users.
    low_screen: bool = False


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
    """Every display and sound option as one big switch; the bottom bar has the common ones."""

    title_key = "a11y.title"
    changed = Signal(object)  # Accessibility
    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(TrLabel("a11y.title", "question", content))
        self.large_text = Switch("a11y.large_text", content)
        self.high_contrast = Switch("a11y.high_contrast", content)
        self.low_screen = Switch("a11y.low_screen", content)
        self.audio = Switch("a11y.audio", content)
        for switch in (self.large_text, self.high_contrast, self.low_screen, self.audio):
            column.addWidget(switch)
            switch.clicked.connect(self._changed)
        self.view = ScrollPage(content)
        layout.addWidget(self.view, 1)
        self.nav = NavBar("a11y.done", parent=self, next_icon="check")
        self.close_button = self.nav.next_button
        self.nav.forward.connect(self.closed)
        layout.addWidget(self.nav)

    def options(self) -> Accessibility:
        return Accessibility(
            self.large_text.isChecked(),
            self.high_contrast.isChecked(),
            self.audio.isChecked(),
            self.low_screen.isChecked(),
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
        self.low_screen.setChecked(options.low_screen)
        self.audio.setChecked(options.audio)

    def wipe(self) -> None:
        """Settings belong to the shell, which resets them for the next citizen."""

    def _changed(self) -> None:
        self.changed.emit(self.options())
