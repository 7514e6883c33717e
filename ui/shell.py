"""The kiosk window: the frame, the screens, the keyboard, staff mode; it shows what it is told.

Layout, top to bottom: the title strip (``ui.frame.TopBar``: the title, and
in a flow its steps), the staff status strip (staff mode only), the stack of
screens, the "staff have been called" line, the on-screen keyboard when a
field is focused, and the bottom bar (``ui.frame.BottomBar``: start over,
back, call staff, larger text, high contrast, lower screen, language). In
low-screen mode all of it sits in the lower half of a portrait screen under
a dark band (``ui.touch.LowPositionFrame``).

The citizen flows are sequenced by ``ui.flow.FlowController`` from the table
in ``kiosk.flows``; the window switches to the screens the controller asks
for and fills the title strip from it.

Screens are built when first asked for (``screen_named``; the attributes
``window.complaint``, ``window.receipt``... are properties that do it) and
kept: a start builds the home screen only. A flow's consent, review and
receipt screens are built while the citizen fills in its form. The window
may be painted before its store is open (``store``: app.launch opens it on a
thread after the first paint); staff mode and the staff desk are made at the
first long press.

The keyboard is part of the layout: when it opens the screen above shrinks
(every screen's content scrolls, ``ui.scrolling``) and the focused field,
with its question and error, stays in view above it; it closes whenever the
screen shown has no focused text field.

Staff mode: a long press on the title asks for the staff PIN (``ui.staff``);
staff mode shows the staff screen and event check-in, and ends by itself
after ``staff_timeout_s`` without input, or when home is shown. Outside it,
the window cannot be closed and Escape does nothing (``ui.lockdown``);
"Exit kiosk" on the staff screen is the only way out.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QSizePolicy,
    QStackedWidget,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from core.clock import Clock, utcnow
from kiosk.config import ConfigError, Language, Orientation, Settings, save_settings
from sync.status import SyncControl, SyncState, SyncStatus
from ui.background import Questions
from ui.call import StaffCall
from ui.design import COMPACT_BAR_MM, SHORT_MM, large_zoom, px_to_mm
from ui.display import Outcome, apply_orientation
from ui.flow import FlowController, FlowScreens, FlowState, Frame, OnlineServices
from ui.frame import BottomBar, StatusStrip, TopBar
from ui.i18n import I18n, tr
from ui.idle import IdleTiming, IdleWatcher
from ui.lockdown import LockDown
from ui.printing import Printing
from ui.screens.accessibility import Accessibility
from ui.screens.base import Screen
from ui.screens.home import HomeScreen
from ui.screens.idle_warning import IdleWarning
from ui.scrolling import ScrollPage
from ui.staff.gesture import LongPress
from ui.theme import ThemeOptions, build_theme, current_theme
from ui.touch import LowPositionFrame
from ui.widgets import TrButton, TrLabel, retranslate_tree, set_role

if TYPE_CHECKING:
    # Only the home screen, the frame and the staff PIN pad are built at start; every
    # other screen (and what it imports: the camera, QtMultimedia, zxing, QR codes,
    # the check-in desk, the staff pages) when it is first shown (``screen_named``).
    # The store and what reads it (SQLAlchemy, pydantic, the crypto of sealing): the
    # window can be painted before the store is open (``store``).
    from kiosk.store import Store
    from kiosk.submissions import Receipt
    from printing.printer import PrintResult
    from sync.client import Timeouts
    from sync.enrolment import Enrolment
    from ui.camera import CameraScanner
    from ui.photo import PhotoSource
    from ui.screens.accessibility import AccessibilityScreen
    from ui.screens.case import CaseScreen
    from ui.screens.checkin import CheckinScreen
    from ui.screens.complaint import ComplaintScreen
    from ui.screens.consent import ConsentScreen
    from ui.screens.error import ErrorScreen
    from ui.screens.form import FormScreen
    from ui.screens.leave import LeaveScreen
    from ui.screens.proposal import ProposalScreen
    from ui.screens.receipt import ReceiptScreen
    from ui.screens.review import ReviewScreen
    from ui.screens.signup import EventListScreen, SignupFormScreen
    from ui.speech import SpeechStatus
    from ui.staff.desk import StaffDesk
    from ui.staff.mode import StaffMode
    from ui.staff.pin import PinScreen
    from ui.staff.screen import StaffScreen
    from ui.voice.guide import VoiceGuide

__all__ = ["Announcer", "KioskWindow", "OnlineServices"]

log = logging.getLogger(__name__)

# The screens every citizen flow ends with, built while the citizen fills in the form
# (prepare_screens): not at start-up, where they would only hold memory.
FLOW_ENDS = ("consent", "review", "receipt")

# The keyboard takes at most this share of the citizen's region: the field it types
# into, with its question, error and the main button, needs the rest.
KEYBOARD_SHARE = 0.42
# How soon the status strip's waiting figure follows admissions at the door.
STATUS_SETTLE_MS = 300
TEXT_EDITORS = (QLineEdit, QPlainTextEdit, QTextEdit)


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


def turn_display(orientation: Orientation) -> Outcome:
    return apply_orientation(orientation, QGuiApplication.platformName())


def leave_display(orientation: Orientation) -> Outcome:
    """Outside kiosk mode (the desktop demo) the screen is a person's own: never turned."""
    if orientation == "auto":
        return Outcome.AUTO
    log.info("display orientation %s: not turned outside kiosk mode", orientation)
    return Outcome.UNSUPPORTED


