"""The staff pages over plain HTTP: who may do what, CSRF, sessions, headers, privacy."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
import requests

from server import accounts
from server.models import Submission
from sync.client import SyncClient
from tests.integration.web.seed import complaint, scene_jpeg
from tests.integration.web.staffsite import PASSWORD, Site, StaffClient

NOW = dt.datetime.now(dt.UTC)


@pytest.fixture
def officer(site: Site) -> StaffClient:
    client = site.client()
    assert client.login("officer").status_code == 303
    return client


@pytest.fixture
def admin(site: Site) -> StaffClient:
    client = site.client()
    assert client.login("admin").status_code == 303
    return client


def _push_complaint(site: Site, **fields: object) -> tuple[str, str]:
    mutation = complaint(site.kiosk, NOW, **fields)  # type: ignore[arg-type]
    assert site.kiosk.push([mutation])[0]["status"] == "applied"
    return mutation["id"], mutation["payload"]["receipt_code"]


# --- logging in ------------------------------------------------------------------------


def test_pages_send_anonymous_visitors_to_the_login_form(site: Site) -> None:
    reply = site.client().get("/staff/submissions?kind=complaint")

    assert reply.status_code == 303
    assert reply.headers["location"] == "/login?next=/staff/submissions%3Fkind%3Dcomplaint"


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(site: Site) -> None:
    client = site.client()

    reply = client.login("officer", "not the password")

    assert reply.status_code == 401
    assert "아이디 또는 비밀번호가 맞지 않습니다" in reply.text
    assert client.get("/staff").status_code == 303


def test_login_sets_a_strict_httponly_session_cookie_and_goes_where_asked(site: Site) -> None:
    client = site.client()

    reply = client.login("officer", next_path="/staff/events")

    assert (reply.status_code, reply.headers["location"]) == (303, "/staff/events")
    cookie = reply.headers["set-cookie"]
    assert "civic_session=" in cookie and "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    # Served over http://127.0.0.1 here; over HTTPS it is Secure (test_cookies_over_https).
    assert "Secure" not in cookie.split("civic_login")[0]
    assert client.get("/staff/events").status_code == 200


def test_login_never_redirects_to_another_site(site: Site) -> None:
    reply = site.client().login("officer", next_path="https://evil.example/")

    assert reply.headers["location"] == "/staff"


def test_repeated_failures_from_one_address_are_throttled(site: Site) -> None:
    accounts.create_user(site.db, "locked.kim", PASSWORD, "officer")
    client = site.client()
    replies = [client.login("locked.kim", f"guess {n}") for n in range(accounts.ADDRESS_LIMIT + 1)]

    assert replies[-1].status_code == 429
    assert "로그인 시도가 너무 많습니다" in replies[-1].text
    assert int(replies[-1].headers["Retry-After"]) > 0
    assert client.login("locked.kim", PASSWORD).status_code == 429
    # The other tests of this module log in from the same address.
    accounts.clear_address(site.db, "127.0.0.1")
    assert client.login("locked.kim", PASSWORD).status_code == 303


def test_login_without_its_form_token_is_refused(site: Site) -> None:
    client = site.client()

    reply = client.post("/login", {"username": "officer", "password": PASSWORD})

    assert reply.status_code == 403
    assert "보안 확인에 실패했습니다" in reply.text


def test_logout_ends_the_session_for_a_copied_cookie_too(site: Site) -> None:
    client = site.client()
    client.login("officer")
    stolen = dict(client.http.cookies)

    reply = client.submit("/logout", {})

    assert (reply.status_code, reply.headers["location"]) == (303, "/login?done=logged_out")
    replay = requests.get(site.url + "/staff", cookies=stolen, allow_redirects=False, timeout=5)
    assert replay.status_code == 303


def test_disabling_an_account_ends_its_sessions(site: Site, admin: StaffClient) -> None:
    accounts.create_user(site.db, "leaving.park", PASSWORD, "officer")
    leaving = site.client()
    leaving.login("leaving.park")
    assert leaving.get("/staff").status_code == 200

    assert admin.submit("/staff/users/leaving.park/disable", {}).status_code == 303

    assert leaving.get("/staff").status_code == 303
    assert leaving.login("leaving.park").status_code == 401


def test_a_forged_session_cookie_is_ignored(site: Site) -> None:
    reply = requests.get(
        site.url + "/staff", cookies={"civic_session": "abc.def"}, allow_redirects=False, timeout=5
    )

    assert reply.status_code == 303


# --- CSRF and roles --------------------------------------------------------------------


def test_a_post_without_the_csrf_token_changes_nothing(site: Site, officer: StaffClient) -> None:
    submission_id, _ = _push_complaint(site)

    missing = officer.post(
        f"/staff/submissions/{submission_id}/status", {"status": "closed", "note": "x"}
    )
    wrong = officer.post(
        f"/staff/submissions/{submission_id}/status",
        {"csrf_token": "forged", "status": "closed", "note": "x"},
    )

    assert missing.status_code == wrong.status_code == 403
    with site.db.read() as session:
        assert session.get(Submission, submission_id).status == "received"  # type: ignore[union-attr]


def test_a_post_from_another_origin_is_refused_even_with_the_token(
    site: Site, officer: StaffClient
) -> None:
    submission_id, _ = _push_complaint(site)

    reply = officer.post(
        f"/staff/submissions/{submission_id}/status",
        {"csrf_token": officer.csrf(), "status": "closed", "note": ""},
        headers={"Origin": "https://evil.example"},
    )

    assert reply.status_code == 403


def test_officers_cannot_manage_kiosks_or_accounts(site: Site, officer: StaffClient) -> None:
    assert officer.get("/staff/devices").status_code == 403
    assert officer.get("/staff/users").status_code == 403
    assert officer.submit(f"/staff/devices/{site.kiosk.device_id}/revoke", {}).status_code == 403
    assert (
        officer.submit("/staff/enrolment-codes", {"office": "x", "ttl_hours": "1"}).status_code
        == 403
    )


# --- handling a case -------------------------------------------------------------------


def test_detail_shows_the_unsealed_complaint(site: Site, officer: StaffClient) -> None:
    submission_id, receipt = _push_complaint(
        site, name="홍길동", phone="010-5555-0000", description="횡단보도 신호등이 고장났어요"
    )

    page = officer.get(f"/staff/submissions/{submission_id}")

    assert page.status_code == 200
    for text in (receipt, "홍길동", "010-5555-0000", "횡단보도 신호등이 고장났어요"):
        assert text in page.text


def test_the_dong_shows_with_its_district_on_the_list_the_case_and_the_csv(
    site: Site, officer: StaffClient
) -> None:
    submission_id, receipt = _push_complaint(site, district="gangnam", dong="gaepo-3")

    case = officer.get(f"/staff/submissions/{submission_id}")
    listed = officer.get("/staff/submissions?district=gangnam")
    english = officer.get(f"/staff/submissions/{submission_id}", cookies={"civic_lang": "en"})
    exported = officer.get("/staff/submissions.csv?district=gangnam")

    assert "강남구 · 개포3동" in case.text and "강남구 · 개포3동" in listed.text
    assert "Gangnam-gu · Gaepo 3-dong" in english.text
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [r["dong"] for r in rows if r["receipt_code"] == receipt] == ["gaepo-3"]


def test_a_complaint_from_a_kiosk_without_the_dong_question_is_taken(
    site: Site, officer: StaffClient
) -> None:
    mutation = complaint(site.kiosk, NOW, district="mapo")
    assert "dong" not in mutation["payload"]  # as kiosks before the dong question wrote it

    assert site.kiosk.push([mutation])[0]["status"] == "applied"
    case = officer.get(f"/staff/submissions/{mutation['id']}")
    assert "마포구" in case.text and "마포구 ·" not in case.text


def test_a_complaint_photo_is_shown_to_staff_only(site: Site, officer: StaffClient) -> None:
    jpeg = scene_jpeg()
    submission_id, receipt = _push_complaint(site, photo=jpeg)
    url = f"/staff/submissions/{submission_id}/photo.jpg"

    case = officer.get(f"/staff/submissions/{submission_id}")
    served = officer.get(url)
    stranger = site.client().get(url)
    public = requests.get(f"{site.url}/status/{receipt}", timeout=5)
    exported = officer.get("/staff/submissions.csv")

    assert f'src="{url}"' in case.text
    assert served.status_code == 200 and served.content == jpeg
    assert served.headers["content-type"] == "image/jpeg"
    assert "no-store" in served.headers["cache-control"]
    assert stranger.status_code == 303 and stranger.content != jpeg  # to the login form
    assert "photo.jpg" not in public.text
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [r["photo"] for r in rows if r["receipt_code"] == receipt] == ["yes"]
    without = officer.get(f"/staff/submissions/{_push_complaint(site)[0]}/photo.jpg")
    assert without.status_code == 404


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"anonymous": True}, "must not carry contact details or a photo"),
        ({"photo": b"\xff\xd8\xff not really a jpeg"}, "photo: photo.invalid"),
    ],
)
def test_a_photo_the_kiosk_would_not_make_is_refused(
    site: Site, fields: dict[str, object], message: str
) -> None:
    mutation = complaint(site.kiosk, NOW, **{"photo": scene_jpeg(400, 300), **fields})  # type: ignore[arg-type]

    result = site.kiosk.push([mutation])[0]

    assert (result["status"], result["code"]) == ("rejected", "invalid_payload")
    assert message in result["message"]


def test_status_moves_on_with_a_note_the_citizen_sees(site: Site, officer: StaffClient) -> None:
    submission_id, receipt = _push_complaint(site, name="홍길동", phone="010-5555-0001")

    moved = officer.submit(
        f"/staff/submissions/{submission_id}/status",
        {"status": "in_progress", "note": "현장 확인 후 보수하겠습니다"},
    )
    back = officer.submit(
        f"/staff/submissions/{submission_id}/status", {"status": "received", "note": ""}
    )

    assert moved.status_code == 303 and back.status_code == 400
    public = requests.get(f"{site.url}/status/{receipt}", timeout=5)
    assert "처리 중" in public.text and "현장 확인 후 보수하겠습니다" in public.text
    assert "홍길동" not in public.text and "010-5555-0001" not in public.text
    assert "보도블록" not in public.text  # the citizen's own text is not public either


def test_unknown_done_messages_are_not_shown(site: Site, officer: StaffClient) -> None:
    page = officer.get("/staff?done=<b>owned</b>")

    assert 'class="notice"' not in page.text and "<b>owned" not in page.text


def test_csv_export_is_utf8_with_bom_and_safe_for_spreadsheets(
    site: Site, officer: StaffClient
) -> None:
    _push_complaint(site, description='=HYPERLINK("http://evil") 가로등', district="gangnam")

    reply = officer.get("/staff/submissions.csv?district=gangnam")

    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/csv")
    assert "attachment" in reply.headers["content-disposition"]
    assert reply.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(reply.content.decode("utf-8-sig"))))
    assert rows and all(r["district"] == "gangnam" for r in rows)
    assert any(r["description"] == '\'=HYPERLINK("http://evil") 가로등' for r in rows)


# --- headers ---------------------------------------------------------------------------


def test_pages_carry_security_headers_and_are_not_cached(site: Site, officer: StaffClient) -> None:
    headers = officer.get("/staff").headers

    assert "script-src 'none'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "no-store"


def test_the_sync_api_is_unchanged_by_the_pages(site: Site) -> None:
    reply = requests.get(site.url + "/v1/nothing", timeout=5)

    assert reply.status_code == 404 and reply.json()["error"]["code"] == "not_found"


# --- the public status page ------------------------------------------------------------


def test_status_form_redirects_to_the_receipt_url(site: Site) -> None:
    _, receipt = _push_complaint(site)

    reply = requests.get(
        f"{site.url}/status", params={"code": receipt.lower()}, allow_redirects=False, timeout=5
    )

    assert reply.headers["location"] == f"/status/{receipt}"


def test_status_page_tells_a_typo_from_an_unknown_code(site: Site) -> None:
    typo = requests.get(f"{site.url}/status/ABCD2340", timeout=5)
    unknown = requests.get(f"{site.url}/status/22222222", timeout=5)

    assert typo.status_code == unknown.status_code == 404
    assert "다시 확인해 주세요" in typo.text
    assert "아직 이 접수번호의 기록이 서버에 없습니다" in unknown.text


def test_status_page_shows_no_personal_data(site: Site) -> None:
    _, receipt = _push_complaint(
        site,
        name="홍비밀",
        phone="010-9999-8888",
        email="secret@example.kr",
        address="비밀동 1번지",
        description="비공개 내용",
    )

    page = requests.get(f"{site.url}/status/{receipt[:4]}-{receipt[4:]}", timeout=5)

    assert page.status_code == 200 and "접수" in page.text
    for secret in ("홍비밀", "010-9999-8888", "secret@example.kr", "비밀동", "비공개 내용"):
        assert secret not in page.text


def test_status_page_speaks_english_when_asked(site: Site) -> None:
    _, receipt = _push_complaint(site)
    http = requests.Session()

    http.get(f"{site.url}/lang/en?next=/status/{receipt}", timeout=5)
    page = http.get(f"{site.url}/status/{receipt}", timeout=5)

    assert "Check your case" in page.text and "Received" in page.text
    assert re.search(r'<html lang="en">', page.text)


def test_cookies_over_https_are_secure_and_host_only(site: Site) -> None:
    import warnings

    from starlette.exceptions import StarletteDeprecationWarning

    from server.app import create_app
    from server.config import ServerSettings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StarletteDeprecationWarning)
        from fastapi.testclient import TestClient

    app = create_app(site.db, site.live.keys, ServerSettings())
    with TestClient(app, base_url="https://kiosk.seoul.example") as client:
        form = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None and "Secure" in form.headers["set-cookie"]
        reply = client.post(
            "/login",
            data={"csrf_token": token.group(1), "username": "officer", "password": PASSWORD},
            follow_redirects=False,
        )

    assert reply.status_code == 303
    session_cookie = next(
        c for c in reply.headers.get_list("set-cookie") if c.startswith("__Host-civic_session=")
    )
    assert "Secure" in session_cookie and "HttpOnly" in session_cookie
    assert "Path=/" in session_cookie and "Domain" not in session_cookie


# --- kiosks and events -----------------------------------------------------------------


def test_the_devices_page_shows_what_a_kiosk_reported_on_its_last_push(
    site: Site, admin: StaffClient
) -> None:
    kiosk = site.kiosk
    body = {"protocol": 1, "device_id": kiosk.device_id, "app_version": "1.4.2", "mutations": []}
    reply = kiosk.http.post(
        site.url + "/v1/sync/push",
        json=body,
        headers={**kiosk.headers, "X-Civic-Pending": "17"},
        timeout=10,
    )
    assert reply.status_code == 200

    row = re.search(
        rf'<tr[^>]*data-device="{kiosk.device_id}".*?</tr>', admin.get("/staff/devices").text, re.S
    )

    assert row is not None
    assert "1.4.2" in row.group(0) and ">17<" in row.group(0)


def test_the_devices_page_shows_which_kiosks_cannot_print(site: Site, admin: StaffClient) -> None:
    kiosk = site.kiosk
    token = kiosk.headers["Authorization"].removeprefix("Bearer ")
    printer = "paper_out"
    # The kiosk's own client, reporting its printer with an ordinary pull (every round has one).
    client = SyncClient(site.url, token, printer_state=lambda: printer)

    def row() -> str:
        page = admin.get("/staff/devices").text
        found = re.search(rf'<tr[^>]*data-device="{kiosk.device_id}".*?</tr>', page, re.S)
        assert found is not None
        return found.group(0)

    client.pull("")
    assert 'data-printer="paper_out"' in row() and "용지 없음" in row()
    assert "data-cannot-print" in admin.get("/staff/devices").text

    printer = "ready"
    client.pull("")
    assert 'data-printer="ready"' in row()
    assert "data-cannot-print" not in admin.get("/staff/devices").text

    # A word the server does not know is ignored, and the round still succeeds.
    printer = "on fire; <script>"
    client.pull("")
    assert 'data-printer="ready"' in row()
    client.close()


def test_edit_block_and_cancel_an_event(site: Site, officer: StaffClient) -> None:
    kiosk = site.kiosk
    assert kiosk.push([kiosk.signup(2, 1, name="정하늘")])[0]["status"] == "applied"
    form = {
        "title_ko": "청년 정책 간담회 (변경)",
        "title_en": "Youth policy forum",
        "place_ko": "시민청",
        "place_en": "Citizens Hall",
        "starts": "2026-12-20T10:00",
        "ends": "2026-12-20T12:00",
        "capacity": "40",
        "offline_block": "5",
        "office": "",
    }

    too_small = officer.submit("/staff/events/2/edit", {**form, "capacity": "0"})
    saved = officer.submit("/staff/events/2/edit", form)
    block = officer.submit("/staff/events/2/blocks", {"device": kiosk.device_id, "places": "8"})
    bad_block = officer.submit(
        "/staff/events/2/blocks", {"device": kiosk.device_id, "places": "999"}
    )
    cancelled = officer.submit("/staff/events/2/cancel", {})

    assert too_small.status_code == 400 and "정원은 1명 이상" in too_small.text
    assert saved.status_code == block.status_code == cancelled.status_code == 303
    assert bad_block.status_code == 400
    page = officer.get("/staff/events/2").text
    assert "청년 정책 간담회 (변경)" in page and "취소됨" in page and "정하늘" in page
    assert "<strong>8</strong>" in page
    pulled = [e for p in kiosk.pull_all()[0] for e in p["changes"]["events"] if e["id"] == 2]
    assert pulled[-1]["cancelled"] is True and pulled[-1]["offline_block"] == 8
    csv_reply = officer.get("/staff/events/2/attendees.csv")
    assert csv_reply.content.startswith(b"\xef\xbb\xbf") and "정하늘" in csv_reply.text


def test_each_refused_event_change_says_its_own_reason(site: Site, officer: StaffClient) -> None:
    """The catalogue's own error keys reach the page: no second set of checks, no catch-all."""
    form = {
        "title_ko": "청년 정책 간담회",
        "title_en": "Youth policy forum",
        "starts": "2026-12-20T10:00",
        "ends": "2026-12-20T12:00",
        "capacity": "40",
        "offline_block": "5",
    }
    created = officer.submit("/staff/events/new", form)
    assert created.status_code == 303
    event = created.headers["location"].split("?")[0]  # /staff/events/<id>
    event_id = int(event.rsplit("/", 1)[1])
    kiosk = site.kiosk
    signups = [kiosk.signup(event_id, n, name=name) for n, name in ((1, "정하늘"), (2, "최바다"))]
    assert [r["status"] for r in kiosk.push(signups)] == ["applied", "applied"]

    below = officer.submit(f"{event}/edit", {**form, "capacity": "1", "offline_block": "0"})
    ends = officer.submit(f"{event}/edit", {**form, "ends": "2026-12-20T09:00"})
    no_title = officer.submit("/staff/events/new", {**form, "title_en": ""})
    stranger = officer.submit(f"{event}/blocks", {"device": "no-such-kiosk", "places": "3"})
    gone = officer.submit("/staff/events/999/edit", form)

    assert below.status_code == 400 and "이미 확정된 2명보다" in below.text
    assert ends.status_code == 400 and "종료는 시작보다 뒤여야" in ends.text
    assert no_title.status_code == 400 and "영어 행사명을 모두" in no_title.text
    # Was "오프라인 배정은 0부터 정원까지입니다": every refusal read as the block's range.
    assert (
        stranger.status_code == 400
        and "등록되지 않은 키오스크입니다: no-such-kiosk" in stranger.text
    )
    assert gone.status_code == 404
