"""The sync engine, one round at a time, against an in-memory central server.

What is asserted is what staff or the city would notice: what the server
holds, what the kiosk's queue and records say, and the state shown.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import select

from core.kinds import RegistrationStatus
from kiosk.models import (
    DeliveryStatus,
    DeviceIdentity,
    Event,
    MutationState,
    OutboxMutation,
    Registration,
    Submission,
)
from kiosk.signups import SignupForm, sign_up
from kiosk.submissions import Receipt
from sync.backoff import Backoff
from sync.client import FailureKind, SyncFailure
from sync.engine import EngineSettings, RoundOutcome, SyncEngine
from sync.protocol import EventChange, RegistrationChange
from sync.status import SyncState, SyncStatus
from tests.conftest import NOW, KioskDB
from tests.support.fake_central import FakeCentral, failure
from tests.support.quick_engine import CONSENT, queued_complaint


def complaint(db: KioskDB, n: int = 0) -> Receipt:
    return queued_complaint(db.store, n, NOW)


def outbox(db: KioskDB) -> dict[str, OutboxMutation]:
    with db.store.read() as session:
        return {m.id: m for m in session.scalars(select(OutboxMutation))}


def submission(db: KioskDB, receipt: Receipt) -> Submission:
    with db.store.read() as session:
        found = session.get(Submission, receipt.id)
        assert found is not None
        return found


@pytest.fixture
def central() -> FakeCentral:
    return FakeCentral()


@pytest.fixture
def make_engine(kiosk_db: KioskDB, central: FakeCentral) -> Callable[..., SyncEngine]:
    def make(**settings: object) -> SyncEngine:
        return SyncEngine(
            kiosk_db.store,
            settings=EngineSettings(app_version="test", **settings),  # type: ignore[arg-type]
            backoff=Backoff(base_s=2.0, cap_s=300.0, rng=random.Random(7)),
            client_factory=central.client,
        )

    return make


@pytest.fixture
def engine(make_engine: Callable[..., SyncEngine]) -> SyncEngine:
    return make_engine()


class TestPush:
    def test_every_queued_record_reaches_the_server_oldest_first(
        self, kiosk_db: KioskDB, central: FakeCentral, engine: SyncEngine
    ) -> None:
        receipts = [complaint(kiosk_db, n) for n in range(5)]
        result = engine.run_once()
        assert result.outcome is RoundOutcome.OK
        assert central.batches == [[r.id for r in receipts]]

    def test_batches_hold_at_most_the_batch_size(
        self, kiosk_db: KioskDB, central: FakeCentral, make_engine: Callable[..., SyncEngine]
    ) -> None:
        for n in range(7):
            complaint(kiosk_db, n)
        make_engine(batch_size=3).run_once()
        assert [len(b) for b in central.batches] == [3, 3, 1]

    def test_a_batch_over_the_byte_limit_is_split(
        self, kiosk_db: KioskDB, central: FakeCentral, make_engine: Callable[..., SyncEngine]
    ) -> None:
        for n in range(8):
            complaint(kiosk_db, n)
        one = len(next(iter(outbox(kiosk_db).values())).payload or "")
        make_engine(max_push_bytes=3 * one).run_once()
        assert sum(len(b) for b in central.batches) == 8
        assert all(size <= 3 * one for size in central.bodies)

    def test_applied_records_are_marked_sent_with_their_receipt(
        self, kiosk_db: KioskDB, engine: SyncEngine
    ) -> None:
        receipt = complaint(kiosk_db)
        engine.run_once()
        assert outbox(kiosk_db)[receipt.id].state is MutationState.SENT
        assert submission(kiosk_db, receipt).status is DeliveryStatus.SENT

    def test_a_duplicate_answer_counts_as_delivered(
        self, kiosk_db: KioskDB, central: FakeCentral, engine: SyncEngine
    ) -> None:
        receipt = complaint(kiosk_db)
        payload = json.loads(outbox(kiosk_db)[receipt.id].payload or "")
        central.stored[receipt.id] = json.dumps(payload, sort_keys=True)
        engine.run_once()
        assert outbox(kiosk_db)[receipt.id].state is MutationState.SENT

    def test_mutations_are_in_flight_before_the_request_leaves(
        self, kiosk_db: KioskDB, central: FakeCentral, engine: SyncEngine
    ) -> None:
        receipt = complaint(kiosk_db)
        seen: list[tuple[MutationState, int]] = []
        central.during_push = lambda ids: seen.append(
            (outbox(kiosk_db)[receipt.id].state, outbox(kiosk_db)[receipt.id].attempts)
        )
        engine.run_once()
        assert seen == [(MutationState.IN_FLIGHT, 1)]

    def test_a_record_left_in_flight_by_a_crash_is_sent_again(
        self, kiosk_db: KioskDB, central: FakeCentral, engine: SyncEngine
    ) -> None:
        receipt = complaint(kiosk_db)
        with kiosk_db.store.write() as session:
            row = session.get(OutboxMutation, receipt.id)
            assert row is not None
            row.state = MutationState.IN_FLIGHT
        engine.run_once()
        assert central.batches == [[receipt.id]]
        assert outbox(kiosk_db)[receipt.id].state is MutationState.SENT

    def test_rejected_record_needs_attention_with_code_message_and_data_kept(
        self, kiosk_db: KioskDB, central: FakeCentral, engine: SyncEngine
    ) -> None:
        bad, good = complaint(kiosk_db, 1), complaint(kiosk_db, 2)
        central.reject[bad.id] = ("invalid_payload", "description: too long")
        result = engine.run_once()
        row = outbox(kiosk_db)[bad.id]
        assert (row.state, row.result_code, row.last_error) == (
            MutationState.REJECTED,
            "invalid_payload",
            "description: too long",
        )
        assert kiosk_db.unsealed(row)["description"] == "보도 파손 1"
        assert submission(kiosk_db, bad).status is DeliveryStatus.NEEDS_ATTENTION
        assert outbox(kiosk_db)[good.id].state is MutationState.SENT
        assert (result.status.needs_attention, result.status.pending) == (1, 0)

    def test_ids_missing_from_the_answer_stay_queued(
        self, kiosk_db: KioskDB, central: FakeCentral, engine: SyncEngine
    ) -> None:
        first, second = complaint(kiosk_db, 1), complaint(kiosk_db, 2)
        central.omit = {second.id}
        engine.run_once()
        assert outbox(kiosk_db)[first.id].state is MutationState.SENT
        assert outbox(kiosk_db)[second.id].state is MutationState.PENDING

    def test_an_answer_for_none_of_the_batch_is_a_retryable_failure(
        self, kiosk_db: KioskDB, central: FakeCentral, engine: SyncEngine
    ) -> None:
        receipt = complaint(kiosk_db)
        central.omit = {receipt.id}
        result = engine.run_once()
        assert result.outcome is RoundOutcome.RETRY
        assert result.status.reason == "bad_response"

    def test_a_waitlisted_answer_moves_the_sign_up_to_the_waiting_list(
        self, kiosk_db: KioskDB, central: FakeCentral, engine: SyncEngine
    ) -> None:
        receipt = sign_up(
            kiosk_db.store, 1, SignupForm("김민수", "010-1234-5678"), CONSENT, now=NOW
        )
        central.codes[receipt.id] = "waitlisted"
        engine.run_once()
        with kiosk_db.store.read() as session:
            registration = session.get(Registration, receipt.id)
            assert registration is not None
            assert registration.status is RegistrationStatus.WAITLISTED


class TestTooLarge:
    def test_413_halves_the_batch_until_it_fits(
        self, kiosk_db: KioskDB, central: FakeCentral, engine: SyncEngine
    ) -> None:
        for n in range(10):
            complaint(kiosk_db, n)
        central.max_mutations = 3
        result = engine.run_once()
        assert result.outcome is RoundOutcome.OK
        assert max(len(b) for b in central.batches) <= 3
        assert len(central.stored) == 10

    def test_a_single_record_the_server_will_never_take_needs_attention(
        self, kiosk_db: KioskDB, central: FakeCentral, engine: SyncEngine
    ) -> None:
        receipt = complaint(kiosk_db)
        central.max_mutations = 0
        result = engine.run_once()
        assert result.outcome is RoundOutcome.OK
        assert outbox(kiosk_db)[receipt.id].state is MutationState.REJECTED
        assert outbox(kiosk_db)[receipt.id].result_code == "too_large"


class TestRetryableFailures:
    @pytest.mark.parametrize(
        "kind",
        [
            FailureKind.NETWORK,
            FailureKind.TIMEOUT,
            FailureKind.SERVER_ERROR,
            FailureKind.RATE_LIMITED,
            FailureKind.BAD_RESPONSE,
        ],
    )
    def test_failure_keeps_the_record_queued_with_its_id_and_reason(
        self, kind: FailureKind, kiosk_db: KioskDB, central: FakeCentral, engine: SyncEngine
    ) -> None:
        receipt = complaint(kiosk_db)
        central.fail_before.append(failure(kind))
        result = engine.run_once()
        row = outbox(kiosk_db)[receipt.id]
        assert result.outcome is RoundOutcome.RETRY
        assert (row.state, row.attempts) == (MutationState.PENDING, 1)
        assert str(kind) in row.last_error
        assert result.status.reason == str(kind)

    def test_lost_ack_is_resent_with_the_same_id_and_stored_once(
        self, kiosk_db: KioskDB, central: FakeCentral, engine: SyncEngine
    ) -> None:
        receipt = complaint(kiosk_db)
        central.fail_after.append(failure(FailureKind.NETWORK))
        assert engine.run_once().outcome is RoundOutcome.RETRY
        assert engine.run_once().outcome is RoundOutcome.OK
        assert central.batches == [[receipt.id], [receipt.id]]
        assert list(central.stored) == [receipt.id]
        assert outbox(kiosk_db)[receipt.id].state is MutationState.SENT

    def test_retry_delay_grows_with_each_failure(
        self, kiosk_db: KioskDB, central: FakeCentral, engine: SyncEngine
    ) -> None:
        complaint(kiosk_db)
        ceilings = []
        for _ in range(6):
            central.fail_before.append(failure(FailureKind.NETWORK))
            result = engine.run_once()
            assert result.retry_in_s is not None
            ceilings.append(engine.backoff.ceiling(engine.consecutive_failures))
            assert result.retry_in_s <= ceilings[-1]
        assert ceilings == [2, 4, 8, 16, 32, 64]

    def test_retry_after_is_honoured(
        self, kiosk_db: KioskDB, central: FakeCentral, engine: SyncEngine
    ) -> None:
        complaint(kiosk_db)
        central.fail_before.append(failure(FailureKind.RATE_LIMITED, retry_after_s=42.0))
        result = engine.run_once()
        assert result.retry_in_s is not None and result.retry_in_s >= 42.0
        assert result.status.next_attempt_at is not None

    def test_offline_is_reported_after_repeated_failures_only(
        self, kiosk_db: KioskDB, central: FakeCentral, engine: SyncEngine
    ) -> None:
        complaint(kiosk_db)
        assert engine.run_once().status.state is SyncState.ONLINE
        complaint(kiosk_db, 1)
        states = []
        for _ in range(3):
            central.fail_before.append(failure(FailureKind.NETWORK))
            states.append(engine.run_once().status.state)
        assert states == [SyncState.ONLINE, SyncState.ONLINE, SyncState.OFFLINE]

    def test_a_success_after_an_outage_is_online_and_resets_the_backoff(
        self, kiosk_db: KioskDB, central: FakeCentral, engine: SyncEngine
    ) -> None:
        complaint(kiosk_db)
        central.fail_before.extend(failure(FailureKind.NETWORK) for _ in range(4))
        for _ in range(4):
            engine.run_once()
        result = engine.run_once()
        assert result.status.state is SyncState.ONLINE
        assert engine.consecutive_failures == 0
        assert result.status.last_success is not None

    def test_an_unexpected_error_is_reported_not_raised(
        self, kiosk_db: KioskDB, central: FakeCentral, engine: SyncEngine
    ) -> None:
        complaint(kiosk_db)

        def explode(ids: list[str]) -> None:
            raise RuntimeError("bug")

        central.during_push = explode
        result = engine.run_once()
        assert result.outcome is RoundOutcome.RETRY
        assert "internal error" in result.status.detail


class TestPausing:
    def test_401_pauses_and_asks_for_re_enrolment(
        self, kiosk_db: KioskDB, central: FakeCentral, engine: SyncEngine
    ) -> None:
        receipt = complaint(kiosk_db)
        central.fail_before.append(failure(FailureKind.UNAUTHORIZED))
        result = engine.run_once()
        assert (result.outcome, result.status.state) == (
            RoundOutcome.PAUSED,
            SyncState.REENROL_NEEDED,
        )
        assert outbox(kiosk_db)[receipt.id].state is MutationState.PENDING

    def test_while_paused_no_request_is_made(
        self, kiosk_db: KioskDB, central: FakeCentral, engine: SyncEngine
    ) -> None:
        complaint(kiosk_db)
        central.fail_before.append(failure(FailureKind.UNAUTHORIZED))
        engine.run_once()
        engine.run_once()
        assert central.batches == []
        assert engine.status.state is SyncState.REENROL_NEEDED

    def test_a_new_token_resumes_with_the_same_ids(
        self, kiosk_db: KioskDB, central: FakeCentral, engine: SyncEngine
    ) -> None:
        receipt = complaint(kiosk_db)
        central.fail_before.append(failure(FailureKind.UNAUTHORIZED))
        engine.run_once()
        with kiosk_db.store.write() as session:
            identity = session.get(DeviceIdentity, 1)
            assert identity is not None
            identity.token = "new-token"
        assert engine.run_once().outcome is RoundOutcome.OK
        assert list(central.stored) == [receipt.id]
        assert central.tokens[-1] == "new-token"

    def test_403_stops_as_revoked_and_is_remembered(
        self, kiosk_db: KioskDB, central: FakeCentral, make_engine: Callable[..., SyncEngine]
    ) -> None:
        complaint(kiosk_db)
        central.fail_before.append(failure(FailureKind.REVOKED))
        assert make_engine().run_once().status.state is SyncState.REVOKED
        restarted = make_engine()
        assert restarted.status.state is SyncState.REVOKED
        assert restarted.run_once().outcome is RoundOutcome.PAUSED
        assert central.batches == []

    def test_unsupported_protocol_asks_for_an_update(
        self, kiosk_db: KioskDB, central: FakeCentral, engine: SyncEngine
    ) -> None:
        central.pull_failures.append(failure(FailureKind.UPDATE_NEEDED))
        assert engine.run_once().status.state is SyncState.UPDATE_NEEDED

    def test_sync_now_tries_even_while_paused(
        self, kiosk_db: KioskDB, central: FakeCentral, engine: SyncEngine
    ) -> None:
        complaint(kiosk_db)
        central.fail_before.append(failure(FailureKind.UNAUTHORIZED))
        engine.run_once()
        assert engine.run_once(force=True).outcome is RoundOutcome.OK


class TestPull:
    def test_pages_are_applied_until_the_server_has_no_more(
        self, kiosk_db: KioskDB, central: FakeCentral, engine: SyncEngine
    ) -> None:
        starts = NOW + dt.timedelta(days=3)
        central.pages = [
            central.page(
                "c1",
                has_more=True,
                events=[
                    EventChange(
                        id=90,
                        title_ko="설명회",
                        title_en="Briefing",
                        starts_at=starts,
                        capacity=50,
                        taken=5,
                        offline_block=10,
                    )
                ],
            ),
            central.page(
                "c2",
                has_more=False,
                events=[
                    EventChange(
                        id=91,
                        title_ko="토론회",
                        title_en="Debate",
                        starts_at=starts,
                        capacity=20,
                        offline_block=4,
                    )
                ],
            ),
        ]
        result = engine.run_once()
        assert result.pulled_pages == 2
        assert central.pulls == ["", "c1"]
        with kiosk_db.store.read() as session:
            event = session.get(Event, 90)
            assert event is not None
            assert (event.taken_remote, event.offline_block) == (5, 10)
            assert session.get(Event, 91) is not None

    def test_the_next_round_continues_from_the_stored_cursor(
        self, central: FakeCentral, engine: SyncEngine
    ) -> None:
        central.pages = [central.page("c7")]
        engine.run_once()
        engine.run_once()
        assert central.pulls == ["", "c7"]

    def test_a_failed_pull_resumes_from_the_last_applied_page(
        self, central: FakeCentral, engine: SyncEngine
    ) -> None:
        central.pages = [central.page("c1", has_more=True), failure(FailureKind.NETWORK)]
        assert engine.run_once().outcome is RoundOutcome.RETRY
        engine.run_once()
        assert central.pulls == ["", "c1", "c1"]

    def test_own_sign_up_echoed_back_keeps_its_local_record(
        self, kiosk_db: KioskDB, central: FakeCentral, engine: SyncEngine
    ) -> None:
        receipt = sign_up(
            kiosk_db.store, 1, SignupForm("김민수", "010-1234-5678"), CONSENT, now=NOW
        )
        central.pages = [
            central.page(
                "c1",
                registrations=[
                    RegistrationChange(
                        id=uuid.UUID(receipt.id),
                        event_id=1,
                        status="confirmed",
                        receipt_code=receipt.code,
                        key_id=7,
                        number=1,
                        masked_name="김*수",
                    )
                ],
            )
        ]
        engine.run_once()
        with kiosk_db.store.read() as session:
            registration = session.get(Registration, receipt.id)
            assert registration is not None
            assert registration.local


class TestStatus:
    def test_clock_offset_from_server_time_is_kept_and_flagged_when_large(
        self, kiosk_db: KioskDB, central: FakeCentral, engine: SyncEngine
    ) -> None:
        central.clock_offset_s = 400.0
        status = engine.run_once().status
        assert status.clock_skew_s == 400.0
        assert status.skew_warning

    def test_observers_see_syncing_then_online_with_counts(
        self, kiosk_db: KioskDB, engine: SyncEngine
    ) -> None:
        complaint(kiosk_db)
        seen: list[SyncStatus] = []

        class Recorder:
            def sync_status_changed(self, status: SyncStatus) -> None:
                seen.append(status)

        engine.add_observer(Recorder())
        engine.run_once()
        syncing = [s for s in seen if s.state is SyncState.SYNCING]
        assert syncing[0].pending == 1
        assert (seen[-1].state, seen[-1].pending) == (SyncState.ONLINE, 0)

    def test_a_failing_observer_does_not_stop_delivery(
        self, kiosk_db: KioskDB, central: FakeCentral, engine: SyncEngine
    ) -> None:
        class Broken:
            calls = 0

            def sync_status_changed(self, status: SyncStatus) -> None:
                Broken.calls += 1
                if Broken.calls > 1:
                    raise RuntimeError("observer bug")

        engine.add_observer(Broken())
        receipt = complaint(kiosk_db)
        assert engine.run_once().outcome is RoundOutcome.OK
        assert receipt.id in central.stored

    def test_a_kiosk_never_enrolled_reports_so(self, tmp_path: object) -> None:
        from kiosk.store import open_store

        store = open_store(f"sqlite:///{tmp_path}/new.db")
        engine = SyncEngine(store, settings=EngineSettings(app_version="test"))
        assert engine.run_once().outcome is RoundOutcome.NOT_ENROLLED
        assert engine.status.state is SyncState.NOT_ENROLLED


class TestRetention:
    def test_sent_records_are_pruned_after_the_retention_period_receipt_stays(
        self, kiosk_db: KioskDB, central: FakeCentral
    ) -> None:
        receipt = complaint(kiosk_db)
        now = [NOW]
        engine = SyncEngine(
            kiosk_db.store,
            settings=EngineSettings(app_version="t", retention=dt.timedelta(days=30)),
            clock=lambda: now[0],
            client_factory=central.client,
        )
        engine.run_once()
        assert receipt.id in outbox(kiosk_db)
        now[0] = NOW + dt.timedelta(days=31)
        engine.run_once()
        assert receipt.id not in outbox(kiosk_db)
        kept = submission(kiosk_db, receipt)
        assert (kept.receipt_code, kept.status) == (receipt.code, DeliveryStatus.SENT)

    def test_queued_and_rejected_records_are_never_pruned(
        self, kiosk_db: KioskDB, central: FakeCentral
    ) -> None:
        rejected = complaint(kiosk_db)
        central.reject[rejected.id] = ("conflict", "different payload")
        now = [NOW]
        engine = SyncEngine(
            kiosk_db.store,
            settings=EngineSettings(app_version="t", retention=dt.timedelta(days=1)),
            clock=lambda: now[0],
            client_factory=central.client,
        )
        engine.run_once()
        now[0] = NOW + dt.timedelta(days=400)
        engine.run_once()
        assert outbox(kiosk_db)[rejected.id].state is MutationState.REJECTED


def test_a_failure_exception_is_a_value_with_its_kind() -> None:
    error = SyncFailure(FailureKind.TIMEOUT, "read timed out")
    assert error.retryable
    assert not SyncFailure(FailureKind.REVOKED, "gone").retryable
