"""Sign-ups against offline capacity blocks, check-ins that are never refused, undo, pull."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from typing import Any

from nacl.signing import SigningKey
from sqlalchemy import select

from core.payloads import CheckinPayload, MutationType, checkin_json
from core.tickets import ParsedTicket, TicketPayload, issue_ticket, parse_ticket, verify_signature
from server.catalogue import NewEvent, add_event, set_device_block
from server.devices import revoke_device
from server.keys import SERVER_SIGNING_KEY_ID, issue_server_ticket, revoke_ticket
from server.models import Admission, CheckIn, Event, Registration, RevokedTicket
from tests.integration.server.live import LiveServer
from tests.integration.server.simkiosk import NOW, SimKiosk, merged

STARTS = dt.datetime(2027, 3, 2, 5, 0, tzinfo=dt.UTC)


def _event(live: LiveServer, capacity: int = 10, block: int = 2, office: str = "") -> int:
    return add_event(
        live.db,
        NewEvent(
            title_ko="시장과의 대화",
            title_en="Town hall",
            starts_at=STARTS,
            capacity=capacity,
            offline_block=block,
            office=office,
        ),
    )


def _registration(live: LiveServer, id_: str) -> Registration:
    with live.db.read() as session:
        row = session.get(Registration, id_)
    assert row is not None
    return row


def test_signups_within_the_block_are_confirmed(live: LiveServer, kiosk: SimKiosk) -> None:
    event = _event(live, block=2)
    first = kiosk.signup(event, 1, name="김민수", phone="010-9876-5432")
    second = kiosk.signup(event, 2)

    results = kiosk.push([first, second])

    assert [(r["status"], r["code"]) for r in results] == [("applied", ""), ("applied", "")]
    row = _registration(live, first["id"])
    assert (row.status, row.name, row.phone, row.masked_name) == (
        "confirmed",
        "김민수",
        "010-9876-5432",
        "김*수",
    )
    assert (row.key_id, row.number) == (kiosk.signing_key_id, 1)


def test_beyond_the_block_the_server_waitlists_and_says_so(
    live: LiveServer, kiosk: SimKiosk
) -> None:
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


def test_a_ticket_under_the_kiosks_own_key_must_verify(live: LiveServer, kiosk: SimKiosk) -> None:
    event = _event(live, block=5)
    genuine = kiosk.ticket(event, 3)
    forged = genuine[:-1] + ("A" if genuine[-1] != "A" else "B")
    other_place = kiosk.ticket(event, 4)  # signed, but for another number

    results = kiosk.push(
        [
            kiosk.signup(event, 1, ticket="CK1NOT-A-TICKET"),
            kiosk.signup(event, 3, ticket=forged),
            kiosk.signup(event, 3, ticket=other_place),
            kiosk.signup(event, 3, ticket=genuine),
        ]
    )

    assert [(r["status"], r["code"]) for r in results] == [
        ("rejected", "invalid_payload"),
        ("rejected", "invalid_payload"),
        ("rejected", "invalid_payload"),
        ("applied", ""),
    ]
    assert "signed by this kiosk's key" in results[0]["message"]


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
        (door1.device_id, 1, False),
        (door2.device_id, 2, True),
    ]


def test_admissions_in_one_batch_count_in_batch_order(live: LiveServer) -> None:
    """A batch's admissions are counted together; each still gets its own number."""
    event = _event(live)
    _signed_up(live, event, number=1)
    _signed_up(live, event, number=2)
    door1, door2 = live.kiosk(), live.kiosk()
    [before] = door2.push([door2.checkin(event, 99, 2)])
    first, again, other = (door1.checkin(event, 99, n) for n in (1, 1, 2))

    # The same mutation twice in one batch is applied once, then answered as known.
    results = door1.push([first, again, other, first])

    assert before["code"] == ""
    assert [(r["status"], r["code"]) for r in results] == [
        ("applied", ""),
        ("applied", "duplicate_admission"),
        ("applied", "duplicate_admission"),
        ("duplicate", ""),
    ]
    with live.db.read() as session:
        scans = session.scalars(select(CheckIn).where(CheckIn.device_id == door1.device_id))
        assert sorted((s.number, s.admission) for s in scans) == [(1, 1), (1, 2), (2, 2)]
        counts = {a.number: a.count for a in session.scalars(select(Admission))}
    assert counts == {1: 2, 2: 2}


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


# --- undoing an admission ----------------------------------------------------------------


def _undo(kiosk: SimKiosk, admission: dict[str, Any]) -> dict[str, Any]:
    original = admission["payload"]
    payload = CheckinPayload(
        event_id=original["event_id"],
        key_id=original["key_id"],
        number=original["number"],
        scanned_at=NOW + dt.timedelta(seconds=20),
        source="manual",
        undo_of=uuid.UUID(admission["id"]),
    )
    return kiosk.mutation(MutationType.CHECKIN, checkin_json(payload))


