"""A connected kiosk claims each place from the server; without an answer its block decides.

The kiosk, the real server and the fault proxy between them. The capacity
test of issue 17: capacity 5, block 2, online: 5 confirmed, then the waiting
list; a lost answer and the offline sign-up that follows are one registration.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from kiosk import online_signups
from kiosk.models import OutboxMutation, Registration
from kiosk.signups import SignupForm, sign_up
from kiosk.submissions import Consent
from server.catalogue import NewEvent, add_event
from server.models import Registration as ServerRegistration
from sync.online import OnlineDesk
from sync.protocol import PATH_SIGNUP
from tests.support.faultproxy import Fault
from tests.support.sync_rig import TEST_TIMEOUTS, SyncRig

CONSENT = Consent(version="2027-01", required=True, notify=True, language="en")


def _event(rig: SyncRig, capacity: int, block: int) -> int:
    event = add_event(
        rig.server_db,
        NewEvent(
            title_ko="시민 강좌",
            title_en="Citizens' class",
            starts_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=10),
            capacity=capacity,
            offline_block=block,
        ),
    )
    rig.sync_once()  # the kiosk learns of the event and its block
    return event


def _form(n: int) -> SignupForm:
    return SignupForm(name=f"시민{n}", phone=f"010-5000-{n:04d}")


def _claim(rig: SyncRig, desk: OnlineDesk, event: int, n: int, *, waitlist: bool = False):
    prepared = online_signups.prepare(rig.store, event, _form(n), CONSENT, accept_waitlist=waitlist)
    return prepared, desk.claim(prepared)


def test_online_five_places_are_confirmed_then_the_waiting_list(rig: SyncRig) -> None:
    event = _event(rig, capacity=5, block=2)
    desk = OnlineDesk(rig.store)

    answers = [_claim(rig, desk, event, n)[1] for n in range(5)]
    _, full = _claim(rig, desk, event, 5)
    waiting_prepared, waiting = _claim(rig, desk, event, 6, waitlist=True)
    assert waiting is not None
    receipt = online_signups.keep(rig.store, waiting_prepared, waiting)

    assert [a.status for a in answers if a is not None] == ["confirmed"] * 5
    assert full is not None and full.status == "full"
    assert receipt.status == "waitlisted" and receipt.online
    assert receipt.status_url.endswith(f"/status/{waiting_prepared.receipt_code}")
    with rig.store.read() as session:
        # An online sign-up is on the server already: nothing waits in the outbox.
        assert session.scalars(select(OutboxMutation)).all() == []


def test_without_an_answer_the_kiosk_block_decides_under_the_same_id(rig: SyncRig) -> None:
    event = _event(rig, capacity=5, block=2)
    desk = OnlineDesk(rig.store, timeouts=TEST_TIMEOUTS)
    rig.proxy.set_fault(Fault.refuse(), path_prefix=PATH_SIGNUP)

    prepared, answer = _claim(rig, desk, event, 1)
    assert answer is None
    receipt = sign_up(
        rig.store,
        event,
        prepared.form,
        CONSENT,
        registration_id=prepared.id,
        receipt_code=prepared.receipt_code,
    )

    assert (receipt.id, receipt.code, receipt.status) == (
        prepared.id,
        prepared.receipt_code,
        "confirmed",
    )
    rig.proxy.clear_faults()
    rig.sync_until_done()
    assert rig.server_records()[prepared.id] == 1


def test_a_lost_answer_and_its_offline_twin_are_one_place(rig: SyncRig) -> None:
    event = _event(rig, capacity=5, block=2)
    desk = OnlineDesk(rig.store, timeouts=TEST_TIMEOUTS)
    # The server takes the sign-up; its answer never reaches the kiosk.
    rig.proxy.set_fault(Fault.drop_response(), path_prefix=PATH_SIGNUP)

    prepared, answer = _claim(rig, desk, event, 1)
    assert answer is None
    receipt = sign_up(
        rig.store,
        event,
        prepared.form,
        CONSENT,
        registration_id=prepared.id,
        receipt_code=prepared.receipt_code,
    )
    rig.proxy.clear_faults()
    rig.sync_until_done()

    with rig.server_db.read() as session:
        rows = session.scalars(
            select(ServerRegistration).where(ServerRegistration.event_id == event)
        ).all()
    assert len(rows) == 1
    # The ticket the citizen was shown is the one that opens the door.
    assert rows[0].ticket == receipt.ticket and rows[0].status == "confirmed"
    with rig.store.read() as session:
        local = session.get(Registration, prepared.id)
        assert local is not None and local.status == "confirmed"
