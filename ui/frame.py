"""The frame around every citizen screen: the title strip, the bottom bar, the staff strip.

Top (``TopBar``): the title, and in a flow the steps, counted as the citizen
meets them (consent and review included): "2 / 5 단계 · 내용 입력" and one
numbered segment per step; the current one is filled, outlined and says
"현재", so it is told by more than colour.

Bottom (``BottomBar``): 처음으로 · 이전 · 직원 호출 · 글자 크게 · 고대비 ·
화면 낮춤 · English — the same buttons in the same places on every screen.
A button that means nothing on a screen (이전 on the home screen) keeps its
place, hidden, so the others never move under a finger. The bar wraps into
rows when its words do not fit one (a portrait screen, large text).

``StatusStrip``: online or offline and what waits to be sent, for staff only;
citizens are told about the connection only where it changes what happens
to them (the receipt of a record made offline).

The frame draws; the flow controller (``ui.flow``) and the window decide
what it shows.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QWidget
from typing_extensions import override

from kiosk.config import Language
from sync.status import SyncState
from ui.i18n import tr
from ui.steady import SteadyBox
from ui.theme import current_theme
from ui.widgets import TrButton, TrLabel, paint_icon, set_role

__all__ = ["BottomBar", "StatusStrip", "StepIndicator", "TopBar"]


class StepIndicator(QWidget):
    """The numbered segments of the steps, the current one marked; ``text`` says it in words.

    ``text`` ("2 / 5 단계 · 내용 입력") is a label of its own, so the title strip
    can put it beside the segments or above them.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._steps: tuple[str, ...] = ()
        self._current = 0
        self.text = QLabel(parent)
        set_role(self.text, "step")
        self._segments: list[QLabel] = []
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(0, 0, 0, 0)

    @property
    def steps(self) -> tuple[str, ...]:
        return self._steps

    @property
    def current(self) -> int:
        """Index of the current step (0-based)."""
        return self._current

    def segments(self) -> list[QLabel]:
        return self._segments[: len(self._steps)]

    def show_steps(self, steps: Sequence[str], current: int) -> None:
        self._steps = tuple(steps)
        self._current = max(0, min(current, len(self._steps) - 1))
        while len(self._segments) < len(self._steps):
            segment = QLabel(self)
            segment.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self._segments.append(segment)
            self._row.addWidget(segment)
        self.retranslate()

    @override
    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.StyleChange:
            self.retranslate()

    def retranslate(self) -> None:
        if not self._steps:
            self.text.clear()
            self.text.setAccessibleName("")
        else:
            text = tr(
                "frame.step",
                current=self._current + 1,
                total=len(self._steps),
                name=tr(self._steps[self._current]),
            )
            self.text.setText(text)
            self.text.setAccessibleName(text)
        m = current_theme().metrics
        self._row.setSpacing(m.frame_pad)
        for index, segment in enumerate(self._segments):
            shown = index < len(self._steps)
            segment.setVisible(shown)
            if not shown:
                continue
            segment.setMinimumWidth(round(m.font["step"] * 1.3))
            number = index + 1
            if index < self._current:
                role, words = "step-done", tr("frame.step.done", number=number)
            elif index == self._current:
                role, words = "step-now", tr("frame.step.now", number=number)
            else:
                role, words = "step-todo", str(number)
            if segment.property("role") != role:
                set_role(segment, role)
                segment.style().unpolish(segment)
                segment.style().polish(segment)
            segment.setText(words)
            segment.setAccessibleName(f"{tr(self._steps[index])} {words}")


