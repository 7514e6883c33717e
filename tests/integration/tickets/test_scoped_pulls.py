"""Sign-ups reach only the offices that serve an event; any kiosk still admits its tickets.

Two real kiosks of different offices around the real server. The city's
event (run by no office) sells places at kiosk A; kiosk B's office sold none,
so B never pulls those sign-ups. B still admits A's ticket at the door,
offline, from the signing keys it pulled; from that admission on its office
serves the event's door and pulls the event's sign-ups and admissions.
"""

from __future__ import annotations

from sqlalchemy import func, select

from kiosk.checkin import VerdictKind
from kiosk.models import Registration
from tests.integration.tickets.conftest import DOOR_AT, Kiosk, Site


def registrations(kiosk: Kiosk) -> int:
    with kiosk.store.read() as session:
        return session.scalar(select(func.count()).select_from(Registration)) or 0


def test_a_kiosk_of_another_office_gets_no_sign_ups_yet_admits_the_ticket_at_its_door(
    site: Site,
) -> None:
    seller = site.new_kiosk("성북 키오스크", office="성북구 현장시장실")
    door = site.new_kiosk("마포 키오스크", office="마포구 현장시장실")
    event = site.event()
    seller.sync()
    door.sync()
    receipts = [seller.sign_up(event, name=name) for name in ("김민수", "이영희")]
    seller.sync()
    door.sync()

    assert registrations(door) == 0  # not its office's event, and it sold none of it

    verdict = door.admit(event, receipts[0].ticket, DOOR_AT)

    assert verdict.kind is VerdictKind.ADMIT
    door.sync()  # its admission goes up; its office now serves this event's door
    assert registrations(door) == 2
    assert door.admit(event, receipts[0].ticket, DOOR_AT).kind is VerdictKind.ALREADY


def test_the_office_that_runs_an_event_gets_every_sign_up_for_it_and_an_office_with_no_part_none(
    site: Site,
) -> None:
    seller = site.new_kiosk("성북 키오스크", office="성북구 현장시장실")
    host = site.new_kiosk("마포 키오스크", office="마포구 현장시장실")
    bystander = site.new_kiosk("종로 키오스크", office="종로구 현장시장실")
    event = site.event(office="마포구 현장시장실")
    for kiosk in (seller, host, bystander):
        kiosk.sync()
    receipts = [seller.sign_up(event, name=name) for name in ("김민수", "이영희")]
    for kiosk in (seller, host, bystander):
        kiosk.sync()

    assert registrations(host) == 2  # its office runs the door: it knows every sign-up
    assert registrations(bystander) == 0  # it neither runs, sells nor admits this event
    assert host.admit(event, receipts[1].ticket, DOOR_AT).kind is VerdictKind.ADMIT
    host.sync()
    bystander.sync()
    assert registrations(bystander) == 0  # admissions elsewhere change nothing for it
