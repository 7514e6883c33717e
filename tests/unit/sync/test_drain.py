"""Draining a long queue: what the faster drain must keep.

One commit per batch records the last answer and puts the next batch in
flight; rows are found by index, never by walking the queue; pruning reads
first and deletes by id. Asserted on what the server received, what the
outbox and the receipts say, and the query plans SQLite chooses.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import event, select, text

from kiosk.models import DeliveryStatus, MutationState, OutboxMutation, Submission
from kiosk.outbox import DeliveryResult, mark_in_flight, prune_ids, record_results
from kiosk.store import Store
from kiosk.submissions import Receipt
from sync.backoff import Backoff
from sync.client import FailureKind
from sync.engine import INVALID_LOCAL_CODE, PRUNE_EVERY, EngineSettings, RoundOutcome, SyncEngine
from tests.conftest import NOW, KioskDB
from tests.support.fake_central import FakeCentral, failure
from tests.support.quick_engine import queued_complaint


def complaint(db: KioskDB, n: int = 0) -> Receipt:
    return queued_complaint(db.store, n, NOW)


def states(db: KioskDB) -> dict[str, MutationState]:
    with db.store.read() as session:
        return {m.id: m.state for m in session.scalars(select(OutboxMutation))}


def statuses(db: KioskDB) -> dict[str, DeliveryStatus]:
    with db.store.read() as session:
        return {s.id: s.status for s in session.scalars(select(Submission))}


@pytest.fixture
def central() -> FakeCentral:
    return FakeCentral()


@pytest.fixture
def make_engine(kiosk_db: KioskDB, central: FakeCentral) -> Callable[..., SyncEngine]:
    def make(clock: Callable[[], dt.datetime] | None = None, **settings: Any) -> SyncEngine:
        return SyncEngine(
            kiosk_db.store,
            settings=EngineSettings(app_version="test", **settings),
            backoff=Backoff(base_s=2.0, cap_s=300.0, rng=random.Random(7)),
            clock=clock or (lambda: NOW),
            client_factory=central.client,
        )

    return make


def test_an_answered_batch_stays_sent_when_the_next_push_fails(
    kiosk_db: KioskDB, central: FakeCentral, make_engine: Callable[..., SyncEngine]
) -> None:
    receipts = [complaint(kiosk_db, n) for n in range(6)]

    def fail_the_next(ids: list[str]) -> None:
        if len(central.batches) == 1:
            central.fail_before.append(failure(FailureKind.NETWORK))

    central.during_push = fail_the_next
    result = make_engine(batch_size=3).run_once()
    assert result.outcome is RoundOutcome.RETRY
    now = states(kiosk_db)
    assert [now[r.id] for r in receipts] == [MutationState.SENT] * 3 + [MutationState.PENDING] * 3
    assert [statuses(kiosk_db)[r.id] for r in receipts[:3]] == [DeliveryStatus.SENT] * 3


def test_a_record_stored_wrong_needs_attention_and_the_rest_are_delivered(
    kiosk_db: KioskDB, central: FakeCentral, make_engine: Callable[..., SyncEngine]
) -> None:
    receipts = [complaint(kiosk_db, n) for n in range(5)]
    with kiosk_db.store.write() as session:
        session.execute(
            text("UPDATE outbox SET payload = '{truncated' WHERE id = :id"), {"id": receipts[1].id}
        )
    result = make_engine(batch_size=2).run_once()
    assert result.outcome is RoundOutcome.OK
    assert sorted(central.stored) == sorted(r.id for n, r in enumerate(receipts) if n != 1)
    with kiosk_db.store.read() as session:
        bad = session.get(OutboxMutation, receipts[1].id)
        assert bad is not None
        assert (bad.state, bad.result_code, bad.payload) == (
            MutationState.REJECTED,
            INVALID_LOCAL_CODE,
            "{truncated",
        )
    assert statuses(kiosk_db)[receipts[1].id] is DeliveryStatus.NEEDS_ATTENTION


@pytest.mark.parametrize("seed", range(5))
def test_every_record_arrives_with_its_own_payload_through_random_failures(
    kiosk_db: KioskDB,
    central: FakeCentral,
    make_engine: Callable[..., SyncEngine],
    seed: int,
) -> None:
    rng = random.Random(seed)
    receipts = [complaint(kiosk_db, n) for n in range(40)]
    with kiosk_db.store.read() as session:
        payloads = {m.id: m.payload for m in session.scalars(select(OutboxMutation))}
    engine = make_engine(batch_size=rng.choice([1, 3, 7, 100]))
    for _ in range(60):
        roll = rng.random()
        kind = rng.choice([FailureKind.NETWORK, FailureKind.TIMEOUT, FailureKind.SERVER_ERROR])
        if roll < 0.3:
            central.fail_before.append(failure(kind))
        elif roll < 0.6:
            central.fail_after.append(failure(kind))  # the server applied it: a lost ack
        result = engine.run_once()
        if result.outcome is RoundOutcome.OK and result.status.pending == 0:
            break
    else:
        pytest.fail("the queue never drained")
    assert set(central.stored) == {r.id for r in receipts}
    for mutation_id, stored in central.stored.items():
        assert stored == json.dumps(json.loads(payloads[mutation_id] or ""), sort_keys=True)
    assert set(states(kiosk_db).values()) == {MutationState.SENT}
    assert set(statuses(kiosk_db).values()) == {DeliveryStatus.SENT}


@pytest.fixture
def outbox_statements(store: Store) -> Iterator[dict[str, Any]]:
    """Every distinct statement run on the outbox meanwhile, with one set of its parameters."""
    seen: dict[str, Any] = {}

    def capture(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _ctx: Any, many: bool
    ) -> None:
        if " outbox" in statement and not many and not statement.startswith("EXPLAIN"):
            seen.setdefault(statement, parameters)

    event.listen(store.engine, "before_cursor_execute", capture)
    yield seen
    event.remove(store.engine, "before_cursor_execute", capture)


def test_a_round_finds_outbox_rows_by_index_never_by_walking_the_queue(
    kiosk_db: KioskDB,
    central: FakeCentral,
    make_engine: Callable[..., SyncEngine],
    outbox_statements: dict[str, Any],
) -> None:
    # SQLite plans without statistics on a kiosk: the plan is the same for 250
    # rows as for a million, and a statement that picks rows by id but walks a
    # state's range instead costs the whole queue every batch.
    for n in range(250):
        complaint(kiosk_db, n)
    receipts = [complaint(kiosk_db, 1000 + n) for n in range(3)]
    central.reject[receipts[0].id] = ("conflict", "different payload")
    central.omit.add(receipts[1].id)
    now = [NOW]
    engine = make_engine(clock=lambda: now[0], batch_size=100, retention=dt.timedelta(days=1))
    engine.run_once()
    central.omit.clear()
    now[0] = NOW + dt.timedelta(days=2)
    engine.run_once()  # the one left out is sent, and the others sent are pruned
    assert states(kiosk_db) == {
        receipts[0].id: MutationState.REJECTED,
        receipts[1].id: MutationState.SENT,
    }
    plans: dict[str, list[str]] = {}
    with kiosk_db.store.engine.connect() as conn:
        for statement, parameters in outbox_statements.items():
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            plans[statement] = [str(row[3]) for row in rows]
    by_id = [s for s in plans if "outbox.id IN" in s or "outbox.id =" in s]
    assert len(by_id) >= 4  # in flight, sent, rejected, pruned
    for statement, steps in plans.items():
        assert not any(step.startswith("SCAN outbox ") for step in steps), (statement, steps)
        if statement in by_id:
            assert any("sqlite_autoindex_outbox_1 (id=?)" in step for step in steps), (
                statement,
                steps,
            )


def test_prune_ids_forgets_only_those_still_sent_before_the_cutoff(kiosk_db: KioskDB) -> None:
    old, recent, queued, rejected = (complaint(kiosk_db, n) for n in range(4))
    store = kiosk_db.store
    with store.write() as session:
        mark_in_flight(session, [old.id, recent.id, rejected.id], NOW)
        record_results(session, [DeliveryResult(old.id, True)], NOW)
        record_results(session, [DeliveryResult(recent.id, True)], NOW + dt.timedelta(days=5))
        record_results(session, [DeliveryResult(rejected.id, False, "conflict")], NOW)
    every = [old.id, recent.id, queued.id, rejected.id]
    with store.write() as session:
        assert prune_ids(session, every, NOW + dt.timedelta(days=1)) == 1
    assert set(states(kiosk_db)) == {recent.id, queued.id, rejected.id}
    assert set(statuses(kiosk_db)) == set(every)  # the receipts stay


def test_old_sent_records_are_looked_for_at_most_once_an_hour(
    kiosk_db: KioskDB, make_engine: Callable[..., SyncEngine]
) -> None:
    first = complaint(kiosk_db, 0)
    now = [NOW]
    engine = make_engine(clock=lambda: now[0], retention=dt.timedelta(days=1))
    engine.run_once()
    second = complaint(kiosk_db, 1)
    sent_second = now[0] = NOW + dt.timedelta(days=1, minutes=1)
    engine.run_once()  # the first is past retention: pruned; the second just sent
    assert set(states(kiosk_db)) == {second.id}
    looked = now[0] = sent_second + dt.timedelta(days=1) - dt.timedelta(minutes=10)
    engine.run_once()  # looked for: the second is not old enough yet
    now[0] = looked + PRUNE_EVERY / 3  # the second is now old, but the last look is recent
    engine.run_once()
    assert set(states(kiosk_db)) == {second.id}
    now[0] = looked + PRUNE_EVERY
    engine.run_once()
    assert states(kiosk_db) == {}
    assert set(statuses(kiosk_db)) == {first.id, second.id}  # the receipts stay
