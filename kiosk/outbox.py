"""The transactional outbox: mutations written with their domain row, in one commit.

Functions here take the caller's session; the caller owns the transaction, so
"received" on screen always means the row and its mutation committed together,
and "sent" always means the server's result and the domain status committed
together. Only the staff action ``retry_rejected`` takes the store, because the
UI never opens sessions itself.

A mutation's life: PENDING → IN_FLIGHT (committed before the request leaves,
with ``attempts`` counted) → SENT or REJECTED on the server's word for that id,
or back to PENDING on any failure without one. A row left IN_FLIGHT by a crash
is simply due again: the server deduplicates by id, so resending is safe.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import (
    BindParameter,
    Connection,
    Select,
    Table,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from core.clock import utcnow
from core.ids import new_id
from core.kinds import RegistrationStatus
from core.payloads import MutationType
from core.sealing import canonical_json
from kiosk.models import (
    Base,
    CheckIn,
    DeliveryStatus,
    MutationState,
    OutboxMutation,
    OutboxTally,
    Registration,
    Submission,
    SyncState,
)
from kiosk.prepared import Prepared

if TYPE_CHECKING:
    from kiosk.store import Store

# States whose mutations still have to reach the server.
QUEUED_STATES = (MutationState.PENDING, MutationState.IN_FLIGHT)
# The other states, by construction. Statements that pick rows by id say "still
# queued" as ``state NOT IN (these)``: an IN over QUEUED_STATES lets SQLite's
# planner, which has no statistics on a kiosk, walk ix_outbox_due's range of
# every queued row checking each id (O(queue) per batch: a drain of a million
# never finished), whereas NOT IN cannot use an index, so the id's own unique
# index is used: 100 look-ups per batch whatever the queue.
_DONE_STATES = tuple(str(s) for s in MutationState if s not in QUEUED_STATES)
# SQLite allows 32,766 bound parameters; stay far below it for IN (...) lists.
_CHUNK = 500


def sync_state(session: Session) -> SyncState:
    state = session.get(SyncState, 1)
    if state is None:
        state = SyncState(id=1, next_seq=1)
        session.add(state)
        session.flush()
    return state


def enqueue(
    session: Session,
    mutation_type: MutationType,
    payload: dict[str, Any],
    mutation_id: str | None = None,
    now: dt.datetime | None = None,
) -> str:
    """Add a mutation to the caller's transaction with the next per-device seq; its id.

    Two statements on the session's connection, run on the driver, no ORM
    objects: every submit, sign-up and admission at the door goes through here
    on the GUI thread, where the session's ORM bulk-insert path cost ~0.7 ms a
    mutation and SQLAlchemy's Core execution ~0.4 ms.
    """
    conn = session.connection()
    taken = _TAKE_SEQ.first(conn)
    if taken is None:  # a new store: the row that numbers mutations starts at 1
        sync_state(session)
        taken = _TAKE_SEQ.first(conn)
        assert taken is not None
    mutation_id = mutation_id or new_id()
    when = now or utcnow()
    _INSERT_MUTATION.run(
        conn,
        {
            "id": mutation_id,
            "seq": taken[0],
            "type": str(mutation_type),
            "payload": canonical_json(payload),
            "state": MutationState.PENDING,
            "attempts": 0,
            "next_attempt_at": when,
            "created_at": when,
            "last_error": "",
            "result_code": "",
        },
    )
    return mutation_id


def _table(model: type[Base]) -> Table:
    # A declarative class's table, typed as one (``__table__`` is a FromClause to mypy).
    return cast(Table, model.__table__)


# Both run on the driver (kiosk/prepared.py): SQLAlchemy's execution context per
# statement cost more than SQLite's work, twice per mutation on the GUI thread.
_INSERT_MUTATION = Prepared(
    insert(_table(OutboxMutation)),
    columns=(
        "id",
        "seq",
        "type",
        "payload",
        "state",
        "attempts",
        "next_attempt_at",
        "created_at",
        "last_error",
        "result_code",
    ),
)
# Takes the next seq and moves the counter on, in one statement; only enqueue
# writes next_seq, so no ORM copy of the row needs refreshing.
_TAKE_SEQ = Prepared(
    update(SyncState)
    .where(SyncState.id == 1)
    .values(next_seq=SyncState.next_seq + 1)
    .returning(SyncState.next_seq - 1)
)


def pending_count(session: Session) -> int:
    """Mutations still to deliver: two rows of ``outbox_tallies``, whatever the queue's length."""
    # On the session's connection: read before every batch and after every submit,
    # where the ORM's handling of a plain Core select costs more than the read.
    return queued_tally(session.connection())


