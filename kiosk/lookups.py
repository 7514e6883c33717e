"""What the touch UI reads from the store, as plain frozen values.

The UI never opens a DB session itself (an import contract forbids it), so the
few read queries a screen needs live here: the active categories, upcoming
events with their seats, how much is waiting to be sent. Each opens one short
read transaction and hands back data that outlives it.

It also offers ``*_errors``: the domain's own validation of a half-filled form,
so a screen can point at a wrong phone number on the page where it was typed
instead of at the very end. They run the real submit functions against a store
that refuses to open a write, so the rules stay in one place and nothing can be
written by a check.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.orm import Session

from core.validation import FieldError, ValidationFailed
from kiosk import outbox
from kiosk.catalogue import active_categories, upcoming_events
from kiosk.identity import current_identity
from kiosk.signups import SignupForm, sign_up
from kiosk.store import Store
from kiosk.submissions import (
    ComplaintForm,
    Consent,
    ProposalForm,
    submit_complaint,
    submit_proposal,
    submit_suggestion,
)


@dataclass(frozen=True)
class CategoryItem:
    code: str
    name_ko: str
    name_en: str
    icon: str


@dataclass(frozen=True)
class EventItem:
    id: int
    title_ko: str
    title_en: str
    place_ko: str
    place_en: str
    starts_at: dt.datetime
    seats_left: int
    # The server counted the seats just now; else they are this kiosk's offline block.
    live: bool = False

    @property
    def full(self) -> bool:
        return self.seats_left <= 0


def categories(store: Store) -> tuple[CategoryItem, ...]:
    with store.read() as session:
        return tuple(
            CategoryItem(c.code, c.name_ko, c.name_en, c.icon) for c in active_categories(session)
        )


def events(store: Store, now: dt.datetime) -> tuple[EventItem, ...]:
    with store.read() as session:
        return tuple(
            EventItem(
                id=listing.event.id,
                title_ko=listing.event.title_ko,
                title_en=listing.event.title_en,
                place_ko=listing.event.place_ko,
                place_en=listing.event.place_en,
                starts_at=listing.event.starts_at,
                seats_left=listing.seats_left,
            )
            for listing in upcoming_events(session, now)
        )


def pending_count(store: Store) -> int:
    """Mutations not yet accepted by the server (shown as "waiting to send")."""
    with store.read() as session:
        return outbox.pending_count(session)


def enrolled_office(store: Store) -> str:
    """The office name the server gave at enrolment, or "" before enrolment."""
    with store.read() as session:
        identity = current_identity(session)
        return identity.office if identity is not None else ""


# --- checking a form before the last step -------------------------------------------------

_ANY_CONSENT = Consent(version="check", required=True, share_contact=False)


class _WouldWrite(Exception):
    """Validation passed and the service reached for the database."""


class _CheckOnlyStore(Store):
    """A store that stops the service at its first write: used only for checking."""

    def __init__(self) -> None:
        # No engine: every service validates everything before it opens a session.
        self.refuse = True

    @contextmanager
    def write(self) -> Iterator[Session]:
        if self.refuse:
            raise _WouldWrite
        yield Session()  # never reached; keeps the signature of Store.write

    @contextmanager
    def read(self) -> Iterator[Session]:
        if self.refuse:
            raise _WouldWrite
        yield Session()


def _errors_of(attempt: Callable[[Store], object]) -> list[FieldError]:
    try:
        attempt(_CheckOnlyStore())
    except ValidationFailed as failed:
        return list(failed.errors)
    except _WouldWrite:
        return []
    # Unreachable: every submit writes once its checks pass.
    return []


def complaint_errors(form: ComplaintForm, *, anonymous: bool) -> list[FieldError]:
    """Field errors of a complaint (or anonymous suggestion) form; consent is not checked."""
    if anonymous:
        return _errors_of(lambda store: submit_suggestion(store, form))
    return _errors_of(lambda store: submit_complaint(store, form, _ANY_CONSENT))


def proposal_errors(form: ProposalForm) -> list[FieldError]:
    return _errors_of(lambda store: submit_proposal(store, form, _ANY_CONSENT))


def signup_errors(form: SignupForm) -> list[FieldError]:
    # The event is checked inside the write (seats change), so any id will do here.
    return _errors_of(lambda store: sign_up(store, 0, form, _ANY_CONSENT))
