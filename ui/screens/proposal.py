"""The policy proposal form: area, title and text, an optional district and contact."""

from __future__ import annotations

from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QWidget

from core.reference import POLICY_AREAS
from kiosk.submissions import ProposalForm
from ui.screens.complaint import DISTRICT_CHOICES
from ui.screens.form import FormScreen
from ui.widgets import DIGITS, EMAIL, Choice, choice_field, line_field, text_field

# Each area with its pictogram (assets/icons); every icon is shown with its name.
AREA_CHOICES = tuple(Choice(a.code, a.ko, a.en, a.code) for a in POLICY_AREAS)
CONTACT = ("name", "phone", "email")


class ProposalScreen(FormScreen):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("flow.proposal", parent)
        self.add_page(
            [choice_field("area", "field.area", AREA_CHOICES, self, columns=3)], step="step.area"
        )
        self.add_page(
            [
                line_field("title", "field.title", self),
                text_field("description", "field.proposal", self),
            ],
            step="step.proposal",
        )
        self.add_page(
            [
                choice_field(
                    "district",
                    "field.district.optional",
                    DISTRICT_CHOICES,
                    self,
                    columns=5,
                    none_key="field.clear",
                )
            ],
            step="step.district",
        )
        self.add_page(
            [
                line_field("name", "field.name.optional", self),
                line_field("phone", "field.phone.optional", self, keyboard=DIGITS),
                line_field("email", "field.email", self, keyboard=EMAIL),
            ],
            step="step.contact",
            note_key="proposal.contact.hint",
        )

    def form(self) -> ProposalForm:
        return ProposalForm(
            area=self.value("area"),
            title=self.value("title"),
            description=self.value("description"),
            district=self.value("district"),
            **{name: self.value(name) for name in CONTACT},
        )

    def review_rows(self) -> list[tuple[str, str | QPixmap]]:
        rows: list[tuple[str, str | QPixmap]] = [
            ("field.area", self.choice_text("area")),
            ("field.title", self.value("title")),
            ("field.proposal", self.value("description")),
            ("field.district.optional", self.choice_text("district")),
            ("field.name.optional", self.value("name")),
            ("field.phone.optional", self.value("phone")),
            ("field.email", self.value("email")),
        ]
        return rows
