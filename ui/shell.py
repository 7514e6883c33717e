"""The kiosk window: header, status strip, the screens, the keyboard; and the flows.

Layout, top to bottom: a header (office, Start over, 한국어/English, the
accessibility button), a status strip (online/offline, waiting to send), the
stack of screens, and the on-screen keyboard docked inside the window.

The flows are plain: form pages → consent (when personal data is asked) →
review → submit → receipt. Submitting calls the kiosk service on the GUI
thread (one SQLite commit, milliseconds) and shows the receipt only after it
returned. Field errors go back beside their fields; anything unexpected is
logged and the citizen sees a calm "please ask staff" screen that returns home.

Staff mode: a long press on the title or office name in the header asks for
the staff PIN (``ui.staff``); staff mode shows the staff screen and event
check-in, and ends by itself after ``staff_timeout_s`` without input, or when
home is shown. Outside it, the window cannot be closed and Escape does
nothing (``ui.lockdown``); "Exit kiosk" on the staff screen is the only way out.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from core.clock import Clock, utcnow
from core.links import status_page_url
from core.validation import FieldError, ValidationFailed
from kiosk import lookups, online_signups
from kiosk.config import ConfigError, Language, Orientation, Settings, save_settings
from kiosk.identity import NotEnrolled
from kiosk.lookups import EventItem
from kiosk.online_signups import OnlineAnswer, PreparedSignup
from kiosk.signups import check_sign_up, sign_up, signup_errors, store_sign_up
from kiosk.slips import event_facts, slip_facts, status_server
from kiosk.store import Store
from kiosk.submissions import (
    Consent,
    Receipt,
    check_complaint,
    check_proposal,
    check_suggestion,
    complaint_errors,
    proposal_errors,
    store_complaint,
    store_proposal,
    store_suggestion,
    suggestion_errors,
)
from printing.printer import PrintResult
from sync.client import Timeouts
from sync.enrolment import Enrolment
from sync.protocol import CaseResponse
from sync.status import SyncControl, SyncState, SyncStatus
from ui.background import Background
from ui.camera import CameraScanner
from ui.display import Outcome, apply_orientation
from ui.i18n import I18n, tr
from ui.idle import IdleTiming, IdleWatcher
from ui.lockdown import LockDown
from ui.photo import CameraPhotoSource, PhotoSource
from ui.printing import Printing
from ui.screens.accessibility import Accessibility, AccessibilityScreen
from ui.screens.base import Screen
from ui.screens.case import CaseScreen
from ui.screens.checkin import CheckinScreen
from ui.screens.complaint import ComplaintScreen
from ui.screens.consent import ConsentScreen
from ui.screens.error import ErrorScreen
from ui.screens.form import FormScreen
from ui.screens.home import HomeScreen
from ui.screens.idle_warning import IdleWarning
from ui.screens.proposal import ProposalScreen
from ui.screens.receipt import ReceiptScreen
from ui.screens.review import ReviewScreen
from ui.screens.signup import EventListScreen, SignupFormScreen
from ui.slips import admission_slip, receipt_slip
from ui.staff.desk import StaffDesk
from ui.staff.gesture import LongPress
from ui.staff.mode import StaffMode
from ui.staff.pin import PinScreen
from ui.staff.screen import StaffScreen
from ui.steady import SteadyBox
from ui.touch import LowPositionFrame
from ui.widgets import TrButton, TrLabel, retranslate_tree, set_role

if TYPE_CHECKING:
    from ui.voice.guide import VoiceGuide

log = logging.getLogger(__name__)


class Announcer(Protocol):
    """Audio guidance (ui.voice.guide): says a sentence, or nothing when voice is off.

    The guide reads every screen on arrival and every error with its field by
    itself (``screen_shown``, ``errors_shown``); the window only hands it what
    the guide cannot see coming: the idle warning, a check-in verdict.
    """

    def say(self, text: str) -> None: ...


class _Silent:
    def say(self, text: str) -> None:
        pass


class OnlineServices(Protocol):
    """What the window asks the server while a citizen waits (sync.online.OnlineDesk).

    Every call may take a few seconds and runs off the GUI thread; None means
    "no answer": the kiosk does what it does offline.
    """

    def claim(self, prepared: PreparedSignup) -> OnlineAnswer | None: ...

    def availability(self) -> dict[int, int] | None: ...

    def case(self, code: str) -> CaseResponse | None: ...

    def cancel(self, code: str) -> CaseResponse | None: ...

    def ask_again(self, code: str) -> CaseResponse | None: ...


def turn_display(orientation: Orientation) -> Outcome:
    return apply_orientation(orientation, QGuiApplication.platformName())


def leave_display(orientation: Orientation) -> Outcome:
    """Outside kiosk mode (the desktop demo) the screen is a person's own: never turned."""
    if orientation == "auto":
        return Outcome.AUTO
    log.info("display orientation %s: not turned outside kiosk mode", orientation)
    return Outcome.UNSUPPORTED


