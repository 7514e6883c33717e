"""Sign-ups against offline capacity blocks, and check-ins that are never refused."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from server.catalogue import NewEvent, add_event, set_device_block
from server.models import CheckIn, Registration, RevokedTicket
from tests.integration.server.live import LiveServer
from tests.integration.server.simkiosk import SimKiosk, merged

STARTS = dt.datetime(2027, 3, 2, 5, 0, tzinfo=dt.UTC)


def _event(live: LiveServer, capacity: int = 10, block: int = 2, office: str = "") -> int:
    return add_event(
        live.db,
        NewEvent(title_ko="시장과의 대화", title_en="Town hall", starts_at=STARTS,
                 capacity=capacity, offline_block=block, office=office),
    )


def _registration(live: LiveServer, id_: str) -> Registration:
    with live.db.read() as session:
        row = session.get(Registration, id_)
    assert row is not None
    return row


def test_signups_within_the_block_are_confirmed(live: LiveServer, kiosk: SimKiosk) -> None:
    event = _event(live, block=2)
    first, second = kiosk.signup(event, 1, name="김민수"), kiosk.signup(event, 2)

    results = kiosk.push([first, second])

    assert [(r["status"], r["code"]) for r in results] == [("applied", ""), ("applied", "")]
    row = _registration(live, first["id"])
    assert (row.status, row.name, row.phone, row.masked_name) == (
        "confirmed", "김민수", "010-9876-5432", "김*수"
    )
    assert (row.key_id, row.number) == (kiosk.signing_key_id, 1)


def test_beyond_the_block_the_server_waitlists_and_says_so(live: LiveServer,
                                                          kiosk: SimKiosk) -> None:
    event = _event(live, capacity=10, block=2)
    signups = [kiosk.signup(event, n) for n in (1, 2, 3)]

    results = kiosk.push(signups)

    assert [r["status"] for r in results] == ["applied"] * 3
    assert [r["code"] for r in results] == ["", "", "waitlisted"]
    assert "waiting list" in results[2]["message"]
    over = _registration(live, signups[2]["id"])
    assert (over.status, over.requested_status) == ("waitlisted", "confirmed")
    # The ticket the kiosk printed is revoked, so no kiosk admits it.
    pages, _ = kiosk.pull_all()
    assert {"key_id": kiosk.signing_key_id, "event_id": event, "number": 3} in merged(
        pages, "revoked_tickets"
    )


def test_a_resent_waitlisted_signup_repeats_the_code(kiosk: SimKiosk, live: LiveServer) -> None:
    event = _event(live, block=0)
    signup = kiosk.signup(event, 1)
    kiosk.push([signup])

    [again] = kiosk.push([signup])

    assert (again["status"], again["code"]) == ("duplicate", "waitlisted")


def test_each_kiosk_has_its_own_block(live: LiveServer) -> None:
    event = _event(live, capacity=10, block=2)
    a, b = live.kiosk(name="A"), live.kiosk(name="B")
    a.push([a.signup(event, 1), a.signup(event, 2)])

    results = b.push([b.signup(event, 1), b.signup(event, 2)])

    assert [r["code"] for r in results] == ["", ""]
    # B sees A's two places as taken outside its own block.
    pages, _ = b.pull_all()
    [seen] = [e for e in merged(pages, "events") if e["id"] == event]
    assert (seen["capacity"], seen["taken"], seen["offline_block"]) == (10, 2, 2)


def test_a_device_block_override(live: LiveServer) -> None:
    event = _event(live, capacity=10, block=1)
    a, b = live.kiosk(name="A"), live.kiosk(name="B")
    set_device_block(live.db, event, a.device_id, 3)

    results = a.push([a.signup(event, n) for n in (1, 2, 3, 4)])

    assert [r["code"] for r in results] == ["", "", "", "waitlisted"]
    blocks = {
        k.device_id: next(e for e in merged(k.pull_all()[0], "events") if e["id"] == event)
        for k in (a, b)
    }
    assert blocks[a.device_id]["offline_block"] == 3
    assert blocks[b.device_id]["offline_block"] == 1
    assert (blocks[a.device_id]["taken"], blocks[b.device_id]["taken"]) == (0, 3)


def test_a_waitlist_signup_stays_waitlisted(live: LiveServer, kiosk: SimKiosk) -> None:
    event = _event(live)
    signup = kiosk.signup(event, None, status="waitlisted")

    [result] = kiosk.push([signup])

    assert (result["status"], result["code"]) == ("applied", "")
    assert _registration(live, signup["id"]).status == "waitlisted"


def test_signup_for_unknown_event_is_rejected(kiosk: SimKiosk) -> None:
    [result] = kiosk.push([kiosk.signup(999, 1)])

    assert (result["status"], result["code"]) == ("rejected", "unknown_event")


def test_ticket_under_another_key_is_rejected(live: LiveServer, kiosk: SimKiosk) -> None:
    event = _event(live)

    [result] = kiosk.push([kiosk.signup(event, 1, key_id=1)])

    assert (result["status"], result["code"]) == ("rejected", "wrong_signing_key")


def test_a_ticket_number_is_used_once(live: LiveServer, kiosk: SimKiosk) -> None:
    event = _event(live)

    results = kiosk.push([kiosk.signup(event, 7), kiosk.signup(event, 7)])

    assert [r["code"] for r in results] == ["", "ticket_conflict"]


def test_double_checkin_is_stored_and_flagged(live: LiveServer) -> None:
    event = _event(live)
    issuer, door1, door2 = live.kiosk(), live.kiosk(), live.kiosk()
    issuer.push([issuer.signup(event, 1)])
    key = issuer.signing_key_id

    [first] = door1.push([door1.checkin(event, key, 1)])
    # The second door was offline and admitted the same ticket too.
    [second] = door2.push([door2.checkin(event, key, 1)])

    assert (first["status"], first["code"]) == ("applied", "")
    assert (second["status"], second["code"]) == ("applied", "duplicate_admission")
    with live.db.read() as session:
        scans = session.scalars(select(CheckIn).order_by(CheckIn.admission)).all()
    assert [(s.device_id, s.admission, s.flagged) for s in scans] == [
        (door1.device_id, 1, False), (door2.device_id, 2, True)
    ]


def test_checkin_of_an_unknown_ticket_is_still_stored(live: LiveServer, kiosk: SimKiosk) -> None:
    # The issuing kiosk may not have synced yet: a real scan is never refused.
    [result] = kiosk.push([kiosk.checkin(42, 99, 5)])

    assert result["status"] == "applied"
    with live.db.read() as session:
        assert len(session.scalars(select(CheckIn)).all()) == 1


def test_checkin_of_a_revoked_ticket_is_flagged(live: LiveServer, kiosk: SimKiosk) -> None:
    event = _event(live, block=0)
    kiosk.push([kiosk.signup(event, 1)])  # over the block: ticket revoked
    with live.db.read() as session:
        assert session.get(RevokedTicket, (kiosk.signing_key_id, event, 1)) is not None

    [result] = kiosk.push([kiosk.checkin(event, kiosk.signing_key_id, 1)])

    assert (result["status"], result["code"]) == ("applied", "revoked_ticket")
