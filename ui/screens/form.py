"""A form asked one short page at a time, checked page by page.

Kiosk forms are split into pages of one or two questions so that each fits
above the on-screen keyboard in both orientations and at 200% text. "Next"
runs the domain's own checks (``validator``) and stays on the page when one
of its fields is wrong, with the message beside that field.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QScrollArea, QStackedWidget, QVBoxLayout, QWidget

from core.validation import FieldError
from ui.screens.base import Screen
from ui.widgets import ChoiceGrid, Field, NavBar, TrLabel

Validator = Callable[[], list[FieldError]]


class FormScreen(Screen):
    """Pages of fields with a step header and a back/next bar."""

    completed = Signal()
    cancelled = Signal()
    errors_shown = Signal(list)  # the catalog keys now shown, for audio guidance

    def __init__(self, title_key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title_key = title_key
        self.validator: Validator = list
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = TrLabel(title_key, "title", self)
        self.step = TrLabel("flow.step", "subtitle", self, current=1, total=1)
        self.step.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.pages = QStackedWidget(self)
        self.nav = NavBar(parent=self)
        heading = QHBoxLayout()
        heading.addWidget(self.title, 1)
        heading.addWidget(self.step)
        layout.addLayout(heading)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.nav)
        self._fields: list[tuple[int, Field]] = []
        self._page_widgets: list[QWidget] = []
        # Pages left out for now (the photo page on a kiosk without a camera).
        self._skipped: set[int] = set()
        self.nav.forward.connect(self.go_forward)
        self.nav.back.connect(self.go_back)

    # --- building -------------------------------------------------------------------------

    def add_page(
        self, fields: Sequence[Field], *, note_key: str = "", note_role: str = "hint"
    ) -> QWidget:
        page = QWidget()
        column = QVBoxLayout(page)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(16)
        if note_key:
            column.addWidget(TrLabel(note_key, note_role, page))
        for field in fields:
            column.addWidget(field)
            self._fields.append((self.pages.count(), field))
        column.addStretch(1)
        # A 200% text page can outgrow a landscape screen; scroll rather than clip.
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(page)
        self.pages.addWidget(scroll)
        self._page_widgets.append(page)
        self._update_step()
        return page

    def set_page_skipped(self, page: QWidget, skipped: bool) -> None:
        """Leave a page out of the flow (and of the step count), or put it back."""
        index = self._page_widgets.index(page)
        if skipped:
            self._skipped.add(index)
        else:
            self._skipped.discard(index)
        self._update_step()

    def is_skipped(self, page: QWidget) -> bool:
        return self._page_widgets.index(page) in self._skipped

    def current_page(self) -> QWidget:
        return self._page_widgets[self.pages.currentIndex()]

    def _shown(self) -> list[int]:
        return [i for i in range(self.pages.count()) if i not in self._skipped]

    def field(self, name: str) -> Field:
        for _, field in self._fields:
            if field.name == name:
                return field
        raise KeyError(name)

    def fields(self) -> list[Field]:
        return [field for _, field in self._fields]

    def value(self, name: str) -> str:
        return self.field(name).value()

    def grid(self, name: str) -> ChoiceGrid:
        editor = self.field(name).editor
        if not isinstance(editor, ChoiceGrid):
            raise TypeError(f"{name} is not a choice")
        return editor

    def choice_text(self, name: str) -> str:
        """The chosen option's name as shown (current language), or ""."""
        grid = self.grid(name)
        return grid.button_for(grid.value()).text() if grid.value() else ""

    # --- moving ---------------------------------------------------------------------------

    def start(self) -> None:
        self.pages.setCurrentIndex(self._shown()[0])
        self._update_step()

    def show_last_page(self) -> None:
        self.pages.setCurrentIndex(self._shown()[-1])
        self._update_step()

    def go_forward(self) -> None:
        page = self.pages.currentIndex()
        here = {f.name for p, f in self._fields if p == page}
        errors = [e for e in self.validator() if e.field in here]
        self._clear_errors(page)
        if errors:
            self.show_errors(errors)
            return
        later = [i for i in self._shown() if i > page]
        if later:
            self.pages.setCurrentIndex(later[0])
            self._update_step()
        else:
            self.completed.emit()

    def go_back(self) -> None:
        page = self.pages.currentIndex()
        earlier = [i for i in self._shown() if i < page]
        if not earlier:
            self.cancelled.emit()
            return
        self.pages.setCurrentIndex(earlier[-1])
        self._update_step()

    def show_errors(self, errors: Sequence[FieldError]) -> bool:
        """Show each error beside its field and turn to the first page with one.

        Returns False when none of the errors belongs to a field of this form.
        """
        shown: list[str] = []
        first_page: int | None = None
        for page, field in self._fields:
            keys = [e.key for e in errors if e.field == field.name]
            if not keys:
                continue
            field.show_error(keys[0])
            shown.append(f"error.{keys[0]}")
            first_page = page if first_page is None else min(first_page, page)
        if first_page is None:
            return False
        self.pages.setCurrentIndex(first_page)
        self._update_step()
        self.errors_shown.emit(shown)
        return True

    def wipe(self) -> None:
        super().wipe()
        self.start()

    def _clear_errors(self, page: int) -> None:
        for p, field in self._fields:
            if p == page:
                field.clear_error()

    def _update_step(self) -> None:
        shown = self._shown()
        current = self.pages.currentIndex()
        position = shown.index(current) + 1 if current in shown else 1
        self.step.set_key("flow.step", current=position, total=max(1, len(shown)))
