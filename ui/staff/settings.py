"""Kiosk settings staff may change: defaults for each new citizen, scanners, orientation.

Save hands a new ``Settings`` to the shell, which writes only the changed
keys to the kiosk's TOML file (``kiosk.config.save_settings``) and applies
what it can at once: the language, text size and contrast every new session
starts with, the idle timeout, and which scanners the check-in screen uses.
The orientation is applied at once too, where the kiosk may turn the display
itself (``ui.display``: X11); elsewhere the page says to turn it in the
system's settings. The screens lay themselves out by the window's shape. The slip printer's
connection, address and paper width are checked before they are handed on
(``printing.targets``): an address that cannot work is not saved.
"""

from __future__ import annotations

from dataclasses import replace
from typing import get_args

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QButtonGroup, QLineEdit, QVBoxLayout, QWidget

from kiosk.config import PAPER_WIDTHS, Language, Orientation, Settings
from printing.targets import PRINTER_KINDS, PrinterKind, TargetError, parse_target, typed_address
from ui.screens.accessibility import Switch
from ui.staff.grid import FittingGrid
from ui.widgets import TrButton, TrLabel, retranslate_tree

IDLE_CHOICES = (60, 90, 120, 180, 300)


class Options(FittingGrid):
    """Exclusive big buttons, as many to a row as fit; each option is a value and its key."""

    def __init__(self, options: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(3, parent)
        self._group = QButtonGroup(self)
        self.buttons: dict[str, TrButton] = {}
        for value, key in options:
            button = TrButton(key, "choice", self)
            button.setCheckable(True)
            self._group.addButton(button)
            self.add(button)
            self.buttons[value] = button

    def value(self) -> str:
        for value, button in self.buttons.items():
            if button.isChecked():
                return value
        return ""

    def set_value(self, value: str) -> None:
        if value in self.buttons:
            self.buttons[value].setChecked(True)


class SettingsPage(QWidget):
    saved = Signal(object)  # Settings

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._base = Settings()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(TrLabel("staff.settings.title", "subtitle", self))
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        self.language = self._options(
            layout, "staff.settings.language", [("ko", "language.ko"), ("en", "language.en")]
        )
        self.idle = self._options(
            layout,
            "staff.settings.idle",
            [(str(s), f"staff.settings.idle.{s}") for s in IDLE_CHOICES],
        )
        layout.addWidget(TrLabel("staff.settings.defaults", "field-label", body))
        self.large_text = Switch("a11y.large_text", body)
        self.high_contrast = Switch("a11y.high_contrast", body)
        layout.addWidget(self.large_text)
        layout.addWidget(self.high_contrast)
        layout.addWidget(TrLabel("staff.settings.scanners", "field-label", body))
        self.wedge = Switch("staff.settings.wedge", body)
        self.camera = Switch("staff.settings.camera", body)
        layout.addWidget(self.wedge)
        layout.addWidget(self.camera)
        self.orientation = self._options(
            layout,
            "staff.settings.orientation",
            [(o, f"staff.settings.orientation.{o}") for o in get_args(Orientation)],
        )
        self.orientation_note = TrLabel("staff.settings.orientation.note", "hint", body)
        layout.addWidget(self.orientation_note)
        self.printer = self._options(
            layout,
            "staff.settings.printer",
            [(k, f"staff.settings.printer.{k}") for k in PRINTER_KINDS],
        )
        self.printer_address_label = TrLabel("staff.settings.printer.address", "field-label", body)
        layout.addWidget(self.printer_address_label)
        self.printer_address = QLineEdit(body)
        self.printer_address_label.setBuddy(self.printer_address)
        self.printer_address.setAccessibleName(self.printer_address_label.text())
        # Latin letters, digits and "." on the on-screen keyboard; a space stands for ":".
        self.printer_address.setProperty("keyboard", "latin")
        layout.addWidget(self.printer_address)
        self.paper = self._options(
            layout,
            "staff.settings.paper",
            [(str(w), f"staff.settings.paper.{w}") for w in PAPER_WIDTHS],
        )
        self.admission_slip = Switch("staff.settings.admission_slip", body)
        layout.addWidget(self.admission_slip)
        layout.addStretch(1)
        outer.addWidget(body, 1)
        self.message = TrLabel("", "hint", self)
        outer.addWidget(self.message)
        self.save = TrButton("staff.settings.save", "primary", self)
        self.save.clicked.connect(self._save)
        outer.addWidget(self.save)

    def _options(self, layout: QVBoxLayout, key: str, options: list[tuple[str, str]]) -> Options:
        label = TrLabel(key, "field-label", self)
        row = Options(options, self)
        layout.addWidget(label)
        layout.addWidget(row)
        return row

    def show_settings(self, settings: Settings) -> None:
        self._base = settings
        self.language.set_value(settings.language)
        idle = min(IDLE_CHOICES, key=lambda s: abs(s - settings.idle_timeout_s))
        self.idle.set_value(str(idle))
        self.large_text.setChecked(settings.large_text)
        self.high_contrast.setChecked(settings.high_contrast)
        self.wedge.setChecked(settings.wedge_scanner)
        self.camera.setChecked(settings.camera)
        self.orientation.set_value(settings.orientation)
        self.printer.set_value(settings.printer)
        self.printer_address.setText(settings.printer_address)
        self.paper.set_value(str(settings.paper_width_mm))
        self.admission_slip.setChecked(settings.print_admission_slip)
        self.message.set_key("")

    def chosen(self) -> Settings:
        base = self._base
        language: Language = "en" if self.language.value() == "en" else "ko"
        orientation = next(
            (o for o in get_args(Orientation) if o == self.orientation.value()), base.orientation
        )
        idle = int(self.idle.value() or base.idle_timeout_s)
        printer = next(
            (k for k in get_args(PrinterKind) if k == self.printer.value()), base.printer
        )
        return replace(
            base,
            language=language,
            idle_timeout_s=idle if idle != _nearest(base.idle_timeout_s) else base.idle_timeout_s,
            large_text=self.large_text.isChecked(),
            high_contrast=self.high_contrast.isChecked(),
            wedge_scanner=self.wedge.isChecked(),
            camera=self.camera.isChecked(),
            orientation=orientation,
            printer=printer,
            printer_address=typed_address(printer, self.printer_address.text()),
            paper_width_mm=int(self.paper.value() or base.paper_width_mm),
            print_admission_slip=self.admission_slip.isChecked(),
        )

    def show_saved(self, ok: bool, *, turn_by_hand: bool = False) -> None:
        if not ok:
            self.message.set_key("staff.settings.not_saved")
        elif turn_by_hand:
            self.message.set_key("staff.settings.saved.turn_by_hand")
        else:
            self.message.set_key("staff.settings.saved")

    def _save(self) -> None:
        chosen = self.chosen()
        try:
            parse_target(chosen.printer, chosen.printer_address, chosen.printer_baudrate)
        except TargetError:
            self.message.set_key("staff.settings.printer.invalid")
            return
        self.saved.emit(chosen)

    def retranslate(self) -> None:
        retranslate_tree(self)
        # A screen reader (and the keypad's voice) names the field by its label.
        self.printer_address.setAccessibleName(self.printer_address_label.text())

    def wipe(self) -> None:
        self.message.set_key("")


def _nearest(seconds: int) -> int:
    """The choice shown for a configured timeout that is not one of the choices."""
    return min(IDLE_CHOICES, key=lambda s: abs(s - seconds))