class CallLine(QWidget):
    """ "Staff have been called" for the citizen; for staff, the call and "I am here"."""

    answered = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.text = TrLabel("call.waiting", "call", self)
        self.answer = TrButton("call.answer", "primary", self, icon_name="check")
        self.answer.clicked.connect(self.answered)
        row.addWidget(self.text, 1)
        row.addWidget(self.answer)
        self.hide()

    def show_call(self, *, active: bool, staff: bool, since: str = "", where: str = "") -> None:
        self.setVisible(active)
        self.answer.setVisible(active and staff)
        if staff:
            self.text.set_key("call.staff", time=since, where=where)
        else:
            self.text.set_key("call.waiting")


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
        store: Store | Callable[[], Store],
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
        staff_call: StaffCall | None = None,
        online: OnlineServices | None = None,
        printing: Printing | None = None,
    ) -> None:
        super().__init__(parent)
        self.online = online
        # Calls to the server that a citizen waits for; forgotten on every wipe.
        self.questions = Questions(self)
        # The slip printer; with ``printer = "none"`` nothing is printed and nothing is said.
        self.printing = printing or Printing(settings)
        self.printing.setParent(self)
        # The camera behind the photo page is opened (QtMultimedia loaded) only when a
        # complaint first asks whether there is one.
        self._photo_source = photo_source
        if photo_source is not None:
            photo_source.setParent(self)
        self.settings = settings
        # The store, or how to get it: ``run_kiosk`` paints the home screen while the store
        # opens (SQLAlchemy, the migrations check); whatever first needs it waits for it.
        self._store: Store | None = None
        self._open_store: Callable[[], Store] | None = None
        if callable(store):
            self._open_store = store
        else:
            self._store = store
        self.i18n = i18n
        self.clock = clock
        self.config_path = config_path
        self.lockdown = LockDown(self)
        self._monotonic = monotonic
        self._camera = camera
        self._enrol_timeouts = enrol_timeouts
        self._desk: StaffDesk | None = None
        self._sync: SyncControl | None = None
        self._speech: Callable[[], tuple[SpeechStatus, str]] | None = None
        self._staff_mode: StaffMode | None = None
        self.announcer: Announcer = announcer or _Silent()
        # Someone is there although nothing was touched (earphones in the jack): no idle wipe.
        self.keep_alive: Callable[[], bool] = lambda: False
        self.voice: VoiceGuide | None = None  # voice mode and the keypad (app.launch)
        # Replaceable, so tests can watch the display being turned without a display to turn.
        self.turn_display: Callable[[Orientation], Outcome] = (
            turn_display if settings.kiosk_mode else leave_display
        )
        self.sync_status: SyncStatus | None = None
        # Admissions at the door recount the status strip's waiting figure once the
        # burst settles, not on each scan's way to its verdict (~0.5 ms a scan).
        self._status_due = QTimer(self)
        self._status_due.setSingleShot(True)
        self._status_due.setInterval(STATUS_SETTLE_MS)
        self._status_due.timeout.connect(self.refresh_status)
        self.defaults = Accessibility(
            settings.large_text, settings.high_contrast, False, settings.low_position
        )
        self.accessibility = self.defaults
        self._before_accessibility: QWidget | None = None
        self.dpi = 96.0  # set by the app from settings or the screen; touch sizes use it
        self._zoom = 0.0  # large text's zoom the theme was built for
        self.call = staff_call or StaffCall(clock, parent=self)

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
        # The enrolled office's name comes from the store (``store_opened``).
        self.header = TopBar(settings.office_name, body)
        self.status = StatusStrip(body)
        self.status.hide()
        self.stack = QStackedWidget(body)
        # The screens take what is left: they scroll, so the keyboard and bars come first
        # and the window never asks for more than its screen.
        self.stack.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
        self._area = QVBoxLayout()
        self._area.addWidget(self.stack)
        self.call_line = CallLine(body)
        self._call_row = QVBoxLayout()
        self._call_row.addWidget(self.call_line)
        self.bar = BottomBar(body)
        rows.addWidget(self.header)
        rows.addWidget(self.status)
        rows.addLayout(self._area, 1)
        rows.addLayout(self._call_row)
        self.keyboard = keyboard
        if keyboard is not None:
            keyboard.setParent(body)
            # As tall as it likes when there is room, down to its 15 mm keys when not.
            keyboard.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
            rows.addWidget(keyboard)
        rows.addWidget(self.bar)
        # Wheelchair users reach only the lower part of a tall portrait screen.
        self.frame = LowPositionFrame(body, central)
        self.frame.set_low_position(self.accessibility.low_screen)
        column.addWidget(self.frame, 1)

        # Screens are built when first shown and kept afterwards (``screen_named``): the home
        # screen and the staff PIN pad now, for the window's first paint and for staff mode.
        self.screens: dict[str, Screen] = {}
        self._makers: dict[str, Callable[[], Screen]] = {
            "home": lambda: HomeScreen(show_checkin=not self.settings.checkin_staff_only),
            "complaint": self._make_complaint,
            "suggestion": self._make_suggestion,
            "proposal": self._make_proposal,
            "events": self._make_events,
            "signup": self._make_signup,
            "consent": self._make_consent,
            "review": self._make_review,
            "receipt": self._make_receipt,
            "problem": self._make_problem,
            "leave": self._make_leave,
            "checkin": self._make_checkin,
            "case": self._make_case,
            "accessibility": self._make_accessibility,
            "staff_pin": self._make_staff_pin,
            "staff": self._make_staff,
        }
        self.flow = FlowController(
            FlowScreens(self.screen_named, self.screens.get),
            lambda: self.store,
            clock,
            photo_enabled=lambda: self.settings.camera and self.photo_source.available(),
            offline=self._offline,
            status_server=self._status_server,
            online=online,
            ask=self.questions.ask,
            parent=self,
        )
        self.idle_warning = IdleWarning(central, (timing or IdleTiming(90_000, 30_000)).warning_ms)
        self.watcher = IdleWatcher((timing or IdleTiming(90_000, 30_000)).timeout_ms, self)
        self.idle_timeout_ms = (timing or IdleTiming(90_000, 30_000)).timeout_ms
        self._portrait = False
        self.screen_named("home")
        # Hidden: a long press on the title or the office name (the office may be empty).
        self.gesture = LongPress(self)
        self.gesture.watch(self.header.title)
        self.gesture.watch(self.header.office)
        self._connect()
        target_changed = getattr(keyboard, "targetChanged", None)
        if target_changed is not None:
            # A new field: the keyboard may take its full share again, until a page asks.
            target_changed.connect(self._keyboard_target_changed)
        self._restyle_frame()
        self.show_language(i18n.language)
        self.retranslate()
        if self._store is not None:
            self.store_opened()
        self.show_screen(self.home)

    # --- construction ---------------------------------------------------------------------

    @property
    def store(self) -> Store:
        """The kiosk's store; if it is still opening, this waits for it (``store_opened``)."""
        if self._store is None:
            assert self._open_store is not None
            self._store = self._open_store()
            self.store_opened()
        return self._store

    def store_opened(self) -> None:
        """What the window shows from the store: the enrolled office and the queue's count."""
        from kiosk import lookups

        if not self.settings.office_name:
            self.header.office.setText(lookups.enrolled_office(self.store))
        self.refresh_status()

    @property
    def desk(self) -> StaffDesk:
        """What staff pages read and do (ui.staff.desk), made when staff first need it."""
        if self._desk is None:
            from ui.staff.desk import StaffDesk

            self._desk = StaffDesk(self.store, self.clock, lambda: self.settings)
            self._desk.sync = self._sync
            self._desk.speech = self._speech
        return self._desk

    def set_speech_status(self, speech: Callable[[], tuple[SpeechStatus, str]]) -> None:
        """How staff pages learn the voice's state (app.launch, once the voice is attached)."""
        self._speech = speech
        if self._desk is not None:
            self._desk.speech = speech

    @property
    def staff_mode(self) -> StaffMode:
        """The staff PIN and session (ui.staff.mode), made at the first long press."""
        if self._staff_mode is None:
            from ui.staff.mode import StaffMode

            mode = StaffMode(
                self.store,
                self.clock,
                self.staff_pin,
                self.settings.staff_timeout_s * 1000,
                self,
            )
            mode.pin_requested.connect(lambda: self.show_screen(self.staff_pin))
            mode.entered.connect(self._staff_entered)
            mode.left.connect(self._staff_left)
            app = QApplication.instance()
            if app is not None:
                # A staff session lasts while staff touch anything (its own timeout).
                app.installEventFilter(mode)
            self._staff_mode = mode
        return self._staff_mode

    def _staff_active(self) -> bool:
        return self._staff_mode is not None and self._staff_mode.active

    def screen_named(self, name: str) -> Screen:
        """The screen called ``name``, built and wired the first time it is asked for."""
        built = self.screens.get(name)
        if built is not None:
            return built
        screen = self._makers[name]()
        screen.setObjectName(name)
        self.screens[name] = screen
        self.stack.addWidget(screen)
        for page in screen.findChildren(ScrollPage):
            page.room_wanted.connect(self._make_room)
            page.set_bottom_aligned(self._portrait)
        self._wire(name, screen)
        self.flow.built(name, screen)
        screen.retranslate()
        return screen

    def prepare_screens(self, names: tuple[str, ...] = FLOW_ENDS) -> None:
        """Build ``names`` ahead of need, one per turn of the event loop.

        A screen takes ~50-200 ms to build on a kiosk: built while the citizen reads
        or types, not between their tap and the next screen. One per turn, so a tap
        meanwhile waits for one screen at most.
        """
        waiting = [name for name in names if name not in self.screens]
        if not waiting:
            return

        def next_one() -> None:
            if waiting:
                self.screen_named(waiting.pop(0)).ensurePolished()
            if waiting:
                QTimer.singleShot(0, self, next_one)

        # The window as the timer's context: a window deleted meanwhile (a test's
        # end, the kiosk quitting) cancels the rest instead of building on the dead.
        QTimer.singleShot(0, self, next_one)

    def every_screen(self) -> dict[str, Screen]:
        """Every screen, each built if it was not yet (for walks over them all: tests, audits)."""
        for name in self._makers:
            self.screen_named(name)
        return dict(self.screens)

    def _built(self, name: str) -> Screen | None:
        """The screen called ``name`` if it was built; None otherwise (never builds it)."""
        return self.screens.get(name)

    def _make_staff_pin(self) -> Screen:
        from ui.staff.pin import PinScreen

        return PinScreen()

    def _make_complaint(self) -> Screen:
        from ui.screens.complaint import ComplaintScreen

        return ComplaintScreen(anonymous=False, photo_source=self.photo_source)

    def _make_suggestion(self) -> Screen:
        from ui.screens.complaint import ComplaintScreen

        return ComplaintScreen(anonymous=True)

    def _make_proposal(self) -> Screen:
        from ui.screens.proposal import ProposalScreen

        return ProposalScreen()

    def _make_events(self) -> Screen:
        from ui.screens.signup import EventListScreen

        return EventListScreen()

    def _make_signup(self) -> Screen:
        from ui.screens.signup import SignupFormScreen

        return SignupFormScreen()

    def _make_consent(self) -> Screen:
        from ui.screens.consent import ConsentScreen

        return ConsentScreen()

    def _make_review(self) -> Screen:
        from ui.screens.review import ReviewScreen

        return ReviewScreen()

    def _make_receipt(self) -> Screen:
        from ui.screens.receipt import ReceiptScreen

        return ReceiptScreen()

    def _make_problem(self) -> Screen:
        from ui.screens.error import ErrorScreen

        return ErrorScreen()

    def _make_leave(self) -> Screen:
        from ui.screens.leave import LeaveScreen

        return LeaveScreen()

    def _make_checkin(self) -> Screen:
        from ui.screens.checkin import CheckinScreen

        return CheckinScreen(
            self.store,
            lambda: self.settings,
            self.clock,
            monotonic=self._monotonic,
            camera=self._camera,
        )

    def _make_case(self) -> Screen:
        from ui.screens.case import CaseScreen

        case = CaseScreen()
        case.camera = self.checkin.camera  # one camera; check-in ignores it meanwhile
        return case

    def _make_accessibility(self) -> Screen:
        from ui.screens.accessibility import AccessibilityScreen

        screen = AccessibilityScreen()
        screen.set_options(self.accessibility)
        return screen

    def _make_staff(self) -> Screen:
        from ui.staff.screen import StaffScreen

        return StaffScreen(self.desk, enrol_timeouts=self._enrol_timeouts, printing=self.printing)

    # The screens by name, as the flows, tests and the layout audit reach them: each is
    # built on first use (``screen_named``).

    @property
    def home(self) -> HomeScreen:
        return cast(HomeScreen, self.screen_named("home"))

    @property
    def complaint(self) -> ComplaintScreen:
        return cast("ComplaintScreen", self.screen_named("complaint"))

    @property
    def suggestion(self) -> ComplaintScreen:
        return cast("ComplaintScreen", self.screen_named("suggestion"))

    @property
    def proposal(self) -> ProposalScreen:
        return cast("ProposalScreen", self.screen_named("proposal"))

    @property
    def events(self) -> EventListScreen:
        return cast("EventListScreen", self.screen_named("events"))

    @property
    def signup(self) -> SignupFormScreen:
        return cast("SignupFormScreen", self.screen_named("signup"))

    @property
    def consent(self) -> ConsentScreen:
        return cast("ConsentScreen", self.screen_named("consent"))

    @property
    def review(self) -> ReviewScreen:
        return cast("ReviewScreen", self.screen_named("review"))

    @property
    def receipt(self) -> ReceiptScreen:
        return cast("ReceiptScreen", self.screen_named("receipt"))

    @property
    def problem(self) -> ErrorScreen:
        return cast("ErrorScreen", self.screen_named("problem"))

    @property
    def leave(self) -> LeaveScreen:
        return cast("LeaveScreen", self.screen_named("leave"))

    @property
    def checkin(self) -> CheckinScreen:
        return cast("CheckinScreen", self.screen_named("checkin"))

    @property
    def case(self) -> CaseScreen:
        return cast("CaseScreen", self.screen_named("case"))

    @property
    def accessibility_screen(self) -> AccessibilityScreen:
        return cast("AccessibilityScreen", self.screen_named("accessibility"))

    @property
    def staff_pin(self) -> PinScreen:
        return cast("PinScreen", self.screen_named("staff_pin"))

    @property
    def staff(self) -> StaffScreen:
        return cast("StaffScreen", self.screen_named("staff"))

    @property
    def photo_source(self) -> PhotoSource:
        if self._photo_source is None:
            from ui.photo import CameraPhotoSource

            self._photo_source = CameraPhotoSource()
            self._photo_source.setParent(self)
        return self._photo_source

    def _is(self, screen: Screen, *names: str) -> bool:
        """Whether ``screen`` is one of the screens called ``names`` (builds none of them)."""
        return any(self.screens.get(name) is screen for name in names)

    def _connect(self) -> None:
        flow = self.flow
        flow.show_requested.connect(self.show_screen)
        flow.frame_changed.connect(self._show_frame)
        flow.submitted.connect(self._submitted)
        flow.errors_shown.connect(self._announce_errors)
        flow.start_over_requested.connect(self.start_over)
        flow.home_requested.connect(self.end_session)
        bar = self.bar
        bar.home_requested.connect(self.request_start_over)
        bar.back_requested.connect(self.go_back)
        bar.call_requested.connect(self._call_tapped)
        bar.large_text_toggled.connect(
            lambda on: self.set_accessibility(replace(self.accessibility, large_text=on))
        )
        bar.contrast_toggled.connect(
            lambda on: self.set_accessibility(replace(self.accessibility, high_contrast=on))
        )
        bar.low_screen_toggled.connect(
            lambda on: self.set_accessibility(replace(self.accessibility, low_screen=on))
        )
        bar.language_requested.connect(self._choose_language)
        self.call.changed.connect(lambda _active: self._show_call())
        self.call_line.answered.connect(self.call.answer)
        self.i18n.languageChanged.connect(self.retranslate)
        self.printing.printed.connect(self._slip_printed)
        self.gesture.held.connect(lambda: self.staff_mode.request())
        self.watcher.idle.connect(self._idle)
        self.idle_warning.carry_on.connect(self.watcher.start)
        self.idle_warning.expired.connect(self._idle_expired)
        self.stack.currentChanged.connect(self._screen_changed)

    def _wire(self, name: str, screen: Screen) -> None:
        """The window's own connections to a screen just built (the flow's are the flow's)."""
        if name == "home":
            home = cast(HomeScreen, screen)
            home.language_chosen.connect(self._choose_language)
            home.accessibility_requested.connect(self.open_accessibility)
            home.chosen.connect(self.start)
        elif name == "checkin":
            checkin = cast("CheckinScreen", screen)
            checkin.admitted.connect(self._print_admission)
            checkin.back.connect(self._checkin_back)
            checkin.activity.connect(self._someone_there)
            checkin.recorded.connect(self._checkin_recorded)
            checkin.verdict_shown.connect(self.announce)
        elif name == "case":
            case = cast("CaseScreen", screen)
            case.look_up.connect(self._look_up_case)
            case.cancel.connect(lambda code: self._act_on_case(code, "cancel"))
            case.ask_again.connect(lambda code: self._act_on_case(code, "ask_again"))
        elif name == "staff_pin":
            cast("PinScreen", screen).cancelled.connect(self.start_over)
            self._style_staff()
        elif name == "staff":
            staff = cast("StaffScreen", screen)
            staff.leave.connect(lambda: self.staff_mode.leave())
            staff.open_checkin.connect(self._open_checkin)
            staff.exit_kiosk.connect(self.exit_kiosk)
            staff.settings.saved.connect(self.apply_settings)
            staff.enrolment.enrolled.connect(self._enrolled)
            self._style_staff()
        elif name == "accessibility":
            accessibility = cast("AccessibilityScreen", screen)
            accessibility.changed.connect(self.set_accessibility)
            accessibility.closed.connect(self._close_accessibility)

    def forms(self) -> list[FormScreen]:
        return [self.complaint, self.suggestion, self.proposal, self.signup]

    @property
    def state(self) -> FlowState:
        return self.flow.state

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
        if self._staff_active() and not self._is(screen, "staff", "checkin"):
            self.staff_mode.leave()  # the staff session ends wherever staff leave its screens
            return
        self._close_keyboard_unless_typing(screen)
        staffish = self._staff_active()
        self.status.setVisible(staffish)
        self.bar.show_navigation(
            home=screen is not self.home, back=not self._is(screen, "home", "receipt")
        )
        self.bar.call.setVisible(not staffish)
        self._show_call()
        if self.flow.owns(screen):
            self.flow.shown(screen)
        else:
            self._show_frame(Frame(screen.title_key or "app.title"))
        self.header.show_office(screen is self.home)
        if screen is self.home:
            self._show_frame(Frame("app.title"))
        if self.flow.owns(screen):
            # The consent page, the review and the receipt (the one tap a citizen waits on
            # most: Submit) are built now, while the citizen fills in the form.
            self.prepare_screens()
        self.screen_shown.emit(screen.objectName())  # the voice guide reads it

    def _close_keyboard_unless_typing(self, screen: Screen) -> None:
        """The keyboard stays only while a text field of the screen shown has the focus."""
        focused = QApplication.focusWidget()
        typing = isinstance(focused, TEXT_EDITORS) and screen.isAncestorOf(focused)
        if not typing and focused is not None and self.isAncestorOf(focused):
            # Focus to the screen itself: the keyboard follows focus and closes.
            screen.setFocus(Qt.FocusReason.OtherFocusReason)
        if not typing and self.keyboard is not None and self.keyboard.isVisible():
            set_target = getattr(self.keyboard, "set_target", None)
            if callable(set_target):
                set_target(None)

    def _show_frame(self, frame: Frame) -> None:
        self.header.show_title(frame.title_key)
        self.header.show_steps(frame.steps, frame.current)

    def start(self, kind: str) -> None:
        self.wipe()
        if kind == "checkin":
            self.flow.state.kind = kind
            self._open_checkin()
            return
        if kind == "case":
            self.flow.state.kind = kind
            self.case.start(camera=self.settings.camera)
            self.show_screen(self.case)
            return
        self.flow.start(kind)

    def current_form(self) -> FormScreen | None:
        return self.flow.current_form()

    def go_back(self) -> None:
        """The bottom bar's "Back": within a flow by its rules, elsewhere to where it came from."""
        screen = self.current_screen()
        if self.flow.owns(screen):
            self.flow.back()
        elif self._is(screen, "accessibility"):
            self._close_accessibility()
        elif self._is(screen, "case"):
            self.start_over()
        elif self._is(screen, "checkin"):
            if not self.checkin.step_back():
                self._checkin_back()
        elif self._is(screen, "staff_pin"):
            self.start_over()
        elif self._is(screen, "problem"):
            self.end_session()

    def request_start_over(self) -> None:
        """The bottom bar's "Start over": asks first when it would throw away words."""
        if self.flow.owns(self.current_screen()) and self.flow.leaving_loses_words():
            self.flow.ask_before_leaving()
            return
        if self._is(self.current_screen(), "receipt"):
            self.end_session()
            return
        self.start_over()

    def open_accessibility(self) -> None:
        if not self._is(self.current_screen(), "accessibility"):
            self._before_accessibility = self.current_screen()
        self.accessibility_screen.set_options(self.accessibility)
        self.show_screen(self.accessibility_screen)

    def _close_accessibility(self) -> None:
        back = self._before_accessibility
        self.show_screen(back if isinstance(back, Screen) else self.home)

    # --- submitting -----------------------------------------------------------------------

    def submit(self) -> None:
        self.flow.submit()

    def _submitted(self, receipt: Receipt) -> None:
        # The staff strip's count is not what the citizen waits for (it is hidden outside
        # staff mode): counted after the receipt is on screen.
        QTimer.singleShot(0, self.refresh_status)
        self.submitted.emit(receipt)
        self._print_receipt(receipt)

    def _offline(self) -> bool:
        status = self.sync_status
        return status is None or status.state not in (SyncState.ONLINE, SyncState.SYNCING)

    def show_problem(self, message_key: str = "error.unexpected") -> None:
        self.flow.show_problem(message_key)

    # --- check my case: asking the server, off the GUI thread ---------------------------------

    def _look_up_case(self, code: str) -> None:
        if self.online is None:
            self.case.show_cases(None)
            return
        online = self.online
        self.questions.ask(lambda: online.case(code), self._case_found)

    def _case_found(self, response: object, done_key: str = "") -> None:
        if not self._is(self.current_screen(), "case"):
            return  # the citizen left meanwhile
        from sync.protocol import CaseResponse

        self.case.show_cases(response if isinstance(response, CaseResponse) else None, done_key)

    def _act_on_case(self, code: str, action: str) -> None:
        if self.online is None:
            self.case.show_cases(None)
            return
        online = self.online
        call = online.cancel if action == "cancel" else online.ask_again
        done = "case.done.cancelled" if action == "cancel" else "case.done.asked_again"
        self.case.show_message("case.checking")
        self.questions.ask(lambda: call(code), lambda answer: self._case_acted(answer, done))

    def _case_acted(self, answer: object, done_key: str) -> None:
        if answer is None and self._is(self.current_screen(), "case"):
            self.case.show_message("case.not_allowed")
            return
        self._case_found(answer, done_key)

    # --- printed slips ------------------------------------------------------------------

    def _status_server(self) -> str:
        from kiosk.slips import status_server

        return status_server(self.store, self.settings.server_url)

    def _print_receipt(self, receipt: Receipt) -> None:
        """Queue the slip after the receipt is on screen; its fate is shown when it is known."""
        if not self.printing.configured:
            return
        from kiosk.slips import slip_facts
        from ui.slips import receipt_slip

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
        receipt = self._built("receipt")
        shown = cast("ReceiptScreen", receipt).receipt if receipt is not None else None
        if shown is None or shown.code != tag:
            return  # the citizen has moved on; the slip (or its failure) is for staff now
        self.receipt.show_slip("receipt.slip.printed" if result.printed else "receipt.slip.failed")
        if not result.printed:
            self.announce(tr("receipt.slip.failed"))

    def _print_admission(self, event_id: int, masked_name: str) -> None:
        if not (self.settings.print_admission_slip and self.printing.configured):
            return
        from kiosk.slips import event_facts
        from ui.slips import admission_slip

        slip = admission_slip(
            event_facts(self.store, event_id),
            masked_name,
            self.clock(),
            office=self.header.office.text(),
        )
        self.printing.print_slip(slip, "admission")

    # --- wiping ---------------------------------------------------------------------------

    def wipe(self) -> None:
        """Forget everything the current citizen entered, on every screen."""
        for screen in self.screens.values():
            screen.wipe()
        self.flow.wipe()
        # Answers still on their way are for a citizen who has gone.
        self.questions.forget()

    def start_over(self) -> None:
        """The citizen's own "Start over": wipe, but keep their language and display."""
        self.wipe()
        self.show_screen(self.home)

    def end_session(self) -> None:
        """After Done, idle or an error: wipe and set everything back for the next person."""
        self.wipe()
        self.call.cancel()
        self._choose_language(self.settings.language)
        self.set_accessibility(self.defaults)
        self.show_screen(self.home)
        self.session_ended.emit()

    def _idle(self) -> None:
        if self._staff_active() or self.call.active or self.keep_alive():
            # Staff mode keeps its own, longer limit; a citizen waiting for staff keeps
            # theirs; earphones in the jack are someone there.
            self.watcher.start()
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

    # --- calling staff ----------------------------------------------------------------------

    def _call_tapped(self) -> None:
        if self.call.active:
            self.call.cancel()
        else:
            self.call.call(self.current_screen().objectName())

    def _show_call(self) -> None:
        active = self.call.active
        self.bar.show_call(active)
        since = self.call.since
        when = since.astimezone().strftime("%H:%M") if since is not None else ""
        where = (
            tr(self.screens[self.call.where].title_key) if self.call.where in self.screens else ""
        )
        self.call_line.show_call(active=active, staff=self._staff_active(), since=when, where=where)

    # --- check-in and staff mode --------------------------------------------------------

    def _open_checkin(self) -> None:
        self.checkin.start()
        self.show_screen(self.checkin)

    def _checkin_back(self) -> None:
        if self._staff_active():
            self.show_screen(self.staff)
        else:
            self.start_over()

    def _someone_there(self) -> None:
        """A scan at the door counts as use, for the citizen's and the staff timeout."""
        if self._staff_mode is not None:
            self._staff_mode.touch()
        if not self.idle_warning.isVisible():
            self.watcher.start()

    def _checkin_recorded(self) -> None:
        if not self._status_due.isActive():
            self._status_due.start()
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
        self.defaults = Accessibility(
            chosen.large_text, chosen.high_contrast, False, chosen.low_position
        )
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
        self._sync = sync
        if self._desk is not None:
            self._desk.sync = sync

    def attach_online(self, online: OnlineServices) -> None:
        """The server's desk, once there is one (app.launch: after the first paint)."""
        self.online = online
        self.flow.online = online

    # --- language, accessibility, status --------------------------------------------------

    def _choose_language(self, language: str) -> None:
        chosen: Language = "en" if language == "en" else "ko"
        self.i18n.set_language(chosen)
        self.show_language(chosen)

    def show_language(self, language: Language) -> None:
        self.bar.show_language(language)
        self.home.show_language(language)

    def retranslate(self) -> None:
        self.setWindowTitle(tr("app.title"))
        self.header.retranslate()
        retranslate_tree(self.status)
        self.bar.retranslate()
        retranslate_tree(self.call_line)
        self.frame.set_shade_text(tr("low_screen.moved"))
        for screen in self.screens.values():
            screen.retranslate()
        self.idle_warning.retranslate()
        if self.keyboard is not None and hasattr(self.keyboard, "retranslate"):
            self.keyboard.retranslate()
        self._show_call()
        self.refresh_status()

    def set_accessibility(self, options: Accessibility) -> None:
        changed = options != self.accessibility
        self.accessibility = options
        built = self._built("accessibility")
        if built is not None:
            cast("AccessibilityScreen", built).set_options(options)
        self.bar.show_modes(
            large_text=options.large_text,
            contrast=options.high_contrast,
            low_screen=options.low_screen,
        )
        self.frame.set_low_position(options.low_screen)
        if changed:
            # Restyling every widget takes a few hundred ms: only when something changed.
            self.accessibility_changed.emit(options)
            self._restyle_frame()

    def theme_options(self) -> ThemeOptions:
        """The look for the current options and this window's size (large text fits it)."""
        self._zoom = self._wanted_zoom()
        return ThemeOptions(
            large_text=self.accessibility.large_text,
            high_contrast=self.accessibility.high_contrast,
            dpi=self.dpi,
            region_height=self.region_height(),
            portrait=self.height() > self.width(),
        )

    def region_height(self, size: QSize | None = None) -> int:
        """Height of what the citizen uses: the window, less the dark band in low-screen mode."""
        size = size or self.size()
        return size.height() - self.frame.band_height(size)

    def _wanted_zoom(self, size: QSize | None = None) -> float:
        if not self.accessibility.large_text:
            return 1.0
        size = size or self.size()
        portrait = size.height() > size.width()
        return large_zoom(self.region_height(size), self.dpi, portrait=portrait)

    def announce(self, text: str) -> None:
        if text and self.accessibility.audio:
            self.announcer.say(text)

    def _announce_errors(self, keys: list[str]) -> None:
        self.errors_shown.emit(keys)  # the voice guide reads each with its field

    def show_sync_status(self, status: SyncStatus) -> None:
        self.sync_status = status
        self.status.show_status(status.state, status.pending)
        if self._is(self.current_screen(), "staff"):
            self.staff.refresh()

    def refresh_status(self) -> None:
        """Show the engine's last status, or the local count when no engine runs."""
        if self._store is None:
            return  # counted when the store has opened (``store_opened``)
        from kiosk import lookups

        pending = lookups.pending_count(self._store)
        state = self.sync_status.state if self.sync_status else None
        if self.sync_status is None:
            state = SyncState.OFFLINE
        self.status.show_status(state, pending)

    # --- layout ---------------------------------------------------------------------------

    def _size_keyboard(self, size: QSize | None = None) -> None:
        """The keyboard's most: its share of the region, never below its 15 mm keys."""
        if self.keyboard is None:
            return
        share = round(self.region_height(size) * KEYBOARD_SHARE)
        self.keyboard.setMaximumHeight(max(share, self.keyboard.minimumSizeHint().height()))

    def _keyboard_target_changed(self, typing: bool) -> None:
        self._size_keyboard()
        # On a short region (or the lower half in low-screen mode) the keyboard takes the
        # room of the bar's display buttons and language.
        height = px_to_mm(self.region_height(), self.dpi)
        low = self.accessibility.low_screen and height < COMPACT_BAR_MM
        self.bar.set_compact(typing and (height < SHORT_MM or low))
        if not typing:
            self.header.show()  # stepped aside for a field (``_make_room``) no longer shown

    def _make_room(self, lacking: int) -> None:
        """A page cannot show the focused field whole above the keyboard: make room.

        First the keyboard shrinks, down to its 15 mm keys; if that is not
        enough (a short panel, large text, a two-line error), the title strip
        steps aside until the keyboard closes: the question says where one is.
        """
        keyboard = self.keyboard
        if keyboard is None or not keyboard.isVisible():
            return
        smallest = keyboard.minimumSizeHint().height()
        wanted = max(smallest, keyboard.height() - lacking)
        if wanted < keyboard.maximumHeight():
            keyboard.setMaximumHeight(wanted)
        if keyboard.height() - lacking < smallest:
            self.header.hide()

    def _restyle_frame(self) -> None:
        m = current_theme().metrics
        above, below = (m.frame_pad, m.frame_pad) if m.short else (m.margin // 2, m.gap)
        self._area.setContentsMargins(m.margin, above, m.margin, below)
        self._call_row.setContentsMargins(m.margin, 0, m.margin, m.gap)

    @override
    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.StyleChange:
            self._restyle_frame()
            self._style_staff()

    def _style_staff(self) -> None:
        """Staff screens keep the normal size when a citizen chose large text.

        Large text is the citizen's; the staff pages are dense tables and forms
        that at 200 % would be wider than a portrait screen. A widget's own style
        sheet outranks the application's, so the normal sheet (in the current
        contrast) goes on the staff screens themselves.
        """
        sheet = ""
        if self.accessibility.large_text:
            options = replace(self.theme_options(), large_text=False)
            sheet = build_theme(options, current_theme().font_family).stylesheet
        for name in ("staff", "staff_pin"):
            screen = self._built(name)
            if screen is not None and screen.styleSheet() != sheet:
                screen.setStyleSheet(sheet)

    @override
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        central = self.centralWidget()
        if central is not None:
            self.idle_warning.resize(central.size())
        size = event.size()
        portrait = size.height() > size.width()
        self._portrait = portrait  # for the screens built later
        # In portrait, the content sits down by the main button, within reach.
        for page in self.findChildren(ScrollPage):
            page.set_bottom_aligned(portrait)
        if self.keyboard is not None:
            set_wide = getattr(self.keyboard, "set_wide", None)
            if callable(set_wide):
                set_wide(not portrait)
            self._size_keyboard(size)
        if self._zoom and self._wanted_zoom(size) != self._zoom:
            # A turned or resized screen holds large text at another size.
            self.accessibility_changed.emit(self.accessibility)
