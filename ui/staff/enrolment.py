"""Enrolment from staff mode: server address and one-time code, without freezing the screen.

``sync.enrolment.enroll`` talks to the server (seconds when the network is
slow, its timeouts when it is down), so it runs on a thread of its own and
hands its answer back through a queued signal; meanwhile the page shows that
it is working. Enrolling again (after a revocation, or to move the kiosk to
another office) is the same form: the outbox is kept and goes out under the
new identity. A new staff PIN may be set in the same step; it is checked
before anything is sent, so a bad PIN never leaves a half-done enrolment.

The on-screen keyboard has no ``:`` or ``/``, so the address field starts
with the current address and a bare host name means ``https://`` that host.
"""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QLineEdit, QProgressBar, QVBoxLayout, QWidget

from kiosk.staff import InvalidPin, check_new_pin, set_pin
from kiosk.store import Store
from sync.client import Timeouts
from sync.enrolment import Enrolment, EnrolmentFailed, enroll
from ui.i18n import tr
from ui.staff.desk import StaffDesk
from ui.widgets import DIGITS, EMAIL, TrButton, TrLabel, retranslate_tree, set_role

log = logging.getLogger(__name__)

LATIN = "latin"  # the on-screen keyboard's mode for codes (A-Z and digits)


def server_address(typed: str) -> str:
    text = typed.strip()
    return text if "://" in text else f"https://{text}"


class EnrolmentRunner(QObject):
    """Runs one enrolment at a time on a worker thread; ``finished`` carries its outcome."""

    finished = Signal(object)  # Enrolment | EnrolmentFailed

    def __init__(self, parent: QObject | None = None, *, timeouts: Timeouts | None = None) -> None:
        super().__init__(parent)
        self._timeouts = timeouts
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, store: Store, server_url: str, code: str) -> bool:
        if self.running:
            return False
        self._thread = threading.Thread(
            target=self._run, args=(store, server_url, code), name="enrolment", daemon=True
        )
        self._thread.start()
        return True

    def wait(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self, store: Store, server_url: str, code: str) -> None:
        outcome: Enrolment | EnrolmentFailed
        try:
            outcome = enroll(store, server_url, code, timeouts=self._timeouts)
        except EnrolmentFailed as failed:
            outcome = failed
        except Exception as error:
            log.exception("enrolment failed unexpectedly")
            outcome = EnrolmentFailed("error", type(error).__name__)
        try:
            self.finished.emit(outcome)  # queued to the GUI thread
        except RuntimeError:
            log.debug("enrolment finished after its page was closed")


class EnrolmentPage(QWidget):
    enrolled = Signal(object)  # Enrolment

    def __init__(
        self, desk: StaffDesk, parent: QWidget | None = None, *, timeouts: Timeouts | None = None
    ) -> None:
        super().__init__(parent)
        self.desk = desk
        self.runner = EnrolmentRunner(self, timeouts=timeouts)
        self.runner.finished.connect(self._finished)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(TrLabel("staff.enrol.title", "subtitle", self))
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        self.identity: dict[str, QLabel] = {}
        for index, name in enumerate(("device", "office", "server")):
            grid.addWidget(TrLabel(f"staff.enrol.{name}", "field-label", self), index, 0)
            value = QLabel(self)
            value.setObjectName(name)
            value.setWordWrap(True)
            set_role(value, "body")
            grid.addWidget(value, index, 1)
            self.identity[name] = value
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid)
        layout.addWidget(TrLabel("staff.enrol.again", "hint", self))
        self.server = self._field(layout, "staff.enrol.server_field", EMAIL)
        self.code = self._field(layout, "staff.enrol.code_field", LATIN)
        self.pin = self._field(layout, "staff.enrol.pin_field", DIGITS)
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)  # no percentage to give: it is one request
        self.busy.setTextVisible(False)
        self.busy.hide()
        layout.addWidget(self.busy)
        self.message = TrLabel("", "body", self)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.enrol = TrButton("staff.enrol.start", "primary", self)
        self.enrol.clicked.connect(self.start)
        layout.addWidget(self.enrol)

    def _field(self, layout: QVBoxLayout, key: str, keyboard: str) -> QLineEdit:
        label = TrLabel(key, "field-label", self)
        editor = QLineEdit(self)
        editor.setProperty("keyboard", keyboard)
        editor.setAccessibleName(tr(key))
        label.setBuddy(editor)
        layout.addWidget(label)
        layout.addWidget(editor)
        return editor

    def refresh(self) -> None:
        sync = self.desk.dashboard().sync
        self.identity["device"].setText(sync.device_id or tr("staff.enrol.not_enrolled"))
        self.identity["office"].setText(sync.office or "–")
        self.identity["server"].setText(sync.server_url or "–")
        if not self.server.text():
            self.server.setText(sync.server_url or self.desk.settings.server_url)

    def start(self) -> None:
        if self.runner.running:
            return
        pin = self.pin.text()
        if pin:
            try:
                check_new_pin(pin)
            except InvalidPin as invalid:
                self.message.set_key(invalid.key)
                return
        if not self.server.text().strip() or not self.code.text().strip():
            self.message.set_key("staff.enrol.missing")
            return
        url = server_address(self.server.text())
        self.runner.start(self.desk.store, url, self.code.text())
        self.enrol.setEnabled(False)
        self.busy.show()
        self.message.set_key("staff.enrol.working", server=url)

    def _finished(self, outcome: Enrolment | EnrolmentFailed) -> None:
        self.busy.hide()
        self.enrol.setEnabled(True)
        self.code.clear()
        if isinstance(outcome, EnrolmentFailed):
            self.pin.clear()
            log.warning("enrolment refused: %s", outcome.code)
            self.message.set_key("staff.enrol.failed", code=outcome.code or "-")
            return
        if self.pin.text():
            set_pin(self.desk.store, self.pin.text(), self.desk.now())
            self.pin.clear()
        self.message.set_key(
            "staff.enrol.done", device=outcome.device_id, office=outcome.office or "–"
        )
        self.refresh()
        self.desk.sync_now()
        self.enrolled.emit(outcome)

    def retranslate(self) -> None:
        retranslate_tree(self)
        for editor, key in (
            (self.server, "staff.enrol.server_field"),
            (self.code, "staff.enrol.code_field"),
            (self.pin, "staff.enrol.pin_field"),
        ):
            editor.setAccessibleName(tr(key))
        if self.isVisible():
            self.refresh()

    def wipe(self) -> None:
        """The code and a new PIN never stay on screen; the address may."""
        self.code.clear()
        self.pin.clear()
        if not self.runner.running:
            self.message.set_key("")
