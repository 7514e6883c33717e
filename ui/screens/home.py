"""Home: one large tile per thing a citizen can do here."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QVBoxLayout, QWidget

from ui.screens.base import Screen
from ui.widgets import TileButton, TrLabel

# (flow, title key, hint key): the order citizens see them in.
TILES = (
    ("complaint", "home.complaint", "home.complaint.hint"),
    ("suggestion", "home.suggestion", "home.suggestion.hint"),
    ("proposal", "home.proposal", "home.proposal.hint"),
    ("signup", "home.signup", "home.signup.hint"),
    ("case", "home.case", "home.case.hint"),
    ("checkin", "home.checkin", "home.checkin.hint"),
)


class HomeScreen(Screen):
    title_key = "home.title"
    chosen = Signal(str)

    def __init__(
        self, parent: QWidget | None = None, *, show_checkin: bool = True, columns: int = 2
    ) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(TrLabel("home.title", "title", self))
        layout.addWidget(TrLabel("home.subtitle", "subtitle", self))
        grid = QGridLayout()
        grid.setSpacing(20)
        layout.addLayout(grid, 1)
        for column in range(columns):
            # Equal columns: without stretch, 200 % text lets a long hint widen its column.
            grid.setColumnStretch(column, 1)
        self.tiles: dict[str, TileButton] = {}
        shown = [t for t in TILES if show_checkin or t[0] != "checkin"]
        for index, (flow, title, hint) in enumerate(shown):
            tile = TileButton(title, hint, self)
            tile.setObjectName(f"tile-{flow}")
            tile.clicked.connect(lambda _=False, f=flow: self.chosen.emit(f))
            grid.addWidget(tile, index // columns, index % columns)
            self.tiles[flow] = tile
        # Where voice guidance starts, in words a braille label on the kiosk can repeat
        # (filled in by ui.voice.guide from the keypad map).
        self.voice_hint = TrLabel("", "hint", self)
        self.voice_hint.setProperty("spoken", False)  # once the voice speaks, it is news to nobody
        layout.addWidget(self.voice_hint)
