"""Screen privacy, and the notice when earphones are pulled out.

``PrivacyCover``: in voice mode the "hide screen" key blanks the whole
window, keyboard included, so bystanders cannot read what a blind citizen
enters. The form goes on underneath, driven by the keypad and heard through
the earphones. A touch or a key on the blank screen shows a neutral card
("화면을 가렸습니다") on the same black, never the form; only the hide key again
(or the end of the session) shows the screen.

``VoiceNotice``: a full-window message with a countdown (earphones pulled
out: "back to the start in 10 seconds unless they are plugged in again").
It is an overlay (``role`` ``overlay``): while it shows, the keypad and
touch reach only it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget
from typing_extensions import override

from ui.widgets import TrButton, TrLabel, retranslate_tree, set_role


class PrivacyCover(QWidget):
    """Black over the whole window; a neutral card after a touch or key."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("privacy-cover")
        set_role(self, "privacy")
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(120, 60, 120, 60)
        layout.addStretch(1)
        self.card = TrLabel("voice.cover.title", "title", self)
        self.note = TrLabel("voice.cover.body", "body", self)
        for label in (self.card, self.note):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            # White on black whatever the theme: the cover is the one thing that must not vary.
            label.setStyleSheet("color: #FFFFFF; background: transparent;")
            layout.addWidget(label)
        layout.addStretch(1)
        window.installEventFilter(self)
        self._show_card(False)
        self.hide()

    def cover(self) -> None:
        self._fit()
        self._show_card(False)
        self.show()
        self.raise_()

    def uncover(self) -> None:
        self.hide()

    @property
    def covering(self) -> bool:
        return self.isVisible()

    def noticed(self) -> None:
        """Someone touched the screen or pressed a key: show the card, not the form."""
        if self.covering:
            self._show_card(True)
            self.raise_()

    def retranslate(self) -> None:
        retranslate_tree(self)

    def _show_card(self, shown: bool) -> None:
        self.card.setVisible(shown)
        self.note.setVisible(shown)

    def _fit(self) -> None:
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())

    @override
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and self.covering:
            self._fit()
        return False

    @override
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#000000"))
        painter.end()

    @override
    def event(self, event: QEvent) -> bool:
        # A finger on the cover stops here: nothing under it is pressed.
        if event.type() in (
            QEvent.Type.MouseButtonPress,
            QEvent.Type.MouseButtonRelease,
            QEvent.Type.MouseButtonDblClick,
            QEvent.Type.TouchBegin,
            QEvent.Type.TouchUpdate,
            QEvent.Type.TouchEnd,
        ):
            self.noticed()
            event.accept()
            return True
        return super().event(event)


class VoiceNotice(QWidget):
    """A full-window message, and a button to go on by touch without the voice."""

    carry_on = Signal()

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("voice-notice")
        set_role(self, "overlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(120, 60, 120, 60)
        layout.addStretch(1)
        self.title = TrLabel("", "title", self)
        self.body = TrLabel("", "body", self)
        for label in (self.title, self.body):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(label)
        self.continue_button = TrButton("voice.unplugged.continue", "primary", self)
        self.continue_button.clicked.connect(self.carry_on)
        layout.addWidget(self.continue_button)
        layout.addStretch(1)
        self.hide()

    def show_notice(self, title_key: str, body_key: str, **params: object) -> None:
        self.title.set_key(title_key)
        self.body.set_key(body_key, **params)
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        self.show()
        self.raise_()

    def retranslate(self) -> None:
        retranslate_tree(self)
