"""Exactly-once delivery through network faults, against the real central server.

Each test queues records, syncs through the fault proxy while one fault is
on, then lets the fault clear and syncs until the queue is empty. Whatever
happened in between, the server must hold every record exactly once and the
kiosk must have marked each one sent (or, for a bad record, "needs
attention" with its data intact). Backoff is a few milliseconds, so retries
are driven round by round with no waiting.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update

from kiosk.models import MutationState, OutboxMutation
from kiosk.submissions import Receipt
from server.models import RejectedMutation
from sync.client import FailureKind
from sync.engine import RoundOutcome
from sync.protocol import PATH_PULL, PATH_PUSH
from sync.status import SyncState
from tests.support.faultproxy import Fault, FaultKind
from tests.support.sync_rig import SyncRig


def assert_delivered_exactly_once(rig: SyncRig, receipts: list[Receipt]) -> None:
    ids = {r.id for r in receipts}
    on_server = rig.server_records()
    assert {i: on_server[i] for i in ids} == dict.fromkeys(ids, 1)
    assert all(rig.server_mutations()[i] == 1 for i in ids)
    states = rig.kiosk_states()
    assert {states[i] for i in ids} == {MutationState.SENT}


def shown(rig: SyncRig) -> SyncState:
    """The state the kiosk showed after the last round."""
    return rig.rounds[-1].status.state


def fail_then_drain(
    rig: SyncRig, expected: FailureKind, receipts: list[Receipt], *, committed: bool
) -> None:
    """One failing round, what each side holds right after it, then drain."""
    result = rig.sync_once()
    assert result.outcome is RoundOutcome.RETRY
    assert result.failure is not None and result.failure.kind is expected
    ids = {r.id for r in receipts}
    # The kiosk never marks sent without the server's answer...
    assert {rig.kiosk_states()[i] for i in ids} == {MutationState.PENDING}
    # ...whether or not the server had stored the records before the fault hit.
    on_server = ids & set(rig.server_records())
    assert on_server == (ids if committed else set())
    rig.sync_until_done()


def test_server_down_at_start_then_up(rig: SyncRig) -> None:
    rig.stop_server()
    receipts = rig.submit(5)
    for _ in range(3):
        assert rig.sync_once().outcome is RoundOutcome.RETRY
    assert shown(rig) is SyncState.OFFLINE
    rig.start_server()
    rig.sync_until_done()
    assert_delivered_exactly_once(rig, receipts)
    assert shown(rig) is SyncState.ONLINE


def test_connection_refused(rig: SyncRig) -> None:
    receipts = rig.submit(5)
    rig.proxy.pause_listening()
    result = rig.sync_once()
    assert result.failure is not None and result.failure.kind is FailureKind.NETWORK
    rig.proxy.resume_listening()
    rig.sync_until_done()
    assert_delivered_exactly_once(rig, receipts)


def test_connection_reset_before_the_server_sees_the_push(rig: SyncRig) -> None:
    receipts = rig.submit(5)
    rig.proxy.set_fault(Fault.reset_before_upstream(), times=1, path_prefix=PATH_PUSH)
    fail_then_drain(rig, FailureKind.NETWORK, receipts, committed=False)
    assert_delivered_exactly_once(rig, receipts)


def test_lost_ack_after_the_server_committed(rig: SyncRig) -> None:
    receipts = rig.submit(5)
    rig.proxy.set_fault(Fault.drop_response(), times=1, path_prefix=PATH_PUSH)
    fail_then_drain(rig, FailureKind.NETWORK, receipts, committed=True)
    assert rig.proxy.faults_applied[0].kind is FaultKind.DROP_RESPONSE
    assert_delivered_exactly_once(rig, receipts)


def test_reset_in_the_middle_of_the_response(rig: SyncRig) -> None:
    receipts = rig.submit(5)
    rig.proxy.set_fault(Fault.reset_mid_response(), times=1, path_prefix=PATH_PUSH)
    fail_then_drain(rig, FailureKind.NETWORK, receipts, committed=True)
    assert_delivered_exactly_once(rig, receipts)


def test_slow_response_past_the_read_timeout(rig: SyncRig) -> None:
    receipts = rig.submit(5)
    rig.proxy.set_fault(Fault.delay(1.0), times=1, path_prefix=PATH_PUSH)
    fail_then_drain(rig, FailureKind.TIMEOUT, receipts, committed=True)
    assert_delivered_exactly_once(rig, receipts)


def test_server_errors(rig: SyncRig) -> None:
    receipts = rig.submit(5)
    rig.proxy.set_fault(Fault.status(500), times=3, path_prefix=PATH_PUSH)
    fail_then_drain(rig, FailureKind.SERVER_ERROR, receipts, committed=False)
    assert_delivered_exactly_once(rig, receipts)


def test_gateway_error_after_the_server_committed(rig: SyncRig) -> None:
    receipts = rig.submit(5)
    rig.proxy.set_fault(Fault.status(502, forward=True), times=1, path_prefix=PATH_PUSH)
    fail_then_drain(rig, FailureKind.SERVER_ERROR, receipts, committed=True)
    assert_delivered_exactly_once(rig, receipts)


def test_rate_limited_with_retry_after(rig: SyncRig) -> None:
    receipts = rig.submit(5)
    rig.proxy.set_fault(
        Fault.status(429, headers={"Retry-After": "30"}), times=1, path_prefix=PATH_PUSH
    )
    result = rig.sync_once()
    assert result.failure is not None and result.failure.kind is FailureKind.RATE_LIMITED
    assert result.retry_in_s is not None and result.retry_in_s >= 30.0
    rig.sync_until_done()  # the test does not wait; the worker would
    assert_delivered_exactly_once(rig, receipts)


def test_truncated_body_after_the_server_committed(rig: SyncRig) -> None:
    receipts = rig.submit(5)
    rig.proxy.set_fault(Fault.truncated(), times=1, path_prefix=PATH_PUSH)
    fail_then_drain(rig, FailureKind.NETWORK, receipts, committed=True)
    assert_delivered_exactly_once(rig, receipts)


def test_captive_portal_html_instead_of_json(rig: SyncRig) -> None:
    receipts = rig.submit(5)
    rig.proxy.set_fault(Fault.garbage(), times=1, path_prefix=PATH_PUSH)
    fail_then_drain(rig, FailureKind.BAD_RESPONSE, receipts, committed=False)
    assert rig.rounds[-2].status.reason == "bad_response"
    assert_delivered_exactly_once(rig, receipts)


def test_broken_json_after_the_server_committed(rig: SyncRig) -> None:
    receipts = rig.submit(5)
    rig.proxy.set_fault(Fault.garbage_json(forward=True), times=1, path_prefix=PATH_PUSH)
    fail_then_drain(rig, FailureKind.BAD_RESPONSE, receipts, committed=True)
    assert_delivered_exactly_once(rig, receipts)


def test_garbage_on_pull_keeps_the_cursor_and_recovers(rig: SyncRig) -> None:
    before = rig.cursor()
    rig.proxy.set_fault(Fault.garbage(), times=1, path_prefix=PATH_PULL)
    result = rig.sync_once()
    assert result.failure is not None and result.failure.kind is FailureKind.BAD_RESPONSE
    assert rig.cursor() == before
    assert rig.sync_until_done().pulled_pages >= 1


def test_one_invalid_record_in_a_batch_needs_attention_and_blocks_nothing(rig: SyncRig) -> None:
    receipts = rig.submit(6)
    bad = receipts[2]
    with rig.store.write() as session:
        row = session.get(OutboxMutation, bad.id)
        assert row is not None
        payload = json.loads(row.payload or "{}")
        payload["sealed"] = "bm90IGEgc2VhbGVkIGJveA=="  # base64, but no sealed box
        session.execute(
            update(OutboxMutation)
            .where(OutboxMutation.id == bad.id)
            .values(payload=json.dumps(payload))
        )
    result = rig.sync_until_done()
    good = [r for r in receipts if r is not bad]
    assert_delivered_exactly_once(rig, good)
    with rig.store.read() as session:
        kept = session.get(OutboxMutation, bad.id)
        assert kept is not None
        assert (kept.state, kept.result_code) == (MutationState.REJECTED, "unsealable")
        assert kept.last_error
        assert json.loads(kept.payload or "{}")["receipt_code"] == bad.code
    assert result.status.needs_attention == 1
    with rig.server_db.read() as session:
        assert bad.id in session.scalars(select(RejectedMutation.mutation_id)).all()


@pytest.mark.parametrize("seed", [1, 2])
def test_a_flaky_line_with_every_kind_of_fault(rig: SyncRig, seed: int) -> None:
    receipts = rig.submit(120)
    rig.proxy.set_fault(
        Fault.flaky(
            0.5,
            [
                Fault.reset_before_upstream(),
                Fault.drop_response(),
                Fault.reset_mid_response(),
                Fault.status(500),
                Fault.status(503, forward=True),
                Fault.truncated(),
                Fault.garbage(forward=True),
                Fault.delay(0.7),
            ],
            seed=seed,
        )
    )
    engine_batches = 120 // 100 + 1
    for _ in range(engine_batches * 3):
        rig.sync_once()
    rig.proxy.clear_faults()
    rig.sync_until_done()
    assert len(rig.proxy.faults_applied) > 0
    assert_delivered_exactly_once(rig, receipts)
