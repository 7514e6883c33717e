"""The public status page a receipt QR opens: public title, history, answer, and what the
citizen can do there (cancel a sign-up, ask again once, stop messages)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from core.receipts import format_code
from server.catalogue import NewEvent, add_event, list_events
from server.models import OptOut, Registration, Submission
from server.submissions import change_status
from tests.integration.notify.citizens import complaint
from tests.integration.web.staffsite import Site


def _page(site: Site, code: str) -> str:
    reply = requests.get(f"{site.url}/status/{code}", timeout=10)
    assert reply.status_code == 200, reply.status_code
    return reply.text


def _post(site: Site, code: str, action: str) -> requests.Response:
    return requests.post(f"{site.url}/status/{code}/{action}", allow_redirects=False, timeout=10)


def _complaint(site: Site, **fields: object) -> tuple[str, str]:
    pushed = complaint(site.kiosk, **fields)  # type: ignore[arg-type]
    [result] = site.kiosk.push([pushed])
    assert result["status"] == "applied"
    return pushed["id"], pushed["payload"]["receipt_code"]


def test_the_page_has_the_public_title_the_history_and_the_answer(site: Site) -> None:
    case_id, code = _complaint(site, notify=False)
    change_status(site.db, case_id, "in_progress", "", None)
    change_status(site.db, case_id, "answered", "28일에 가로등을 고쳤습니다.", None)

    page = _page(site, code)

    assert "서울특별시 민원·신청 안내" in page and "시민 키오스크 관리" not in page
    assert "28일에 가로등을 고쳤습니다." in page
    history = page.split("처리 과정", 1)[1]
    assert history.index("접수") < history.index("처리 중") < history.index("답변 완료")
    assert "해결되지 않았어요" in page


def test_not_solved_asks_again_once_and_reopens_the_case_for_staff(site: Site) -> None:
    case_id, code = _complaint(site, notify=False)
    change_status(site.db, case_id, "answered", "처리했습니다.", None)

    first = _post(site, code, "ask-again")
    second = _post(site, code, "ask-again")

    assert first.status_code == 303 and second.status_code == 409
    with site.db.read() as session:
        case = session.get(Submission, case_id)
        assert case is not None and case.status == "in_progress" and case.reopened_at
    assert "해결되지 않았어요" not in _page(site, code)


def test_a_sign_up_is_cancelled_on_the_page_and_its_entry_code_shown_before(site: Site) -> None:
    event = next(e for e in list_events(site.db) if not e.cancelled)
    answer = site.kiosk.claim(event.id)
    assert answer["status"] == "confirmed"
    code = answer["receipt_code"]

    before = _page(site, code)
    done = _post(site, code, "cancel")

    entry = format_code(answer["manual_code"])
    assert entry in before and "data:image/png;base64," in before
    assert done.status_code == 303
    with site.db.read() as session:
        row = session.get(Registration, answer["id"])
        assert row is not None and row.status == "cancelled"
    after = _page(site, code)
    assert "신청 취소하기" not in after and entry not in after


def test_stop_messages_opts_the_citizen_out(site: Site) -> None:
    case_id, code = _complaint(site, notify=True, phone="010-4444-5555")

    assert _post(site, code, "stop-messages").status_code == 303

    with site.db.read() as session:
        assert session.scalars(select(OptOut)).first() is not None
        case = session.get(Submission, case_id)
        assert case is not None and not case.notify


def test_staff_cancel_a_place_and_the_first_waiting_gets_it(site: Site) -> None:
    event = add_event(
        site.db,
        NewEvent(
            title_ko="소규모 설명회",
            title_en="Small briefing",
            starts_at=dt.datetime(2027, 5, 1, 5, tzinfo=dt.UTC),
            capacity=1,
        ),
    )
    holder = site.kiosk.claim(event)
    waiting = site.kiosk.claim(event, accept_waitlist=True)
    officer = site.client()
    officer.login("officer")

    page = officer.get(f"/staff/events/{event}").text
    done = officer.submit(f"/staff/events/{event}/registrations/{holder['id']}/cancel", {})

    assert "대기 1순위" not in page  # no free place yet: nothing to promote
    assert done.status_code == 303
    with site.db.read() as session:
        first = session.get(Registration, holder["id"])
        second = session.get(Registration, waiting["id"])
    assert first is not None and first.status == "cancelled"
    assert second is not None and second.status == "confirmed" and second.ticket


@pytest.fixture
def phone(chromium: Any) -> Iterator[Any]:
    """A phone's browser: narrow, touch, Korean."""
    context = chromium.new_context(
        viewport={"width": 412, "height": 915}, locale="ko-KR", has_touch=True, is_mobile=True
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_a_phone_opens_the_status_page_and_cancels_there(
    site: Site, phone: Any, screenshot_dir: Path
) -> None:
    case_id, code = _complaint(site, notify=True, phone="010-2222-3333")
    change_status(site.db, case_id, "in_progress", "", None)
    change_status(site.db, case_id, "answered", "5일에 가로등 전구를 바꿨습니다.", None)
    event = next(e for e in list_events(site.db) if not e.cancelled)
    place = site.kiosk.claim(event.id)

    phone.goto(f"{site.url}/status/{code}")
    assert phone.locator("h1").inner_text() == "처리 상황 조회"
    assert "5일에 가로등 전구를 바꿨습니다." in phone.content()
    phone.screenshot(path=str(screenshot_dir / "server-status-page.png"), full_page=True)
    phone.goto(f"{site.url}/status/{place['receipt_code']}")
    phone.screenshot(path=str(screenshot_dir / "server-status-ticket.png"), full_page=True)
    with phone.expect_navigation():
        phone.click("text=신청 취소하기")

    assert "신청을 취소했습니다" in phone.content()