class TopBar(QWidget):
    """The title strip: the screen's or flow's title, the office on the home screen, the steps.

    Title, step words and segments share one row when they fit; on a narrower
    screen the segments go under them, then the words too.
    """

    def __init__(self, office: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        set_role(self, "header")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.title = TrLabel("app.title", "frame-title", self)
        self.title.setWordWrap(False)
        self.office = QLabel(office, self)
        set_role(self.office, "step")
        self.steps = StepIndicator(self)
        self._grid = QGridLayout(self)
        self._rows = 0
        self._place(1)
        self._restyle()

    @override
    def minimumSizeHint(self) -> QSize:
        # Everything stacked is always possible: never wider than its widest part.
        m = current_theme().metrics
        parts = (self.title, self.steps.text, self.steps, self.office)
        width = max(p.sizeHint().width() for p in parts) + 2 * m.margin
        return QSize(width, super().minimumSizeHint().height())

    def show_title(self, key: str, **params: object) -> None:
        self.title.set_key(key, **params)

    def show_office(self, shown: bool) -> None:
        self.office.setVisible(shown and bool(self.office.text()))

    def spoken(self) -> list[str]:
        """What the voice says of the strip on a new screen: in a flow, its title and step."""
        steps = self.steps
        if not steps.steps:
            return []
        step = tr("flow.step", current=steps.current + 1, total=len(steps.steps))
        return [self.title.text(), step]

    def show_steps(self, steps: Sequence[str], current: int) -> None:
        self.steps.show_steps(steps, current)
        self.steps.text.setVisible(bool(steps))
        self._rearrange(self.width(), force=True)

    def retranslate(self) -> None:
        self.title.retranslate()
        self.steps.retranslate()
        self._rearrange(self.width(), force=True)

    @override
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._rearrange(event.size().width())

    @override
    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.StyleChange:
            self._restyle()
            self._rearrange(self.width(), force=True)

    def _restyle(self) -> None:
        m = current_theme().metrics
        self._grid.setContentsMargins(m.margin, m.frame_pad, m.margin, m.frame_pad)
        self._grid.setHorizontalSpacing(m.gap * 2)
        self._grid.setVerticalSpacing(m.frame_pad)

    def _rearrange(self, width: int, *, force: bool = False) -> None:
        if width <= 0:
            return
        m = current_theme().metrics
        room = width - 2 * m.margin
        gap = m.gap * 2
        shown = bool(self.steps.steps)
        title = self.title.sizeHint().width()
        words = self.steps.text.sizeHint().width() if shown else 0
        segments = self.steps.sizeHint().width() if shown else 0
        if title + words + segments + 2 * gap <= room:
            rows, segmented = 1, shown
        elif m.short:
            # A short screen cannot spare a row for the segments: the words say the step.
            rows, segmented = (1 if title + words + gap <= room else 3), False
        elif title + words + gap <= room:
            rows, segmented = 2, shown
        else:
            rows, segmented = 3, shown
        self.steps.setVisible(segmented)
        if rows != self._rows or force:
            self._place(rows)

    def _place(self, rows: int) -> None:
        self._rows = rows
        for part in (self.title, self.office, self.steps.text, self.steps):
            self._grid.removeWidget(part)
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        self._grid.addWidget(self.title, 0, 0, left)
        self._grid.addWidget(self.office, 0, 2, right)
        if rows == 1:
            self._grid.addWidget(self.steps.text, 0, 1, right)
            self._grid.addWidget(self.steps, 0, 2, right)
        elif rows == 2:
            self._grid.addWidget(self.steps.text, 0, 1, 1, 2, right)
            self._grid.addWidget(self.steps, 1, 0, 1, 3, left)
        else:
            self._grid.addWidget(self.steps.text, 1, 0, 1, 3, left)
            self._grid.addWidget(self.steps, 2, 0, 1, 3, left)
        self._grid.setColumnStretch(0, 1)


class BarButton(TrButton):
    """A bottom-bar button: its pictogram and its word, or the word alone or on two lines.

    ``BottomBar`` picks the form that lets all seven sit in one row.
    """

    def __init__(self, key: str, parent: QWidget | None = None, *, icon_name: str) -> None:
        self._shape = "icon"
        super().__init__(key, "bar", parent, icon_name=icon_name)
        # Reached by the keypad (Tab), but a tap leaves the focus where it was: the field
        # being typed into keeps it, and with it the keyboard (language, text size).
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)

    def set_shape(self, shape: str) -> None:
        """``icon`` (pictogram and word), ``plain`` (word), ``wrapped`` (word on two lines)."""
        if shape == self._shape:
            return
        self._shape = shape
        self.retranslate()
        paint_icon(self, self.icon_name if shape == "icon" else "")

    def retranslate(self) -> None:
        super().retranslate()
        if getattr(self, "_shape", "icon") == "wrapped":
            # Two lines at the first space; a word without one (처음으로) stays whole.
            self.setText(self.text().replace(" ", "\n", 1))

    @override
    def changeEvent(self, event: QEvent) -> None:
        QPushButton.changeEvent(self, event)
        if event.type() == QEvent.Type.StyleChange:
            paint_icon(self, self.icon_name if self._shape == "icon" else "")


