"""The complaint flow's form, and the anonymous suggestion (the same, without contact).

A formal complaint asks what, where, what happened and how to reply. The
anonymous suggestion is the same form with no contact page and a plain note
that it is not a formal complaint and gets no personal reply.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QWidget

from kiosk.lookups import CategoryItem
from kiosk.reference import SEOUL_DISTRICTS
from kiosk.submissions import ComplaintForm
from ui.screens.form import FormScreen
from ui.widgets import DIGITS, EMAIL, Choice, choice_field, line_field, text_field

DISTRICT_CHOICES = tuple(Choice(d.code, d.ko, d.en) for d in SEOUL_DISTRICTS)


def category_choices(items: Sequence[CategoryItem]) -> tuple[Choice, ...]:
    return tuple(Choice(c.code, c.name_ko, c.name_en, c.icon) for c in items)


class ComplaintScreen(FormScreen):
    def __init__(self, *, anonymous: bool, parent: QWidget | None = None) -> None:
        super().__init__("flow.suggestion" if anonymous else "flow.complaint", parent)
        self.anonymous = anonymous
        self.category = choice_field("category", "field.category", (), self, columns=2)
        note = "suggestion.note" if anonymous else ""
        self.add_page([self.category], note_key=note, note_role="verdict-warn")
        self.add_page(
            [
                choice_field("district", "field.district", DISTRICT_CHOICES, self, columns=5),
                line_field("address", "field.address", self),
            ]
        )
        self.add_page([text_field("description", "field.description", self)])
        if not anonymous:
            self.add_page(
                [
                    line_field("name", "field.name", self),
                    line_field("phone", "field.phone", self, keyboard=DIGITS),
                    line_field("email", "field.email", self, keyboard=EMAIL),
                ],
                note_key="complaint.contact.hint",
            )

    def set_categories(self, items: Sequence[CategoryItem]) -> None:
        self.grid("category").set_choices(category_choices(items))

    def form(self) -> ComplaintForm:
        contact = {}
        if not self.anonymous:
            contact = {name: self.value(name) for name in ("name", "phone", "email")}
        return ComplaintForm(
            category=self.value("category"),
            district=self.value("district"),
            address=self.value("address"),
            description=self.value("description"),
            **contact,
        )

    def review_rows(self) -> list[tuple[str, str]]:
        rows = [
            ("field.category", self.choice_text("category")),
            ("field.district", self.choice_text("district")),
            ("field.address", self.value("address")),
            ("field.description", self.value("description")),
        ]
        if not self.anonymous:
            rows += [(f"field.{name}", self.value(name)) for name in ("name", "phone", "email")]
        return rows
