"""The staff attendance page: per-event counts, search, and what this kiosk took today.

(The sync dashboard and enrolment are tested against the real server in
tests/integration/staff.)
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from kiosk.admissions import record_admission
from kiosk.models import CheckIn
from kiosk.submissions import ComplaintForm, submit_complaint, submit_suggestion
from tests.conftest import NOW
from tests.integration.staff.door import CONSENT, EVENT_ID, Door


def test_attendance_counts_each_event_and_search_narrows_the_list(door: Door) -> None:
    for index in (0, 1):
        record_admission(door.store, EVENT_ID, door.ticket(index), NOW)
    # The server later flagged the second one (admitted at another kiosk too).
    with door.store.write() as session:
        session.execute(update(CheckIn).where(CheckIn.number == 2).values(flagged=True))
    page = door.open_staff_page("attendance").attendance
    first = page.events[0]
    assert first.property("event_id") == EVENT_ID
    assert "신청 3 · 입장 2 · 확인 필요 1" in first.text()
    page.search.setText("시장실")
    assert [label.property("event_id") for label in page.events] == [EVENT_ID]
    page.search.setText("없는 행사")
    assert page.events == [] and page.empty.isVisible()


def test_todays_counts_per_kind(door: Door) -> None:
    form = ComplaintForm(
        category="road",
        district="mapo",
        description="가로등 고장",
        name="홍길동",
        phone="010-1111-2222",
    )
    submit_complaint(door.store, form, CONSENT, now=NOW)
    submit_complaint(door.store, form, CONSENT, now=NOW - dt.timedelta(days=1))  # yesterday
    submit_suggestion(door.store, ComplaintForm(category="road", description="벤치"), now=NOW)
    record_admission(door.store, EVENT_ID, door.ticket(0), NOW)
    page = door.open_staff_page("attendance").attendance
    shown = {name: label.text() for name, label in page.today.items()}
    # The three sign-ups were made yesterday: not today's.
    assert shown == {
        "complaints": "1", "suggestions": "1", "proposals": "0",
        "signups": "0", "waitlisted": "0", "checkins": "1",
    }  # fmt: skip
