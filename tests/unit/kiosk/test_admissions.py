"""Recording admissions at the door, and taking one back: one write, row and mutation together."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, replace

import pytest
from sqlalchemy import select

from core.payloads import CheckinPayload, MutationType
from kiosk.admissions import UNDO_WINDOW_S, UndoOutcome, admit, record_admission, undo_admission
from kiosk.attendance import event_counts, recount
from kiosk.checkin import Admission, Reason, Verdict, VerdictKind
from kiosk.identity import NotEnrolled
from kiosk.models import CheckIn, DeviceIdentity, Event, MutationState, OutboxMutation
from kiosk.signups import SignupForm, sign_up
from kiosk.submissions import Consent
from tests.conftest import NOW as ENROLLED_AT
from tests.conftest import KioskDB
from tests.unit.kiosk.checkin_tickets import parsed as _parsed

DOOR_EVENT = 3  # a demo event; its sign-ups are made before it starts
CONSENT = Consent(version="2026-11", required=True)


@dataclass(frozen=True)
class Door:
    """A kiosk store with a citizen signed up here, and the time the event starts."""

    db: KioskDB
    ticket: str
    manual_code: str
    at: dt.datetime

    def outbox(self) -> list[OutboxMutation]:
        with self.db.store.read() as session:
            return list(
                session.scalars(
                    select(OutboxMutation)
                    .where(OutboxMutation.type == MutationType.CHECKIN)
                    .order_by(OutboxMutation.seq)
                )
            )

    def checkins(self) -> list[CheckIn]:
        with self.db.store.read() as session:
            return list(session.scalars(select(CheckIn).order_by(CheckIn.scanned_at)))


@pytest.fixture
def door(kiosk_db: KioskDB) -> Door:
    receipt = sign_up(
        kiosk_db.store, DOOR_EVENT, SignupForm("김민수", "010-1234-5678"), CONSENT, now=ENROLLED_AT
    )
    with kiosk_db.store.read() as session:
        event = session.get(Event, DOOR_EVENT)
        assert event is not None
    return Door(kiosk_db, receipt.ticket, receipt.manual_code, event.starts_at)


def test_an_admission_is_logged_and_queued_in_one_go(door: Door) -> None:
    verdict = record_admission(door.db.store, DOOR_EVENT, door.ticket, door.at)

    assert isinstance(verdict, Verdict)
    assert (verdict.kind, verdict.masked_name) == (VerdictKind.ADMIT, "김*수")
    [row] = door.checkins()
    [mutation] = door.outbox()
    # One id end to end: the log row is the mutation, and the server's echo finds it.
    assert row.id == mutation.id == verdict.checkin_id
    assert uuid.UUID(row.id).version == 7  # time-ordered (core/ids.py)
    assert (row.local, row.device_id, row.scanned_at, row.undone) == (
        True,
        "kiosk-test-1",
        door.at,
        False,
    )
    payload = CheckinPayload.model_validate_json(mutation.payload or "")
    assert payload == CheckinPayload(
        event_id=DOOR_EVENT, key_id=row.key_id, number=row.number, scanned_at=door.at
    )
    # Admissions carry no undo_of at all: they read exactly as before undo existed.
    assert "undo_of" not in (mutation.payload or "")


def test_a_second_scan_is_already_and_records_nothing(door: Door) -> None:
    record_admission(door.db.store, DOOR_EVENT, door.ticket, door.at)
    later = door.at + dt.timedelta(minutes=3)

    verdict = record_admission(door.db.store, DOOR_EVENT, door.ticket, later)

    assert isinstance(verdict, Verdict)
    assert verdict.kind is VerdictKind.ALREADY
    assert verdict.previous == Admission(door.at, "kiosk-test-1", this_kiosk=True)
    assert verdict.checkin_id is None
    assert (len(door.checkins()), len(door.outbox())) == (1, 1)


@pytest.mark.parametrize("scanned", ["CK1GARBAGE", "hello", ""])
def test_a_refused_scan_records_nothing(door: Door, scanned: str) -> None:
    verdict = record_admission(door.db.store, DOOR_EVENT, scanned, door.at)

    assert isinstance(verdict, Verdict) and verdict.kind is VerdictKind.INVALID
    assert (door.checkins(), door.outbox()) == ([], [])


def test_a_typed_manual_code_is_recorded_as_manual(door: Door) -> None:
    verdict = record_admission(door.db.store, DOOR_EVENT, door.manual_code.lower(), door.at)

    assert isinstance(verdict, Verdict) and verdict.kind is VerdictKind.ADMIT
    [mutation] = door.outbox()
    assert CheckinPayload.model_validate_json(mutation.payload or "").source == "manual"


def test_a_candidate_staff_picked_is_recorded_by_its_identity(door: Door) -> None:
    identity = _parsed(door.ticket).identity

    verdict = record_admission(door.db.store, DOOR_EVENT, identity, door.at)

    assert isinstance(verdict, Verdict) and verdict.kind is VerdictKind.ADMIT
    assert verdict.identity == identity
    unknown = record_admission(door.db.store, DOOR_EVENT, identity._replace(number=99), door.at)
    assert isinstance(unknown, Verdict) and unknown.reason is Reason.UNKNOWN_CODE


def test_a_kiosk_that_is_not_enrolled_cannot_check_in(door: Door) -> None:
    with door.db.store.write() as session:
        identity = session.get(DeviceIdentity, 1)
        assert identity is not None
        session.delete(identity)
    with pytest.raises(NotEnrolled):
        record_admission(door.db.store, DOOR_EVENT, door.ticket, door.at)


def test_an_unknown_event_is_a_lookup_error(door: Door) -> None:
    with pytest.raises(LookupError):
        record_admission(door.db.store, 999, door.ticket, door.at)


def test_undo_within_the_window_reopens_the_ticket_and_tells_the_server(door: Door) -> None:
    admitted = record_admission(door.db.store, DOOR_EVENT, door.ticket, door.at)
    assert isinstance(admitted, Verdict) and admitted.checkin_id is not None
    undone_at = door.at + dt.timedelta(seconds=20)

    assert undo_admission(door.db.store, admitted.checkin_id, undone_at) is UndoOutcome.UNDONE

    [row] = door.checkins()
    assert row.undone
    admission, undo = door.outbox()
    sent = CheckinPayload.model_validate_json(undo.payload or "")
    assert sent.undo_of == uuid.UUID(admitted.checkin_id)
    assert (sent.key_id, sent.event_id, sent.number) == (row.key_id, row.event_id, row.number)
    assert sent.scanned_at == undone_at
    assert undo.seq > admission.seq and undo.state is MutationState.PENDING
    # The ticket may be admitted again at once.
    again = record_admission(door.db.store, DOOR_EVENT, door.ticket, undone_at)
    assert isinstance(again, Verdict) and again.kind is VerdictKind.ADMIT


def test_undo_is_refused_after_the_window_and_twice(door: Door) -> None:
    admitted = record_admission(door.db.store, DOOR_EVENT, door.ticket, door.at)
    assert isinstance(admitted, Verdict) and admitted.checkin_id is not None
    late = door.at + dt.timedelta(seconds=UNDO_WINDOW_S + 1)

    assert undo_admission(door.db.store, admitted.checkin_id, late) is UndoOutcome.TOO_LATE
    assert not door.checkins()[0].undone
    assert undo_admission(door.db.store, admitted.checkin_id, door.at) is UndoOutcome.UNDONE
    assert undo_admission(door.db.store, admitted.checkin_id, door.at) is (
        UndoOutcome.ALREADY_UNDONE
    )
    assert undo_admission(door.db.store, str(uuid.uuid4()), door.at) is UndoOutcome.UNKNOWN
    assert len(door.outbox()) == 2  # the admission and one undo


def test_only_this_kiosks_own_admissions_can_be_undone(door: Door) -> None:
    identity = _parsed(door.ticket).identity
    with door.db.store.write() as session:
        session.add(
            CheckIn(
                id="0b7f3c1e-2f5b-4c55-9a0e-3f4a8f7d6c21",
                event_id=identity.event_id,
                key_id=identity.key_id,
                number=identity.number,
                device_id="other",
                scanned_at=door.at,
                local=False,
            )
        )
    outcome = undo_admission(door.db.store, "0b7f3c1e-2f5b-4c55-9a0e-3f4a8f7d6c21", door.at)
    assert outcome is UndoOutcome.NOT_HERE


def test_a_flagged_admission_pulled_from_another_kiosk_counts_for_staff(door: Door) -> None:
    identity = _parsed(door.ticket).identity
    admitted = record_admission(door.db.store, DOOR_EVENT, door.ticket, door.at)
    assert isinstance(admitted, Verdict)
    with door.db.store.write() as session:
        session.add(
            CheckIn(
                id=str(uuid.uuid4()),
                event_id=identity.event_id,
                key_id=identity.key_id,
                number=identity.number,
                device_id="d2",
                device_name="정문 키오스크 (성북구청)",
                scanned_at=door.at + dt.timedelta(minutes=1),
                flagged=True,
                flag_reason="duplicate_admission",
                local=False,
            )
        )

    counts = event_counts(door.db.store, DOOR_EVENT)
    again = record_admission(
        door.db.store, DOOR_EVENT, door.ticket, door.at + dt.timedelta(hours=1)
    )

    assert (counts.checked_in, counts.flagged) == (1, 1)
    # The first admission is the one that counted: this kiosk's, not the flagged one.
    assert isinstance(again, Verdict) and again.kind is VerdictKind.ALREADY
    assert again.previous == Admission(door.at, "kiosk-test-1", this_kiosk=True)


def test_a_refused_scan_goes_to_the_kiosk_log_without_a_name(
    door: Door, caplog: pytest.LogCaptureFixture
) -> None:
    record_admission(door.db.store, DOOR_EVENT, door.ticket, door.at)
    caplog.set_level(logging.INFO, logger="kiosk.admissions")

    record_admission(door.db.store, DOOR_EVENT, door.ticket, door.at)
    record_admission(door.db.store, DOOR_EVENT, "CK1GARBAGE", door.at)

    identity = "/".join(map(str, _parsed(door.ticket).identity))
    assert [r.getMessage() for r in caplog.records] == [
        f"check-in for event {DOOR_EVENT}: already  ticket {identity}",
        f"check-in for event {DOOR_EVENT}: invalid malformed ticket -",
    ]
    assert "김" not in caplog.text


def test_the_door_gets_the_events_figures_from_the_scans_own_transaction(door: Door) -> None:
    before = event_counts(door.db.store, DOOR_EVENT)

    admitted = admit(door.db.store, DOOR_EVENT, door.ticket, door.at)
    again = admit(door.db.store, DOOR_EVENT, door.ticket, door.at + dt.timedelta(minutes=2))
    refused = admit(door.db.store, DOOR_EVENT, "CK1GARBAGE", door.at)

    assert isinstance(admitted.outcome, Verdict) and admitted.outcome.kind is VerdictKind.ADMIT
    # The admission is in the figures handed back with its verdict: no second read needed.
    assert admitted.counts == replace(before, checked_in=before.checked_in + 1)
    assert again.counts == refused.counts == admitted.counts
    with door.db.store.read() as session:
        assert admitted.counts == recount(session, DOOR_EVENT)
    assert isinstance(again.outcome, Verdict) and again.outcome.kind is VerdictKind.ALREADY


def test_what_the_door_admits_is_the_admission_and_its_mutation_committed_together(
    door: Door,
) -> None:
    at_the_door = admit(door.db.store, DOOR_EVENT, door.ticket, door.at)

    assert isinstance(at_the_door.outcome, Verdict)
    [row] = door.checkins()
    [mutation] = door.outbox()
    assert row.id == mutation.id == at_the_door.outcome.checkin_id
    assert (row.device_name, row.flagged, row.flag_reason, row.server_time) == ("", False, "", None)
    assert mutation.state is MutationState.PENDING
