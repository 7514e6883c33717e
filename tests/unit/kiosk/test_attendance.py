"""Attendance figures (per event, today per kind), the check-in event list and name search."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from kiosk.admissions import record_admission, undo_admission
from kiosk.attendance import (
    EventCounts,
    attendance,
    checkin_events,
    event_counts,
    find_by_name,
    masked_name_matches,
    today_counts,
)
from kiosk.models import CheckIn, Event
from kiosk.signups import SignupForm, sign_up
from kiosk.store import Store
from kiosk.submissions import ComplaintForm, Receipt, submit_complaint
from tests.conftest import NOW
from tests.integration.staff.door import CONSENT, EVENT_ID, add_event_today, sign_up_people


@pytest.fixture
def receipts(store: Store) -> list[Receipt]:
    add_event_today(store)
    return sign_up_people(store)


def test_counts_registered_checked_in_and_flagged(store: Store, receipts: list[Receipt]) -> None:
    assert event_counts(store, EVENT_ID) == EventCounts(registered=3, checked_in=0, flagged=0)
    first = record_admission(store, EVENT_ID, receipts[0].ticket, NOW)
    record_admission(store, EVENT_ID, receipts[1].ticket, NOW)
    record_admission(store, EVENT_ID, receipts[1].ticket, NOW)  # "already": not a second one
    with store.write() as session:
        session.execute(update(CheckIn).where(CheckIn.number == 2).values(flagged=True))
    assert event_counts(store, EVENT_ID) == EventCounts(registered=3, checked_in=2, flagged=1)
    assert not isinstance(first, tuple) and getattr(first, "checkin_id", None)
    undo_admission(store, first.checkin_id or "", NOW)  # type: ignore[union-attr]
    assert event_counts(store, EVENT_ID).checked_in == 1


def test_a_waiting_list_sign_up_is_not_registered(store: Store) -> None:
    add_event_today(store)
    with store.write() as session:
        session.execute(update(Event).where(Event.id == EVENT_ID).values(offline_block=1))
    day_before = NOW - dt.timedelta(days=1)
    sign_up(store, EVENT_ID, SignupForm("김민수", "010-1234-5678"), CONSENT, now=day_before)
    sign_up(
        store, EVENT_ID, SignupForm("이영희", "010-2345-6789"), CONSENT,
        accept_waitlist=True, now=day_before,
    )  # fmt: skip
    assert event_counts(store, EVENT_ID).registered == 1


def test_the_check_in_list_puts_today_first_and_leaves_out_what_is_over(store: Store) -> None:
    add_event_today(store)
    add_event_today(store, event_id=502, title="지난 행사")
    with store.write() as session:
        yesterday = NOW - dt.timedelta(days=1)
        session.execute(
            update(Event).where(Event.id == 502).values(starts_at=yesterday, ends_at=yesterday)
        )
        session.execute(update(Event).where(Event.id == 101).values(cancelled=True))
    listed = checkin_events(store, NOW)
    assert listed[0].id == EVENT_ID and listed[0].today
    ids = [e.id for e in listed]
    assert 502 not in ids and 101 not in ids
    assert [e.starts_at for e in listed[1:]] == sorted(e.starts_at for e in listed[1:])
    assert [e.id for e in attendance(store, NOW, "지난")] == [502]  # staff still see it


def test_an_event_is_today_only_on_its_own_seoul_days(store: Store) -> None:
    add_event_today(store)

    def today(at: dt.datetime) -> list[int]:
        return [e.id for e in checkin_events(store, at) if e.today]

    assert today(NOW) == [EVENT_ID]
    assert today(NOW + dt.timedelta(days=1)) == []


def test_todays_counts_use_the_seoul_day(store: Store) -> None:
    form = ComplaintForm(category="road", description="x", name="김", phone="010-1111-2222")
    # 23:30 the evening before in Seoul is 14:30 UTC: yesterday, though the UTC date is today's.
    submit_complaint(store, form, CONSENT, now=dt.datetime(2026, 11, 26, 14, 30, tzinfo=dt.UTC))
    submit_complaint(store, form, CONSENT, now=dt.datetime(2026, 11, 26, 15, 30, tzinfo=dt.UTC))
    assert today_counts(store, NOW).complaints == 1


@pytest.mark.parametrize(
    ("mask", "typed", "fits"),
    [
        ("김*수", "김수", True),
        ("김*수", "김민수", True),
        ("김*수", "민수", True),
        ("김*수", "김", True),
        ("김*수", "민", False),
        ("김*수", "이민수", False),
        ("이*희", "영희", True),
        ("J*** D**", "Jane Doe", True),
        ("J*** D**", "jd", True),
        ("J*** D**", "bob", False),
        ("", "김", False),
    ],
)
def test_typed_names_are_matched_against_masks(mask: str, typed: str, fits: bool) -> None:
    assert masked_name_matches(mask, typed) is fits


def test_a_name_search_finds_sign_ups_of_this_event_with_their_state(
    store: Store, receipts: list[Receipt]
) -> None:
    record_admission(store, EVENT_ID, receipts[0].ticket, NOW)
    [found] = find_by_name(store, EVENT_ID, "김수")
    assert found.masked_name == "김*수" and found.checked_in
    assert found.ticket_type_key == "ticket.type.standard"
    [other] = find_by_name(store, EVENT_ID, "Doe")
    assert other.masked_name == "J*** D**" and not other.checked_in
    assert find_by_name(store, 999, "김수") == []
    assert find_by_name(store, EVENT_ID, "  ") == []
