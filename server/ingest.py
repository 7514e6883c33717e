"""Applying a pushed batch: one result per mutation, each all-or-nothing on its own.

The mutation id is the idempotency key for ever (a kiosk may be offline for
days), so every id seen is kept in ``mutations`` with a hash of its type and
payload. A resend with the same hash gets the first answer again; a different
payload under a known id is a conflict. Nothing a kiosk sent is thrown away:
what is not applied lands in ``rejected_mutations`` as received.

A batch is one transaction (one commit, one fsync). Its mutations are applied
in bulk; should the database refuse a bulk insert, the transaction is rolled
back and the batch applied again with a savepoint per mutation, so one bad row
never costs the others (see server/batch.py). The device's row is locked for
the batch, so two pushes from the same kiosk (a retry racing its original)
apply one after the other.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Update, bindparam, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from core.payloads import SignupPayload
from core.sealing import canonical_json
from server.batch import Batch, Pusher, by_dialect
from server.claims import CLAIM_TYPE, reconcile
from server.db import Database
from server.devices import DeviceReport
from server.inlists import one_of
from server.keys import ServerKeys
from server.models import Device, Entity, MutationRecord, Outcome, SigningKey, table_of, utcnow
from server.mutations import (
    Applied,
    Prepared,
    Rejection,
    Signed,
    admissions,
    apply,
    check_signatures,
    lookups,
    mutation_id,
    phone_hashes,
    phone_lookups,
    prepare,
    ticket_keys,
)
from server.notifications import Planner
from sync.protocol import MutationResult, MutationStatus, ResultCode

log = logging.getLogger("server.ingest")

_mutations = table_of(MutationRecord)
_keys = table_of(SigningKey)
_PUBLIC_KEYS = select(_keys.c.id, _keys.c.public_key).where(
    _keys.c.id.in_(bindparam("ids", expanding=True))
)
_devices = table_of(Device)
_KNOWN = by_dialect(
    lambda dialect: select(
        _mutations.c.id,
        _mutations.c.payload_hash,
        _mutations.c.outcome,
        _mutations.c.code,
        _mutations.c.message,
        _mutations.c.type,
    ).where(
        _mutations.c.lineage == bindparam("lineage"),
        one_of(_mutations.c.id, "ids", dialect),
    )
)


@functools.lru_cache(maxsize=64)
def _touch_device(columns: tuple[str, ...]) -> Update:
    """An UPDATE that takes the device's row lock on PostgreSQL (held to commit), proves
    the device is still enrolled, and keeps what it reported, in one statement.

    One per set of reported columns, built once: a statement built per push cost
    SQLAlchemy its construction and cache key every time.
    """
    return (
        update(_devices)
        .where(_devices.c.id == bindparam("device_id"), _devices.c.revoked_at.is_(None))
        .values({column: bindparam(f"new_{column}") for column in columns})
    )


class InvalidBatch(Exception):
    """The batch as a whole cannot be answered mutation by mutation."""


class DeviceGone(Exception):
    """The pushing device was revoked or removed while its request was on the way."""


@dataclass(frozen=True)
class _Known:
    """A mutation id already stored, and the answer it got."""

    payload_hash: str
    outcome: str
    code: str
    message: str
    type: str = ""


def ingest(
    db: Database,
    keys: ServerKeys,
    device: Device,
    mutations: Sequence[object],
    now: dt.datetime | None = None,
    *,
    bulk: bool = True,
    report: DeviceReport | None = None,
    before_commit: Callable[[], None] | None = None,
) -> list[MutationResult]:
    """Apply a pushed batch in one transaction; ``report`` (what the kiosk said about
    itself in the request's headers) is written in that same transaction, and
    ``before_commit`` is called as it commits (``SessionPair.write``)."""
    ids = [mutation_id(raw) for raw in mutations]
    if None in ids:
        raise InvalidBatch("every mutation needs an id (a UUID) so it can be answered")
    now = now or utcnow()
    # Schema checks, unsealing and ticket signatures need no lock: done before the transaction.
    prepared = [
        prepare(raw, keys.sealing_key, now, id_)
        for raw, id_ in zip(mutations, ids, strict=True)
        if isinstance(raw, Mapping) and id_ is not None
    ]
    signatures = check_signatures(prepared, _public_keys(db, ticket_keys(prepared)))
    pusher = Pusher(device.id, device.office, device.signing_key_id, device.lineage or device.id)
    touch = {"last_push_at": now, **(report.values(device, now) if report else {})}
    planner = Planner(keys.sealing_key, keys.contact_key) if keys.contact_key else None
    if bulk:
        try:
            return _apply_batch(
                db, pusher, prepared, now, touch, signatures,
                bulk=True, planner=planner, before_commit=before_commit,
            )  # fmt: skip
        except IntegrityError:
            log.info(
                "a bulk insert was refused; applying the batch one mutation at a time",
                extra={"fields": {"device": device.id, "mutations": len(prepared)}},
            )
    return _apply_batch(
        db, pusher, prepared, now, touch, signatures,
        bulk=False, planner=planner, before_commit=before_commit,
    )  # fmt: skip


def _apply_batch(
    db: Database,
    pusher: Pusher,
    prepared: Sequence[Prepared],
    now: dt.datetime,
    touch: Mapping[str, object],
    signatures: dict[Signed, bool],
    *,
    bulk: bool,
    planner: Planner | None = None,
    before_commit: Callable[[], None] | None = None,
) -> list[MutationResult]:
    with db.write(before_commit=before_commit) as session:
        conn = session.connection()
        statement = _touch_device(tuple(sorted(touch)))
        params = {f"new_{column}": value for column, value in touch.items()}
        if conn.execute(statement, {"device_id": pusher.device_id, **params}).rowcount != 1:
            raise DeviceGone(pusher.device_id)
        known = _known(conn, pusher.lineage, [p.id for p in prepared])
        released = _release_refused(conn, pusher.lineage, prepared, known)
        batch = Batch(conn, pusher, now, bulk=bulk)
        batch.kept_before = released
        batch.signatures = signatures
        batch.planner = planner
        if bulk:
            fresh = [p for p in prepared if p.id not in known]
            batch.prefetch(*lookups(fresh))
            # After the look-ups: they ask which tickets were admitted before this batch.
            batch.admit_all(admissions(fresh))
            if planner is not None:
                batch.phone_hashes = phone_hashes(fresh, planner.contact_key)
                batch.prefetch_phones(phone_lookups(fresh, batch.phone_hashes))
        results: list[MutationResult] = []
        changes: dict[tuple[Entity, str, str], None] = {}
        for item in prepared:
            result, answer, applied = _one(batch, item, known.get(item.id))
            known[item.id] = answer
            results.append(result)
            if applied is not None:
                if applied.confirmed_event is not None:
                    batch.note_confirmed(applied.confirmed_event)
                changes.update(dict.fromkeys(applied.changes))
        for entity, key, scope in changes:
            batch.insert(
                "change",
                {"entity": str(entity), "entity_key": key, "scope": scope, "created_at": now},
            )
        batch.flush()
    return results


def _public_keys(db: Database, key_ids: set[int]) -> dict[int, str]:
    """The public halves of these keys: read once, then kept (``Database.public_keys``)."""
    missing = key_ids - db.public_keys.keys()
    if missing:
        with db.read() as session:
            rows = session.execute(_PUBLIC_KEYS, {"ids": sorted(missing)})
            db.public_keys.update({row.id: row.public_key for row in rows})
    return {key: db.public_keys[key] for key in key_ids if key in db.public_keys}


def _known(conn: Connection, lineage: str, ids: Sequence[str]) -> dict[str, _Known]:
    """What this kiosk (lineage) sent before under these ids; never another kiosk's."""
    if not ids:
        return {}
    rows = conn.execute(_KNOWN[conn.dialect.name], {"lineage": lineage, "ids": sorted(set(ids))})
    return {r.id: _Known(r.payload_hash, r.outcome, r.code, r.message, r.type) for r in rows}


def _release_refused(
    conn: Connection, lineage: str, prepared: Sequence[Prepared], known: dict[str, _Known]
) -> set[str]:
    """Let a refused mutation that comes back unchanged be judged again.

    Staff retry a record from the kiosk's "needs attention" list after fixing
    the cause here (a category restored, an event re-opened). A refusal changed
    nothing but the ledger, so forgetting it is safe; the copy in
    ``rejected_mutations`` stays as history. A conflict (same id, other payload)
    is never released. Returns the released ids.
    """
    again = [
        p.id
        for p in prepared
        if (k := known.get(p.id)) is not None
        and k.outcome == Outcome.REJECTED
        and k.payload_hash == p.payload_hash
    ]
    if again:
        conn.execute(
            _mutations.delete().where(_mutations.c.lineage == lineage, _mutations.c.id.in_(again))
        )
        for mutation_id in again:
            del known[mutation_id]
    return set(again)


def _one(
    batch: Batch, item: Prepared, known: _Known | None
) -> tuple[MutationResult, _Known, Applied | None]:
    if known is not None:
        return _answer_known(batch, item, known), known, None
    if item.rejection is not None:
        return _reject(batch, item, item.rejection)
    try:
        with batch.mutation():
            applied = _noting_time(apply(batch, item), item.time_note)
            answer = _store(batch, item, Outcome.APPLIED, applied.code, applied.message)
    except Rejection as rejection:
        return _reject(batch, item, rejection)
    except IntegrityError:
        if batch.bulk:
            raise
        # Another request of this kiosk stored this id between our look-up and our insert.
        raced = _known(batch.conn, batch.pusher.lineage, [item.id]).get(item.id)
        if raced is not None:
            return _answer_known(batch, item, raced), raced, None
        if item.id not in batch.renamed:
            # Another kiosk's record holds this id (batch.entity_id): keep ours under a new one.
            batch.renamed[item.id] = str(uuid.uuid4())
            return _one(batch, item, None)
        log.exception("integrity error applying a mutation", extra=_fields(batch, item))
        return _reject(batch, item, _internal())
    except DBAPIError:
        raise  # the database itself failed: the whole push fails and is retried
    except Exception:  # a bug must not block the batch; the mutation is kept for staff
        log.exception("error applying a mutation", extra=_fields(batch, item))
        return _reject(batch, item, _internal())
    result = MutationResult(
        id=item.id, status=MutationStatus.APPLIED, code=applied.code, message=applied.message
    )
    return result, answer, applied


def _noting_time(applied: Applied, note: str) -> Applied:
    """Say in the answer (and so in the ledger) that a reported time was replaced."""
    if not note:
        return applied
    if applied.code is ResultCode.OK:
        applied.code, applied.message = ResultCode.TIME_REPLACED, note
    else:
        applied.message = f"{applied.message}; {note}" if applied.message else note
    return applied


def _answer_known(batch: Batch, item: Prepared, known: _Known) -> MutationResult:
    if (
        known.type == CLAIM_TYPE
        and isinstance(item.payload, SignupPayload)
        and item.rejection is None
        and known.payload_hash != item.payload_hash
    ):
        # The kiosk lost the answer to its online sign-up and queued it offline.
        refused = reconcile(batch.conn, batch.pusher.device_id, item.payload, item.id, batch.now)
        if refused is None:
            waiting = item.payload.status != "confirmed" and known.code == "waitlisted"
            code = ResultCode.WAITLISTED if waiting else ResultCode.OK
            return MutationResult(id=item.id, status=MutationStatus.DUPLICATE, code=code)
        _keep_rejected(batch, item, refused.code, refused.message)
        return MutationResult(
            id=item.id, status=MutationStatus.REJECTED, code=refused.code, message=refused.message
        )
    if known.payload_hash != item.payload_hash:
        message = "this mutation id was already used with a different payload"
        _keep_rejected(batch, item, ResultCode.CONFLICT, message)
        return MutationResult(
            id=item.id, status=MutationStatus.REJECTED, code=ResultCode.CONFLICT, message=message
        )
    # The same mutation again (the kiosk missed our answer): the same answer again.
    applied = known.outcome == Outcome.APPLIED
    status = MutationStatus.DUPLICATE if applied else MutationStatus.REJECTED
    return MutationResult(id=item.id, status=status, code=known.code, message=known.message)


def _reject(
    batch: Batch, item: Prepared, rejection: Rejection
) -> tuple[MutationResult, _Known, None]:
    try:
        with batch.mutation():
            answer = _store(batch, item, Outcome.REJECTED, rejection.code, rejection.message)
            _keep_rejected(batch, item, rejection.code, rejection.message)
    except IntegrityError:
        raced = (
            None if batch.bulk else _known(batch.conn, batch.pusher.lineage, [item.id]).get(item.id)
        )
        if raced is None:
            raise
        return _answer_known(batch, item, raced), raced, None
    result = MutationResult(
        id=item.id, status=MutationStatus.REJECTED, code=rejection.code, message=rejection.message
    )
    return result, answer, None


def _store(batch: Batch, item: Prepared, outcome: Outcome, code: str, message: str) -> _Known:
    batch.insert(
        "mutation",
        {
            "lineage": batch.pusher.lineage,
            "id": item.id,
            "device_id": batch.pusher.device_id,
            "seq": item.seq,
            "type": item.type[:64],
            "payload_hash": item.payload_hash,
            "outcome": str(outcome),
            "code": str(code),
            "message": message,
            "occurred_at": item.mutation.occurred_at if item.mutation else None,
            "received_at": batch.now,
        },
    )
    return _Known(item.payload_hash, str(outcome), str(code), message)


def _keep_rejected(batch: Batch, item: Prepared, code: str, message: str) -> None:
    if item.id in batch.kept_before:
        return
    batch.insert(
        "rejected",
        {
            "lineage": batch.pusher.lineage,
            "mutation_id": item.id,
            "device_id": batch.pusher.device_id,
            "type": item.type[:64],
            "raw": canonical_json(dict(item.raw)),
            "payload_hash": item.payload_hash,
            "code": str(code),
            "message": message,
            "received_at": batch.now,
        },
    )


def _internal() -> Rejection:
    return Rejection(
        ResultCode.INTERNAL_ERROR, "the server could not apply this mutation; staff can see it"
    )


def _fields(batch: Batch, item: Prepared) -> dict[str, Any]:
    return {"fields": {"device": batch.pusher.device_id, "mutation": item.id, "type": item.type}}
