"""Home: one card per thing a citizen can do here, the language, and where help is.

Simple on purpose (a "쉬운 화면"): each card has a pictogram, a title and right
under it what it is for; two columns, one at 200 % text or on a narrow
screen. The language is chosen here, on the first screen (KS X 9211), and a
standing line says that the kiosk talks through earphones. More cards can be
added (``add_tile``): the grid takes any number.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget
from typing_extensions import override

from kiosk.config import Language
from ui.icons import icon
from ui.screens.base import Screen
from ui.scrolling import ScrollPage
from ui.theme import current_theme
from ui.widgets import TileButton, TrButton, TrLabel

# (flow, title key, hint key, pictogram): the order citizens see them in.
TILES = (
    ("complaint", "home.complaint", "home.complaint.hint", "complaint"),
    ("suggestion", "home.suggestion", "home.suggestion.hint", "suggestion"),
    ("proposal", "home.proposal", "home.proposal.hint", "proposal"),
    ("signup", "home.signup", "home.signup.hint", "signup"),
    ("case", "home.case", "home.case.hint", "case"),
    ("checkin", "home.checkin", "home.checkin.hint", "checkin"),
)
# A card needs this many body-text widths to hold its title beside its pictogram.
_CARD_EMS = 13


class HomeScreen(Screen):
    title_key = "home.title"
    chosen = Signal(str)
    language_chosen = Signal(str)
    accessibility_requested = Signal()

    def __init__(
        self, parent: QWidget | None = None, *, show_checkin: bool = True, columns: int = 2
    ) -> None:
        super().__init__(parent)
        self._max_columns = columns
        self._columns = 0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        content = QWidget()
        self._column = QVBoxLayout(content)
        self._column.setContentsMargins(0, 0, 0, 0)
        self._column.addWidget(TrLabel("home.title", "title", content))
        self._column.addWidget(TrLabel("home.subtitle", "hint", content))
        # The cards in a box of their own: the keypad counts them as one group ("6개 중 1번째").
        self._cards = QWidget(content)
        self._grid = QGridLayout(self._cards)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._column.addWidget(self._cards)
        self.tiles: dict[str, TileButton] = {}
        for flow, title, hint, picture in TILES:
            if flow == "checkin" and not show_checkin:
                continue
            self.add_tile(flow, title, hint, picture)
        # The language, on the first screen, each name in its own language.
        self.language_label = TrLabel("home.language", "field-label", content)
        # A caption for eyes: each language button says its own name to the voice.
        self.language_label.setProperty("spoken", False)
        # The two languages in a box of their own: one group of two for the keypad.
        self._language_box = QWidget(content)
        languages = QHBoxLayout(self._language_box)
        languages.setContentsMargins(0, 0, 0, 0)
        self.korean = TrButton(
            "language.ko",
            "choice",
            self._language_box,
            a11y_key="language.ko.a11y",
            icon_name="language",
        )
        self.english = TrButton(
            "language.en",
            "choice",
            self._language_box,
            a11y_key="language.en.a11y",
            icon_name="language",
        )
        for button, code in ((self.korean, "ko"), (self.english, "en")):
            button.setCheckable(True)
            button.clicked.connect(lambda _=False, c=code: self.language_chosen.emit(c))
            languages.addWidget(button, 1)
        self._languages = languages
        self._column.addWidget(self.language_label)
        self._column.addWidget(self._language_box)
        # A standing hint: the kiosk speaks through earphones (ui.speech wires the jack).
        voice = QHBoxLayout()
        self.voice_icon = QLabel(content)
        # Where voice guidance starts, in words a braille label on the kiosk can repeat
        # (ui.voice.guide fills in the keypad key from the keypad map).
        self.voice_hint = TrLabel("home.voice", "body", content)
        self.voice_hint.setProperty("spoken", False)  # once the voice speaks, it is news to nobody
        self.more = TrButton("home.more", "secondary", content, icon_name="help")
        self.more.clicked.connect(self.accessibility_requested)
        voice.addWidget(self.voice_icon)
        voice.addWidget(self.voice_hint, 1)
        voice.addWidget(self.more)
        self._voice = voice
        self._column.addLayout(voice)
        self.view = ScrollPage(content)
        layout.addWidget(self.view, 1)
        self._content = content
        self._restyle()

    def add_tile(
        self, flow: str, title: str, hint: str, picture: str = "", parent: QWidget | None = None
    ) -> TileButton:
        """One more card (a new service); it takes the next place in the grid."""
        tile = TileButton(title, hint, parent or self._cards, icon_name=picture)
        tile.setObjectName(f"tile-{flow}")
        tile.clicked.connect(lambda _=False, f=flow: self.chosen.emit(f))
        self.tiles[flow] = tile
        self._place(max(1, self._columns))
        return tile

    def show_language(self, language: Language) -> None:
        self.korean.setChecked(language == "ko")
        self.english.setChecked(language == "en")

    @override
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit(event.size().width())

    @override
    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.StyleChange:
            self._restyle()
            self._fit(self.width(), force=True)

    def _restyle(self) -> None:
        theme = current_theme()
        m = theme.metrics
        self._column.setSpacing(m.gap * 2)
        self._grid.setSpacing(m.gap * 2)
        self._languages.setSpacing(m.gap * 2)
        self._voice.setSpacing(m.gap)
        self.voice_icon.setPixmap(
            icon("headphones", m.icon, theme.palette.icon).pixmap(m.icon, m.icon)
        )

    def _fit(self, width: int, *, force: bool = False) -> None:
        """Two cards side by side when each keeps room for its title; one at 200 % text."""
        if width <= 0:
            return
        card = _CARD_EMS * current_theme().metrics.text_px
        columns = max(1, min(self._max_columns, (width + self._grid.spacing()) // card))
        if columns != self._columns or force:
            self._place(columns)

    def _place(self, columns: int) -> None:
        self._columns = columns
        for tile in self.tiles.values():
            self._grid.removeWidget(tile)
        for index, tile in enumerate(self.tiles.values()):
            self._grid.addWidget(tile, index // columns, index % columns)
        for column in range(self._grid.columnCount()):
            self._grid.setColumnStretch(column, 1 if column < columns else 0)