def _signed_up(live: LiveServer, event: int, key_id: int = 99, number: int = 1) -> None:
    """A sign-up holding the ticket, so its admissions are not flagged ``no_signup``."""
    with live.db.write() as session:
        session.add(
            Registration(
                id=str(uuid.uuid4()),
                event_id=event,
                device_id=None,
                receipt_code="ABCDEFG2",
                status="confirmed",
                requested_status="confirmed",
                key_id=key_id,
                number=number,
                ticket="",
                name="김민수",
                phone="01012345678",
                masked_name="김*수",
                created_at=NOW,
                received_at=NOW,
            )
        )


def _scans(live: LiveServer) -> list[CheckIn]:
    with live.db.read() as session:
        query = select(CheckIn).order_by(CheckIn.received_at, CheckIn.admission)
        return list(session.scalars(query))


def test_an_undone_admission_is_kept_marked_and_no_longer_counts(live: LiveServer) -> None:
    event = _event(live)
    _signed_up(live, event)
    door1, door2 = live.kiosk(name="door 1"), live.kiosk(name="door 2")
    admission = door1.checkin(event, 99, 1)

    # The admission and its undo may travel in one batch (bulk insert held back).
    results = door1.push([admission, _undo(door1, admission)])
    [later] = door2.push([door2.checkin(event, 99, 1)])

    assert [(r["status"], r["code"]) for r in results] == [("applied", ""), ("applied", "")]
    # The citizen really came in at door 2: not a second admission.
    assert (later["status"], later["code"]) == ("applied", "")
    assert [(s.device_id, s.flagged, s.flag_reason) for s in _scans(live)] == [
        (door1.device_id, False, "undone"),
        (door2.device_id, False, ""),
    ]


def test_an_undo_in_a_later_push_keeps_the_flag_reason_beside_it(live: LiveServer) -> None:
    event = _event(live)
    _signed_up(live, event)
    door1, door2 = live.kiosk(), live.kiosk()
    door1.push([door1.checkin(event, 99, 1)])
    second = door2.checkin(event, 99, 1)
    door2.push([second])

    [undo] = door2.push([_undo(door2, second)])
    [resent] = door2.push([_undo(door2, second)])

    assert (undo["status"], resent["status"]) == ("applied", "applied")
    assert [s.flag_reason for s in _scans(live)] == ["", "duplicate_admission undone"]
    with live.db.read() as session:
        counter = session.get(Admission, (99, event, 1))
    assert counter is not None and counter.count == 1


def test_only_the_admitting_kiosk_can_undo_and_only_its_own_ticket(live: LiveServer) -> None:
    event = _event(live)
    _signed_up(live, event)
    door1, door2 = live.kiosk(), live.kiosk()
    admission = door1.checkin(event, 99, 1)
    door1.push([admission])
    someone_elses = _undo(door2, admission)
    wrong_ticket = _undo(door1, {**admission, "payload": {**admission["payload"], "number": 2}})
    unknown = _undo(door1, door1.checkin(event, 99, 3))

    [other] = door2.push([someone_elses])
    results = door1.push([wrong_ticket, unknown])

    assert (other["status"], other["code"]) == ("rejected", "unknown_checkin")
    assert [(r["status"], r["code"]) for r in results] == [
        ("rejected", "invalid_payload"),
        ("rejected", "unknown_checkin"),
    ]
    assert [s.flag_reason for s in _scans(live)] == [""]


# --- the check-in log in the pull --------------------------------------------------------


def test_kiosks_pull_the_check_ins_of_events_they_may_check_in(live: LiveServer) -> None:
    everyone = _event(live)
    downtown = _event(live, office="시청 민원실")
    _signed_up(live, everyone)
    _signed_up(live, downtown)
    elsewhere = live.kiosk(office="성북구청")
    door1 = live.kiosk(name="정문")
    door2 = live.kiosk(name="후문")
    first = door1.checkin(everyone, 99, 1)
    door1.push([first, door1.checkin(downtown, 99, 1)])
    second = door2.checkin(everyone, 99, 1)
    door2.push([second])
    door2.push([_undo(door2, second)])

    pages, _ = door1.pull_all()
    seen = {c["id"]: c for c in merged(pages, "checkins")}
    elsewhere_seen = {c["event_id"] for c in merged(elsewhere.pull_all()[0], "checkins")}

    assert len(seen) == 3
    echo, flagged = seen[first["id"]], seen[second["id"]]
    assert (echo["device_id"], echo["device_name"], echo["device_office"]) == (
        door1.device_id,
        "정문",
        "시청 민원실",
    )
    assert (echo["flagged"], echo["undone"], echo["server_time"] is not None) == (
        False,
        False,
        True,
    )
    assert (flagged["device_name"], flagged["flagged"], flagged["flag_reason"]) == (
        "후문",
        True,
        "duplicate_admission",
    )
    assert flagged["undone"]
    # 성북구청 runs neither event, sold none of their places and admitted no one:
    # the city's event's admissions go only to the offices serving it (issue 18).
    assert elsewhere_seen == set()


