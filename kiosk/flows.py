"""What each citizen flow is: its steps, when consent is asked, what checks and stores it.

One table (``FLOWS``) instead of a window branching on a string: the screens
draw, the flow controller (ui/flow.py) walks a citizen through the steps
named here, and the rules (consent, the page checks, the submit services)
live in kiosk/ with the rest of the domain.

Steps are what the citizen is told ("2 / 6 단계 · 장소"): every form page,
then consent where it is asked, then the review. A page may be left out (the
photo page on a kiosk without a camera) and consent may come and go (a
proposal asks it only with contact details), so ``steps`` works the list out
for the form as it is now.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from core.validation import FieldError
from kiosk.signups import (
    CheckedSignup,
    check_sign_up,
    signup_errors,
    store_sign_up,
)
from kiosk.store import Store
from kiosk.submissions import (
    CheckedComplaint,
    CheckedProposal,
    CheckedSuggestion,
    ComplaintForm,
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

__all__ = [
    "FEW_WORDS",
    "FLOWS",
    "ConsentRule",
    "Flow",
    "Request",
    "asks_before_discarding",
    "needs_consent",
    "steps",
]


class ConsentRule(StrEnum):
    """When the PIPA consent screen is shown."""

    ALWAYS = "always"  # personal data is always asked (complaint, sign-up)
    WITH_CONTACT = "with_contact"  # only when contact details were given (proposal)
    NEVER = "never"  # nothing personal is kept (anonymous suggestion)


@dataclass(frozen=True)
class Request:
    """What a submit needs besides the form: the consent given and the sign-up's choices."""

    consent: Consent
    now: dt.datetime
    event_id: int = 0
    accept_waitlist: bool = False


Form = Any  # ComplaintForm | ProposalForm | SignupForm: each flow takes its own
Checked = Any  # what the flow's check returns and its store takes (CheckedComplaint, …)


@dataclass(frozen=True)
class Flow:
    kind: str
    title_key: str
    # Catalog keys of the steps before consent (the form's pages, in order).
    pages: tuple[str, ...]
    consent: ConsentRule
    # The optional "the office may contact me directly" box on the consent screen.
    share_box: bool
    # A page's own checks (consent not asked yet): the service's pure validation.
    page_errors: Callable[[Form], list[FieldError]]
    # Checks everything, consent too (pure; raises ValidationFailed) ...
    check: Callable[[Form, Consent], Checked]
    # ... and stores the checked record with its outbox mutation in one transaction.
    store: Callable[[Store, Checked, Request], Receipt]
    # Steps before the form (the event list of a sign-up).
    before: tuple[str, ...] = ()

    def submit(self, store: Store, form: Form, request: Request) -> Receipt:
        """Check, then store: the record is written only once it passed every rule."""
        return self.store(store, self.check(form, request.consent), request)


def _contact_given(form: Form) -> bool:
    return any(str(getattr(form, name, "")).strip() for name in ("name", "phone", "email"))


def needs_consent(flow: Flow, form: Form) -> bool:
    if flow.consent is ConsentRule.WITH_CONTACT:
        return _contact_given(form)
    return flow.consent is ConsentRule.ALWAYS


def steps(flow: Flow, form: Form, *, skipped: Collection[str] = ()) -> tuple[str, ...]:
    """The steps a citizen goes through now, in order (``skipped`` pages left out)."""
    pages = tuple(page for page in flow.pages if page not in skipped)
    consent = ("step.consent",) if needs_consent(flow, form) else ()
    return (*flow.before, *pages, *consent, "step.review")


# --- the checks and the stores, by flow -----------------------------------------------------
#
# The checks are the services' own pure ``check_*`` (kiosk/submissions.py,
# kiosk/signups.py); the stores take what they return, with what the request
# adds (the time, the event and the waiting-list choice of a sign-up).


def _check_suggestion(form: ComplaintForm, _consent: Consent) -> CheckedSuggestion:
    # Nothing personal is asked, so no consent is kept with it.
    return check_suggestion(form)


def _store_complaint(store: Store, checked: CheckedComplaint, request: Request) -> Receipt:
    return store_complaint(store, checked, request.now)


def _store_suggestion(store: Store, checked: CheckedSuggestion, request: Request) -> Receipt:
    return store_suggestion(store, checked, request.now)


def _store_proposal(store: Store, checked: CheckedProposal, request: Request) -> Receipt:
    return store_proposal(store, checked, request.now)


def _store_sign_up(store: Store, checked: CheckedSignup, request: Request) -> Receipt:
    return store_sign_up(
        store,
        request.event_id,
        checked,
        accept_waitlist=request.accept_waitlist,
        now=request.now,
    )


_PLACE = ("step.category", "step.place", "step.details")

FLOWS: Final[dict[str, Flow]] = {
    flow.kind: flow
    for flow in (
        Flow(
            kind="complaint",
            title_key="flow.complaint",
            pages=(*_PLACE, "step.photo", "step.contact"),
            consent=ConsentRule.ALWAYS,
            share_box=True,
            page_errors=complaint_errors,
            check=check_complaint,
            store=_store_complaint,
        ),
        Flow(
            kind="suggestion",
            title_key="flow.suggestion",
            pages=_PLACE,
            consent=ConsentRule.NEVER,
            share_box=False,
            page_errors=suggestion_errors,
            check=_check_suggestion,
            store=_store_suggestion,
        ),
        Flow(
            kind="proposal",
            title_key="flow.proposal",
            pages=("step.area", "step.proposal", "step.district", "step.contact"),
            consent=ConsentRule.WITH_CONTACT,
            share_box=True,
            page_errors=proposal_errors,
            check=check_proposal,
            store=_store_proposal,
        ),
        Flow(
            kind="signup",
            title_key="flow.signup",
            before=("step.event",),
            pages=("step.you",),
            consent=ConsentRule.ALWAYS,
            share_box=False,
            page_errors=signup_errors,
            check=check_sign_up,
            store=_store_sign_up,
        ),
    )
}


# --- leaving on purpose -----------------------------------------------------------------------

# "Start over" throws away what was typed; beyond this many words it asks first.
FEW_WORDS: Final = 3


def asks_before_discarding(typed: Iterable[str], *, photo: bool = False) -> bool:
    """Whether leaving would throw away more than a few words (or a photo) without asking."""
    words = sum(len(text.split()) for text in typed)
    return photo or words > FEW_WORDS
