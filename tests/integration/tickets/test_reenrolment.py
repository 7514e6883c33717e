"""A kiosk revoked and enrolled again still delivers the sign-ups it ticketed under its old key."""

from __future__ import annotations

from sqlalchemy import select

from core.tickets import ParsedTicket, parse_ticket
from kiosk.checkin import Reason
from kiosk.checkin_context import decide_scan
from kiosk.identity import require_identity
from kiosk.models import MutationState, OutboxMutation
from server.devices import revoke_device
from server.models import Registration
from sync.enrolment import enroll
from tests.integration.tickets.conftest import DOOR_AT, OFFICE, TIMEOUTS, Site


def test_sign_ups_taken_before_re_enrolment_are_delivered_not_rejected(site: Site) -> None:
    kiosk = site.new_kiosk("민원실 1")
    event = site.event()
    kiosk.sync()
    receipt = kiosk.sign_up(event)  # offline, under the first key
    with kiosk.store.read() as session:
        old_key = require_identity(session).signing_key_id
    revoke_device(site.db, kiosk.device_id)

    enroll(
        kiosk.store, site.live.base_url, site.live.code(OFFICE), name="민원실 1", timeouts=TIMEOUTS
    )
    kiosk.sync()

    with kiosk.store.read() as session:
        mutation = session.get(OutboxMutation, receipt.id)
        new_key = require_identity(session).signing_key_id
    assert mutation is not None
    assert (mutation.state, mutation.result_code) == (MutationState.SENT, "former_signing_key")
    with site.db.read() as session:
        row = session.scalars(select(Registration).where(Registration.id == receipt.id)).one()
    assert (row.device_id, row.key_id, row.status) == (kiosk.device_id, old_key, "confirmed")
    # The old key was revoked with the old enrolment: its tickets no longer scan
    # anywhere, this kiosk included, until staff re-issue them.
    assert decide_scan(kiosk.store, event, receipt.ticket, DOOR_AT).reason is Reason.REVOKED_KEY
    # New sign-ups are signed with the new key and start its numbering afresh.
    fresh = parse_ticket(kiosk.sign_up(event, name="이영희").ticket)
    assert isinstance(fresh, ParsedTicket)
    assert (fresh.payload.key_id, fresh.payload.number) == (new_key, 1)
    assert new_key != old_key
