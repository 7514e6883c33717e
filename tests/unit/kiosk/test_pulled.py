"""Applying pulled reference data: one page and its cursor in one transaction."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
from nacl.signing import SigningKey as Ed25519Key
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from core.kinds import RegistrationStatus
from core.tickets import (
    TicketPayload,
    issue_ticket,
    manual_code_digest,
    manual_code_of_text,
    payload_hex,
    ticket_digest,
)
from kiosk.admissions import record_admission, undo_admission
from kiosk.checkin import Verdict
from kiosk.models import (
    Category,
    CheckIn,
    Event,
    Registration,
    RevokedTicket,
    SigningKey,
    SyncState,
)
from kiosk.pulled import (
    PulledCategory,
    PulledCheckin,
    PulledEvent,
    PulledKey,
    PulledPage,
    PulledRegistration,
    PulledTicketRevocation,
    apply_page,
    pull_cursor,
)
from kiosk.signups import SignupForm, sign_up
from kiosk.store import Store, open_store, upgrade
from kiosk.submissions import Consent
from tests.conftest import NOW

STARTS = NOW + dt.timedelta(days=5)


def event(event_id: int, **changes: object) -> PulledEvent:
    values: dict[str, object] = {
        "id": event_id,
        "title_ko": "주민 설명회",
        "title_en": "Briefing",
        "place_ko": "시청",
        "place_en": "City Hall",
        "starts_at": STARTS,
        "ends_at": None,
        "capacity": 40,
        "taken_remote": 3,
        "offline_block": 5,
        **changes,
    }
    return PulledEvent(**values)  # type: ignore[arg-type]


def registration(
    reg_id: str, event_id: int = 1, ticket: str = "CK1XYZ", **changes: object
) -> PulledRegistration:
    """A sign-up as pull sends it: the ticket only as payload and digests (issue 16 #3)."""
    code = manual_code_of_text(ticket)
    values: dict[str, object] = {
        "id": reg_id,
        "event_id": event_id,
        "status": RegistrationStatus.CONFIRMED,
        "key_id": 3,
        "number": 9,
        "masked_name": "이*영",
        "ticket_payload": payload_hex(ticket),
        "ticket_digest": ticket_digest(ticket),
        "manual_code_digest": manual_code_digest(event_id, code) if code else "",
        **changes,
    }
    return PulledRegistration(**values)  # type: ignore[arg-type]


def apply(store: Store, page: PulledPage) -> None:
    with store.write() as session:
        apply_page(session, page)


def test_the_cursor_is_stored_with_the_page(store: Store) -> None:
    apply(store, PulledPage(cursor="c9", events=[event(90)]))
    with store.read() as session:
        assert pull_cursor(session) == "c9"
        assert session.get(Event, 90) is not None


def test_a_page_that_fails_leaves_data_and_cursor_as_they_were(store: Store) -> None:
    apply(store, PulledPage(cursor="c1"))
    broken = PulledPage(cursor="c2", events=[event(90), event(91, starts_at=None)])
    with pytest.raises(IntegrityError), store.write() as session:
        apply_page(session, broken)
    with store.read() as session:
        assert pull_cursor(session) == "c1"
        assert session.get(Event, 90) is None


def test_events_carry_this_kiosks_block_and_places_taken_elsewhere(store: Store) -> None:
    apply(store, PulledPage(cursor="c1", events=[event(90, taken_remote=12, offline_block=4)]))
    with store.read() as session:
        pulled = session.get(Event, 90)
        assert pulled is not None
        assert (pulled.taken_remote, pulled.offline_block) == (12, 4)


def test_tombstones_delete_categories_and_events(store: Store) -> None:
    apply(store, PulledPage(cursor="c1", deleted_categories=["road"], deleted_events=[2]))
    with store.read() as session:
        assert session.get(Category, "road") is None
        assert session.get(Event, 2) is None


def test_signing_keys_and_revoked_tickets_are_kept_for_offline_check_in(store: Store) -> None:
    apply(
        store,
        PulledPage(
            cursor="c1",
            signing_keys=[PulledKey(3, "A" * 43 + "=")],
            revoked_tickets=[PulledTicketRevocation(3, 1, 9)],
        ),
    )
    with store.read() as session:
        assert session.get(SigningKey, 3) is not None
        assert session.get(RevokedTicket, (3, 1, 9)) is not None


def test_pulled_registrations_are_kept_as_not_local(store: Store) -> None:
    reg_id = "0b7f3c1e-2f5b-4c55-9a0e-3f4a8f7d6c21"
    apply(store, PulledPage(cursor="c1", registrations=[registration(reg_id)]))
    with store.read() as session:
        pulled = session.get(Registration, reg_id)
        assert pulled is not None
        assert (pulled.local, pulled.masked_name, pulled.number) == (False, "이*영", 9)


def test_the_echo_of_a_local_sign_up_updates_only_its_status(store: Store) -> None:
    consent = Consent(version="2026-11", required=True)
    receipt = sign_up(store, 1, SignupForm("김민수", "010-1234-5678"), consent, now=NOW)
    echo = registration(
        receipt.id,
        status=RegistrationStatus.WAITLISTED,
        masked_name="other",
    )
    apply(store, PulledPage(cursor="c1", registrations=[echo]))
    with store.read() as session:
        mine = session.get(Registration, receipt.id)
        assert mine is not None
        assert (mine.local, mine.masked_name, mine.status) == (
            True,
            "김*수",
            RegistrationStatus.WAITLISTED,
        )


def test_a_registration_for_an_unknown_event_is_skipped_not_fatal(store: Store) -> None:
    reg_id = "0b7f3c1e-2f5b-4c55-9a0e-3f4a8f7d6c21"
    apply(store, PulledPage(cursor="c1", registrations=[registration(reg_id, event_id=999)]))
    with store.read() as session:
        assert session.get(Registration, reg_id) is None
        assert pull_cursor(session) == "c1"


def test_reset_drops_pulled_reference_data_but_keeps_local_sign_ups(store: Store) -> None:
    consent = Consent(version="2026-11", required=True)
    receipt = sign_up(store, 1, SignupForm("김민수", "010-1234-5678"), consent, now=NOW)
    apply(
        store,
        PulledPage(
            cursor="c1",
            signing_keys=[PulledKey(3, "k")],
            registrations=[registration("0b7f3c1e-2f5b-4c55-9a0e-3f4a8f7d6c21", event_id=2)],
        ),
    )
    apply(
        store, PulledPage(cursor="r1", reset=True, categories=[PulledCategory("new", "새", "New")])
    )
    with store.read() as session:
        assert [c.code for c in session.scalars(select(Category))] == ["new"]
        assert session.scalars(select(SigningKey)).all() == []
        assert [r.id for r in session.scalars(select(Registration))] == [receipt.id]
        # The event of a sign-up made here stays (closed) until the reset re-sends it.
        kept = session.get(Event, 1)
        assert kept is not None and kept.cancelled
        assert session.get(Event, 2) is None
        state = session.get(SyncState, 1)
        assert state is not None and state.pull_cursor == "r1"


# --- what check-in needs: manual codes and the admission log ------------------------------

OTHER_KIOSK_KEY = Ed25519Key(bytes(range(64, 96)))
REG_ID = "0b7f3c1e-2f5b-4c55-9a0e-3f4a8f7d6c21"


def other_kiosks_ticket(number: int = 9, event_id: int = 1) -> tuple[str, str]:
    payload = TicketPayload(3, event_id, number, 0, STARTS.date())
    issued = issue_ticket(payload, OTHER_KIOSK_KEY)
    return issued.text, issued.manual_code


def test_a_pulled_ticket_keeps_digests_never_the_ticket_code_or_receipt(store: Store) -> None:
    text_, code = other_kiosks_ticket()
    apply(store, PulledPage(cursor="c1", registrations=[registration(REG_ID, ticket=text_)]))
    with store.read() as session:
        pulled = session.get(Registration, REG_ID)
        assert pulled is not None
        assert pulled.manual_code == manual_code_digest(1, code) != code
        assert (pulled.ticket, pulled.receipt_code) == ("", None)
        assert pulled.ticket_digest == ticket_digest(text_)


def test_a_pulled_registration_without_a_readable_ticket_has_no_code(store: Store) -> None:
    apply(store, PulledPage(cursor="c1", registrations=[registration(REG_ID, ticket="CK1XYZ")]))
    with store.read() as session:
        pulled = session.get(Registration, REG_ID)
        assert pulled is not None and pulled.manual_code == ""


def checkin(checkin_id: str, **changes: object) -> PulledCheckin:
    values: dict[str, object] = {
        "id": checkin_id,
        "event_id": 1,
        "key_id": 3,
        "number": 9,
        "device_id": "kiosk-b",
        "device_name": "정문 (성북구청)",
        "scanned_at": STARTS,
        "server_time": STARTS + dt.timedelta(minutes=5),
        **changes,
    }
    return PulledCheckin(**values)  # type: ignore[arg-type]


def checkins(store: Store) -> dict[str, CheckIn]:
    with store.read() as session:
        return {c.id: c for c in session.scalars(select(CheckIn))}


def test_another_kiosks_admissions_are_kept_as_not_local(store: Store) -> None:
    theirs = str(uuid.uuid4())
    apply(store, PulledPage(cursor="c1", checkins=[checkin(theirs, flagged=True)]))
    row = checkins(store)[theirs]
    assert (row.local, row.device_name, row.flagged, row.server_time) == (
        False,
        "정문 (성북구청)",
        True,
        STARTS + dt.timedelta(minutes=5),
    )


def local_admission(store: Store) -> str:
    consent = Consent(version="2026-11", required=True)
    receipt = sign_up(store, 1, SignupForm("김민수", "010-1234-5678"), consent, now=NOW)
    with store.read() as session:
        event = session.get(Event, 1)
        assert event is not None
    verdict = record_admission(store, 1, receipt.ticket, event.starts_at)
    assert isinstance(verdict, Verdict) and verdict.checkin_id is not None
    return verdict.checkin_id


def test_the_echo_of_an_admission_here_brings_the_servers_time_name_and_flag(
    store: Store,
) -> None:
    mine = local_admission(store)
    row = checkins(store)[mine]
    echo = checkin(
        mine,
        key_id=row.key_id,
        number=row.number,
        device_id="kiosk-test-1",
        device_name="민원실 1 (시청)",
        flagged=True,
        flag_reason="duplicate_admission",
    )
    apply(store, PulledPage(cursor="c1", checkins=[echo]))
    row = checkins(store)[mine]
    assert (row.local, row.flagged, row.flag_reason, row.device_name) == (
        True,
        True,
        "duplicate_admission",
        "민원실 1 (시청)",
    )
    assert row.server_time == echo.server_time


def test_an_undo_made_here_stands_against_an_echo_that_predates_it(store: Store) -> None:
    mine = local_admission(store)
    row = checkins(store)[mine]
    undo_admission(store, mine, row.scanned_at)
    apply(store, PulledPage(cursor="c1", checkins=[checkin(mine, undone=False)]))
    assert checkins(store)[mine].undone


def test_reset_and_tombstones_drop_pulled_admissions_but_never_ours(store: Store) -> None:
    mine = local_admission(store)
    theirs, gone = str(uuid.uuid4()), str(uuid.uuid4())
    apply(store, PulledPage(cursor="c1", checkins=[checkin(theirs), checkin(gone)]))
    apply(store, PulledPage(cursor="c2", deleted_checkins=[gone, mine]))
    assert set(checkins(store)) == {mine, theirs}

    apply(store, PulledPage(cursor="r1", reset=True))

    assert set(checkins(store)) == {mine}


def test_a_deleted_event_takes_its_pulled_admissions_along(store: Store) -> None:
    theirs = str(uuid.uuid4())
    apply(store, PulledPage(cursor="c1", checkins=[checkin(theirs, event_id=2)]))
    apply(store, PulledPage(cursor="c2", deleted_events=[2]))
    assert checkins(store) == {}


def test_upgrading_gives_tickets_pulled_earlier_their_manual_code(tmp_path: Path) -> None:
    old = open_store(f"sqlite:///{tmp_path / 'old.db'}", migrate=False)
    upgrade(old.engine, "0003")
    text_, code = other_kiosks_ticket()
    with old.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO events (id, title_ko, title_en, place_ko, place_en, starts_at,"
                " capacity, taken_remote, offline_block, cancelled)"
                " VALUES (1, 't', 't', '', '', '2026-12-01 05:00:00', 10, 0, 0, 0)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO registrations (id, event_id, status, receipt_code, key_id, number,"
                " ticket, manual_code, masked_name, local, created_at) VALUES"
                " (:id, 1, 'confirmed', 'ABCDEFG2', 3, 9, :ticket, '', '이*영', 0,"
                " '2026-11-27 09:00:00')"
            ),
            {"id": REG_ID, "ticket": text_},
        )
    upgrade(old.engine, "0004")
    with old.engine.connect() as conn:
        assert conn.execute(text("SELECT manual_code FROM registrations")).scalar() == code
    # 0008 then forgets pulled tickets altogether: the next pull brings digests.
    upgrade(old.engine)
    with old.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM registrations")).scalar() == 0
    old.close()
