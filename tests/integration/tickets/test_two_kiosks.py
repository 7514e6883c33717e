"""Two kiosks, one ticket, no network at the door: both admit, the server keeps both and flags one.

Kiosk A signs a citizen up (its own key signs the ticket) and syncs; kiosk B
pulls A's key and the registration. Then both work offline: each admits the
same ticket from its own store. When they sync, the server logs both
admissions and flags the second; after pulling, both kiosks show the flag
and neither admits the ticket a third time. Revoking A's key or the ticket on
the server reaches B through the pull and B refuses the ticket offline.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.tickets import ParsedTicket, TicketIdentity, manual_code_digest, parse_ticket
from kiosk.admissions import UndoOutcome, undo_admission
from kiosk.checkin import Reason, VerdictKind
from kiosk.checkin_context import decide_scan
from kiosk.models import Registration, SigningKey
from kiosk.submissions import Receipt
from server.devices import revoke_device
from server.keys import revoke_ticket
from tests.integration.tickets.conftest import DOOR_AT, OFFICE, Kiosk, Site


def identity_of(receipt: Receipt) -> TicketIdentity:
    parsed = parse_ticket(receipt.ticket)
    assert isinstance(parsed, ParsedTicket)
    return parsed.identity


@pytest.fixture
def a(site: Site) -> Kiosk:
    return site.new_kiosk("정문 키오스크")


@pytest.fixture
def b(site: Site) -> Kiosk:
    return site.new_kiosk("후문 키오스크")


@pytest.fixture
def event(site: Site, a: Kiosk, b: Kiosk) -> int:
    event_id = site.event()
    a.sync()
    b.sync()
    return event_id


@pytest.fixture
def ticket(a: Kiosk, b: Kiosk, event: int) -> Receipt:
    """A citizen signed up at A; both kiosks synced since, then the network went away."""
    receipt = a.sign_up(event)
    assert receipt.status == "confirmed" and receipt.ticket
    a.sync()
    b.sync()
    return receipt


def test_b_learns_a_s_key_and_the_sign_up_from_the_pull(b: Kiosk, ticket: Receipt) -> None:
    key_id, event_id, number = identity_of(ticket)
    with b.store.read() as session:
        key = session.get(SigningKey, key_id)
        [registration] = session.scalars(
            select(Registration).where(Registration.event_id == event_id)
        ).all()
    assert key is not None and not key.revoked
    # B can look the ticket up by the code printed beside A's QR, held as a
    # digest: B holds neither A's ticket nor its receipt code (issue 16 #3).
    assert (registration.local, registration.number, registration.manual_code) == (
        False,
        number,
        manual_code_digest(event_id, ticket.manual_code),
    )
    assert (registration.ticket, registration.receipt_code) == ("", None)
    assert registration.masked_name == "김*수"


def test_both_offline_kiosks_admit_the_ticket_and_the_second_admission_is_flagged(
    site: Site, a: Kiosk, b: Kiosk, event: int, ticket: Receipt
) -> None:
    at_a, at_b = DOOR_AT, DOOR_AT + dt.timedelta(minutes=2)

    # Offline: neither knows of the other's scan.
    first = a.admit(event, ticket.ticket, at_a)
    second = b.admit(event, ticket.manual_code, at_b)  # typed, the QR would not scan
    assert (first.kind, second.kind) == (VerdictKind.ADMIT, VerdictKind.ADMIT)
    assert second.masked_name == "김*수"

    a.sync()
    b.sync()
    a.sync()  # A pulls B's admission

    # The server kept both scans, with their kiosk times, and flagged the second.
    assert [
        (c.device_id, c.scanned_at, c.admission, c.flagged, c.flag_reason) for c in site.checkins()
    ] == [
        (a.device_id, at_a, 1, False, ""),
        (b.device_id, at_b, 2, True, "duplicate_admission"),
    ]
    # Both kiosks hold both admissions, and show the same one flagged.
    for kiosk in (a, b):
        log = kiosk.checkins()
        assert [(e.id, e.scanned_at, e.flagged, e.undone) for e in log] == [
            (first.checkin_id, at_a, False, False),
            (second.checkin_id, at_b, True, False),
        ], kiosk.name
        assert all(e.server_time is not None for e in log)
        flagged = log[1]
        assert (flagged.device_name, flagged.local) == (f"후문 키오스크 ({OFFICE})", kiosk is b)
        assert kiosk.event_counts(event).flagged == 1
    # A third scan anywhere: already checked in, at A, at the first time.
    third = b.admit(event, ticket.ticket, at_b + dt.timedelta(minutes=5))
    assert third.kind is VerdictKind.ALREADY
    assert third.previous is not None
    assert (third.previous.at, third.previous.device, third.previous.this_kiosk) == (
        at_a,
        f"정문 키오스크 ({OFFICE})",
        False,
    )
    assert a.admit(event, ticket.ticket, at_b).kind is VerdictKind.ALREADY
    assert len(site.checkins()) == 2


def test_an_admission_undone_at_a_does_not_stop_b(
    site: Site, a: Kiosk, b: Kiosk, event: int, ticket: Receipt
) -> None:
    wrong = a.admit(event, ticket.ticket, DOOR_AT)
    assert wrong.checkin_id is not None
    outcome = undo_admission(a.store, wrong.checkin_id, DOOR_AT + dt.timedelta(seconds=10))
    assert outcome is UndoOutcome.UNDONE
    a.sync()
    b.sync()

    later = b.admit(event, ticket.ticket, DOOR_AT + dt.timedelta(minutes=5))
    b.sync()

    assert later.kind is VerdictKind.ADMIT
    assert [(c.flagged, c.flag_reason) for c in site.checkins()] == [
        (False, "undone"),
        (False, ""),
    ]
    [pulled] = [c for c in b.checkins() if not c.local]
    assert (pulled.id, pulled.undone) == (wrong.checkin_id, True)


def test_a_revoked_kiosk_key_is_refused_after_the_pull(
    site: Site, a: Kiosk, b: Kiosk, event: int, ticket: Receipt
) -> None:
    assert decide_scan(b.store, event, ticket.ticket, DOOR_AT).kind is VerdictKind.ADMIT
    revoke_device(site.db, a.device_id)  # kiosk A was stolen
    # The thief signs more tickets with A's key; the server never hears of them.
    forged = a.sign_up(event, name="도둑")

    b.sync()

    verdict = b.admit(event, forged.ticket, DOOR_AT)
    assert (verdict.kind, verdict.reason) == (VerdictKind.INVALID, Reason.REVOKED_KEY)
    assert b.checkins() == []  # a refusal records nothing
    with b.store.read() as session:
        key = session.get(SigningKey, identity_of(ticket).key_id)
    assert key is not None and key.revoked  # kept in the list, marked
    # A ticket whose sign-up the server had before the revocation still counts
    # (issue 16 #3): the citizen who signed up at A is not turned away.
    assert b.admit(event, ticket.ticket, DOOR_AT).kind is VerdictKind.ADMIT


def test_a_ticket_revoked_on_the_server_is_refused_by_every_kiosk(
    site: Site, a: Kiosk, b: Kiosk, event: int, ticket: Receipt
) -> None:
    other = a.sign_up(event, name="이영희")
    a.sync()
    revoke_ticket(site.db, *identity_of(ticket), reason="cancelled by phone")

    a.sync()
    b.sync()

    for kiosk in (a, b):
        refused = decide_scan(kiosk.store, event, ticket.ticket, DOOR_AT)
        assert refused.reason is Reason.REVOKED_TICKET, kiosk.name
        assert decide_scan(kiosk.store, event, other.ticket, DOOR_AT).kind is VerdictKind.ADMIT
