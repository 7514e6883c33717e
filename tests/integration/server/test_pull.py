"""Pull over HTTP: snapshot and reset, paging, resuming, tombstones, device scoping."""

from __future__ import annotations

import datetime as dt

from server.catalogue import (
    NewEvent,
    add_category,
    add_event,
    cancel_event,
    remove_category,
    remove_event,
)
from server.changes import compact
from server.devices import revoke_device
from tests.integration.server.live import LiveServer
from tests.integration.server.simkiosk import SimKiosk, expect_error, merged

STARTS = dt.datetime(2027, 3, 2, 5, 0, tzinfo=dt.UTC)


def _event(live: LiveServer, office: str = "", title: str = "행사") -> int:
    return add_event(
        live.db,
        NewEvent(
            title_ko=title,
            title_en="Event",
            starts_at=STARTS,
            capacity=20,
            offline_block=5,
            office=office,
        ),
    )


def _categories(live: LiveServer, n: int) -> list[str]:
    codes = [f"cat{i:02d}" for i in range(n)]
    for code in codes:
        add_category(live.db, code, f"분류 {code}", f"Category {code}")
    return codes


def test_first_pull_is_a_reset_with_everything(live: LiveServer, kiosk: SimKiosk) -> None:
    _categories(live, 2)
    event = _event(live)

    page = kiosk.pull()

    assert page["reset"] is True and page["has_more"] is False
    assert page["server_time"]
    changes = page["changes"]
    assert [c["code"] for c in changes["categories"]] == ["cat00", "cat01"]
    assert changes["categories"][0]["name_ko"] == "분류 cat00"
    [seen] = changes["events"]
    assert (seen["id"], seen["capacity"], seen["offline_block"], seen["taken"]) == (event, 20, 5, 0)
    keys = {k["key_id"]: k for k in changes["signing_keys"]}
    assert 1 in keys and kiosk.signing_key_id in keys
    assert not any(k["revoked"] for k in keys.values())


def test_snapshot_pages_then_continues_on_the_log(live: LiveServer, kiosk: SimKiosk) -> None:
    codes = _categories(live, 7)

    pages, cursor = kiosk.pull_all(limit=3)

    assert len(pages) >= 3
    assert pages[0]["reset"] is True
    assert all(p["reset"] is False for p in pages[1:])
    assert [c["code"] for c in merged(pages, "categories")] == codes
    # Nothing new: an empty page with the same standing.
    again = kiosk.pull(cursor)
    assert again["reset"] is False and again["has_more"] is False
    assert not any(again["changes"].values())


def test_log_pages_and_resume(live: LiveServer, kiosk: SimKiosk) -> None:
    _, cursor = kiosk.pull_all()
    new = _categories(live, 5)

    first = kiosk.pull(cursor, limit=2)
    second = kiosk.pull(first["cursor"], limit=2)
    # The kiosk crashed before storing the second page's cursor: it resumes from the first.
    second_again = kiosk.pull(first["cursor"], limit=2)
    rest, _ = kiosk.pull_all(second["cursor"], limit=2)

    assert first["has_more"] is True and first["reset"] is False
    assert second_again["changes"] == second["changes"]
    seen = [c["code"] for p in [first, second, *rest] for c in p["changes"]["categories"]]
    assert seen == new


def test_changes_are_reported_once_each(live: LiveServer, kiosk: SimKiosk) -> None:
    _, cursor = kiosk.pull_all()
    event = _event(live)
    cancel_event(live.db, event)

    page = kiosk.pull(cursor)

    # Two log entries, one thing changed: sent once, as it is now.
    [seen] = page["changes"]["events"]
    assert seen["cancelled"] is True


def test_deletes_come_as_tombstones(live: LiveServer, kiosk: SimKiosk) -> None:
    _categories(live, 2)
    event = _event(live)
    _, cursor = kiosk.pull_all()

    remove_category(live.db, "cat00")
    remove_event(live.db, event)
    page = kiosk.pull(cursor)

    assert page["changes"]["categories"] == [
        {
            "code": "cat00",
            "deleted": True,
            "name_ko": "",
            "name_en": "",
            "icon": "",
            "sort_order": 0,
            "active": True,
        }
    ]
    assert [(e["id"], e["deleted"]) for e in page["changes"]["events"]] == [(event, True)]


def test_unknown_cursor_resets(live: LiveServer, kiosk: SimKiosk) -> None:
    _categories(live, 1)

    for cursor in ("garbage", "c1.bm90IGpzb24", "c1.WyJ4IiwgOTk5OSwgbnVsbCwgbnVsbF0"):
        page = kiosk.pull(cursor)
        assert page["reset"] is True
        assert [c["code"] for c in page["changes"]["categories"]] == ["cat00"]


def test_cursor_from_the_future_resets(live: LiveServer, kiosk: SimKiosk) -> None:
    _, cursor = kiosk.pull_all()
    other_server_kiosk = kiosk.pull(cursor)
    assert other_server_kiosk["reset"] is False
    from server.changes import Cursor, decode_cursor

    decoded = decode_cursor(cursor)
    assert decoded is not None
    ahead = Cursor(decoded.epoch, decoded.position + 1000).encode()

    assert kiosk.pull(ahead)["reset"] is True


def test_too_old_cursor_resets(live: LiveServer, kiosk: SimKiosk) -> None:
    _, old_cursor = kiosk.pull_all()
    _categories(live, 3)
    live.kiosk().pull_all()  # another kiosk moves the log on past our cursor
    compact(live.db, older_than=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))

    page = kiosk.pull(old_cursor)

    assert page["reset"] is True
    assert len(page["changes"]["categories"]) == 3


