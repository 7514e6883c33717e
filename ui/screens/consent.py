"""The PIPA consent screen: purpose, items, retention, the right to refuse.

The texts live in ``assets/consent/<language>.json`` with one version string;
that version is what the record stores, so what a citizen agreed to can be
found again. Both boxes start unticked: consent is given, never assumed.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from assets import asset
from kiosk.config import Language
from kiosk.submissions import Consent
from ui.i18n import language, tr
from ui.screens.base import Screen
from ui.widgets import NavBar, TrButton, TrCheckBox, TrLabel, set_role

SECTIONS = ("purpose", "items", "retention", "refusal")
KINDS = ("complaint", "proposal", "signup")


@cache
def consent_texts(lang: Language) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(asset("consent", f"{lang}.json").read_text(encoding="utf-8"))
    return data


def consent_version() -> str:
    """One version for both languages: the Korean text is the one in force."""
    return str(consent_texts("ko")["version"])


class ConsentScreen(Screen):
    title_key = "consent.title"
    agreed = Signal(object)  # Consent
    back = Signal()
    errors_shown = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = "complaint"
        self._optional_offered = False
        self._error_shown = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(TrLabel("consent.title", "title", self))
        body = QWidget()
        column = QVBoxLayout(body)
        column.setSpacing(8)
        self._texts: dict[str, QLabel] = {}
        for section in SECTIONS:
            column.addWidget(TrLabel(f"consent.{section}", "field-label", body))
            text = QLabel(body)
            text.setWordWrap(True)
            set_role(text, "body")
            column.addWidget(text)
            self._texts[section] = text
        self.version = TrLabel("consent.version", "hint", body, version=consent_version())
        column.addWidget(self.version)
        column.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        layout.addWidget(scroll, 1)
        self.error = QLabel(self)
        set_role(self.error, "error")
        self.error.setWordWrap(True)
        self.error.hide()
        self.required = TrCheckBox("consent.required_box", self)
        self.optional = TrCheckBox("consent.optional_box", self)
        # Its own box, unticked: being told how it goes is a choice, not a condition.
        self.notify = TrCheckBox("consent.notify_box", self)
        self.refused = TrLabel("consent.refused", "verdict-warn", self)
        self.refused.hide()
        layout.addWidget(self.error)
        layout.addWidget(self.required)
        layout.addWidget(self.optional)
        layout.addWidget(self.notify)
        layout.addWidget(self.refused)
        self.nav = NavBar(parent=self)
        self.refuse = TrButton("consent.refuse", "secondary", self)
        self.nav.add_middle(self.refuse)
        layout.addWidget(self.nav)
        self.nav.forward.connect(self._agree)
        self.nav.back.connect(self.back)
        self.refuse.clicked.connect(self._refuse)
        self.required.toggled.connect(self._ticked)

    def set_kind(self, kind: str, *, optional_box: bool) -> None:
        self.kind = kind
        self._optional_offered = optional_box
        self.optional.setVisible(optional_box)
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        texts = consent_texts(language())["kinds"][self.kind]
        for section, label in self._texts.items():
            label.setText(texts[section])
            label.setAccessibleName(texts[section])
        if self._error_shown:
            self._show_error()

    def show_required_error(self) -> None:
        self._error_shown = True
        self.error.show()
        self._show_error()
        self.errors_shown.emit(["error.consent.required"])

    def wipe(self) -> None:
        self.required.setChecked(False)
        self.optional.setChecked(False)
        self.notify.setChecked(False)
        self._hide_error()
        self.refused.hide()

    def _hide_error(self) -> None:
        self._error_shown = False
        self.error.hide()

    def _show_error(self) -> None:
        text = tr("error.consent.required")
        self.error.setText(f"⚠ {text}")
        self.error.setAccessibleName(text)

    def _ticked(self, checked: bool) -> None:
        if checked:
            self._hide_error()
            self.refused.hide()

    def _refuse(self) -> None:
        self.required.setChecked(False)
        self.optional.setChecked(False)
        self.notify.setChecked(False)
        self.refused.show()
        self.errors_shown.emit(["consent.refused"])

    def _agree(self) -> None:
        if not self.required.isChecked():
            self.show_required_error()
            return
        share = self._optional_offered and self.optional.isChecked()
        self.agreed.emit(
            Consent(
                version=consent_version(),
                required=True,
                share_contact=share,
                notify=self.notify.isChecked(),
                language=language(),
            )
        )