@dataclass
class FlowState:
    """What the current citizen chose beyond the form fields; reset on every wipe."""

    kind: str = ""
    consent: Consent | None = None
    event: EventItem | None = None
    waitlist: bool = False


class Header(QWidget):
    language_chosen = Signal(str)

    def __init__(self, office: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        set_role(self, "header")
        self.title = TrLabel("app.title", "subtitle", self)
        self.office = QLabel(office, self)
        set_role(self.office, "hint")
        self.home = TrButton("header.home", "secondary", self)
        self.korean = TrButton("language.ko", "choice", self, a11y_key="language.ko.a11y")
        self.english = TrButton("language.en", "choice", self, a11y_key="language.en.a11y")
        self.accessibility = TrButton("header.accessibility", "secondary", self)
        for button in (self.korean, self.english):
            button.setCheckable(True)
        self.korean.clicked.connect(lambda: self.language_chosen.emit("ko"))
        self.english.clicked.connect(lambda: self.language_chosen.emit("en"))
        self._grid = QGridLayout(self)
        self._titles = QVBoxLayout()
        self._titles.addWidget(self.title)
        self._titles.addWidget(self.office)
        self._buttons = QHBoxLayout()
        for button in (self.home, self.korean, self.english, self.accessibility):
            self._buttons.addWidget(button)
        self._stacked: bool | None = None
        self._arrange(stacked=False)

    @override
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        # Side by side when they fit; buttons under the title on a narrow or 200% screen.
        needed = self._buttons.sizeHint().width() + self.title.sizeHint().width()
        self._arrange(stacked=event.size().width() < needed)

    def _arrange(self, *, stacked: bool) -> None:
        if stacked == self._stacked:
            return
        self._stacked = stacked
        self._grid.removeItem(self._titles)
        self._grid.removeItem(self._buttons)
        self._grid.addLayout(self._titles, 0, 0)
        self._grid.addLayout(self._buttons, 1 if stacked else 0, 0 if stacked else 1)
        self._grid.setColumnStretch(0, 1)

    def show_language(self, language: Language) -> None:
        self.korean.setChecked(language == "ko")
        self.english.setChecked(language == "en")


class StatusStrip(QWidget):
    """Online or offline, and how many records wait to be sent."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        set_role(self, "status")
        row = QHBoxLayout(self)
        row.setContentsMargins(16, 4, 16, 4)
        self.state = TrLabel("status.state.unknown", "status", self)
        self.pending = TrLabel("status.pending", "status", self, count=0)
        row.addWidget(self.state, 1)
        # Changes after every record: boxed, so it does not lay out the window again.
        row.addWidget(SteadyBox(self.pending, self))

    def show_status(self, state: SyncState | None, pending: int) -> None:
        self.state.set_key(f"status.state.{state.value if state else 'unknown'}")
        self.state.setProperty("state", state.value if state else "unknown")
        self.pending.set_key("status.pending", count=pending)


class KioskWindow(QMainWindow):
    """The whole kiosk on one window; ``submitted`` fires after each committed record."""

    submitted = Signal(object)  # Receipt
    accessibility_changed = Signal(object)  # Accessibility
    screen_shown = Signal(str)  # the screen's objectName
    exited = Signal()  # staff chose "Exit kiosk" and the window closed
    committed = Signal()  # a check-in or an undo was committed: the sync engine may push
    errors_shown = Signal(list)  # catalog keys of the errors now beside their fields
    session_ended = Signal()  # the next citizen starts: wiped, home, defaults back

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        i18n: I18n,
        timing: IdleTiming | None = None,
        clock: Clock = utcnow,
        announcer: Announcer | None = None,
        keyboard: QWidget | None = None,
        parent: QWidget | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        camera: CameraScanner | None = None,
        photo_source: PhotoSource | None = None,
        config_path: Path | None = None,
        enrol_timeouts: Timeouts | None = None,
        online: OnlineServices | None = None,
        printing: Printing | None = None,
    ) -> None:
        super().__init__(parent)
        self.online = online
        self.background = Background(self)
        # Tickets of background calls still wanted, with what to do with their answer.
        self._awaiting: dict[int, Callable[[object], None]] = {}
        self.photo_source = photo_source or CameraPhotoSource()
        # The slip printer; with ``printer = "none"`` nothing is printed and nothing is said.
        self.printing = printing or Printing(settings)
        self.printing.setParent(self)
        self.photo_source.setParent(self)
        self.settings = settings
        self.store = store
        self.i18n = i18n
        self.clock = clock
        self.config_path = config_path
        self.lockdown = LockDown(self)
        self._monotonic = monotonic
        self._camera = camera
        self._enrol_timeouts = enrol_timeouts
        self.desk = StaffDesk(store, clock, lambda: self.settings)
        self.announcer: Announcer = announcer or _Silent()
        # Someone is there although nothing was touched (earphones in the jack): no idle wipe.
        self.keep_alive: Callable[[], bool] = lambda: False
        self.voice: VoiceGuide | None = None  # voice mode and the keypad (app.launch)
        # Replaceable, so tests can watch the display being turned without a display to turn.
        self.turn_display: Callable[[Orientation], Outcome] = (
            turn_display if settings.kiosk_mode else leave_display
        )
        self.state = FlowState()
        self.sync_status: SyncStatus | None = None
        self.defaults = Accessibility(settings.large_text, settings.high_contrast, False)
        self.accessibility = self.defaults
        self._before_accessibility: QWidget | None = None
        self.dpi = 96.0  # set by the app from settings or the screen; touch sizes use it

        central = QWidget(self)
        set_role(central, "window")
        self.setCentralWidget(central)
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        body = QWidget()
        rows = QVBoxLayout(body)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.setSpacing(0)
        office = settings.office_name or lookups.enrolled_office(store)
        self.header = Header(office, body)
        self.status = StatusStrip(body)
        self.stack = QStackedWidget(body)
        area = QVBoxLayout()
        area.setContentsMargins(32, 20, 32, 20)
        area.addWidget(self.stack)
        rows.addWidget(self.header)
        rows.addWidget(self.status)
        rows.addLayout(area, 1)
        # Wheelchair users reach only the lower part of a tall portrait screen.
        self.frame = LowPositionFrame(body, central)
        self.frame.set_low_position(settings.low_position)
        column.addWidget(self.frame, 1)
        self.keyboard = keyboard
        if keyboard is not None:
            keyboard.setParent(central)
            column.addWidget(keyboard)

        self._build_screens()
        self.idle_warning = IdleWarning(central, (timing or IdleTiming(90_000, 30_000)).warning_ms)
        self.watcher = IdleWatcher((timing or IdleTiming(90_000, 30_000)).timeout_ms, self)
        self.idle_timeout_ms = (timing or IdleTiming(90_000, 30_000)).timeout_ms
        self.staff_mode = StaffMode(
            store, clock, self.staff_pin, settings.staff_timeout_s * 1000, self
        )
        # Hidden: a long press on the title or the office name (the office may be empty).
        self.gesture = LongPress(self)
        self.gesture.watch(self.header.title)
        self.gesture.watch(self.header.office)
        self._connect()
        self.header.show_language(i18n.language)
        self.retranslate()
        self.refresh_status()
        self.show_screen(self.home)

    # --- construction ---------------------------------------------------------------------

    def _build_screens(self) -> None:
        show_checkin = not self.settings.checkin_staff_only
        self.home = HomeScreen(show_checkin=show_checkin)
        self.complaint = ComplaintScreen(anonymous=False, photo_source=self.photo_source)
        self.suggestion = ComplaintScreen(anonymous=True)
        self.proposal = ProposalScreen()
        self.events = EventListScreen()
        self.signup = SignupFormScreen()
        self.consent = ConsentScreen()
        self.review = ReviewScreen()
        self.receipt = ReceiptScreen()
        self.problem = ErrorScreen()
        self.case = CaseScreen()
        self.checkin = CheckinScreen(
            self.store,
            lambda: self.settings,
            self.clock,
            monotonic=self._monotonic,
            camera=self._camera,
        )
        self.case.camera = self.checkin.camera  # one camera; check-in ignores it meanwhile
        self.accessibility_screen = AccessibilityScreen()
        self.staff_pin = PinScreen()
        self.staff = StaffScreen(
            self.desk, enrol_timeouts=self._enrol_timeouts, printing=self.printing
        )
        self.screens: dict[str, Screen] = {
            "home": self.home,
            "complaint": self.complaint,
            "suggestion": self.suggestion,
            "proposal": self.proposal,
            "events": self.events,
            "signup": self.signup,
            "consent": self.consent,
            "review": self.review,
            "receipt": self.receipt,
            "problem": self.problem,
            "checkin": self.checkin,
            "case": self.case,
            "accessibility": self.accessibility_screen,
            "staff_pin": self.staff_pin,
            "staff": self.staff,
        }
        for name, screen in self.screens.items():
            screen.setObjectName(name)
            self.stack.addWidget(screen)
        # Each form page shows its fields' errors from the service's own pure check.
        self.complaint.validator = lambda: complaint_errors(self.complaint.form())
        self.suggestion.validator = lambda: suggestion_errors(self.suggestion.form())
        self.proposal.validator = lambda: proposal_errors(self.proposal.form())
        self.signup.validator = lambda: signup_errors(self.signup.form())

    def _connect(self) -> None:
        self.header.language_chosen.connect(self._choose_language)
        self.header.home.clicked.connect(self.start_over)
        self.header.accessibility.clicked.connect(self.open_accessibility)
        self.i18n.languageChanged.connect(self.retranslate)
        self.home.chosen.connect(self.start)
        for form in self.forms():
            form.completed.connect(self._form_completed)
            form.cancelled.connect(self._form_cancelled)
            form.errors_shown.connect(self._announce_errors)
        self.events.chosen.connect(self._event_chosen)
        self.events.cancelled.connect(self.start_over)
        self.consent.agreed.connect(self._consented)
        self.consent.back.connect(self._back_to_form)
        self.consent.errors_shown.connect(self._announce_errors)
        self.review.back.connect(self._review_back)
        self.review.submit.connect(self.submit)
        self.review.errors_shown.connect(self._announce_errors)
        self.receipt.done.connect(self.end_session)
        self.background.finished.connect(self._answered)
        self.case.look_up.connect(self._look_up_case)
        self.case.cancel.connect(lambda code: self._act_on_case(code, "cancel"))
        self.case.ask_again.connect(lambda code: self._act_on_case(code, "ask_again"))
        self.case.back.connect(self.start_over)
        self.printing.printed.connect(self._slip_printed)
        self.checkin.admitted.connect(self._print_admission)
        self.problem.home.connect(self.end_session)
        self.checkin.back.connect(self._checkin_back)
        self.checkin.activity.connect(self._someone_there)
        self.checkin.recorded.connect(self._checkin_recorded)
        self.checkin.verdict_shown.connect(self.announce)
        self.gesture.held.connect(self.staff_mode.request)
        self.staff_mode.pin_requested.connect(lambda: self.show_screen(self.staff_pin))
        self.staff_mode.entered.connect(self._staff_entered)
        self.staff_mode.left.connect(self._staff_left)
        self.staff_pin.cancelled.connect(self.start_over)
        self.staff.leave.connect(self.staff_mode.leave)
        self.staff.open_checkin.connect(self._open_checkin)
        self.staff.exit_kiosk.connect(self.exit_kiosk)
        self.staff.settings.saved.connect(self.apply_settings)
        self.staff.enrolment.enrolled.connect(self._enrolled)
        self.accessibility_screen.changed.connect(self.set_accessibility)
        self.accessibility_screen.closed.connect(self._close_accessibility)
        self.watcher.idle.connect(self._idle)
        self.idle_warning.carry_on.connect(self.watcher.start)
        self.idle_warning.expired.connect(self._idle_expired)
        self.stack.currentChanged.connect(self._screen_changed)

    def forms(self) -> list[FormScreen]:
        return [self.complaint, self.suggestion, self.proposal, self.signup]

    # --- navigation -----------------------------------------------------------------------

    def current_screen(self) -> Screen:
        screen = self.stack.currentWidget()
        assert isinstance(screen, Screen)
        return screen

    def show_screen(self, screen: Screen) -> None:
        if self.stack.currentWidget() is screen:
            self._screen_changed()
        self.stack.setCurrentWidget(screen)

    def _screen_changed(self, _index: int = 0) -> None:
        screen = self.current_screen()
        if self.staff_mode.active and screen not in (self.staff, self.checkin):
            self.staff_mode.leave()  # the staff session ends wherever staff leave its screens
            return
        self.header.home.setVisible(screen is not self.home)
        self.screen_shown.emit(screen.objectName())  # the voice guide reads it

    def start(self, kind: str) -> None:
        self.wipe()
        self.state.kind = kind
        if kind in ("complaint", "suggestion"):
            form = self.complaint if kind == "complaint" else self.suggestion
            form.set_categories(lookups.categories(self.store))
            # No camera (or staff turned it off): the photo page is not there at all.
            form.set_photo_enabled(self.settings.camera and self.photo_source.available())
            self._show_form(form)
        elif kind == "proposal":
            self._show_form(self.proposal)
        elif kind == "signup":
            self.events.set_events(lookups.events(self.store, self.clock()))
            self.show_screen(self.events)
            if self.online is not None:
                self._ask(self.online.availability, self._seats_counted)
        elif kind == "checkin":
            self._open_checkin()
        elif kind == "case":
            self.case.start(camera=self.settings.camera)
            self.show_screen(self.case)

    def _show_form(self, form: FormScreen) -> None:
        form.start()
        self.show_screen(form)

    def current_form(self) -> FormScreen | None:
        return {
            "complaint": self.complaint,
            "suggestion": self.suggestion,
            "proposal": self.proposal,
            "signup": self.signup,
        }.get(self.state.kind)

    def _event_chosen(self, event: EventItem) -> None:
        self.state.event = event
        self.state.waitlist = event.full
        self.signup.set_event(event)
        self._show_form(self.signup)

    def _form_cancelled(self) -> None:
        if self.state.kind == "signup":
            self.show_screen(self.events)
        else:
            self.start_over()

    def _needs_consent(self) -> bool:
        if self.state.kind == "proposal":
            return self.proposal.gives_contact()
        return self.state.kind in ("complaint", "signup")

    def _form_completed(self) -> None:
        if self._needs_consent():
            self.consent.set_kind(
                self.state.kind, optional_box=self.state.kind in ("complaint", "proposal")
            )
            self.show_screen(self.consent)
        else:
            self.state.consent = None
            self._show_review()

    def _consented(self, consent: Consent) -> None:
        self.state.consent = consent
        self._show_review()

    def _back_to_form(self) -> None:
        form = self.current_form()
        if form is not None:
            form.show_last_page()
            self.show_screen(form)

    def _review_back(self) -> None:
        if self._needs_consent():
            self.show_screen(self.consent)
        else:
            self._back_to_form()

    def _show_review(self) -> None:
        form = self.current_form()
        assert form is not None
        submit_key = "review.submit.waitlist" if self.state.waitlist else "review.submit"
        self.review.show_for(f"flow.{self.state.kind}", self._review_rows, submit_key=submit_key)
        self.show_screen(self.review)

    def _review_rows(self) -> list[tuple[str, str | QPixmap]]:
        form = self.current_form()
        rows: list[tuple[str, str | QPixmap]] = list(getattr(form, "review_rows", list)())
        consent = self.state.consent
        if consent is None:
            said = tr("review.consent.none")
        else:
            said = tr("review.consent.shared" if consent.share_contact else "review.consent.given")
            if consent.notify:
                said += " · " + tr("review.consent.notify")
        rows.append(("review.consent", said))
        return rows

    def open_accessibility(self) -> None:
        if self.current_screen() is not self.accessibility_screen:
            self._before_accessibility = self.current_screen()
        self.accessibility_screen.set_options(self.accessibility)
        self.show_screen(self.accessibility_screen)

    def _close_accessibility(self) -> None:
        back = self._before_accessibility
        self.show_screen(back if isinstance(back, Screen) else self.home)

    # --- submitting -----------------------------------------------------------------------

    # --- asking the server, off the GUI thread ---------------------------------------------

    def _ask(self, call: Callable[[], object], then: Callable[[object], None]) -> None:
        self._awaiting[self.background.run(call)] = then

    def _answered(self, ticket: int, result: object) -> None:
        then = self._awaiting.pop(ticket, None)
        if then is not None:
            then(result)

    def _seats_counted(self, seats: object) -> None:
        """The server's free places for this kiosk replace its offline block in the list."""
        if not isinstance(seats, dict) or self.current_screen() is not self.events:
            return
        live = [
            replace(item, seats_left=seats[item.id], live=True)
            for item in lookups.events(self.store, self.clock())
            if item.id in seats
        ]
        self.events.set_events(live)

    def _look_up_case(self, code: str) -> None:
        if self.online is None:
            self.case.show_cases(None)
            return
        online = self.online
        self._ask(lambda: online.case(code), self._case_found)

    def _case_found(self, response: object, done_key: str = "") -> None:
        if self.current_screen() is not self.case:
            return  # the citizen left meanwhile
        self.case.show_cases(response if isinstance(response, CaseResponse) else None, done_key)

    def _act_on_case(self, code: str, action: str) -> None:
        if self.online is None:
            self.case.show_cases(None)
            return
        online = self.online
        call = online.cancel if action == "cancel" else online.ask_again
        done = "case.done.cancelled" if action == "cancel" else "case.done.asked_again"
        self.case.show_message("case.checking")
        self._ask(lambda: call(code), lambda answer: self._case_acted(answer, done))

    def _case_acted(self, answer: object, done_key: str) -> None:
        if answer is None and self.current_screen() is self.case:
            self.case.show_message("case.not_allowed")
            return
        self._case_found(answer, done_key)

    def submit(self) -> None:
        if self.state.kind == "signup" and self.online is not None and self.state.event:
            self._claim_online(self.online, self.state.event)
            return
        try:
            receipt = self._submit_current()
        except ValidationFailed as failed:
            self._show_domain_errors(failed.errors)
            return
        except NotEnrolled:
            log.error("submit refused: this kiosk is not enrolled")
            self.show_problem("error.kiosk.not_enrolled")
            return
        except Exception:
            # Never a traceback on screen: log it for staff, calm words for the citizen.
            log.exception("submit failed unexpectedly (%s)", self.state.kind)
            self.show_problem()
            return
        self._show_receipt(receipt)

    def _show_receipt(self, receipt: Receipt) -> None:
        # The screen's QR and the paper's point at the same page (kiosk.slips.status_server).
        url = status_page_url(self._status_server(), receipt.code)
        receipt = replace(receipt, status_url=url)
        self.receipt.show_receipt(receipt, self.state.event)
        self.show_screen(self.receipt)
        self.refresh_status()
        self.submitted.emit(receipt)
        self._print_receipt(receipt)

    def _claim_online(self, online: OnlineServices, event: EventItem) -> None:
        """A connected kiosk asks the server for the place; "checking…" meanwhile."""
        try:
            prepared = online_signups.prepare(
                self.store,
                event.id,
                self.signup.form(),
                self.state.consent or Consent(),
                accept_waitlist=self.state.waitlist,
                now=self.clock(),
            )
        except ValidationFailed as failed:
            self._show_domain_errors(failed.errors)
            return
        except NotEnrolled:
            self.show_problem("error.kiosk.not_enrolled")
            return
        self.review.show_busy(True)
        self._ask(lambda: online.claim(prepared), lambda answer: self._claimed(prepared, answer))

    def _claimed(self, prepared: PreparedSignup, answer: object) -> None:
        self.review.show_busy(False)
        if self.current_screen() is not self.review or self.state.kind != "signup":
            return  # the citizen left (or the kiosk wiped) while the server was asked
        if not isinstance(answer, OnlineAnswer):
            self._sign_up_offline(prepared)
            return
        if answer.status == "full":
            # Taken by others meanwhile: offer the waiting list, as offline.
            self._show_domain_errors([FieldError("event", "event.full")])
            return
        try:
            receipt = online_signups.keep(self.store, prepared, answer)
        except Exception:
            log.exception("an online sign-up could not be kept on this kiosk")
            self.show_problem()
            return
        self._show_receipt(receipt)

    def _sign_up_offline(self, prepared: PreparedSignup) -> None:
        """No answer: this kiosk's block decides, under the same id and receipt code."""
        try:
            receipt = sign_up(
                self.store,
                prepared.event_id,
                prepared.form,
                prepared.consent,
                accept_waitlist=self.state.waitlist,
                now=self.clock(),
                registration_id=prepared.id,
                receipt_code=prepared.receipt_code,
            )
        except ValidationFailed as failed:
            self._show_domain_errors(failed.errors)
            return
        except Exception:
            log.exception("offline sign-up after an unanswered claim failed")
            self.show_problem()
            return
        self._show_receipt(receipt)

    def _submit_current(self) -> Receipt:
        now = self.clock()
        consent = self.state.consent or Consent()
        kind = self.state.kind
        if kind == "complaint":
            return store_complaint(self.store, check_complaint(self.complaint.form(), consent), now)
        if kind == "suggestion":
            return store_suggestion(self.store, check_suggestion(self.suggestion.form()), now)
        if kind == "proposal":
            return store_proposal(self.store, check_proposal(self.proposal.form(), consent), now)
        if kind == "signup" and self.state.event is not None:
            return store_sign_up(
                self.store,
                self.state.event.id,
                check_sign_up(self.signup.form(), consent),
                accept_waitlist=self.state.waitlist,
                now=now,
            )
        raise RuntimeError(f"nothing to submit in flow {kind!r}")

    # --- printed slips ------------------------------------------------------------------

    def _status_server(self) -> str:
        return status_server(self.store, self.settings.server_url)

    def _print_receipt(self, receipt: Receipt) -> None:
        """Queue the slip after the receipt is on screen; its fate is shown when it is known."""
        if not self.printing.configured:
            return
        try:
            slip = receipt_slip(
                slip_facts(self.store, receipt),
                office=self.header.office.text(),
                server_url=self._status_server(),
            )
        except Exception:
            log.exception("the %s slip could not be put together", receipt.kind)
            self.receipt.show_slip("receipt.slip.failed")
            return
        self.receipt.show_slip("receipt.slip.printing")
        self.printing.print_slip(slip, receipt.code)

    def _slip_printed(self, tag: str, result: PrintResult) -> None:
        shown = self.receipt.receipt
        if shown is None or shown.code != tag:
            return  # the citizen has moved on; the slip (or its failure) is for staff now
        self.receipt.show_slip("receipt.slip.printed" if result.printed else "receipt.slip.failed")
        if not result.printed:
            self.announce(tr("receipt.slip.failed"))

    def _print_admission(self, event_id: int, masked_name: str) -> None:
        if not (self.settings.print_admission_slip and self.printing.configured):
            return
        slip = admission_slip(
            event_facts(self.store, event_id),
            masked_name,
            self.clock(),
            office=self.header.office.text(),
        )
        self.printing.print_slip(slip, "admission")

    def _show_domain_errors(self, errors: list[FieldError]) -> None:
        event_errors = [e for e in errors if e.field == "event"]
        if event_errors:
            key = event_errors[0].key
            if key == "event.full":
                # The last place went while this citizen was typing: offer the waiting list.
                self.state.waitlist = True
                self._show_review()
            self.review.show_error(key)
            return
        form = self.current_form()
        if form is not None and form.show_errors(errors):
            self.show_screen(form)
            return
        if any(e.field == "consent" for e in errors):
            self.consent.show_required_error()
            self.show_screen(self.consent)
            return
        log.error("validation errors with no field on screen: %s", errors)
        self.show_problem()

    def show_problem(self, message_key: str = "error.unexpected") -> None:
        self.problem.show_problem(message_key)
        self.show_screen(self.problem)

    # --- wiping ---------------------------------------------------------------------------

    def wipe(self) -> None:
        """Forget everything the current citizen entered, on every screen."""
        for screen in self.screens.values():
            screen.wipe()
        self.state = FlowState()
        # Answers still on their way are for a citizen who has gone.
        self._awaiting.clear()

    def start_over(self) -> None:
        """The citizen's own "Start over": wipe, but keep their language and display."""
        self.wipe()
        self.show_screen(self.home)

    def end_session(self) -> None:
        """After Done, idle or an error: wipe and set everything back for the next person."""
        self.wipe()
        self.i18n.set_language(self.settings.language)
        self.header.show_language(self.settings.language)
        self.set_accessibility(self.defaults)
        self.show_screen(self.home)
        self.session_ended.emit()

    def _idle(self) -> None:
        if self.staff_mode.active or self.keep_alive():
            self.watcher.start()  # staff mode keeps its own, longer limit; earphones are someone
            return
        if self.current_screen() is self.home and self.i18n.language == self.settings.language:
            self.watcher.start()  # nothing entered, nothing to warn about
            return
        self.watcher.pause()
        self.idle_warning.start()
        self.announce(f"{tr('idle.title')} {self.idle_warning.body.text()}")

    def _idle_expired(self) -> None:
        self.end_session()
        self.watcher.start()

    # --- check-in and staff mode --------------------------------------------------------

    def _open_checkin(self) -> None:
        self.checkin.start()
        self.show_screen(self.checkin)

    def _checkin_back(self) -> None:
        if self.staff_mode.active:
            self.show_screen(self.staff)
        else:
            self.start_over()

    def _someone_there(self) -> None:
        """A scan at the door counts as use, for the citizen's and the staff timeout."""
        self.staff_mode.touch()
        if not self.idle_warning.isVisible():
            self.watcher.start()

    def _checkin_recorded(self) -> None:
        self.refresh_status()
        self.committed.emit()

    def _staff_entered(self) -> None:
        self.refresh_status()
        self.lockdown.staff_active = True
        self.staff.show_page("dashboard")
        self.show_screen(self.staff)

    def _staff_left(self) -> None:
        self.lockdown.staff_active = False
        self.end_session()

    def exit_kiosk(self) -> None:
        """Staff chose "Exit kiosk": the one close request the window honours."""
        log.info("staff closed the kiosk")
        self.lockdown.permit_exit()
        self.close()

    def _enrolled(self, enrolment: Enrolment) -> None:
        if not self.settings.office_name:
            self.header.office.setText(enrolment.office)
        self.refresh_status()

    def apply_settings(self, chosen: Settings) -> None:
        """Staff saved settings: write the changed keys to the file, apply what can be applied."""
        before = self.settings
        saved = True
        if self.config_path is not None:
            try:
                written = save_settings(self.config_path, chosen, before)
            except (OSError, ConfigError) as error:
                log.error("settings not saved to %s: %s", self.config_path, error)
                saved = False
            else:
                log.info("settings saved: %s", ", ".join(written) or "nothing changed")
        self.settings = chosen
        # A new citizen session starts with these; staff see them when they leave.
        self.defaults = Accessibility(chosen.large_text, chosen.high_contrast, False)
        if chosen.idle_timeout_s != before.idle_timeout_s:
            self.set_idle_timeout_ms(chosen.idle_timeout_s * 1000)
        printer_keys = (
            "printer",
            "printer_address",
            "printer_baudrate",
            "paper_width_mm",
            "printer_cutter",
        )
        if any(getattr(chosen, k) != getattr(before, k) for k in printer_keys):
            self.printing.configure(chosen)
        turned = Outcome.UNCHANGED
        if chosen.orientation != before.orientation:
            turned = self.turn_display(chosen.orientation)
        self.staff.settings.show_settings(chosen)
        self.staff.settings.show_saved(
            saved, turn_by_hand=turned in (Outcome.UNSUPPORTED, Outcome.FAILED)
        )

    def set_idle_timeout_ms(self, timeout_ms: int) -> None:
        """A new idle watcher with the new timeout, wired like the first one."""
        self.idle_timeout_ms = timeout_ms
        app = QApplication.instance()
        old = self.watcher
        self.watcher = IdleWatcher(timeout_ms, self)
        self.watcher.idle.connect(self._idle)
        self.idle_warning.carry_on.disconnect(old.start)
        self.idle_warning.carry_on.connect(self.watcher.start)
        if app is not None:
            app.removeEventFilter(old)
            app.installEventFilter(self.watcher)
        old.deleteLater()
        self.watcher.start()

    @override
    def closeEvent(self, event: QCloseEvent) -> None:
        # The window manager's close button and Alt+F4 arrive here: only staff may close.
        if not self.lockdown.may_close:
            event.ignore()
            return
        super().closeEvent(event)
        self.printing.shutdown()
        self.exited.emit()

    def attach_sync(self, sync: SyncControl) -> None:
        self.desk.sync = sync

    # --- language, accessibility, status --------------------------------------------------

    def _choose_language(self, language: str) -> None:
        chosen: Language = "en" if language == "en" else "ko"
        self.i18n.set_language(chosen)
        self.header.show_language(chosen)

    def retranslate(self) -> None:
        self.setWindowTitle(tr("app.title"))
        retranslate_tree(self.header)
        retranslate_tree(self.status)
        for screen in self.screens.values():
            screen.retranslate()
        self.idle_warning.retranslate()
        if self.keyboard is not None and hasattr(self.keyboard, "retranslate"):
            self.keyboard.retranslate()
        self.refresh_status()

    def set_accessibility(self, options: Accessibility) -> None:
        changed = options != self.accessibility
        self.accessibility = options
        self.accessibility_screen.set_options(options)
        if changed:
            # Restyling every widget takes a few hundred ms: only when something changed.
            self.accessibility_changed.emit(options)

    def announce(self, text: str) -> None:
        if text and self.accessibility.audio:
            self.announcer.say(text)

    def _announce_errors(self, keys: list[str]) -> None:
        self.errors_shown.emit(keys)

    def show_sync_status(self, status: SyncStatus) -> None:
        self.sync_status = status
        self.status.show_status(status.state, status.pending)
        if self.current_screen() is self.staff:
            self.staff.refresh()

    def refresh_status(self) -> None:
        """Show the engine's last status, or the local count when no engine runs."""
        pending = lookups.pending_count(self.store)
        state = self.sync_status.state if self.sync_status else None
        if self.sync_status is None:
            state = SyncState.OFFLINE
        self.status.show_status(state, pending)

    # --- layout ---------------------------------------------------------------------------

    @override
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        central = self.centralWidget()
        if central is not None:
            self.idle_warning.resize(central.size())
