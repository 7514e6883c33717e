"""A form asked one short page at a time, checked page by page.

Kiosk forms are split into pages of one or two questions. Each page is a
``ScrollPage``: it scrolls by finger, shrinks when the keyboard opens and
keeps the focused field with its question and error in view. "Next" runs the
domain's own checks (``validator``) and stays on the page when one of its
fields is wrong, with the message beside that field. "Back" is the bottom
bar's (``step_back``). Each page is a step of the flow (``add_page``'s
``step``), which the title strip counts.

A page whose first question is typed opens with that field focused, so the
keyboard is there at once; a page that starts with a choice has no focus, so
the keyboard closes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QStackedWidget, QVBoxLayout, QWidget
from typing_extensions import override

from core.validation import FieldError
from ui.screens.base import Screen
from ui.scrolling import ScrollPage, scroll_into_view
from ui.theme import current_theme
from ui.widgets import ChoiceGrid, Field, NavBar, TrLabel

Validator = Callable[[], list[FieldError]]


class FormScreen(Screen):
    """Pages of fields, each a step, with the main button under them."""

    completed = Signal()
    cancelled = Signal()
    page_changed = Signal()
    errors_shown = Signal(list)  # the catalog keys now shown, for audio guidance

    def __init__(self, title_key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title_key = title_key
        self.validator: Validator = list
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._layout = layout
        self.pages = QStackedWidget(self)
        self.nav = NavBar(parent=self)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.nav)
        self._fields: list[tuple[int, Field]] = []
        self._page_widgets: list[QWidget] = []
        self._steps: list[str] = []
        # Pages left out for now (the photo page on a kiosk without a camera).
        self._skipped: set[int] = set()
        self.nav.forward.connect(self.go_forward)
        self._restyle()

    # --- building -------------------------------------------------------------------------

    def add_page(
        self,
        fields: Sequence[Field],
        *,
        step: str = "",
        note_key: str = "",
        note_role: str = "hint",
    ) -> QWidget:
        page = QWidget()
        column = QVBoxLayout(page)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(current_theme().metrics.gap * 2)
        if note_key:
            note = TrLabel(note_key, note_role, page)
            if note_role.startswith("verdict"):
                note.setProperty("note", True)
            column.addWidget(note)
        grow = False
        for field in fields:
            # A text box grows into the room the page has: the field takes the stretch.
            boxed = isinstance(field.editor, QPlainTextEdit)
            grow = grow or boxed
            column.addWidget(field, 1 if boxed else 0)
            self._fields.append((self.pages.count(), field))
        self.pages.addWidget(ScrollPage(page, grow=grow))
        self._page_widgets.append(page)
        self._steps.append(step)
        return page

    def set_page_skipped(self, page: QWidget, skipped: bool) -> None:
        """Leave a page out of the flow (and of the step count), or put it back."""
        index = self._page_widgets.index(page)
        if skipped:
            self._skipped.add(index)
        else:
            self._skipped.discard(index)
        self.page_changed.emit()

    def is_skipped(self, page: QWidget) -> bool:
        return self._page_widgets.index(page) in self._skipped

    def skipped_steps(self) -> set[str]:
        return {self._steps[i] for i in self._skipped}

    def current_page(self) -> QWidget:
        return self._page_widgets[self.pages.currentIndex()]

    def current_scroll(self) -> ScrollPage:
        page = self.pages.currentWidget()
        assert isinstance(page, ScrollPage)
        return page

    def step_key(self) -> str:
        return self._steps[self.pages.currentIndex()]

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

    def form(self) -> Any:
        """The values as the domain takes them (``ComplaintForm``, ``ProposalForm``, …)."""
        raise NotImplementedError

    def review_rows(self) -> list[tuple[str, str | QPixmap]]:
        """(label key, value) to read back on the review page."""
        return []

    def typed(self) -> list[str]:
        """Everything typed into this form's fields (for "start over": is it worth asking?)."""
        return [f.value() for f in self.fields() if not isinstance(f.editor, ChoiceGrid)]

    # --- moving ---------------------------------------------------------------------------

    def start(self) -> None:
        self._turn_to(self._shown()[0])

    def show_last_page(self) -> None:
        self._turn_to(self._shown()[-1])

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
            self._turn_to(later[0])
        else:
            self.completed.emit()

    def step_back(self) -> bool:
        page = self.pages.currentIndex()
        earlier = [i for i in self._shown() if i < page]
        if not earlier:
            return False
        self._turn_to(earlier[-1])
        return True

    def go_back(self) -> None:
        """Back one page, or out of the form (``cancelled``) from its first page."""
        if not self.step_back():
            self.cancelled.emit()

    def show_errors(self, errors: Sequence[FieldError]) -> bool:
        """Show each error beside its field and turn to the first page with one.

        Returns False when none of the errors belongs to a field of this form.
        """
        shown: list[str] = []
        first: tuple[int, Field] | None = None
        for page, field in self._fields:
            keys = [e.key for e in errors if e.field == field.name]
            if not keys:
                continue
            field.show_error(keys[0])
            shown.append(f"error.{keys[0]}")
            if first is None or page < first[0]:
                first = (page, field)
        if first is None:
            return False
        self._turn_to(first[0], focus=False)
        _focus_or_reveal(first[1])
        self.errors_shown.emit(shown)
        return True

    def wipe(self) -> None:
        super().wipe()
        self.start()

    def _clear_errors(self, page: int) -> None:
        for p, field in self._fields:
            if p == page:
                field.clear_error()

    def _turn_to(self, index: int, *, focus: bool = True) -> None:
        self.pages.setCurrentIndex(index)
        if focus:
            self.focus_page()
        self.page_changed.emit()

    def focus_page(self) -> None:
        """Focus the page's first field if it is typed into; otherwise leave no field focused."""
        page = self.pages.currentIndex()
        fields = [f for p, f in self._fields if p == page and not f.isHidden()]
        editor = fields[0].editor if fields else None
        if isinstance(editor, QLineEdit | QPlainTextEdit) and self.isVisible():
            editor.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.setFocus(Qt.FocusReason.OtherFocusReason)

    @override
    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.StyleChange:
            self._restyle()

    def _restyle(self) -> None:
        gap = current_theme().metrics.gap
        self._layout.setSpacing(gap)
        for page in self._page_widgets:
            column = page.layout()
            if column is not None:
                column.setSpacing(gap * 2)


def _focus_or_reveal(field: Field) -> None:
    """Put the citizen on the field that is wrong: its box focused, or the choice in view."""
    editor = field.editor
    if isinstance(editor, QLineEdit | QPlainTextEdit) and field.isVisible():
        editor.setFocus(Qt.FocusReason.OtherFocusReason)
        return
    # After the page is laid out, so the scroll area knows where the field is.
    QTimer.singleShot(0, lambda: scroll_into_view(field, margin=8))
