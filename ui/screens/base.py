"""What every screen can do: retranslate, wipe, and say what it is."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QTextEdit, QWidget

from ui.i18n import tr
from ui.widgets import ChoiceGrid, Field, retranslate_tree


class Screen(QWidget):
    """A page of the kiosk's stack.

    ``title_key`` is what audio guidance announces when the screen appears.
    ``wipe`` must leave nothing a citizen entered: the default clears every
    editor and choice under the screen, subclasses clear their own state too.
    """

    title_key = ""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # The window gives a screen the focus when no field should have it (the keyboard
        # closes); a button would otherwise show its focus ring for no reason.
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)

    def retranslate(self) -> None:
        retranslate_tree(self)

    def wipe(self) -> None:
        for field in self.findChildren(Field):
            field.wipe()
        for editor in self.findChildren(QLineEdit):
            editor.clear()
        for text in self.findChildren(QPlainTextEdit):
            text.clear()
        for rich in self.findChildren(QTextEdit):
            rich.clear()
        for grid in self.findChildren(ChoiceGrid):
            grid.clear()

    def step_key(self) -> str:
        """The step of its flow this screen is now (catalog key), or "" outside a flow."""
        return ""

    def step_back(self) -> bool:
        """Go back within the screen (an earlier page); False when there is none."""
        return False

    def typed(self) -> list[str]:
        """What the citizen typed here, for "start over" to judge what leaving would lose."""
        return []

    def announcement(self) -> str:
        """What audio guidance says when this screen appears."""
        return tr(self.title_key) if self.title_key else ""
