"""Event sign-up within the kiosk's offline block (with a signed ticket), then the waiting list."""

from __future__ import annotations

import base64
import datetime as dt
import uuid

import pytest
from nacl.signing import SigningKey
from sqlalchemy import select

from core.clock import SEOUL
from core.names import mask_name
from core.payloads import MutationType, SignupPayload
from core.tickets import (
    ParsedTicket,
    TicketFlags,
    TicketPayload,
    TicketType,
    manual_code_of,
    parse_ticket,
    verify_signature,
)
from core.validation import ValidationFailed
from kiosk.catalogue import seats_left, upcoming_events
from kiosk.checkin import Reason, VerdictKind
from kiosk.checkin_context import decide_scan
from kiosk.identity import NotEnrolled
from kiosk.models import DeviceIdentity, Event, OutboxMutation, Registration
from kiosk.models import SigningKey as KeyRow
from kiosk.signups import SignupForm, check_sign_up, sign_up, signup_errors, store_sign_up
from kiosk.submissions import Consent
from tests.conftest import KIOSK_KEY_ID, KIOSK_SEED, NOW, KioskDB

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
    assert uuid.UUID(receipt.id).version == 7  # time-ordered (core/ids.py)
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


def test_the_form_is_checked_without_the_store_and_the_event_when_stored(
    kiosk_db: KioskDB,
) -> None:
    assert [(e.field, e.key) for e in signup_errors(SignupForm("김", "12"))] == [
        ("phone", "phone.invalid")
    ]
    checked = check_sign_up(PERSON, CONSENT)
    assert (checked.name, checked.phone) == ("박서연", "01022223333")
    assert registrations(kiosk_db) == []
    with pytest.raises(ValidationFailed) as excinfo:
        store_sign_up(kiosk_db.store, 999, checked, now=NOW)
    assert [e.key for e in excinfo.value.errors] == ["event.unknown"]
    assert store_sign_up(kiosk_db.store, SMALL_EVENT, checked, now=NOW).status == "confirmed"


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("김민수", "김*수"),
        ("이수", "이*"),
        ("남궁민수", "남**수"),
        ("Jane Doe", "J*** D**"),
        ("김", "김"),
        ("", ""),
        (" 김민수 ", "김*수"),
    ],
)
def test_masked_names_show_enough_to_recognise(name: str, masked: str) -> None:
    assert mask_name(name) == masked


# --- the ticket a confirmed place comes with ---------------------------------------------

KIOSK_PUBLIC = bytes(SigningKey(KIOSK_SEED).verify_key)


def event_row(db: KioskDB, event_id: int) -> Event:
    with db.store.read() as session:
        event = session.get(Event, event_id)
    assert event is not None
    return event


def parsed(text: str) -> ParsedTicket:
    result = parse_ticket(text)
    assert isinstance(result, ParsedTicket), result
    return result


def test_a_confirmed_place_comes_with_a_ticket_signed_by_this_kiosk(kiosk_db: KioskDB) -> None:
    receipt = sign_up(kiosk_db.store, SMALL_EVENT, PERSON, CONSENT, now=NOW)

    ticket = parsed(receipt.ticket)
    event = event_row(kiosk_db, SMALL_EVENT)
    assert verify_signature(ticket, KIOSK_PUBLIC)
    assert ticket.payload == TicketPayload(
        KIOSK_KEY_ID, SMALL_EVENT, 1, TicketType.STANDARD, event.starts_at.astimezone(SEOUL).date()
    )
    # The code printed beside the QR, stored for typing in at the door.
    assert receipt.manual_code == manual_code_of(ticket)
    [registration] = registrations(kiosk_db)
    assert (registration.ticket, registration.manual_code) == (receipt.ticket, receipt.manual_code)


def test_the_signup_mutation_carries_the_ticket(kiosk_db: KioskDB) -> None:
    receipt = sign_up(kiosk_db.store, SMALL_EVENT, PERSON, CONSENT, now=NOW)
    with kiosk_db.store.read() as session:
        mutation = session.get(OutboxMutation, receipt.id)
    assert mutation is not None
    payload = SignupPayload.model_validate_json(mutation.payload or "")
    assert (payload.ticket, payload.key_id, payload.number) == (receipt.ticket, KIOSK_KEY_ID, 1)


