"""The flow controller: walks a citizen through a flow's screens, by the table in kiosk/flows.py.

form pages → consent (when the flow asks it) → review → submit → receipt.
The controller knows the screens of the flows and calls them; it tells the
window what to show, and what the title strip should say, by signals. It
holds no rule of its own: which flows ask consent, which offer the "contact
me" box, which check runs on a page and which service stores the record all
come from ``kiosk.flows.FLOWS``.

Submitting calls the kiosk service on the GUI thread (one SQLite commit,
milliseconds) and shows the receipt only after it returned. A connected kiosk
first asks the server for a sign-up's place (``OnlineServices.claim``, off the
GUI thread, "checking…" meanwhile); with no answer it decides offline under
the same id and receipt code. Field errors go
back beside their fields; anything unexpected is logged and the citizen sees
a calm "please ask staff" screen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol, cast

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QPixmap

from core.clock import Clock
from core.links import status_page_url
from core.validation import FieldError, ValidationFailed
from ui.i18n import tr
from ui.screens.base import Screen
from ui.screens.form import FormScreen

if TYPE_CHECKING:
    # The domain (the store, pydantic payloads, sealing) is imported where a flow first
    # uses it: the window is painted before the store has opened (ui.shell).
    from kiosk.flows import Flow
    from kiosk.lookups import EventItem
    from kiosk.online_signups import OnlineAnswer, PreparedSignup
    from kiosk.store import Store
    from kiosk.submissions import Consent, Receipt
    from sync.protocol import CaseResponse

    # The window builds these when a flow first needs them (ui.shell), and imports
    # their modules then: the photo page's camera and the receipt's QR are not
    # part of the kiosk's start.
    from ui.screens.complaint import ComplaintScreen
    from ui.screens.consent import ConsentScreen
    from ui.screens.error import ErrorScreen
    from ui.screens.leave import LeaveScreen
    from ui.screens.proposal import ProposalScreen
    from ui.screens.receipt import ReceiptScreen
    from ui.screens.review import ReviewScreen
    from ui.screens.signup import EventListScreen, SignupFormScreen

log = logging.getLogger(__name__)

__all__ = ["Ask", "FlowController", "FlowScreens", "FlowState", "Frame", "OnlineServices"]


class OnlineServices(Protocol):
    """What the kiosk asks the server while a citizen waits (sync.online.OnlineDesk).

    Every call may take a few seconds and runs off the GUI thread; None means
    "no answer": the kiosk does what it does offline.
    """

    def claim(self, prepared: PreparedSignup) -> OnlineAnswer | None: ...

    def availability(self) -> dict[int, int] | None: ...

    def case(self, code: str) -> CaseResponse | None: ...

    def cancel(self, code: str) -> CaseResponse | None: ...

    def ask_again(self, code: str) -> CaseResponse | None: ...


# Runs a call off the GUI thread and hands its answer to the second callable on the GUI
# thread (ui.background.Questions.ask); answers for a citizen who has gone are dropped.
Ask = Callable[[Callable[[], object], Callable[[object], None]], None]


def _never_asked(_call: Callable[[], object], _then: Callable[[object], None]) -> None:
    raise RuntimeError("no server to ask")


@dataclass
class FlowState:
    """What the current citizen chose beyond the form fields; reset on every wipe."""

    kind: str = ""
    consent: Consent | None = None
    event: EventItem | None = None
    waitlist: bool = False


@dataclass(frozen=True)
class Frame:
    """What the title strip says: a title, and in a flow its steps and where the citizen is."""

    title_key: str
    steps: tuple[str, ...] = ()
    current: int = 0


FORM_KINDS = ("complaint", "suggestion", "proposal", "signup")
FLOW_SCREENS = (*FORM_KINDS, "events", "consent", "review", "receipt", "problem", "leave")


class FlowScreens:
    """The screens a citizen flow goes through, by name.

    The window builds a screen the first time it is asked for (``get``) and
    then tells the controller (``FlowController.built``), which connects to
    it; ``built`` answers without building, for questions such as "is this
    the receipt?" that must not build a screen to answer no.
    """

    def __init__(self, get: Callable[[str], Screen], built: Callable[[str], Screen | None]) -> None:
        self._get = get
        self._built = built

    def is_(self, screen: Screen | None, *names: str) -> bool:
        """Whether ``screen`` is one of the screens called ``names`` (builds none)."""
        return screen is not None and any(self._built(name) is screen for name in names)

    def form(self, kind: str) -> FormScreen | None:
        return cast(FormScreen, self._get(kind)) if kind in FORM_KINDS else None

    @property
    def complaint(self) -> ComplaintScreen:
        return cast("ComplaintScreen", self._get("complaint"))

    @property
    def proposal(self) -> ProposalScreen:
        return cast("ProposalScreen", self._get("proposal"))

    @property
    def events(self) -> EventListScreen:
        return cast("EventListScreen", self._get("events"))

    @property
    def signup(self) -> SignupFormScreen:
        return cast("SignupFormScreen", self._get("signup"))

    @property
    def consent(self) -> ConsentScreen:
        return cast("ConsentScreen", self._get("consent"))

    @property
    def review(self) -> ReviewScreen:
        return cast("ReviewScreen", self._get("review"))

    @property
    def receipt(self) -> ReceiptScreen:
        return cast("ReceiptScreen", self._get("receipt"))

    @property
    def problem(self) -> ErrorScreen:
        return cast("ErrorScreen", self._get("problem"))

    @property
    def leave(self) -> LeaveScreen:
        return cast("LeaveScreen", self._get("leave"))


def _page_check(flow: Flow, form: FormScreen) -> Callable[[], list[FieldError]]:
    return lambda: flow.page_errors(form.form())


class FlowController(QObject):
    """Sequences the screens of the citizen flows; the window only shows what it is asked to."""

    show_requested = Signal(object)  # Screen
    frame_changed = Signal(object)  # Frame
    submitted = Signal(object)  # Receipt, after its commit
    errors_shown = Signal(list)  # catalog keys, for audio guidance
    start_over_requested = Signal()  # leave the flow, wiping it (asked first if worth it)
    home_requested = Signal()  # the flow is done (Done on the receipt, the error screen)

    def __init__(
        self,
        screens: FlowScreens,
        store: Store | Callable[[], Store],
        clock: Clock,
        *,
        photo_enabled: Callable[[], bool] = lambda: False,
        offline: Callable[[], bool] = lambda: True,
        status_server: Callable[[], str] = lambda: "",
        online: OnlineServices | None = None,
        ask: Ask = _never_asked,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.screens = screens
        # The store or how to get it (the window's, which may still be opening).
        self._store = store
        self.clock = clock
        self.online = online
        self._ask = ask
        self._photo_enabled = photo_enabled
        self._offline = offline
        self._status_server = status_server
        self.state = FlowState()
        self._before_leave: Screen | None = None
        self._current: Screen | None = None

    @property
    def store(self) -> Store:
        return self._store() if callable(self._store) else self._store

    def built(self, name: str, screen: Screen) -> None:
        """The window built the screen called ``name``: connect to it if it is the flow's."""
        if name in FORM_KINDS:
            from kiosk.flows import FLOWS

            form = cast(FormScreen, screen)
            form.validator = _page_check(FLOWS[name], form)
            form.completed.connect(self._form_completed)
            form.cancelled.connect(self._form_cancelled)
            form.errors_shown.connect(self.errors_shown)
            form.page_changed.connect(self.refresh_frame)
        elif name == "events":
            cast("EventListScreen", screen).chosen.connect(self._event_chosen)
        elif name == "consent":
            consent = cast("ConsentScreen", screen)
            consent.agreed.connect(self._consented)
            consent.errors_shown.connect(self.errors_shown)
        elif name == "review":
            review = cast("ReviewScreen", screen)
            review.back.connect(self._review_back)
            review.submit.connect(self.submit)
            review.errors_shown.connect(self.errors_shown)
        elif name == "receipt":
            cast("ReceiptScreen", screen).done.connect(self.home_requested)
        elif name == "problem":
            cast("ErrorScreen", screen).home.connect(self.home_requested)
        elif name == "leave":
            leave = cast("LeaveScreen", screen)
            leave.confirmed.connect(self._leave_confirmed)
            leave.kept.connect(self._leave_kept)

    # --- where we are -----------------------------------------------------------------------

    @property
    def flow(self) -> Flow | None:
        if not self.state.kind:
            return None
        from kiosk.flows import FLOWS

        return FLOWS.get(self.state.kind)

    def current_form(self) -> FormScreen | None:
        return self.screens.form(self.state.kind)

    def owns(self, screen: Screen) -> bool:
        """Whether ``screen`` is one of the flow's (its back and steps are the flow's)."""
        return self.screens.is_(
            screen, *FORM_KINDS, "events", "consent", "review", "receipt", "leave"
        )

    def shown(self, screen: Screen) -> None:
        """The window switched to ``screen``: say what the title strip shows."""
        self._current = screen
        self.refresh_frame()

    def refresh_frame(self) -> None:
        screen = self._current
        flow = self.flow
        if screen is None or flow is None or not self.owns(screen):
            return
        if self.screens.is_(screen, "receipt"):
            self.frame_changed.emit(Frame(self._receipt_title()))
            return
        form = self.current_form()
        assert form is not None
        from kiosk.flows import steps

        plan = steps(flow, form.form(), skipped=form.skipped_steps())
        step = screen.step_key() if not self.screens.is_(screen, "leave") else ""
        current = plan.index(step) if step in plan else 0
        self.frame_changed.emit(Frame(flow.title_key, plan, current))

    def _receipt_title(self) -> str:
        receipt = self.screens.receipt.receipt
        return self.screens.receipt.title.key if receipt is not None else "receipt.title"

    # --- starting and leaving -------------------------------------------------------------

    def start(self, kind: str) -> None:
        """A home tile: the flow's first screen, with nothing of an earlier citizen."""
        # The store first: if it is still opening, wait for it before importing the domain
        # modules it is importing meanwhile (app.launch).
        store = self.store
        from kiosk import lookups

        self.state = FlowState(kind=kind)
        s = self.screens
        if kind in ("complaint", "suggestion"):
            form = cast("ComplaintScreen", s.form(kind))
            form.set_categories(lookups.categories(store))
            # No camera (or staff turned it off): the photo page is not there at all.
            form.set_photo_enabled(self._photo_enabled())
            self._show_form(form)
        elif kind == "proposal":
            self._show_form(s.proposal)
        elif kind == "signup":
            s.events.set_events(lookups.events(store, self.clock()))
            self.show_requested.emit(s.events)
            if self.online is not None:
                self._ask(self.online.availability, self._seats_counted)
        else:
            raise ValueError(f"no citizen flow {kind!r}")

    def leaving_loses_words(self) -> bool:
        """Whether "start over" here would throw away more than a few words (or a photo)."""
        form = self.current_form()
        if form is None or self.screens.is_(self._current, "receipt"):
            return False
        typed = form.form()
        from kiosk.flows import asks_before_discarding
        from kiosk.submissions import ComplaintForm

        photo = isinstance(typed, ComplaintForm) and bool(typed.photo)
        return asks_before_discarding(form.typed(), photo=photo)

    def ask_before_leaving(self) -> None:
        """Start over was tapped with words to lose: ask on a page of its own."""
        if not self.screens.is_(self._current, "leave"):
            self._before_leave = self._current
        self.show_requested.emit(self.screens.leave)

    def _leave_confirmed(self) -> None:
        self._before_leave = None
        self.start_over_requested.emit()

    def _leave_kept(self) -> None:
        back = self._before_leave
        self._before_leave = None
        if back is not None:
            self.show_requested.emit(back)

    def back(self) -> None:
        """The bottom bar's "Back" on a flow screen."""
        s = self.screens
        screen = self._current
        if screen is None:
            return
        if s.is_(screen, "leave"):
            self._leave_kept()
        elif screen.step_back():
            return
        elif isinstance(screen, FormScreen):
            self._form_cancelled()
        elif s.is_(screen, "events"):
            self.start_over_requested.emit()
        elif s.is_(screen, "consent"):
            self._back_to_form()
        elif s.is_(screen, "review"):
            self._review_back()

    def wipe(self) -> None:
        self.state = FlowState()
        self._before_leave = None

    # --- moving through a flow ------------------------------------------------------------

    def _show_form(self, form: FormScreen) -> None:
        form.start()
        self.show_requested.emit(form)
        form.focus_page()

    def _event_chosen(self, event: EventItem) -> None:
        self.state.event = event
        self.state.waitlist = event.full
        self.screens.signup.set_event(event)
        self._show_form(self.screens.signup)

    def _form_cancelled(self) -> None:
        if self.state.kind == "signup":
            self.show_requested.emit(self.screens.events)
        else:
            self.start_over_requested.emit()

    def _needs_consent(self) -> bool:
        flow, form = self.flow, self.current_form()
        from kiosk.flows import needs_consent

        return flow is not None and form is not None and needs_consent(flow, form.form())

    def _form_completed(self) -> None:
        flow = self.flow
        assert flow is not None
        if self._needs_consent():
            self.screens.consent.set_kind(flow.kind, optional_box=flow.share_box)
            self.show_requested.emit(self.screens.consent)
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
            self.show_requested.emit(form)

    def _review_back(self) -> None:
        if self._needs_consent():
            self.show_requested.emit(self.screens.consent)
        else:
            self._back_to_form()

    def _show_review(self) -> None:
        submit_key = "review.submit.waitlist" if self.state.waitlist else "review.submit"
        self.screens.review.show_for(
            f"flow.{self.state.kind}", self._review_rows, submit_key=submit_key
        )
        self.show_requested.emit(self.screens.review)

    def _review_rows(self) -> list[tuple[str, str | QPixmap]]:
        form = self.current_form()
        rows = form.review_rows() if form is not None else []
        consent = self.state.consent
        if consent is None:
            said = tr("review.consent.none")
        else:
            said = tr("review.consent.shared" if consent.share_contact else "review.consent.given")
            if consent.notify:
                said += " · " + tr("review.consent.notify")
        rows.append(("review.consent", said))
        return rows

    # --- submitting -----------------------------------------------------------------------

    def _seats_counted(self, seats: object) -> None:
        """The server's free places for this kiosk replace its offline block in the list."""
        if not isinstance(seats, dict) or not self.screens.is_(self._current, "events"):
            return
        from kiosk import lookups

        live = [
            replace(item, seats_left=seats[item.id], live=True)
            for item in lookups.events(self.store, self.clock())
            if item.id in seats
        ]
        self.screens.events.set_events(live)

    def submit(self) -> None:
        if self.state.kind == "signup" and self.online is not None and self.state.event:
            self._claim_online(self.online, self.state.event)
            return
        from kiosk.identity import NotEnrolled

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
        receipt = replace(receipt, status_url=status_page_url(self._status_server(), receipt.code))
        self.screens.receipt.show_receipt(receipt, self.state.event, offline=self._offline())
        self.show_requested.emit(self.screens.receipt)
        self.submitted.emit(receipt)

    def _claim_online(self, online: OnlineServices, event: EventItem) -> None:
        """A connected kiosk asks the server for the place; "checking…" meanwhile."""
        from kiosk import online_signups
        from kiosk.identity import NotEnrolled
        from kiosk.submissions import Consent

        try:
            prepared = online_signups.prepare(
                self.store,
                event.id,
                self.screens.signup.form(),
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
        self.screens.review.show_busy(True)
        self._ask(lambda: online.claim(prepared), lambda answer: self._claimed(prepared, answer))

    def _claimed(self, prepared: PreparedSignup, answer: object) -> None:
        self.screens.review.show_busy(False)
        if not self.screens.is_(self._current, "review") or self.state.kind != "signup":
            return  # the citizen left (or the kiosk wiped) while the server was asked
        from kiosk import online_signups
        from kiosk.online_signups import OnlineAnswer

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
        from kiosk.signups import sign_up

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
        flow, form = self.flow, self.current_form()
        if flow is None or form is None:
            raise RuntimeError(f"nothing to submit in flow {self.state.kind!r}")
        event = self.state.event
        if flow.kind == "signup" and event is None:
            raise RuntimeError("a sign-up with no event chosen")
        from kiosk.flows import Request
        from kiosk.submissions import Consent

        request = Request(
            consent=self.state.consent or Consent(),
            now=self.clock(),
            event_id=event.id if event is not None else 0,
            accept_waitlist=self.state.waitlist,
        )
        return flow.submit(self.store, form.form(), request)

    def _show_domain_errors(self, errors: list[FieldError]) -> None:
        event_errors = [e for e in errors if e.field == "event"]
        if event_errors:
            key = event_errors[0].key
            if key == "event.full":
                # The last place went while this citizen was typing: offer the waiting list.
                self.state.waitlist = True
                self._show_review()
            self.screens.review.show_error(key)
            return
        form = self.current_form()
        if form is not None and form.show_errors(errors):
            self.show_requested.emit(form)
            return
        if any(e.field == "consent" for e in errors):
            self.screens.consent.show_required_error()
            self.show_requested.emit(self.screens.consent)
            return
        log.error("validation errors with no field on screen: %s", errors)
        self.show_problem()

    def show_problem(self, message_key: str = "error.unexpected") -> None:
        self.screens.problem.show_problem(message_key)
        self.show_requested.emit(self.screens.problem)
