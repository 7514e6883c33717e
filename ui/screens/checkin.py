"""Event check-in at the door: choose the event, then scan, see the verdict, count, undo.

Three pages:

- the event chooser: today's events first, then those still to come;
- the desk: the verdict (``ui.screens.verdict``), "checked in / registered",
  Undo for the last admission while ``kiosk.checkin.UNDO_WINDOW_S`` lasts,
  and which scanners listen;
- manual lookup: the code printed beside the QR, or a name. Names are only on
  the kiosk masked (김*수), so a name search compares with the masked names
  and says so; staff pick the person from the list.

Both scanners, the keyboard wedge (anywhere on the screen, no text field
needed) and the camera, feed one ``ScanPipeline``, which drops the same code
seen again within a second. Every scan, code and pick goes to
``kiosk.admissions.admit``, which decides and, on ADMIT, records the
admission and its outbox mutation in one transaction, and hands back the
event's kept figures read in that transaction; the screen only shows what it
returns, and asks the store nothing more after a verdict.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from core.clock import Clock
from core.tickets import TicketIdentity
from kiosk.admissions import UNDO_WINDOW_S, UndoOutcome, admit
from kiosk.admissions import undo_admission as undo
from kiosk.attendance import (
    EventCounts,
    EventSummary,
    NameMatch,
    checkin_events,
    event_counts,
    find_by_name,
)
from kiosk.checkin import Ambiguous, Verdict, VerdictKind
from kiosk.config import Settings
from kiosk.identity import NotEnrolled
from kiosk.store import Store
from ui.camera import STATUS_ACTIVE, STATUS_NONE, STATUS_OFF, CameraPreview, CameraScanner
from ui.i18n import language, tr
from ui.scanner import ScanPipeline, WedgeScanner
from ui.screens.base import Screen
from ui.screens.signup import event_when
from ui.screens.verdict import VerdictPanel, clock_time, detail
from ui.scrolling import ScrollPage
from ui.steady import SteadyBox
from ui.widgets import TEXT, TileButton, TrButton, TrLabel, set_role

log = logging.getLogger(__name__)

Monotonic = Callable[[], float]
LATIN = "latin"
# A verdict stays this long, then the panel is ready for the next person.
VERDICT_HOLD_MS = 10_000


def event_title(event: EventSummary) -> str:
    return event.title_ko if language() == "ko" else event.title_en


class EventChoice(TileButton):
    """An event to check in for: its title, and under it when and how many signed up."""

    def __init__(self, event: EventSummary, parent: QWidget | None = None) -> None:
        self.item = event
        super().__init__("", "", parent, icon_name="checkin")

    def retranslate(self) -> None:
        event = self.item
        today = f"{tr('checkin.today')} {clock_time(event.starts_at)}"
        details = tr(
            "checkin.event.details",
            when=today if event.today else event_when(event.starts_at),
            registered=event.counts.registered,
        )
        self.title.setText(event_title(event))
        self.hint.setText(details)
        self.setAccessibleName(f"{event_title(event)}. {details}")


class Candidate(TrButton):
    """One sign-up found by name or shared code: masked name, ticket type, already in?"""

    def __init__(self, identity: TicketIdentity, text: str, parent: QWidget | None = None) -> None:
        self.identity = identity
        self._shown = text
        super().__init__("checkin.lookup.pick", "secondary", parent)

    def retranslate(self) -> None:
        self.setText(self._shown)
        self.setAccessibleName(self._shown)


class ScannerField(QLineEdit):
    """A text field on a page where the scanner listens: no operating-system input method.

    Qt hands a key to the platform input method (ibus-hangul in Hangul mode,
    say) before any event filter sees it, whenever the focused widget says it
    takes input-method text. A scan burst typed while such a field had focus
    came out with letters eaten or swapped and was refused as forged (issue 16
    #13). This field says no, so the keys stay key events for the wedge
    scanner. (QLineEdit answers ``ImEnabled`` itself, ignoring
    ``WA_InputMethodEnabled``, hence the override.) Staff type Hangul names
    with the in-window keyboard, which composes itself (kiosk/hangul.py).
    """

    @override
    def inputMethodQuery(self, *args: Any) -> Any:
        if args and args[0] == Qt.InputMethodQuery.ImEnabled:
            return False
        return super().inputMethodQuery(*args)


class CheckinScreen(Screen):
    title_key = "checkin.title"
    back = Signal()
    activity = Signal()  # a scan or a verdict: someone is using the screen
    recorded = Signal()  # an admission or an undo was committed (the outbox has news)
    admitted = Signal(int, str)  # event id, masked name: for the optional admission slip
    verdict_shown = Signal(str)  # what audio guidance may say

    def __init__(
        self,
        store: Store,
        settings: Callable[[], Settings],
        clock: Clock,
        parent: QWidget | None = None,
        *,
        monotonic: Monotonic = time.monotonic,
        camera: CameraScanner | None = None,
    ) -> None:
        super().__init__(parent)
        self._monotonic = monotonic
        self._store = store
        self._settings = settings
        self._clock = clock
        self.chosen_event: EventSummary | None = None
        self._undoable: Verdict | None = None
        self._admitted_at: dt.datetime | None = None
        self.wedge = WedgeScanner(self, clock=monotonic)
        self.camera = camera or CameraScanner(self)
        if self.camera.parent() is None:
            self.camera.setParent(self)
        self.pipeline = ScanPipeline(self, clock=monotonic)
        self.pipeline.add_source(self.wedge.scanned)
        self.pipeline.add_source(self.camera.scanned)
        self.pipeline.scan.connect(self.handle_scan)
        self.camera.status_changed.connect(self._camera_status)
        self._sources_on = False

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.pages = QStackedWidget(self)
        layout.addWidget(self.pages)
        self.chooser = self._build_chooser()
        self.desk = self._build_desk()
        self.lookup = self._build_lookup()
        # Each page scrolls (by finger) rather than grow the window past its screen.
        self._views: dict[QWidget, ScrollPage] = {}
        for page in (self.chooser, self.desk, self.lookup):
            view = ScrollPage(page)
            self._views[page] = view
            self.pages.addWidget(view)
        self.pages.currentChanged.connect(lambda _index: self._update_sources())

        self._hold = QTimer(self)
        self._hold.setSingleShot(True)
        self._hold.setInterval(VERDICT_HOLD_MS)
        self._hold.timeout.connect(lambda: self.verdict.show_ready())
        self._undo_tick = QTimer(self)
        self._undo_tick.setInterval(1000)
        self._undo_tick.timeout.connect(self._update_undo)

    # --- building ---------------------------------------------------------------------

    def _build_chooser(self) -> QWidget:
        page = QWidget()
        column = QVBoxLayout(page)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(TrLabel("checkin.title", "title", page))
        column.addWidget(TrLabel("checkin.choose", "subtitle", page))
        self._events_box = QWidget()
        self._events_column = QVBoxLayout(self._events_box)
        self._events_column.setSpacing(14)
        column.addWidget(self._events_box, 1)
        self.no_events = TrLabel("checkin.no_events", "verdict-warn", self._events_box)
        self.event_buttons: list[EventChoice] = []
        self.chooser_back = TrButton("nav.back", "secondary", page)
        self.chooser_back.clicked.connect(self.back)
        column.addWidget(self.chooser_back)
        return page

    def _build_desk(self) -> QWidget:
        page = QWidget()
        column = QVBoxLayout(page)
        column.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.event_title = TrLabel("", "subtitle", page)
        self.count = TrLabel("checkin.count", "title", page, checked_in=0, registered=0)
        self.count.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.count.setWordWrap(False)
        # Repainted on every scan at 68 px on a 1080p panel: plain text comes from
        # cached glyph images, not outlines (ui/bigtext.py).
        self.count.setTextFormat(Qt.TextFormat.PlainText)
        # The event's name on a line of its own: at 200 % text a long name needs the width.
        column.addWidget(self.event_title)
        top.addStretch(1)
        # The count and the verdict change on every scan: boxed, so that does
        # not lay out the whole window again (ui/steady.py).
        top.addWidget(SteadyBox(self.count, page, opaque=True))
        column.addLayout(top)
        self.verdict = VerdictPanel(page)
        self.preview = CameraPreview(page, monotonic=self._monotonic)
        self.preview.hide()  # shown only while the camera runs
        verdict_row = QHBoxLayout()
        verdict_row.addWidget(SteadyBox(self.verdict, page, opaque=True), 1)
        verdict_row.addWidget(self.preview, 0, Qt.AlignmentFlag.AlignTop)
        column.addLayout(verdict_row, 1)
        self.undo_button = TrButton("checkin.undo", "danger", page, seconds=0, name="")
        self.undo_button.clicked.connect(self.undo_last)
        self.undo_button.hide()
        column.addWidget(self.undo_button)
        sources = QHBoxLayout()
        self.wedge_status = TrLabel("checkin.wedge.on", "hint", page)
        self.camera_status = TrLabel(STATUS_OFF, "hint", page)
        sources.addWidget(self.wedge_status, 1)
        sources.addWidget(self.camera_status, 1)
        column.addLayout(sources)
        # Three buttons side by side do not fit a portrait screen at 200% text: two rows.
        buttons = QGridLayout()
        self.desk_back = TrButton("nav.back", "secondary", page)
        self.change_event = TrButton("checkin.change_event", "secondary", page)
        self.open_lookup = TrButton("checkin.lookup.open", "primary", page)
        self.desk_back.clicked.connect(self.back)
        self.change_event.clicked.connect(self.show_chooser)
        self.open_lookup.clicked.connect(self.show_lookup)
        # Words on two lines where one is wider than the screen (200 % text, portrait).
        self.open_lookup.set_wrapped(True)
        buttons.addWidget(self.open_lookup, 0, 0, 1, 2)
        buttons.addWidget(self.desk_back, 1, 0)
        buttons.addWidget(self.change_event, 1, 1)
        column.addLayout(buttons)
        return page

    def _build_lookup(self) -> QWidget:
        page = QWidget()
        column = QVBoxLayout(page)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(TrLabel("checkin.lookup.title", "title", page))
        self.code = self._lookup_row(page, column, "checkin.lookup.code", LATIN, self.check_code)
        self.name = self._lookup_row(page, column, "checkin.lookup.name", TEXT, self.search_name)
        column.addWidget(TrLabel("checkin.lookup.name_hint", "hint", page))
        self.lookup_message = TrLabel("", "error", page)
        self.lookup_message.hide()
        column.addWidget(self.lookup_message)
        self._results_box = QWidget()
        self._results_column = QVBoxLayout(self._results_box)
        self._results_column.setSpacing(10)
        column.addWidget(self._results_box, 1)
        self.candidates: list[Candidate] = []
        self.lookup_back = TrButton("checkin.lookup.back", "secondary", page)
        self.lookup_back.clicked.connect(self.show_desk)
        column.addWidget(self.lookup_back)
        return page

    def _lookup_row(
        self,
        page: QWidget,
        column: QVBoxLayout,
        key: str,
        keyboard: str,
        action: Callable[[], None],
    ) -> QLineEdit:
        column.addWidget(TrLabel(key, "field-label", page))
        row = QHBoxLayout()
        editor = ScannerField(page)
        editor.setProperty("keyboard", keyboard)
        editor.setAccessibleName(tr(key))
        editor.setProperty("name_key", key)  # named again in the new language (retranslate)
        editor.returnPressed.connect(action)
        button = TrButton(f"{key}.go", "primary", page)
        button.clicked.connect(action)
        row.addWidget(editor, 1)
        row.addWidget(button)
        column.addLayout(row)
        return editor

    # --- pages ------------------------------------------------------------------------

    def start(self) -> None:
        """Opened from home or the staff screen: choose the event first."""
        self.show_chooser()

    def show_chooser(self) -> None:
        events = checkin_events(self._store, self._clock())
        for button in self.event_buttons:
            button.hide()
            button.deleteLater()
        self.event_buttons = []
        while self._events_column.count():
            self._events_column.takeAt(0)
        self._events_column.addWidget(self.no_events)
        self.no_events.setVisible(not events)
        for event in events:
            button = EventChoice(event, self._events_box)
            button.clicked.connect(lambda _=False, e=event: self.choose_event(e))
            self._events_column.addWidget(button)
            self.event_buttons.append(button)
        self._events_column.addStretch(1)
        self._turn_to(self.chooser)

    def choose_event(self, event: EventSummary) -> None:
        if self.chosen_event is None or self.chosen_event.id != event.id:
            self._forget_undo()
        self.chosen_event = event
        self.verdict.show_ready()
        self._refresh_count()
        self.show_desk()

    def show_desk(self) -> None:
        self.retranslate()
        self._turn_to(self.desk)

    def show_lookup(self) -> None:
        self._clear_lookup()
        self._turn_to(self.lookup)

    def _turn_to(self, page: QWidget) -> None:
        self.pages.setCurrentWidget(self._views[page])

    def current_page(self) -> QWidget:
        view = self.pages.currentWidget()
        return next(page for page, shown in self._views.items() if shown is view)

    def page_name(self) -> str:
        current = self.current_page()
        return {id(self.chooser): "chooser", id(self.desk): "desk"}.get(id(current), "lookup")

    def step_back(self) -> bool:
        """The bottom bar's "Back" from looking up: to the desk (otherwise out of the screen)."""
        if self.current_page() is self.lookup:
            self.show_desk()
            return True
        return False

    # --- scanners ---------------------------------------------------------------------

    @override
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._update_sources()

    @override
    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._update_sources()

    def _update_sources(self) -> None:
        """Scanners listen only while an event is chosen and the desk or lookup shows."""
        page = self.current_page()
        wanted = (
            self.isVisible() and self.chosen_event is not None and page in (self.desk, self.lookup)
        )
        if wanted == self._sources_on:
            return
        self._sources_on = wanted
        settings = self._settings()
        if wanted:
            if settings.wedge_scanner:
                app = QApplication.instance()
                assert isinstance(app, QObject)
                self.wedge.watch(app)
            self._start_camera(settings)
        else:
            self.wedge.unwatch()
            if self.camera.status not in (STATUS_OFF, STATUS_NONE):
                self.camera.stop()
        wedge_key = "checkin.wedge.on" if settings.wedge_scanner else "checkin.wedge.off"
        self.wedge_status.set_key(wedge_key)

    def _start_camera(self, settings: Settings) -> None:
        if not settings.camera:
            self._camera_status(STATUS_OFF)
            return
        if not self.camera.available():
            self._camera_status(STATUS_NONE)
            return
        # Frames go to the preview's sink; the scanner decodes from the same sink as before.
        self.camera.start(self.preview.sink)

    def _camera_status(self, status: str) -> None:
        self.camera_status.set_key(status)
        # No camera, or a failed one: the text says to use the hand scanner or the code.
        self.preview.setVisible(status == STATUS_ACTIVE)
        if status != STATUS_ACTIVE:
            self.preview.clear()

    # --- judging ----------------------------------------------------------------------

    def handle_scan(self, text: str) -> None:
        """A scan from either scanner (already de-duplicated by the pipeline)."""
        if self.chosen_event is None:
            return
        self._admit(text)

    def _admit(self, scanned: str | TicketIdentity) -> None:
        assert self.chosen_event is not None
        self.activity.emit()
        try:
            door = admit(self._store, self.chosen_event.id, scanned, self._clock())
        except NotEnrolled:
            log.error("check-in refused: this kiosk is not enrolled")
            self._show_problem("error.kiosk.not_enrolled")
            return
        except LookupError:
            log.error("check-in refused: event %s is no longer on this kiosk", self.chosen_event.id)
            self._show_problem("checkin.event_gone")
            return
        outcome = door.outcome
        if isinstance(outcome, Ambiguous):
            self._show_candidates(
                [(c.identity, self._candidate_text(c)) for c in outcome.candidates if c.identity]
            )
            self._turn_to(self.lookup)
            return
        self.show_verdict(outcome, door.counts)

    def show_verdict(self, verdict: Verdict, counts: EventCounts | None = None) -> None:
        """The verdict and the figures after it (read now when not given)."""
        self.verdict.show_verdict(verdict)
        if verdict.kind is VerdictKind.ADMIT and verdict.checkin_id:
            self._undoable = verdict
            self._admitted_at = self._clock()
            self._undo_tick.start()
            self._update_undo()
            self.recorded.emit()
            if verdict.identity is not None:
                self.admitted.emit(verdict.identity.event_id, verdict.masked_name)
        self._show_count(counts)
        self._hold.start()
        self._turn_to(self.desk)
        self.verdict_shown.emit(self.verdict.accessibleName())

    def _show_problem(self, key: str) -> None:
        self.verdict.show_problem(key)
        self._hold.start()
        self._turn_to(self.desk)

    def _refresh_count(self) -> None:
        """Read the kept figures (choosing an event, an undo): not after a scan's verdict."""
        self._show_count(None)

    def _show_count(self, counts: EventCounts | None) -> None:
        if self.chosen_event is None:
            return
        if counts is None:
            counts = event_counts(self._store, self.chosen_event.id)
        self.count.set_key(
            "checkin.count", checked_in=counts.checked_in, registered=counts.registered
        )

    # --- undo -------------------------------------------------------------------------

    def _undo_left_s(self) -> float:
        if self._admitted_at is None:
            return 0.0
        return UNDO_WINDOW_S - (self._clock() - self._admitted_at).total_seconds()

    def _update_undo(self) -> None:
        left = self._undo_left_s()
        if self._undoable is None or left <= 0:
            self._forget_undo()
            return
        self.undo_button.set_key(
            "checkin.undo", seconds=int(left), name=self._undoable.masked_name or "–"
        )
        self.undo_button.show()

    def _forget_undo(self) -> None:
        self._undoable = None
        self._admitted_at = None
        self._undo_tick.stop()
        self.undo_button.hide()

    def undo_last(self) -> None:
        verdict = self._undoable
        if verdict is None or verdict.checkin_id is None:
            return
        self.activity.emit()
        outcome = undo(self._store, verdict.checkin_id, self._clock())
        log.info("staff undid a check-in: %s", outcome)
        self._forget_undo()
        self._hold.stop()
        self.verdict.show_ready(f"checkin.undo.{outcome}")
        self._refresh_count()
        if outcome is UndoOutcome.UNDONE:
            self.recorded.emit()
        if outcome is not UndoOutcome.UNDONE:
            log.warning("undo of check-in %s: %s", verdict.checkin_id, outcome)

    # --- manual lookup ----------------------------------------------------------------

    def check_code(self) -> None:
        code = self.code.text().strip()
        if not code or self.chosen_event is None:
            return
        self.code.clear()
        self._admit(code)

    def search_name(self) -> None:
        typed = self.name.text().strip()
        if not typed or self.chosen_event is None:
            return
        self.activity.emit()
        matches = find_by_name(self._store, self.chosen_event.id, typed)
        self._show_candidates([(m.identity, self._match_text(m)) for m in matches])
        if not matches:
            self._lookup_note("checkin.lookup.none")

    def _show_candidates(self, rows: Sequence[tuple[TicketIdentity, str]]) -> None:
        self._clear_results()
        for identity, text in rows:
            button = Candidate(identity, text, self._results_box)
            button.clicked.connect(lambda _=False, i=identity: self._admit(i))
            self._results_column.addWidget(button)
            self.candidates.append(button)
        self._results_column.addStretch(1)
        if rows:
            self._lookup_note("checkin.lookup.choose")

    def _match_text(self, match: NameMatch) -> str:
        state = tr("checkin.lookup.in") if match.checked_in else tr("checkin.lookup.not_in")
        return f"{match.masked_name} · {tr(match.ticket_type_key)} · {state}"

    def _candidate_text(self, verdict: Verdict) -> str:
        """A candidate of a shared manual code, with why it would be refused if it would."""
        judged = detail(verdict) if verdict.kind is VerdictKind.INVALID else ""
        kind = tr(verdict.ticket_type_key) if verdict.ticket_type_key else ""
        return " · ".join(part for part in (verdict.masked_name or "–", kind, judged) if part)

    def _lookup_note(self, key: str) -> None:
        self.lookup_message.set_key(key)
        set_role(self.lookup_message, "hint" if key == "checkin.lookup.choose" else "error")
        self.lookup_message.style().unpolish(self.lookup_message)
        self.lookup_message.style().polish(self.lookup_message)
        self.lookup_message.show()

    def _clear_results(self) -> None:
        for button in self.candidates:
            button.hide()
            button.deleteLater()
        self.candidates = []
        while self._results_column.count():
            self._results_column.takeAt(0)
        self.lookup_message.hide()

    def _clear_lookup(self) -> None:
        self.code.clear()
        self.name.clear()
        self._clear_results()

    # --- screen -----------------------------------------------------------------------

    def retranslate(self) -> None:
        super().retranslate()
        for editor in (self.code, self.name):
            editor.setAccessibleName(tr(str(editor.property("name_key"))))
        self.verdict.retranslate()
        if self.chosen_event is not None:
            self.event_title.setText(event_title(self.chosen_event))
            self.event_title.setAccessibleName(self.event_title.text())
        self._update_undo_text()

    def _update_undo_text(self) -> None:
        if self._undoable is not None:
            self._update_undo()

    def wipe(self) -> None:
        """Leaving the screen: nothing typed stays; the event and its undo are forgotten."""
        super().wipe()
        self._clear_lookup()
        self._forget_undo()
        self._hold.stop()
        self.chosen_event = None
        self.verdict.show_ready()
        self._update_sources()
        self._turn_to(self.chooser)