def queued_tally(conn: Connection) -> int:
    """``pending_count`` on a connection, for readers that need no session."""
    return int(conn.execute(_QUEUED_TALLY).scalar_one())


def needs_attention_count(session: Session) -> int:
    return int(session.connection().execute(_REJECTED_TALLY).scalar_one())


def _tally(states: Collection[MutationState]) -> Select[int]:
    # Kept by triggers in the same transaction as every outbox change (kiosk
    # migration 0007); recount_states is the definition they must equal. Built
    # once: read after every commit on the GUI thread, where building costs more
    # than reading two rows.
    tallies = OutboxTally.__table__
    return select(func.coalesce(func.sum(tallies.c.count), 0)).where(
        tallies.c.state.in_([str(s) for s in states])
    )


_QUEUED_TALLY = _tally(QUEUED_STATES)
_REJECTED_TALLY = _tally((MutationState.REJECTED,))


def recount_states(session: Session) -> dict[str, int]:
    """Every state's count by a full scan of the outbox (slow; what the tallies must equal)."""
    rows = session.execute(
        select(OutboxMutation.state, func.count()).group_by(OutboxMutation.state)
    ).all()
    return {str(state): count for state, count in rows}


@dataclass(frozen=True)
class QueuedMutation:
    """A mutation as it goes on the wire: the payload exactly as stored."""

    id: str
    seq: int
    type: str
    payload: str
    occurred_at: dt.datetime
    attempts: int


def due_batch(session: Session, limit: int) -> list[QueuedMutation]:
    """The oldest ``limit`` mutations still to deliver, in the order they were made.

    One range of ix_outbox_due (state, seq) per queued state, merged here: a
    single ``state IN (...) ORDER BY seq`` walks the seq index past every
    mutation already sent, which grows with the kiosk's history (28 ms a batch
    with 150,000 sent still kept), while each range reads only ``limit`` rows.
    Plain rows on the session's connection, no ORM objects: the drain of a long
    queue runs this once per batch, and loading 100 ORM objects cost more than
    reading the rows (bench/drain.py).
    """
    conn = session.connection()
    rows = [row for query in _DUE_RANGES for row in conn.execute(query, {"limit": limit})]
    rows.sort(key=lambda r: r.seq)
    return [
        QueuedMutation(r.id, r.seq, r.type, r.payload or "{}", r.created_at, r.attempts)
        for r in rows[:limit]
    ]


_OUTBOX = _table(OutboxMutation)
# Built once (the compiled form is cached by SQLAlchemy): one per queued state.
_DUE_RANGES = tuple(
    select(
        _OUTBOX.c.id,
        _OUTBOX.c.seq,
        _OUTBOX.c.type,
        _OUTBOX.c.payload,
        _OUTBOX.c.created_at,
        _OUTBOX.c.attempts,
    )
    .where(_OUTBOX.c.state == str(state))
    .order_by(_OUTBOX.c.seq)
    .limit(bindparam("limit"))
    for state in QUEUED_STATES
)


def mark_in_flight(session: Session, ids: Collection[str], now: dt.datetime) -> None:
    """Record an attempt before the request leaves, so a crash mid-send is retried."""
    conn = session.connection()
    for chunk in _chunks(ids):
        conn.execute(_TO_IN_FLIGHT, {"ids": chunk})
    if not conn.execute(_LAST_ATTEMPT, {"now": now}).rowcount:
        sync_state(session).last_attempt_at = now  # a new store: the row is made here


_TO_IN_FLIGHT = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id.in_(bindparam("ids", expanding=True)))
    .where(_OUTBOX.c.state.not_in(_DONE_STATES))
    .values(state=str(MutationState.IN_FLIGHT), attempts=_OUTBOX.c.attempts + 1)
)
_LAST_ATTEMPT = (
    update(_table(SyncState))
    .where(_table(SyncState).c.id == 1)
    .values(last_attempt_at=bindparam("now"))
)


