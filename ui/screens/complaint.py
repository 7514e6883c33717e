"""The complaint flow's form, and the anonymous suggestion (the same, without contact).

A formal complaint asks what, where, what happened and how to reply. The
anonymous suggestion is the same form with no contact page and a plain note
that it is not a formal complaint and gets no personal reply.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from PySide6.QtCore import QSize, QTimer
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QApplication, QLineEdit, QPlainTextEdit, QVBoxLayout, QWidget

from core.dongs import dongs_of
from core.reference import SEOUL_DISTRICTS
from kiosk.lookups import CategoryItem
from kiosk.submissions import ComplaintForm
from ui.i18n import language
from ui.photo import PhotoSource
from ui.screens.form import FormScreen
from ui.screens.photo import PhotoPanel
from ui.scrolling import scroll_into_view
from ui.widgets import DIGITS, EMAIL, Choice, choice_field, line_field, text_field

DISTRICT_CHOICES = tuple(Choice(d.code, d.ko, d.en) for d in SEOUL_DISTRICTS)
THUMBNAIL = QSize(320, 240)


def _natural(text: str) -> tuple[str | int, ...]:
    # "Sanggye 10-dong" after "Sanggye 9-dong", as a person reads a list.
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text))


def dong_choices(district: str) -> tuple[Choice, ...]:
    """The district's dongs in the reading order of the current language."""
    choices = [Choice(d.code, d.ko, d.en) for d in dongs_of(district)]
    if language() != "ko":  # the list is stored in 가나다 order already
        choices.sort(key=lambda c: _natural(c.en))
    return tuple(choices)


def category_choices(items: Sequence[CategoryItem]) -> tuple[Choice, ...]:
    return tuple(Choice(c.code, c.name_ko, c.name_en, c.icon) for c in items)


class ComplaintScreen(FormScreen):
    def __init__(
        self,
        *,
        anonymous: bool,
        photo_source: PhotoSource | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("flow.suggestion" if anonymous else "flow.complaint", parent)
        self.anonymous = anonymous
        self.photo: PhotoPanel | None = None
        self._photo_page: QWidget | None = None
        self.category = choice_field("category", "field.category", (), self, columns=3)
        note = "suggestion.note" if anonymous else ""
        self.add_page(
            [self.category], step="step.category", note_key=note, note_role="verdict-warn"
        )
        self.district = choice_field(
            "district", "field.district", DISTRICT_CHOICES, self, columns=5
        )
        # The dong question appears once a district is chosen, with that district's dongs.
        self.dong = choice_field(
            "dong", "field.dong", (), self, columns=5, none_key="field.dong.none"
        )
        self.dong.hide()
        self.add_page(
            [self.district, self.dong, line_field("address", "field.address", self)],
            step="step.place",
        )
        self.grid("district").changed.connect(self._district_chosen)
        # A complaint tells what happened; a suggestion gives an idea (issue 13's wording).
        question = "field.suggestion" if anonymous else "field.description"
        self.add_page([text_field("description", question, self)], step="step.details")
        # A photo may show people: personal data, asked for only where consent is asked
        # (the formal complaint), and only on a kiosk with a camera (set_photo_enabled).
        if not anonymous and photo_source is not None:
            self._photo_page = self.add_page([], step="step.photo")
            self.photo = PhotoPanel(photo_source, self._photo_page)
            layout = self._photo_page.layout()
            assert isinstance(layout, QVBoxLayout)
            layout.insertWidget(0, self.photo)
            self.photo.skipped.connect(self.go_forward)
            self.set_page_skipped(self._photo_page, True)
        if not anonymous:
            self.add_page(
                [
                    line_field("name", "field.name", self),
                    line_field("phone", "field.phone", self, keyboard=DIGITS),
                    line_field("email", "field.email", self, keyboard=EMAIL),
                ],
                step="step.contact",
                note_key="complaint.contact.hint",
            )

    def _district_chosen(self, district: str) -> None:
        grid = self.grid("dong")
        grid.set_choices(dong_choices(district))
        grid.set_value("")  # a dong of the district chosen before cannot stay
        self.dong.clear_error()
        self._name_district()
        self.dong.setVisible(bool(grid.buttons()))
        # On a landscape screen (or at 200% text) the dongs open below the fold: once
        # laid out, scroll their question into view; it names the district just chosen.
        QTimer.singleShot(0, self._show_dongs)

    def _show_dongs(self) -> None:
        # Not when a field took the focus meanwhile: the page keeps that field in view.
        focused = QApplication.focusWidget()
        if isinstance(focused, QLineEdit | QPlainTextEdit) and self.isAncestorOf(focused):
            return
        scroll_into_view(self.dong, to_top=True)

    def _name_district(self) -> None:
        """The dong question says which district's dongs these are: the choice, in words."""
        name = self.choice_text("district")
        if name:
            self.dong.label.set_key("field.dong.of", district=name)
        else:
            self.dong.label.set_key("field.dong")

    def set_photo_enabled(self, enabled: bool) -> None:
        """Whether the photo page is part of the flow (a camera is configured and there)."""
        if self._photo_page is not None:
            self.set_page_skipped(self._photo_page, not enabled)

    def photo_page_shown(self) -> bool:
        return self._photo_page is not None and self.current_page() is self._photo_page

    def retranslate(self) -> None:
        district = self.value("district")
        if district:
            self.grid("dong").set_choices(dong_choices(district))  # keeps the chosen dong
        super().retranslate()
        self._name_district()

    def wipe(self) -> None:
        super().wipe()
        self.grid("dong").set_choices(())
        self.dong.hide()
        self._name_district()
        if self.photo is not None:
            self.photo.clear()

    def set_categories(self, items: Sequence[CategoryItem]) -> None:
        self.grid("category").set_choices(category_choices(items))

    def form(self) -> ComplaintForm:
        contact = {}
        if not self.anonymous:
            contact = {name: self.value(name) for name in ("name", "phone", "email")}
        return ComplaintForm(
            category=self.value("category"),
            district=self.value("district"),
            dong=self.value("dong"),
            address=self.value("address"),
            description=self.value("description"),
            photo=self._photo_taken(),
            **contact,
        )

    def _photo_taken(self) -> bytes:
        page = self._photo_page
        if self.photo is None or page is None or self.is_skipped(page):
            return b""
        return self.photo.jpeg

    def review_rows(self) -> list[tuple[str, str | QPixmap]]:
        rows: list[tuple[str, str | QPixmap]] = [
            ("field.category", self.choice_text("category")),
            ("field.district", self.choice_text("district")),
            ("field.dong", self.choice_text("dong")),
            ("field.address", self.value("address")),
            ("field.description", self.value("description")),
        ]
        photo = self._photo_taken()
        if photo and self.photo is not None:
            rows.append(("field.photo", self.photo.thumbnail(THUMBNAIL)))
        if not self.anonymous:
            rows += [(f"field.{name}", self.value(name)) for name in ("name", "phone", "email")]
        return rows