def test_each_place_gets_the_next_number_and_a_different_code(kiosk_db: KioskDB) -> None:
    first = sign_up(kiosk_db.store, SMALL_EVENT, PERSON, CONSENT, now=NOW)
    second = sign_up(kiosk_db.store, SMALL_EVENT, PERSON, CONSENT, now=NOW)
    assert [parsed(r.ticket).payload.number for r in (first, second)] == [1, 2]
    assert first.manual_code != second.manual_code


def test_a_multi_day_event_gets_an_event_pass_from_its_first_day(kiosk_db: KioskDB) -> None:
    with kiosk_db.store.write() as session:
        event = session.get(Event, 1)
        assert event is not None
        event.ends_at = event.starts_at + dt.timedelta(days=2)
        first_day = event.starts_at.astimezone(SEOUL).date()
    receipt = sign_up(kiosk_db.store, 1, PERSON, CONSENT, now=NOW)
    payload = parsed(receipt.ticket).payload
    assert payload.flags & TicketFlags.EVENT_PASS
    assert payload.valid_day == first_day


def test_the_waiting_list_gets_no_ticket_and_no_code(kiosk_db: KioskDB) -> None:
    with kiosk_db.store.write() as session:
        event = session.get(Event, SMALL_EVENT)
        assert event is not None
        event.offline_block = 0
    receipt = sign_up(kiosk_db.store, SMALL_EVENT, PERSON, CONSENT, accept_waitlist=True, now=NOW)
    assert (receipt.status, receipt.ticket, receipt.manual_code) == ("waitlisted", "", "")


def test_a_kiosk_without_a_signing_key_issues_no_ticket(kiosk_db: KioskDB) -> None:
    with kiosk_db.store.write() as session:
        identity = session.get(DeviceIdentity, 1)
        assert identity is not None
        identity.signing_key = b""
    with pytest.raises(NotEnrolled):
        sign_up(kiosk_db.store, SMALL_EVENT, PERSON, CONSENT, now=NOW)
    assert registrations(kiosk_db) == []


# --- this kiosk's own tickets at its own door, before any pull ---------------------------


def on_the_day(db: KioskDB, event_id: int) -> dt.datetime:
    return event_row(db, event_id).starts_at


def test_a_ticket_made_here_scans_here_before_any_pull(kiosk_db: KioskDB) -> None:
    receipt = sign_up(kiosk_db.store, SMALL_EVENT, PERSON, CONSENT, now=NOW)
    with kiosk_db.store.read() as session:
        assert session.get(KeyRow, KIOSK_KEY_ID) is None  # nothing pulled yet

    verdict = decide_scan(kiosk_db.store, SMALL_EVENT, receipt.ticket, on_the_day(kiosk_db, 3))

    assert (verdict.kind, verdict.masked_name) == (VerdictKind.ADMIT, "박*연")


def test_once_this_kiosk_knows_it_is_revoked_its_own_tickets_are_refused(
    kiosk_db: KioskDB,
) -> None:
    receipt = sign_up(kiosk_db.store, SMALL_EVENT, PERSON, CONSENT, now=NOW)
    with kiosk_db.store.write() as session:
        identity = session.get(DeviceIdentity, 1)
        assert identity is not None
        identity.revoked = True

    verdict = decide_scan(kiosk_db.store, SMALL_EVENT, receipt.ticket, on_the_day(kiosk_db, 3))

    assert verdict.reason is Reason.REVOKED_KEY


def test_the_pulled_key_list_has_the_last_word_on_this_kiosks_key(kiosk_db: KioskDB) -> None:
    receipt = sign_up(kiosk_db.store, SMALL_EVENT, PERSON, CONSENT, now=NOW)
    with kiosk_db.store.write() as session:
        public = base64.b64encode(KIOSK_PUBLIC).decode()
        session.add(KeyRow(key_id=KIOSK_KEY_ID, public_key=public, revoked=True))

    verdict = decide_scan(kiosk_db.store, SMALL_EVENT, receipt.ticket, on_the_day(kiosk_db, 3))

    assert verdict.reason is Reason.REVOKED_KEY