def release_in_flight(session: Session, error: str, next_attempt_at: dt.datetime) -> int:
    """No result came for what was in flight: back to the queue, same ids, reason kept.

    ``next_attempt_at`` is when the engine means to try again, shown to staff;
    a row is due again whenever the engine next pushes.
    """
    result = session.execute(
        update(OutboxMutation)
        .where(OutboxMutation.state == MutationState.IN_FLIGHT)
        .values(state=MutationState.PENDING, last_error=error, next_attempt_at=next_attempt_at)
        .returning(OutboxMutation.id)
    )
    return len(result.all())


@dataclass(frozen=True)
class DeliveryResult:
    """The server's word on one mutation: delivered (applied or duplicate) or rejected."""

    id: str
    delivered: bool
    code: str = ""
    message: str = ""


# Result codes that change what the kiosk shows for a delivered record.
WAITLISTED = "waitlisted"
# The phone already held a sign-up for the event: this one was not kept (server/mutations.py).
ALREADY_SIGNED_UP = "already_signed_up"
FLAGGED_ADMISSION_CODES = frozenset({"duplicate_admission", "revoked_ticket"})


def record_results(
    session: Session,
    results: Iterable[DeliveryResult],
    now: dt.datetime,
    server_time: dt.datetime | None = None,
) -> None:
    """Mark delivered mutations sent and rejected ones for staff, with their domain rows.

    Only ids that are still queued change: a late or repeated answer never
    turns a rejected record back into a sent one, or the reverse.
    """
    delivered: dict[str, list[str]] = defaultdict(list)
    rejected: list[DeliveryResult] = []
    for result in results:
        if result.delivered:
            delivered[result.code].append(result.id)
        else:
            rejected.append(result)
    for code, ids in delivered.items():
        _mark_sent(session, ids, code, now, server_time)
    for result in rejected:
        changed = session.execute(
            update(OutboxMutation)
            .where(OutboxMutation.id == result.id, OutboxMutation.state.not_in(_DONE_STATES))
            .values(
                state=MutationState.REJECTED,
                result_code=result.code,
                last_error=result.message,
            )
            .returning(OutboxMutation.id)
        ).first()
        if changed is not None:
            session.execute(
                update(Submission)
                .where(Submission.id == result.id)
                .values(status=DeliveryStatus.NEEDS_ATTENTION)
            )


def _mark_sent(
    session: Session,
    ids: Sequence[str],
    code: str,
    now: dt.datetime,
    server_time: dt.datetime | None,
) -> None:
    # Core statements on the session's connection: once per batch of a drain,
    # where the ORM's bulk-update bookkeeping (synchronising a session that
    # holds none of these rows) cost more than the updates themselves.
    conn = session.connection()
    for chunk in _chunks(ids):
        sent = list(conn.execute(_TO_SENT, {"ids": chunk, "sent_at": now, "code": code}).scalars())
        if not sent:
            continue
        conn.execute(_SUBMISSIONS_SENT, {"ids": sent})
        if code == WAITLISTED:
            # The server had no place left in this kiosk's block: the citizen is
            # on the waiting list, whatever the kiosk printed.
            conn.execute(_REGISTRATIONS_TO, {"ids": sent, "status": RegistrationStatus.WAITLISTED})
        elif code == ALREADY_SIGNED_UP:
            # A second sign-up of one person: the first stands, this one (and its
            # ticket, revoked on the server) does not.
            conn.execute(_REGISTRATIONS_TO, {"ids": sent, "status": RegistrationStatus.CANCELLED})
        # A check-in learns when the server logged it, and whether it was a
        # second admission of the same ticket (kept and flagged, never dropped).
        checkin_values: dict[str, Any] = {}
        if server_time is not None:
            checkin_values["server_time"] = server_time
        if code in FLAGGED_ADMISSION_CODES:
            checkin_values["flagged"] = True
        if checkin_values:
            conn.execute(update(_CHECKINS).where(_CHECKINS.c.id.in_(sent)).values(**checkin_values))


