"""The sync dashboard: is the kiosk getting its records to the server, and what needs a person.

Figures: connection state (the engine's live word, else what it last
stored), last successful exchange, how many records wait and for how long the
oldest has, the clock-skew warning, and the records the server refused, each
with the server's reason, a Retry button (after a fix on the server) and one
sealed export of all of them for the city's IT team.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from core.receipts import format_code
from kiosk.dashboard import Dashboard
from kiosk.identity import NotEnrolled
from kiosk.outbox import AttentionItem
from sync.status import SKEW_WARNING_S, SyncState, SyncStatus
from ui.i18n import tr
from ui.staff.desk import StaffDesk
from ui.staff.figures import age, day_and_time
from ui.voice.status import staff_line
from ui.widgets import TrButton, TrLabel, retranslate_tree, set_role

log = logging.getLogger(__name__)

FIGURES = ("state", "last_success", "pending", "oldest", "attention", "last_receipt")


def state_key(dashboard: Dashboard, live: SyncStatus | None) -> str:
    if live is not None:
        return f"status.state.{live.state.value}"
    sync = dashboard.sync
    if not sync.enrolled:
        return "status.state.not_enrolled"
    if sync.revoked:
        return "status.state.revoked"
    known = {state.value for state in SyncState}  # what the engine stores after a round
    return f"status.state.{sync.state if sync.state in known else 'unknown'}"


class AttentionRow(QFrame):
    """One refused record: what it is, the server's reason, and Retry."""

    def __init__(self, item: AttentionItem, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.item = item
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 4, 0, 4)
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        set_role(self.text, "body")
        row.addWidget(self.text, 1)
        self.retry = TrButton("staff.attention.retry", "secondary", self)
        row.addWidget(self.retry)
        self.retranslate()

    def retranslate(self) -> None:
        item = self.item
        text = tr(
            "staff.attention.item",
            kind=tr(f"staff.mutation.{item.type}"),
            receipt=format_code(item.receipt_code) if item.receipt_code else "–",
            when=day_and_time(item.created_at),
            code=item.code or "–",
            message=item.message or "–",
        )
        self.text.setText(text)
        self.text.setAccessibleName(text)


