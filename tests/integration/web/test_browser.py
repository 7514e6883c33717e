"""The staff pages in a real headless Chromium, as a City Hall officer or admin uses them.

Cases arrive through sync protocol v1 from a simulated kiosk; enrolment is done
by a real kiosk process (``python -m app.cli enroll``) with the code the page
showed, read back from its QR image.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from PIL import Image

from server.models import Event, Submission
from tests.integration.server.simkiosk import expect_error
from tests.integration.web.seed import complaint, seed_cases
from tests.integration.web.staffsite import PASSWORD, Site

ROOT = Path(__file__).resolve().parents[3]
NOW = dt.datetime.now(dt.UTC)
VIEWPORT = {"width": 1024, "height": 768}  # a 10" tablet in landscape


@pytest.fixture(scope="module")
def seeded(site: Site) -> Site:
    seed_cases(site.kiosk, NOW, count=60)
    kiosk = site.kiosk
    results = kiosk.push(
        [
            kiosk.signup(1, 1, name="박지민"),
            kiosk.signup(1, 2, name="최유진"),
            kiosk.checkin(1, kiosk.signing_key_id, 1),
            kiosk.checkin(1, kiosk.signing_key_id, 1),
        ]
    )
    assert results[-1]["code"] == "duplicate_admission"
    return site


@pytest.fixture
def page(chromium: Any, seeded: Site) -> Iterator[Any]:
    context = chromium.new_context(viewport=VIEWPORT, accept_downloads=True, locale="ko-KR")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


def login(page: Any, site: Site, username: str, password: str = PASSWORD) -> None:
    page.goto(site.url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("button[type=submit]")


def shoot(page: Any, directory: Path, name: str, full_page: bool = False) -> None:
    page.screenshot(path=str(directory / f"server-{name}.png"), full_page=full_page)


def test_wrong_password_then_right_one(page: Any, seeded: Site, screenshot_dir: Path) -> None:
    page.goto(seeded.url + "/staff")
    assert page.url.endswith("/login?next=/staff")
    shoot(page, screenshot_dir, "login")

    login(page, seeded, "officer", "not my password")

    assert page.locator("[role=alert]").inner_text() == "아이디 또는 비밀번호가 맞지 않습니다."
    login(page, seeded, "officer")
    assert page.url == seeded.url + "/staff"
    assert page.locator("h1").inner_text() == "현황"
    assert page.locator("svg.chart").count() == 3
    shoot(page, screenshot_dir, "dashboard", full_page=True)


def test_a_forged_csrf_token_is_rejected(page: Any, seeded: Site) -> None:
    submission_id = _first_submission(seeded, "complaint")
    login(page, seeded, "officer")
    page.goto(f"{seeded.url}/staff/submissions/{submission_id}")

    page.locator("form[action$='/status'] input[name=csrf_token]").evaluate(
        "input => { input.value = 'forged-token'; }"
    )
    page.check("input[name=status][value=closed]")
    with page.expect_navigation():
        page.click("form[action$='/status'] button[type=submit]")

    assert "보안 확인에 실패했습니다" in page.content()
    with seeded.db.read() as session:
        assert session.get(Submission, submission_id).status == "received"  # type: ignore[union-attr]


def test_filter_open_and_answer_a_complaint(page: Any, seeded: Site, screenshot_dir: Path) -> None:
    login(page, seeded, "officer")
    page.goto(seeded.url + "/staff/submissions")
    shoot(page, screenshot_dir, "submissions")

    page.select_option("select[name=kind]", "complaint")
    page.select_option("select[name=district]", "seongbuk")
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")

    rows = page.locator("table.list tbody tr")
    assert rows.count() > 0
    for i in range(rows.count()):
        cells = rows.nth(i).locator("td")
        assert (cells.nth(2).inner_text(), cells.nth(4).inner_text()) == ("민원", "성북구")

    receipt = rows.first.locator("a.code").inner_text()
    with page.expect_navigation():
        rows.first.locator("a.code").click()
    assert (
        "김민수" in page.content()
        or "이서연" in page.content()
        or "박지훈" in page.content()
        or "최유진" in page.content()
        or "정하늘" in page.content()
    )
    page.check("input[name=status][value=in_progress]")
    page.fill("textarea[name=note]", "담당 부서에서 현장을 확인하고 있습니다.")
    with page.expect_navigation():
        page.click("form[action$='/status'] button[type=submit]")

    assert page.locator("[role=status]").inner_text() == "처리 상태를 저장했습니다."
    assert "처리 중" in page.locator("h1").inner_text()
    assert "담당 부서에서 현장을 확인하고 있습니다." in page.locator("ol.history").inner_text()
    shoot(page, screenshot_dir, "submission-detail")

    page.goto(f"{seeded.url}/status/{receipt}")
    assert "처리 중" in page.locator(".status-card").inner_text()
    assert "담당 부서에서 현장을 확인하고 있습니다." in page.content()
    shoot(page, screenshot_dir, "public-status")


def test_paging_walks_every_row_once(page: Any, seeded: Site) -> None:
    login(page, seeded, "officer")
    page.goto(seeded.url + "/staff/submissions")
    seen: list[str] = []
    while True:
        seen += page.locator("table.list tbody a.code").all_inner_texts()
        following = page.locator("a[rel=next]")
        if following.count() == 0:
            break
        with page.expect_navigation():
            following.click()

    with seeded.db.read() as session:
        total = session.query(Submission).count()
    assert len(seen) == len(set(seen)) == total


def test_create_an_event_that_kiosks_then_pull(page: Any, seeded: Site) -> None:
    login(page, seeded, "officer")
    page.goto(seeded.url + "/staff/events/new")
    page.fill("input[name=title_ko]", "마포 주민 공청회")
    page.fill("input[name=title_en]", "Mapo town hall meeting")
    page.fill("input[name=place_ko]", "마포구청 대강당")
    page.fill("input[name=starts]", "2026-12-15T14:00")
    page.fill("input[name=ends]", "2026-12-15T16:00")
    page.fill("input[name=capacity]", "80")
    page.fill("input[name=offline_block]", "10")
    with page.expect_navigation():
        page.click("form.grid-form button[type=submit]")

    assert page.locator("[role=status]").inner_text() == "행사를 만들었습니다."
    assert page.locator("h1").inner_text().startswith("마포 주민 공청회")
    with seeded.db.read() as session:
        event = session.query(Event).filter_by(title_en="Mapo town hall meeting").one()
    assert event.starts_at == dt.datetime(2026, 12, 15, 5, tzinfo=dt.UTC)  # 14:00 KST
    pulled = [e for page_ in seeded.kiosk.pull_all()[0] for e in page_["changes"]["events"]]
    assert any(e["title_ko"] == "마포 주민 공청회" and e["offline_block"] == 10 for e in pulled)


def test_attendees_show_check_in_times_and_the_double_admission(page: Any, seeded: Site) -> None:
    login(page, seeded, "officer")
    page.goto(seeded.url + "/staff/events/1")

    flagged = page.locator("table.list tr.flagged")
    assert flagged.count() == 1
    assert "박지민" in flagged.inner_text() and "중복 입장" in flagged.inner_text()


def test_enrol_a_real_kiosk_with_the_code_from_the_page(
    page: Any, seeded: Site, screenshot_dir: Path, tmp_path: Path
) -> None:
    login(page, seeded, "admin")
    page.goto(seeded.url + "/staff/enrolment-codes")
    page.fill("input[name=office]", "노원 현장민원실")
    with page.expect_navigation():
        page.click("form.row-form button[type=submit]")
    shown = page.locator("#enrolment-code").inner_text().strip()
    shoot(page, screenshot_dir, "enrolment-code")
    qr_png = page.locator("img.qr").screenshot()
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr_png)))
    assert [d.text for d in decoded] == [shown]

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "app.cli",
            "enroll",
            "--server",
            seeded.url,
            "--code",
            decoded[0].text,
            "--name",
            "노원 1번",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            **os.environ,
            "CIVIC_KIOSK_DATA_DIR": str(tmp_path / "kiosk"),
            "CIVIC_KIOSK_LOG_DIR": str(tmp_path / "log"),
            "QT_QPA_PLATFORM": "offscreen",
        },
    )

    assert done.returncode == 0, done.stderr
    assert '"office": "노원 현장민원실"' in done.stdout
    page.goto(seeded.url + "/staff/devices")
    assert "노원 1번" in page.locator("table.list").inner_text()
    page.goto(seeded.url + "/staff/enrolment-codes")
    assert "사용됨" in page.locator("table.list").inner_text()


def test_revoke_a_kiosk(page: Any, seeded: Site, screenshot_dir: Path) -> None:
    doomed = seeded.live.kiosk(office="강남 현장민원실", name="강남 분실 키오스크")
    login(page, seeded, "admin")
    page.goto(seeded.url + "/staff/devices")
    shoot(page, screenshot_dir, "devices")

    with page.expect_navigation():
        page.locator(f"tr[data-device='{doomed.device_id}'] button.danger").click()

    assert page.locator("[role=status]").inner_text() == "키오스크를 해지했습니다."
    assert "해지됨" in page.locator(f"tr[data-device='{doomed.device_id}']").inner_text()
    expect_error(doomed.push_raw([complaint(doomed, NOW)]), 403, "device_revoked")
    doomed.close()


def test_export_csv_keeps_hangul(page: Any, seeded: Site) -> None:
    login(page, seeded, "officer")
    page.goto(seeded.url + "/staff/submissions?kind=complaint")

    with page.expect_download() as downloading:
        page.click("a[href^='/staff/submissions.csv']")
    raw = Path(downloading.value.path()).read_bytes()

    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows and {r["kind"] for r in rows} == {"complaint"}
    assert any("보도블록" in r["description"] or "가로등" in r["description"] for r in rows)
    assert any(r["name"] in {"김민수", "이서연", "박지훈", "최유진", "정하늘"} for r in rows)


def test_english_pages(page: Any, seeded: Site) -> None:
    login(page, seeded, "officer")
    page.goto(seeded.url + "/staff/submissions")
    with page.expect_navigation():
        page.click("a[hreflang=en]")

    assert page.url.endswith("/staff/submissions")
    assert page.locator("h1").inner_text() == "Submissions"
    with page.expect_navigation():
        page.click("a[hreflang=ko]")


def _first_submission(site: Site, kind: str) -> str:
    with site.db.read() as session:
        found = session.query(Submission).filter_by(kind=kind, status="received").first()
    assert found is not None
    return found.id
