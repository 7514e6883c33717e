"""What a slip (and staff's reprint) may say: the receipt code and non-personal facts only."""

from __future__ import annotations

import datetime as dt

from kiosk.signups import SignupForm, sign_up
from kiosk.slips import last_slip_facts, slip_facts, status_server
from kiosk.submissions import ComplaintForm, Consent, submit_complaint
from tests.conftest import NOW, KioskDB
from tests.integration.staff.door import EVENT_ID, add_event_today

CONSENT = Consent(version="2026-11", required=True)


def test_nothing_to_reprint_on_a_new_kiosk(kiosk_db: KioskDB) -> None:
    assert last_slip_facts(kiosk_db.store) is None


def test_the_last_slip_is_the_newest_receipt_and_carries_nothing_personal(
    kiosk_db: KioskDB,
) -> None:
    store = kiosk_db.store
    add_event_today(store)
    signup = sign_up(
        store,
        EVENT_ID,
        SignupForm(name="정하늘", phone="010-2345-6789"),
        CONSENT,
        now=NOW - dt.timedelta(days=1),  # the event (add_event_today) has begun by NOW
    )
    complaint = submit_complaint(
        store,
        ComplaintForm(
            category="road",
            description="보도블록이 깨져 있습니다",
            district="seongbuk",
            address="성북로 1",
            name="김민수",
            phone="010-1111-2222",
        ),
        CONSENT,
        now=NOW + dt.timedelta(minutes=1),
    )

    last = last_slip_facts(store)
    ticket = slip_facts(store, signup)

    assert last is not None and (last.code, last.kind) == (complaint.code, "complaint")
    assert ticket.masked_name == "정*늘" and ticket.ticket == signup.ticket
    assert ticket.event is not None and ticket.event.title_ko
    for facts in (last, ticket):
        said = repr(facts)
        for personal in ("정하늘", "김민수", "010", "성북로", "보도블록"):
            assert personal not in said


def test_receipts_point_to_the_configured_server_else_the_enrolled_one(kiosk_db: KioskDB) -> None:
    assert status_server(kiosk_db.store, "https://kiosk.seoul.example") == (
        "https://kiosk.seoul.example"
    )
    assert status_server(kiosk_db.store) == "http://127.0.0.1:9"