_CHECKINS = _table(CheckIn)
_IDS: BindParameter[list[str]] = bindparam("ids", expanding=True)
_TO_SENT = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id.in_(_IDS))
    .where(_OUTBOX.c.state.not_in(_DONE_STATES))
    .values(
        state=str(MutationState.SENT),
        sent_at=bindparam("sent_at"),
        result_code=bindparam("code"),
        last_error="",
    )
    .returning(_OUTBOX.c.id)
)
_SUBMISSIONS_SENT = (
    update(_table(Submission))
    .where(_table(Submission).c.id.in_(_IDS))
    .values(status=str(DeliveryStatus.SENT))
)
_REGISTRATIONS_TO = (
    update(_table(Registration))
    .where(_table(Registration).c.id.in_(_IDS))
    .values(status=bindparam("status"))
)


def retry_rejected(store: Store, ids: Collection[str]) -> int:
    """Staff action: send rejected records again (same ids, same sealed data)."""
    with store.write() as session:
        changed = 0
        for chunk in _chunks(ids):
            moved = list(
                session.scalars(
                    update(OutboxMutation)
                    .where(
                        OutboxMutation.id.in_(chunk),
                        OutboxMutation.state == MutationState.REJECTED,
                    )
                    .values(state=MutationState.PENDING, next_attempt_at=utcnow())
                    .returning(OutboxMutation.id)
                )
            )
            session.execute(
                update(Submission)
                .where(Submission.id.in_(moved))
                .values(status=DeliveryStatus.QUEUED)
            )
            changed += len(moved)
        return changed


@dataclass(frozen=True)
class AttentionItem:
    """A record the server refused: what staff see, and what they can retry."""

    id: str
    type: str
    receipt_code: str
    code: str
    message: str
    created_at: dt.datetime


def needs_attention(session: Session) -> list[AttentionItem]:
    rows = session.execute(
        select(OutboxMutation, Submission.receipt_code, Registration.receipt_code)
        .outerjoin(Submission, Submission.id == OutboxMutation.id)
        .outerjoin(Registration, Registration.id == OutboxMutation.id)
        .where(OutboxMutation.state == MutationState.REJECTED)
        .order_by(OutboxMutation.seq)
    )
    return [
        AttentionItem(
            m.id, m.type, sub_code or reg_code or "", m.result_code, m.last_error, m.created_at
        )
        for m, sub_code, reg_code in rows
    ]


def prune_sent(session: Session, sent_before: dt.datetime) -> int:
    """Forget delivered mutations (and their sealed payloads) after the retention period.

    The domain rows stay: the receipt code and its status can still be looked up.
    """
    result = session.execute(
        delete(OutboxMutation)
        .where(OutboxMutation.state == MutationState.SENT, OutboxMutation.sent_at < sent_before)
        .returning(OutboxMutation.id)
    )
    return len(result.all())


def prunable(session: Session, sent_before: dt.datetime) -> list[str]:
    """Ids ``prune_sent`` would forget: a read, so the walk of every sent row holds no lock.

    That walk grows with what is kept (a month of a busy door); done inside the
    write, it held the store's one write lock, and a citizen's submit waited.
    """
    return list(
        session.scalars(
            select(OutboxMutation.id).where(
                OutboxMutation.state == MutationState.SENT, OutboxMutation.sent_at < sent_before
            )
        )
    )


def prune_ids(session: Session, ids: Collection[str], sent_before: dt.datetime) -> int:
    """``prune_sent`` for these ids only (found by ``prunable``): index look-ups by id."""
    conn = session.connection()
    pruned = 0
    for chunk in _chunks(ids):
        pruned += len(conn.execute(_PRUNE_IDS, {"ids": chunk, "before": sent_before}).all())
    return pruned


_PRUNE_IDS = (
    delete(_OUTBOX)
    .where(_OUTBOX.c.id.in_(_IDS))
    # Still sent and old (unchanged since ``prunable`` read it), said with NOT IN
    # so that the id's index is used (see _DONE_STATES).
    .where(_OUTBOX.c.state.not_in([str(s) for s in MutationState if s != MutationState.SENT]))
    .where(_OUTBOX.c.sent_at < bindparam("before"))
    .returning(_OUTBOX.c.id)
)


def _chunks(ids: Collection[str]) -> Iterable[list[str]]:
    items = list(ids)
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]
