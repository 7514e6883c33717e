"""Outbox bookkeeping for delivery: in flight, sent, rejected, retried, pruned."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from kiosk.models import (
    CheckIn,
    DeliveryStatus,
    MutationState,
    OutboxMutation,
    Registration,
    Submission,
)
from kiosk.outbox import (
    DeliveryResult,
    due_batch,
    mark_in_flight,
    needs_attention,
    prune_sent,
    record_results,
    release_in_flight,
    retry_rejected,
)
from kiosk.signups import SignupForm, sign_up
from kiosk.submissions import ComplaintForm, Consent, Receipt, submit_complaint
from tests.conftest import NOW, KioskDB

CONSENT = Consent(version="2026-11", required=True)


def complaint(db: KioskDB, n: int = 0) -> Receipt:
    form = ComplaintForm(
        category="road", description=f"파손 {n}", name="김민수", phone="010-1234-5678"
    )
    return submit_complaint(db.store, form, CONSENT, now=NOW + dt.timedelta(seconds=n))


def row(db: KioskDB, mutation_id: str) -> OutboxMutation:
    with db.store.read() as session:
        found = session.get(OutboxMutation, mutation_id)
        assert found is not None
        return found


def status_of(db: KioskDB, receipt: Receipt) -> DeliveryStatus:
    with db.store.read() as session:
        found = session.get(Submission, receipt.id)
        assert found is not None
        return found.status


def test_due_batch_is_oldest_first_and_includes_records_left_in_flight(kiosk_db: KioskDB) -> None:
    first, second, third = (complaint(kiosk_db, n) for n in range(3))
    with kiosk_db.store.write() as session:
        mark_in_flight(session, [first.id], NOW)
    with kiosk_db.store.read() as session:
        assert [m.id for m in due_batch(session, 10)] == [first.id, second.id, third.id]
        assert [m.id for m in due_batch(session, 2)] == [first.id, second.id]


def test_in_flight_counts_the_attempt(kiosk_db: KioskDB) -> None:
    receipt = complaint(kiosk_db)
    with kiosk_db.store.write() as session:
        mark_in_flight(session, [receipt.id], NOW)
    assert (row(kiosk_db, receipt.id).state, row(kiosk_db, receipt.id).attempts) == (
        MutationState.IN_FLIGHT,
        1,
    )


def test_release_puts_in_flight_records_back_with_the_reason(kiosk_db: KioskDB) -> None:
    receipt = complaint(kiosk_db)
    later = NOW + dt.timedelta(minutes=1)
    with kiosk_db.store.write() as session:
        mark_in_flight(session, [receipt.id], NOW)
        release_in_flight(session, "network: refused", later)
    released = row(kiosk_db, receipt.id)
    assert (released.state, released.last_error, released.next_attempt_at) == (
        MutationState.PENDING,
        "network: refused",
        later,
    )


def test_a_late_answer_never_turns_a_rejected_record_into_a_sent_one(kiosk_db: KioskDB) -> None:
    receipt = complaint(kiosk_db)
    with kiosk_db.store.write() as session:
        record_results(session, [DeliveryResult(receipt.id, False, "conflict", "x")], NOW)
        record_results(session, [DeliveryResult(receipt.id, True)], NOW)
    assert row(kiosk_db, receipt.id).state is MutationState.REJECTED
    assert status_of(kiosk_db, receipt) is DeliveryStatus.NEEDS_ATTENTION


def test_needs_attention_lists_receipt_code_and_the_servers_reason(kiosk_db: KioskDB) -> None:
    receipt = complaint(kiosk_db)
    with kiosk_db.store.write() as session:
        record_results(
            session, [DeliveryResult(receipt.id, False, "invalid_payload", "bad phone")], NOW
        )
    with kiosk_db.store.read() as session:
        items = needs_attention(session)
    assert [(i.receipt_code, i.code, i.message) for i in items] == [
        (receipt.code, "invalid_payload", "bad phone")
    ]


def test_retry_rejected_queues_the_record_again_with_its_sealed_data(kiosk_db: KioskDB) -> None:
    receipt = complaint(kiosk_db)
    with kiosk_db.store.write() as session:
        record_results(session, [DeliveryResult(receipt.id, False, "conflict", "x")], NOW)
    assert retry_rejected(kiosk_db.store, [receipt.id]) == 1
    again = row(kiosk_db, receipt.id)
    assert again.state is MutationState.PENDING
    assert kiosk_db.unsealed(again)["name"] == "김민수"
    assert status_of(kiosk_db, receipt) is DeliveryStatus.QUEUED


def test_retry_rejected_leaves_other_records_alone(kiosk_db: KioskDB) -> None:
    receipt = complaint(kiosk_db)
    assert retry_rejected(kiosk_db.store, [receipt.id]) == 0
    assert row(kiosk_db, receipt.id).state is MutationState.PENDING


def test_prune_forgets_old_sent_payloads_and_keeps_the_receipt(kiosk_db: KioskDB) -> None:
    old, recent = complaint(kiosk_db, 1), complaint(kiosk_db, 2)
    with kiosk_db.store.write() as session:
        record_results(session, [DeliveryResult(old.id, True)], NOW)
        record_results(session, [DeliveryResult(recent.id, True)], NOW + dt.timedelta(days=20))
    with kiosk_db.store.write() as session:
        assert prune_sent(session, NOW + dt.timedelta(days=10)) == 1
    with kiosk_db.store.read() as session:
        assert [m.id for m in session.scalars(select(OutboxMutation))] == [recent.id]
    assert status_of(kiosk_db, old) is DeliveryStatus.SENT


def test_a_second_admission_is_flagged_and_gets_the_server_time(kiosk_db: KioskDB) -> None:
    from core.payloads import MutationType
    from kiosk.outbox import enqueue

    server_time = NOW + dt.timedelta(minutes=3)
    with kiosk_db.store.write() as session:
        session.add(CheckIn(id="c" * 36, event_id=1, key_id=7, number=1, scanned_at=NOW))
        payload = {"event_id": 1, "key_id": 7, "number": 1, "scanned_at": NOW.isoformat()}
        enqueue(session, MutationType.CHECKIN, payload, mutation_id="c" * 36, now=NOW)
    with kiosk_db.store.write() as session:
        record_results(
            session, [DeliveryResult("c" * 36, True, "duplicate_admission")], NOW, server_time
        )
    with kiosk_db.store.read() as session:
        checkin = session.get(CheckIn, "c" * 36)
        assert checkin is not None
        assert (checkin.flagged, checkin.server_time) == (True, server_time)


def test_a_second_sign_up_of_one_phone_is_cancelled_here_when_the_server_says_so(
    kiosk_db: KioskDB,
) -> None:
    consent = Consent(version="2027-01", required=True)
    receipt = sign_up(kiosk_db.store, 1, SignupForm("박영희", "010-9876-5432"), consent, now=NOW)
    with kiosk_db.store.write() as session:
        record_results(session, [DeliveryResult(receipt.id, True, "already_signed_up")], NOW)

    with kiosk_db.store.read() as session:
        row = session.get(Registration, receipt.id)
        assert row is not None and row.status == "cancelled"
