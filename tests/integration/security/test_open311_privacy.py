"""Finding 5: Open311 published the address (sealed on the kiosk as personal data) and every answer.

Unauthenticated, the requests list returned ``address`` and the staff answer
of every case of the last 90 days, which also made the receipt-code gate of
/status pointless. Now only what the city marked public per category is shown,
the address is not public by default, and an answer only when staff publish it
(a checkbox on the case page).
"""

from __future__ import annotations

import datetime as dt

import requests

from server import catalogue
from tests.integration.web.seed import complaint
from tests.integration.web.staffsite import Site

NOW = dt.datetime.now(dt.UTC)


def _open311(site: Site, case: str) -> dict[str, object]:
    reply = requests.get(f"{site.url}/open311/v2/requests/{case}.json", timeout=10)
    assert reply.status_code == 200
    item: dict[str, object] = reply.json()[0]
    return item


def _pushed(site: Site, **fields: object) -> str:
    mutation = complaint(site.kiosk, NOW, **fields)  # type: ignore[arg-type]
    assert site.kiosk.push([mutation])[0]["status"] == "applied"
    return str(mutation["id"])


def test_by_default_neither_the_address_nor_the_answer_is_public(site: Site) -> None:
    case = _pushed(site, category="road", address="정릉로 77 우리집", district="seongbuk")
    officer = site.client()
    assert officer.login("officer").status_code == 303
    officer.submit(f"/staff/submissions/{case}/status", {"status": "answered", "note": "보수 완료"})

    item = _open311(site, case)

    assert item["address"] is None
    assert item["status_notes"] is None
    assert item["status"] == "closed"
    listing = requests.get(f"{site.url}/open311/v2/requests.json", timeout=10).text
    assert "정릉로 77" not in listing and "보수 완료" not in listing


def test_staff_publish_an_answer_with_the_checkbox_on_the_case_page(site: Site) -> None:
    case = _pushed(site, category="road")
    officer = site.client()
    assert officer.login("officer").status_code == 303

    page = officer.get(f"/staff/submissions/{case}")
    assert 'name="publish_note"' in page.text
    officer.submit(
        f"/staff/submissions/{case}/status",
        {"status": "answered", "note": "보수 완료", "publish_note": "yes"},
    )

    assert _open311(site, case)["status_notes"] == "보수 완료"


def test_the_city_chooses_per_category_how_precisely_the_place_is_public(site: Site) -> None:
    by_district = _pushed(site, category="waste", address="성북로 1", district="seongbuk")
    by_address = _pushed(site, category="parking", address="세종대로 110", district="jung")
    catalogue.set_public_fields(site.db, "waste", ["district"])
    catalogue.set_public_fields(site.db, "parking", ["address"])

    assert _open311(site, by_district)["address"] == "성북구"
    assert _open311(site, by_address)["address"] == "세종대로 110"
