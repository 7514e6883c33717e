"""Event sign-up within the kiosk's offline block, then the waiting list."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from kiosk.models import Event, OutboxMutation, Registration
from kiosk.payloads import MutationType, SignupPayload
from kiosk.reference import seats_left, upcoming_events
from kiosk.signups import SignupForm, mask_name, sign_up
from kiosk.submissions import Consent
from kiosk.validation import ValidationFailed
from tests.conftest import NOW, KioskDB

CONSENT = Consent(version="2026-11", required=True)
PERSON = SignupForm(name="박서연", phone="010-2222-3333")
SMALL_EVENT = 3  # demo event with an offline block of 2


def registrations(db: KioskDB) -> list[Registration]:
    with db.store.read() as session:
        return list(session.scalars(select(Registration).order_by(Registration.created_at)))


def test_sign_up_confirms_a_place_and_queues_a_sealed_mutation(kiosk_db: KioskDB) -> None:
    receipt = sign_up(kiosk_db.store, SMALL_EVENT, PERSON, CONSENT, now=NOW)
    assert receipt.status == "confirmed"
    [registration] = registrations(kiosk_db)
    assert registration.id == receipt.id
    assert registration.masked_name == "박*연"
    assert (registration.key_id, registration.number) == (7, 1)
    with kiosk_db.store.read() as session:
        mutation = session.get(OutboxMutation, receipt.id)
        assert mutation is not None
    assert mutation.type == MutationType.SIGNUP
    payload = SignupPayload.model_validate_json(mutation.payload or "")
    assert (payload.event_id, payload.status, payload.number) == (SMALL_EVENT, "confirmed", 1)
    assert "박서연" not in (mutation.payload or "")
    assert kiosk_db.unsealed(mutation) == {"name": "박서연", "phone": "01022223333"}


def test_when_the_block_is_used_up_the_waiting_list_is_offered_not_overbooked(
    kiosk_db: KioskDB,
) -> None:
    for _ in range(2):
        sign_up(kiosk_db.store, SMALL_EVENT, PERSON, CONSENT, now=NOW)
    with pytest.raises(ValidationFailed) as excinfo:
        sign_up(kiosk_db.store, SMALL_EVENT, PERSON, CONSENT, now=NOW)
    assert [e.key for e in excinfo.value.errors] == ["event.full"]
    assert len(registrations(kiosk_db)) == 2

    receipt = sign_up(kiosk_db.store, SMALL_EVENT, PERSON, CONSENT, accept_waitlist=True, now=NOW)
    assert receipt.status == "waitlisted"
    assert receipt.ticket == ""
    waitlisted = registrations(kiosk_db)[-1]
    assert (waitlisted.key_id, waitlisted.number) == (None, None)


def test_seats_left_counts_other_kiosks_and_our_block(kiosk_db: KioskDB) -> None:
    with kiosk_db.store.write() as session:
        event = session.get(Event, SMALL_EVENT)
        assert event is not None
        assert seats_left(session, event) == 2
        event.taken_remote = event.capacity - 1  # the hall is nearly full elsewhere
        assert seats_left(session, event) == 1


def test_listing_shows_upcoming_events_in_order_with_seats(kiosk_db: KioskDB) -> None:
    with kiosk_db.store.read() as session:
        listing = upcoming_events(session, NOW)
    assert [item.event.id for item in listing] == [1, 2, 3, 4]
    assert [item.seats_left for item in listing] == [30, 10, 2, 15]


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"cancelled": True}, "event.cancelled"),
        ({"starts_at": NOW - dt.timedelta(hours=1)}, "event.closed"),
    ],
)
def test_cancelled_or_started_events_take_no_sign_ups(
    kiosk_db: KioskDB, change: dict[str, object], key: str
) -> None:
    with kiosk_db.store.write() as session:
        event = session.get(Event, 1)
        assert event is not None
        for name, value in change.items():
            setattr(event, name, value)
    with pytest.raises(ValidationFailed) as excinfo:
        sign_up(kiosk_db.store, 1, PERSON, CONSENT, now=NOW)
    assert [e.key for e in excinfo.value.errors] == [key]


def test_unknown_event(kiosk_db: KioskDB) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        sign_up(kiosk_db.store, 999, PERSON, CONSENT, now=NOW)
    assert [e.key for e in excinfo.value.errors] == ["event.unknown"]


def test_name_phone_and_consent_are_required(kiosk_db: KioskDB) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        sign_up(kiosk_db.store, 1, SignupForm(), Consent(), now=NOW)
    assert {(e.field, e.key) for e in excinfo.value.errors} == {
        ("name", "field.required"),
        ("phone", "field.required"),
        ("consent", "consent.required"),
    }


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("김민수", "김*수"),
        ("이수", "이*"),
        ("남궁민수", "남**수"),
        ("Jane Doe", "J*** D**"),
        ("김", "김"),
    ],
)
def test_masked_names_show_enough_to_recognise(name: str, masked: str) -> None:
    assert mask_name(name) == masked