def test_sign_ups_go_only_to_the_offices_that_serve_the_event(live: LiveServer) -> None:
    here = _event(live, office="성북구", title="성북 행사")
    everywhere = _event(live, title="모두의 행사")  # the city's: run by no office
    seller = live.kiosk(office="성북구")
    door_here, door_elsewhere = live.kiosk(office="성북구"), live.kiosk(office="마포구")
    cursors = {k.device_id: k.pull_all()[1] for k in (door_here, door_elsewhere)}
    pushed = [seller.signup(here, 1, name="김민수"), seller.signup(everywhere, 2)]
    seller.push(pushed)

    seen = {
        k.device_id: merged(k.pull_all(cursors[k.device_id])[0], "registrations")
        for k in (door_here, door_elsewhere)
    }

    # 성북구 runs one event and sold places of the other: its kiosks get both.
    assert {r["id"] for r in seen[door_here.device_id]} == {m["id"] for m in pushed}
    # 마포구 runs neither and sold nothing for either: none of it reaches its kiosks.
    assert seen[door_elsewhere.device_id] == []
    # Both offices see both events.
    assert {e["id"] for e in merged(door_elsewhere.pull_all()[0], "events")} == {here, everywhere}
    # Snapshot scoping matches the log's.
    assert merged(door_elsewhere.pull_all()[0], "registrations") == []
    snapshot = merged(door_here.pull_all()[0], "registrations")
    assert {r["id"] for r in snapshot} == {m["id"] for m in pushed}


def test_an_office_that_starts_selling_an_event_gets_its_sign_ups_from_then_on_and_before(
    live: LiveServer,
) -> None:
    everywhere = _event(live, title="모두의 행사")
    seongbuk, mapo = live.kiosk(office="성북구"), live.kiosk(office="마포구")
    mapo_door = live.kiosk(office="마포구")
    cursor = mapo_door.pull_all()[1]
    earlier = seongbuk.signup(everywhere, 1)
    seongbuk.push([earlier])
    assert merged(mapo_door.pull_all(cursor)[0], "registrations") == []

    own = mapo.signup(everywhere, 2)
    mapo.push([own])
    later = seongbuk.signup(everywhere, 3)
    seongbuk.push([later])

    pulled = {r["id"] for r in merged(mapo_door.pull_all(cursor)[0], "registrations")}
    assert pulled == {earlier["id"], own["id"], later["id"]}


def test_admitting_someone_at_a_door_subscribes_its_office_to_the_events_admissions(
    live: LiveServer,
) -> None:
    everywhere = _event(live, title="모두의 행사")
    seller, door, other_door = (live.kiosk(office=o) for o in ("성북구", "마포구", "마포구"))
    seller.push([seller.signup(everywhere, 1), seller.signup(everywhere, 2)])
    cursor = other_door.pull_all()[1]

    door.push([door.checkin(everywhere, seller.signing_key_id, 1)])

    page = other_door.pull_all(cursor)[0]
    # The other kiosk at that door learns the admission (so it says "already"),
    # and the event's sign-ups with it.
    assert [(c["key_id"], c["number"]) for c in merged(page, "checkins")] == [
        (seller.signing_key_id, 1)
    ]
    assert len(merged(page, "registrations")) == 2


def test_pulled_registrations_carry_no_personal_data(live: LiveServer) -> None:
    event = _event(live)
    seller = live.kiosk()
    seller.push([seller.signup(event, 1, name="김민수", phone="010-9876-5432")])

    [registration] = merged(live.kiosk().pull_all()[0], "registrations")

    assert registration["masked_name"] == "김*수"
    assert set(registration) == {
        "id",
        "deleted",
        "event_id",
        "status",
        "receipt_code",
        "key_id",
        "number",
        "ticket",
        "masked_name",
        "ticket_payload",
        "ticket_digest",
        "manual_code_digest",
        "received_at",
    }
    # Nothing that could be replayed at a door or on the status page (issue 16 #3).
    assert (registration["ticket"], registration["receipt_code"]) == ("", "")
    # The simulated kiosk signs up with phone 010-9876-5432 (in any spelling).
    flat = str(registration).replace("-", "")
    assert "98765432" not in flat
    assert "김민수" not in flat


def test_taken_counts_follow_other_kiosks_signups(live: LiveServer) -> None:
    event = _event(live)
    seller, watcher = live.kiosk(), live.kiosk()
    _, cursor = watcher.pull_all()

    seller.push([seller.signup(event, n) for n in (1, 2, 3)])
    page = watcher.pull(cursor)

    [seen] = page["changes"]["events"]
    assert seen["taken"] == 3


def test_revoked_device_is_refused_and_its_key_revoked(live: LiveServer) -> None:
    gone, other = live.kiosk(), live.kiosk()
    _, cursor = other.pull_all()

    assert revoke_device(live.db, gone.device_id) is True

    expect_error(gone.push_raw([gone.complaint()]), 403, "device_revoked")
    expect_error(gone.pull_raw(), 403, "device_revoked")
    keys = other.pull(cursor)["changes"]["signing_keys"]
    [key] = [k for k in keys if k["key_id"] == gone.signing_key_id]
    assert key["revoked"] is True and key["revoked_at"]


def test_wrong_protocol_on_pull_is_426(kiosk: SimKiosk) -> None:
    expect_error(kiosk.pull_raw(protocol=2), 426, "unsupported_protocol")


def test_pull_without_token_is_401(kiosk: SimKiosk) -> None:
    import requests

    reply = requests.get(kiosk.base_url + "/v1/sync/pull", timeout=10)

    expect_error(reply, 401, "unauthorized")


def test_bad_limit_is_400(kiosk: SimKiosk) -> None:
    expect_error(kiosk.pull_raw(limit=0), 400, "invalid_request")
    expect_error(kiosk.pull_raw(limit=100_000), 400, "invalid_request")
