"""Applying pulled reference data: one page and its cursor in one transaction."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kiosk.models import (
    Category,
    Event,
    Registration,
    RegistrationStatus,
    RevokedTicket,
    SigningKey,
    SyncState,
)
from kiosk.pulled import (
    PulledCategory,
    PulledEvent,
    PulledKey,
    PulledPage,
    PulledRegistration,
    PulledTicketRevocation,
    apply_page,
    pull_cursor,
)
from kiosk.signups import SignupForm, sign_up
from kiosk.store import Store
from kiosk.submissions import Consent
from tests.conftest import NOW

STARTS = NOW + dt.timedelta(days=5)


def event(event_id: int, **changes: object) -> PulledEvent:
    values: dict[str, object] = {
        "id": event_id,
        "title_ko": "주민 설명회",
        "title_en": "Briefing",
        "place_ko": "시청",
        "place_en": "City Hall",
        "starts_at": STARTS,
        "ends_at": None,
        "capacity": 40,
        "taken_remote": 3,
        "offline_block": 5,
        **changes,
    }
    return PulledEvent(**values)  # type: ignore[arg-type]


def registration(reg_id: str, event_id: int = 1, **changes: object) -> PulledRegistration:
    values: dict[str, object] = {
        "id": reg_id,
        "event_id": event_id,
        "status": RegistrationStatus.CONFIRMED,
        "receipt_code": "ABCDEFG2",
        "key_id": 3,
        "number": 9,
        "ticket": "CK1XYZ",
        "masked_name": "이*영",
        **changes,
    }
    return PulledRegistration(**values)  # type: ignore[arg-type]


def apply(store: Store, page: PulledPage) -> None:
    with store.write() as session:
        apply_page(session, page)


def test_the_cursor_is_stored_with_the_page(store: Store) -> None:
    apply(store, PulledPage(cursor="c9", events=[event(90)]))
    with store.read() as session:
        assert pull_cursor(session) == "c9"
        assert session.get(Event, 90) is not None


def test_a_page_that_fails_leaves_data_and_cursor_as_they_were(store: Store) -> None:
    apply(store, PulledPage(cursor="c1"))
    broken = PulledPage(cursor="c2", events=[event(90), event(91, starts_at=None)])
    with pytest.raises(IntegrityError), store.write() as session:
        apply_page(session, broken)
    with store.read() as session:
        assert pull_cursor(session) == "c1"
        assert session.get(Event, 90) is None


def test_events_carry_this_kiosks_block_and_places_taken_elsewhere(store: Store) -> None:
    apply(store, PulledPage(cursor="c1", events=[event(90, taken_remote=12, offline_block=4)]))
    with store.read() as session:
        pulled = session.get(Event, 90)
        assert pulled is not None
        assert (pulled.taken_remote, pulled.offline_block) == (12, 4)


def test_tombstones_delete_categories_and_events(store: Store) -> None:
    apply(store, PulledPage(cursor="c1", deleted_categories=["road"], deleted_events=[2]))
    with store.read() as session:
        assert session.get(Category, "road") is None
        assert session.get(Event, 2) is None


def test_signing_keys_and_revoked_tickets_are_kept_for_offline_check_in(store: Store) -> None:
    apply(
        store,
        PulledPage(
            cursor="c1",
            signing_keys=[PulledKey(3, "A" * 43 + "=")],
            revoked_tickets=[PulledTicketRevocation(3, 1, 9)],
        ),
    )
    with store.read() as session:
        assert session.get(SigningKey, 3) is not None
        assert session.get(RevokedTicket, (3, 1, 9)) is not None


def test_pulled_registrations_are_kept_as_not_local(store: Store) -> None:
    reg_id = "0b7f3c1e-2f5b-4c55-9a0e-3f4a8f7d6c21"
    apply(store, PulledPage(cursor="c1", registrations=[registration(reg_id)]))
    with store.read() as session:
        pulled = session.get(Registration, reg_id)
        assert pulled is not None
        assert (pulled.local, pulled.masked_name, pulled.number) == (False, "이*영", 9)


def test_the_echo_of_a_local_sign_up_updates_only_its_status(store: Store) -> None:
    consent = Consent(version="2026-11", required=True)
    receipt = sign_up(store, 1, SignupForm("김민수", "010-1234-5678"), consent, now=NOW)
    echo = registration(
        receipt.id,
        status=RegistrationStatus.WAITLISTED,
        receipt_code=receipt.code,
        masked_name="other",
    )
    apply(store, PulledPage(cursor="c1", registrations=[echo]))
    with store.read() as session:
        mine = session.get(Registration, receipt.id)
        assert mine is not None
        assert (mine.local, mine.masked_name, mine.status) == (
            True,
            "김*수",
            RegistrationStatus.WAITLISTED,
        )


def test_a_registration_for_an_unknown_event_is_skipped_not_fatal(store: Store) -> None:
    reg_id = "0b7f3c1e-2f5b-4c55-9a0e-3f4a8f7d6c21"
    apply(store, PulledPage(cursor="c1", registrations=[registration(reg_id, event_id=999)]))
    with store.read() as session:
        assert session.get(Registration, reg_id) is None
        assert pull_cursor(session) == "c1"


def test_reset_drops_pulled_reference_data_but_keeps_local_sign_ups(store: Store) -> None:
    consent = Consent(version="2026-11", required=True)
    receipt = sign_up(store, 1, SignupForm("김민수", "010-1234-5678"), consent, now=NOW)
    apply(
        store,
        PulledPage(
            cursor="c1",
            signing_keys=[PulledKey(3, "k")],
            registrations=[registration("0b7f3c1e-2f5b-4c55-9a0e-3f4a8f7d6c21", event_id=2)],
        ),
    )
    apply(
        store, PulledPage(cursor="r1", reset=True, categories=[PulledCategory("new", "새", "New")])
    )
    with store.read() as session:
        assert [c.code for c in session.scalars(select(Category))] == ["new"]
        assert session.scalars(select(SigningKey)).all() == []
        assert [r.id for r in session.scalars(select(Registration))] == [receipt.id]
        # The event of a sign-up made here stays (closed) until the reset re-sends it.
        kept = session.get(Event, 1)
        assert kept is not None and kept.cancelled
        assert session.get(Event, 2) is None
        state = session.get(SyncState, 1)
        assert state is not None and state.pull_cursor == "r1"