class BottomBar(QWidget):
    """The bar every citizen screen ends with; each button emits its own signal.

    All seven buttons in one row when they fit: with pictograms, or without
    them, or with their words on two lines; otherwise in two balanced rows.
    """

    home_requested = Signal()
    back_requested = Signal()
    call_requested = Signal()
    large_text_toggled = Signal(bool)
    contrast_toggled = Signal(bool)
    low_screen_toggled = Signal(bool)
    language_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        set_role(self, "bottombar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.home = BarButton("bar.home", self, icon_name="home")
        self.back = BarButton("bar.back", self, icon_name="back")
        self.call = BarButton("bar.call", self, icon_name="call")
        self.large_text = BarButton("bar.large_text", self, icon_name="text-size")
        self.contrast = BarButton("bar.contrast", self, icon_name="contrast")
        self.low_screen = BarButton("bar.low_screen", self, icon_name="low-screen")
        self.language = BarButton("language.en", self, icon_name="language")
        self._language: Language = "ko"
        self.buttons = (
            self.home,
            self.back,
            self.call,
            self.large_text,
            self.contrast,
            self.low_screen,
            self.language,
        )
        for button in self.buttons:
            policy = button.sizePolicy()
            # A hidden button keeps its place: the others never move under a finger.
            policy.setRetainSizeWhenHidden(True)
            button.setSizePolicy(policy)
        for toggle in (self.large_text, self.contrast, self.low_screen, self.call):
            toggle.setCheckable(True)
            toggle.toggled.connect(lambda _on: self.retranslate())
        self.home.clicked.connect(self.home_requested)
        self.back.clicked.connect(self.back_requested)
        self.call.clicked.connect(self._call_clicked)
        self.large_text.clicked.connect(self.large_text_toggled)
        self.contrast.clicked.connect(self.contrast_toggled)
        self.low_screen.clicked.connect(self.low_screen_toggled)
        self.language.clicked.connect(self._language_clicked)
        # Hidden while typing on a short screen (``set_compact``): the keyboard needs the room.
        self.display_buttons = (self.large_text, self.contrast, self.low_screen, self.language)
        self._compact = False
        self._grid = QGridLayout(self)
        self._arrangement = ("", 0)
        self._restyle()
        self._place("icon", 1)
        self.retranslate()

    def set_compact(self, compact: bool) -> None:
        """While the keyboard is open on a short screen: start over, back and call staff only.

        Display and language wait until the keyboard closes (a tap beside the
        field, or the page's button); the way home and to help never go away.
        """
        if compact == self._compact:
            return
        self._compact = compact
        for button in self.display_buttons:
            button.setVisible(not compact)
        self._refit(self.width(), force=True)

    def shown_buttons(self) -> tuple[BarButton, ...]:
        if self._compact:
            return tuple(b for b in self.buttons if b not in self.display_buttons)
        return self.buttons

    @override
    def minimumSizeHint(self) -> QSize:
        # One button per row is always possible: never wider than the widest button.
        margins = self._grid.contentsMargins()
        widest = max(b.minimumSizeHint().width() for b in self.buttons)
        return QSize(widest + margins.left() + margins.right(), super().minimumSizeHint().height())

    def show_language(self, language: Language) -> None:
        """The button offers the other language, in that language's own words."""
        self._language = language
        self.retranslate()

    def show_modes(self, *, large_text: bool, contrast: bool, low_screen: bool) -> None:
        for button, on in (
            (self.large_text, large_text),
            (self.contrast, contrast),
            (self.low_screen, low_screen),
        ):
            if button.isChecked() != on:
                button.setChecked(on)

    def show_call(self, active: bool) -> None:
        if self.call.isChecked() != active:
            self.call.setChecked(active)

    def show_navigation(self, *, home: bool, back: bool) -> None:
        self.home.setVisible(home)
        self.back.setVisible(back)

    def retranslate(self) -> None:
        other = "en" if self._language == "ko" else "ko"
        self.language.set_key(f"language.{other}")
        self.language.set_a11y_key(f"language.{other}.a11y")
        for button in (self.large_text, self.contrast, self.low_screen):
            state = tr("a11y.on" if button.isChecked() else "a11y.off")
            button.set_a11y_key("a11y.toggle", name=tr(button.key), state=state)
        self.call.set_key("bar.call.cancel" if self.call.isChecked() else "bar.call")
        for button in (self.home, self.back):
            button.retranslate()
        self._refit(self.width(), force=True)

    def _call_clicked(self) -> None:
        # Undo the click's own flip: whether a call is on is the window's to say (show_call).
        self.call.setChecked(not self.call.isChecked())
        self.call_requested.emit()

    def _language_clicked(self) -> None:
        self.language_requested.emit("en" if self._language == "ko" else "ko")

    @override
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._refit(event.size().width())

    @override
    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.StyleChange:
            self._restyle()
            self._refit(self.width(), force=True)

    def _restyle(self) -> None:
        m = current_theme().metrics
        self._grid.setContentsMargins(m.frame_pad, m.frame_pad, m.frame_pad, m.frame_pad)
        self._grid.setSpacing(m.frame_pad)

    def _refit(self, width: int, *, force: bool = False) -> None:
        if width <= 0:
            return
        margins = self._grid.contentsMargins()
        room = width - margins.left() - margins.right()
        spacing = self._grid.spacing()
        shown = self.shown_buttons()
        arrangement = ("wrapped", len(shown))
        # One row if the words fit (with pictograms, without, on two lines); else two
        # rows of equal columns, in the first shape whose words fit a column; and so on.
        for rows in range(1, len(shown) + 1):
            columns = -(-len(shown) // rows)
            column = (room - spacing * (columns - 1)) / columns
            fitting = next(
                (s for s in ("icon", "plain", "wrapped") if self._fits(s, rows, column, room)), ""
            )
            if fitting:
                arrangement = (fitting, rows)
                break
        if arrangement != self._arrangement or force:
            self._place(*arrangement)
        else:
            for button in self.buttons:
                button.set_shape(arrangement[0])

    def _fits(self, shape: str, rows: int, column: float, room: int) -> bool:
        shown = self.shown_buttons()
        for button in shown:
            button.set_shape(shape)
        widths = [b.sizeHint().width() for b in shown]
        if rows == 1:
            return sum(widths) + self._grid.spacing() * (len(shown) - 1) <= room
        return max(widths) <= column

    def _place(self, shape: str, rows: int) -> None:
        self._arrangement = (shape, rows)
        for button in self.buttons:
            button.set_shape(shape)
            self._grid.removeWidget(button)
        shown = self.shown_buttons()
        count = len(shown)
        columns = -(-count // rows)
        for index, button in enumerate(shown):
            self._grid.addWidget(button, index // columns, index % columns)
        for column in range(self._grid.columnCount()):
            if rows == 1 and column < count:
                # One row: each button as wide as its words need, the rest shared alike.
                self._grid.setColumnStretch(column, shown[column].sizeHint().width())
            else:
                self._grid.setColumnStretch(column, 1 if column < columns else 0)


class StatusStrip(QWidget):
    """Online or offline, and how many records wait to be sent: for staff, never citizens."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        set_role(self, "status")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.state = TrLabel("status.state.unknown", "status", self)
        self.pending = TrLabel("status.pending", "status", self, count=0)
        row.addWidget(self.state, 1)
        # Changes after every record: boxed, so it does not lay out the window again.
        row.addWidget(SteadyBox(self.pending, self))

    def show_status(self, state: SyncState | None, pending: int) -> None:
        self.state.set_key(f"status.state.{state.value if state else 'unknown'}")
        self.state.setProperty("state", state.value if state else "unknown")
        self.pending.set_key("status.pending", count=pending)
