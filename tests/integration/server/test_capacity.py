"""An event's places: online sign-ups, offline blocks, the waiting list, one sign-up per phone."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from core.reminders import reminder_time
from core.sealing import unb64
from core.tickets import ParsedTicket, parse_ticket, verify_signature
from server.catalogue import NewEvent, add_event
from server.claims import cancel
from server.keys import SERVER_SIGNING_KEY_ID
from server.models import Notification, Registration, RevokedTicket
from tests.integration.server.live import LiveServer
from tests.integration.server.simkiosk import SimKiosk

STARTS = dt.datetime(2027, 3, 2, 5, 0, tzinfo=dt.UTC)


def _event(live: LiveServer, capacity: int = 5, block: int = 2) -> int:
    return add_event(
        live.db,
        NewEvent(
            title_ko="시장과의 대화",
            title_en="Town hall",
            place_ko="시청 다목적홀",
            place_en="City Hall, multi-purpose hall",
            starts_at=STARTS,
            capacity=capacity,
            offline_block=block,
        ),
    )


def _confirmed(live: LiveServer, event: int) -> int:
    with live.db.read() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(Registration)
                .where(Registration.event_id == event, Registration.status == "confirmed")
            )
            or 0
        )


def test_online_the_whole_capacity_is_confirmed_then_the_waiting_list(
    live: LiveServer, kiosk: SimKiosk
) -> None:
    event = _event(live, capacity=5, block=2)

    answers = [kiosk.claim(event) for _ in range(5)]
    full = kiosk.claim(event)
    waiting = kiosk.claim(event, accept_waitlist=True)

    assert [a["status"] for a in answers] == ["confirmed"] * 5
    assert (full["status"], waiting["status"]) == ("full", "waitlisted")
    assert _confirmed(live, event) == 5
    # Each place comes with a ticket the server signed: any kiosk admits it offline.
    for answer in answers:
        ticket = parse_ticket(answer["ticket"])
        assert isinstance(ticket, ParsedTicket)
        assert ticket.identity == (SERVER_SIGNING_KEY_ID, event, answer["number"])
        public = unb64(live.keys.signing_public_key)
        assert verify_signature(ticket, public)
        assert answer["manual_code"]


def test_a_cancellation_promotes_the_first_waiting_and_tells_them(
    live: LiveServer, kiosk: SimKiosk
) -> None:
    event = _event(live, capacity=2, block=0)
    first = kiosk.claim(event, notify=True)
    kiosk.claim(event)
    waiting = [kiosk.claim(event, accept_waitlist=True, notify=True) for _ in range(2)]
    assert [w["status"] for w in waiting] == ["waitlisted", "waitlisted"]

    done = cancel(live.db, first["receipt_code"])

    assert done is not None and done.promoted == [waiting[0]["receipt_code"]]
    with live.db.read() as session:
        promoted = session.get(Registration, waiting[0]["id"])
        second = session.get(Registration, waiting[1]["id"])
        revoked = session.get(RevokedTicket, (SERVER_SIGNING_KEY_ID, event, first["number"]))
        told = {
            (n.subject_id, n.kind)
            for n in session.scalars(select(Notification).where(Notification.channel == "sms"))
        }
    assert promoted is not None and promoted.status == "confirmed" and promoted.ticket
    assert second is not None and second.status == "waitlisted"
    assert revoked is not None  # the cancelled ticket no longer opens the door
    assert (waiting[0]["id"], "promoted") in told
    assert (first["id"], "cancelled") in told
    # The promoted place gets its reminder the day before; the cancelled one's is not sent.
    assert (waiting[0]["id"], "reminder") in told
    assert _confirmed(live, event) == 2


def test_a_confirmed_place_is_reminded_at_ten_the_day_before(
    live: LiveServer, kiosk: SimKiosk
) -> None:
    event = _event(live, capacity=5, block=0)

    place = kiosk.claim(event, notify=True)

    with live.db.read() as session:
        planned = {
            n.kind: n.next_attempt_at
            for n in session.scalars(
                select(Notification).where(Notification.subject_id == place["id"])
            )
        }
    assert set(planned) == {"received", "reminder"}
    assert planned["reminder"] == reminder_time(STARTS)


def test_two_kiosks_offline_with_their_blocks_never_overbook(live: LiveServer) -> None:
    event = _event(live, capacity=5, block=2)
    a, b = live.kiosk(name="A"), live.kiosk(name="B")

    # A online gets the free place and its own block; B's block stays held for B.
    online = [a.claim(event)["status"] for _ in range(4)]
    assert online == ["confirmed", "confirmed", "confirmed", "full"]
    # Offline, each kiosk confirms from its block only; what goes beyond is waitlisted.
    a_results = a.push([a.signup(event, n) for n in (1, 2)])
    b_results = b.push([b.signup(event, n) for n in (1, 2, 3)])

    assert [r["code"] for r in a_results] == ["waitlisted", "waitlisted"]
    assert [r["code"] for r in b_results] == ["", "", "waitlisted"]
    assert _confirmed(live, event) == 5


def test_the_same_phone_twice_is_one_registration(live: LiveServer, kiosk: SimKiosk) -> None:
    event = _event(live, capacity=10, block=2)
    first = kiosk.claim(event, phone="010-7777-8888")

    again = kiosk.claim(event, phone="01077778888")
    other = live.kiosk(name="B")
    offline = other.signup(event, 1, phone="010 7777 8888")
    [pushed] = other.push([offline])

    assert (again["status"], again["receipt_code"]) == ("already_signed_up", first["receipt_code"])
    assert pushed["code"] == "already_signed_up"
    assert first["receipt_code"] in pushed["message"]
    with live.db.read() as session:
        phones = session.scalars(
            select(Registration.receipt_code).where(Registration.event_id == event)
        ).all()
        revoked = session.get(RevokedTicket, (other.signing_key_id, event, 1))
    assert phones == [first["receipt_code"]]
    assert revoked is not None  # the ticket B printed for the second sign-up is void


def test_a_lost_online_answer_and_its_offline_twin_are_one_sign_up(
    live: LiveServer, kiosk: SimKiosk
) -> None:
    event = _event(live, capacity=5, block=2)
    online = kiosk.claim(event)
    # The kiosk never heard the answer: it signed up offline with the same id.
    twin: dict[str, Any] = kiosk.signup(event, 1)
    twin["id"] = online["id"]

    [result] = kiosk.push([twin])

    assert result["status"] == "duplicate"
    with live.db.read() as session:
        rows = session.scalars(select(Registration).where(Registration.event_id == event)).all()
        server_ticket = session.get(RevokedTicket, (SERVER_SIGNING_KEY_ID, event, online["number"]))
    assert len(rows) == 1
    assert (rows[0].key_id, rows[0].number) == (kiosk.signing_key_id, 1)
    assert rows[0].ticket == twin["payload"]["ticket"]
    assert server_ticket is not None  # the ticket nobody was shown is void