def test_a_later_flag_or_undo_reaches_kiosks_that_already_pulled(live: LiveServer) -> None:
    event = _event(live)
    door1, door2 = live.kiosk(), live.kiosk()
    _, cursor = door1.pull_all()
    second = door2.checkin(event, 99, 1)
    door1.push([door1.checkin(event, 99, 1)])
    door2.push([second])
    _, cursor = door1.pull_all(cursor)

    door2.push([_undo(door2, second)])
    pages, _ = door1.pull_all(cursor)

    [change] = merged(pages, "checkins")
    assert (change["id"], change["flagged"], change["undone"]) == (second["id"], True, True)


# --- keys: a kiosk's former key, the server's own, revoked tickets -----------------------


def _real_signup(
    kiosk: SimKiosk, event: int, number: int, key_id: int, key: SigningKey
) -> dict[str, Any]:
    ticket = issue_ticket(TicketPayload(key_id, event, number, 0, STARTS.date()), key)
    signup = kiosk.signup(event, number, key_id=key_id)
    signup["payload"]["ticket"] = ticket.text
    return signup


def test_a_re_enrolled_kiosk_delivers_sign_ups_ticketed_under_its_former_key(
    live: LiveServer,
) -> None:
    event = _event(live, block=5)
    before = live.kiosk(name="민원실 1")
    revoke_device(live.db, before.device_id)
    # Same kiosk, same store (it still holds the old private key), new enrolment.
    after = live.kiosk(name="민원실 1")

    [result] = after.push(
        [_real_signup(after, event, 1, before.signing_key_id, before.signing_key)]
    )

    assert (result["status"], result["code"]) == ("applied", "former_signing_key")
    assert "revoked" in result["message"]
    with live.db.read() as session:
        [row] = session.scalars(select(Registration)).all()
    assert (row.device_id, row.key_id, row.status) == (
        after.device_id,
        before.signing_key_id,
        "confirmed",
    )


def test_nobody_passes_off_sign_ups_under_another_kiosks_key(live: LiveServer) -> None:
    event = _event(live, block=5)
    owner, other = live.kiosk(), live.kiosk()

    results = other.push(
        [
            # Signed with the pusher's own key but naming the owner's key id: forged.
            _real_signup(other, event, 1, owner.signing_key_id, other.signing_key),
            # Not a ticket at all.
            other.signup(event, 2, key_id=owner.signing_key_id),
            # The server's key is never a kiosk's.
            _real_signup(other, event, 3, SERVER_SIGNING_KEY_ID, other.signing_key),
        ]
    )

    assert [(r["status"], r["code"]) for r in results] == [("rejected", "wrong_signing_key")] * 3


def test_tickets_the_server_issues_verify_with_the_pulled_key_1(
    live: LiveServer, kiosk: SimKiosk
) -> None:
    event = _event(live)
    with live.db.write() as session:
        row = session.get(Event, event)
        assert row is not None
        first = issue_server_ticket(session, live.keys, row)
        session.add(
            Registration(
                id=str(uuid.uuid4()),
                event_id=event,
                device_id=None,
                receipt_code="ABCDEFG2",
                status="confirmed",
                requested_status="confirmed",
                key_id=first.key_id,
                number=first.number,
                ticket=first.text,
                name="김민수",
                phone="010",
                masked_name="김*수",
                created_at=NOW,
                received_at=NOW,
            )
        )
        second = issue_server_ticket(session, live.keys, row)

    pages, _ = kiosk.pull_all()
    [key_1] = [k for k in merged(pages, "signing_keys") if k["key_id"] == SERVER_SIGNING_KEY_ID]
    parsed = parse_ticket(first.text)

    assert (first.number, second.number) == (1, 2)
    assert isinstance(parsed, ParsedTicket)
    assert parsed.identity == (SERVER_SIGNING_KEY_ID, event, 1)
    assert verify_signature(parsed, base64.b64decode(key_1["public_key"]))


def test_a_ticket_staff_revoke_reaches_every_kiosk_once(live: LiveServer, kiosk: SimKiosk) -> None:
    event = _event(live)
    _, cursor = kiosk.pull_all()

    assert revoke_ticket(live.db, 5, event, 1, reason="lost ticket")
    assert not revoke_ticket(live.db, 5, event, 1)
    pages, _ = kiosk.pull_all(cursor)

    assert merged(pages, "revoked_tickets") == [{"key_id": 5, "event_id": event, "number": 1}]