class DashboardPage(QWidget):
    def __init__(self, desk: StaffDesk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self._message: tuple[str, dict[str, object]] = ("", {})
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(TrLabel("staff.dashboard.title", "subtitle", self))
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        self.figures: dict[str, QLabel] = {}
        for index, name in enumerate(FIGURES):
            grid.addWidget(TrLabel(f"staff.dashboard.{name}", "field-label", self), index, 0)
            value = QLabel(self)
            value.setWordWrap(True)
            set_role(value, "body")
            value.setObjectName(name)
            grid.addWidget(value, index, 1)
            self.figures[name] = value
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid)
        self.skew = TrLabel("", "verdict-warn", self)
        self.skew.hide()
        layout.addWidget(self.skew)
        self.message = TrLabel("", "hint", self)
        layout.addWidget(self.message)
        # Whether the voice works here (no engine, no sound output), for the technician.
        self.voice = TrLabel("", "hint", self)
        layout.addWidget(self.voice)
        buttons = QHBoxLayout()
        self.sync_now = TrButton("staff.dashboard.sync_now", "primary", self)
        self.retry_all = TrButton("staff.attention.retry_all", "secondary", self)
        self.export = TrButton("staff.attention.export", "secondary", self)
        for button in (self.sync_now, self.retry_all, self.export):
            buttons.addWidget(button)
        layout.addLayout(buttons)
        layout.addWidget(TrLabel("staff.attention.title", "field-label", self))
        self._list = QWidget()
        self._rows_layout = QVBoxLayout(self._list)
        self._rows_layout.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self._list)
        layout.addWidget(scroll, 1)
        self.empty = TrLabel("staff.attention.none", "hint", self._list)
        self.rows: list[AttentionRow] = []
        self.sync_now.clicked.connect(self._sync_now)
        self.retry_all.clicked.connect(lambda: self._retry([row.item.id for row in self.rows]))
        self.export.clicked.connect(self._export)

    # --- figures ----------------------------------------------------------------------

    def refresh(self) -> None:
        data = self.desk.dashboard()
        live = self.desk.live_status()
        now = self.desk.now()
        sync = data.sync
        self.figures["state"].setText(tr(state_key(data, live)))
        last = live.last_success if live is not None and live.last_success else None
        last = last or sync.last_success_at
        if last is None:
            self.figures["last_success"].setText(tr("staff.dashboard.never"))
        else:
            since = age((now - last).total_seconds())
            self.figures["last_success"].setText(
                tr("staff.dashboard.ago", when=day_and_time(last), age=since)
            )
        self.figures["pending"].setText(str(sync.pending))
        oldest = data.oldest_pending_age_s(now)
        self.figures["oldest"].setText(age(oldest) if oldest is not None else "–")
        self.figures["attention"].setText(str(len(data.attention)))
        recent = data.last_receipt
        self.figures["last_receipt"].setText(
            tr(
                "staff.dashboard.receipt_at",
                code=format_code(recent.code),
                when=day_and_time(recent.created_at),
            )
            if recent is not None
            else "–"
        )
        for label in self.figures.values():
            label.setAccessibleName(label.text())
        skew = live.clock_skew_s if live is not None else sync.clock_offset_s
        if abs(skew) > SKEW_WARNING_S:
            self.skew.set_key("staff.dashboard.skew", minutes=round(abs(skew) / 60))
            self.skew.show()
        else:
            self.skew.hide()
        self._show_voice()
        self._fill(data.attention)
        self.retry_all.setEnabled(bool(data.attention))
        self.export.setEnabled(bool(data.attention))
        self.sync_now.setEnabled(self.desk.sync is not None)

    def _show_voice(self) -> None:
        if self.desk.speech is None:
            self.voice.hide()
            return
        key, params, well = staff_line(*self.desk.speech())
        self.voice.set_key(key, **params)
        set_role(self.voice, "hint" if well else "verdict-warn")
        self.voice.style().unpolish(self.voice)
        self.voice.style().polish(self.voice)
        self.voice.show()

    def _fill(self, items: tuple[AttentionItem, ...]) -> None:
        for row in self.rows:
            row.hide()
            row.deleteLater()
        self.rows = []
        while self._rows_layout.count():
            self._rows_layout.takeAt(0)
        self._rows_layout.addWidget(self.empty)
        self.empty.setVisible(not items)
        for item in items:
            row = AttentionRow(item, self._list)
            row.retry.clicked.connect(lambda _=False, i=item.id: self._retry([i]))
            self._rows_layout.addWidget(row)
            # A layout shows a new child of a visible page only on the next event-loop
            # turn; a tap right after a refresh must find the row there already.
            row.show()
            self.rows.append(row)
        self._rows_layout.addStretch(1)

    # --- actions ----------------------------------------------------------------------

    def _sync_now(self) -> None:
        if self.desk.sync_now():
            self._say("staff.dashboard.syncing")

    def _retry(self, ids: list[str]) -> None:
        moved = self.desk.retry(ids)
        log.info("staff queued %d refused record(s) again", moved)
        self._say("staff.attention.retried", count=moved)
        self.refresh()

    def _export(self) -> None:
        try:
            done = self.desk.export()
        except NotEnrolled:
            self._say("error.kiosk.not_enrolled")
            return
        except OSError as error:
            log.error("needs-attention export failed: %s", error.strerror)
            self._say("staff.attention.export_failed")
            return
        log.info("staff exported %d refused record(s), sealed", done.count)
        self._say("staff.attention.exported", count=done.count, path=str(done.path))

    def _say(self, key: str, **params: object) -> None:
        self._message = (key, params)
        self.message.set_key(key, **params)

    def retranslate(self) -> None:
        retranslate_tree(self)
        if self.isVisible():
            self.refresh()

    def wipe(self) -> None:
        self._message = ("", {})
        self.message.set_key("")
