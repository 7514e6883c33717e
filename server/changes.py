"""The change log kiosks pull from, and the cursors that walk it.

Writers append a row naming what changed (entity and key) in the same
transaction as the change. Such a row gets an ``id`` at insert time, but ids
say nothing about commit order: on PostgreSQL, transaction A may take id 10,
transaction B id 11, and B commit first. A puller that had read up to 11 would
never see 10. So cursors do not count ids; they count ``position``, which a
*stamper* hands out only to rows already committed, under a lock on the single
``log_state`` row, in increasing order. A row committed late simply gets a
later position, and every position a puller can see has all smaller positions
visible too, because the stamping run that gave them out committed first.

Stamping runs before each pull (a cheap check finds nothing to do most of the
time); writers never wait on it.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import json
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    BigInteger,
    CursorResult,
    Integer,
    Row,
    Select,
    String,
    bindparam,
    delete,
    func,
    select,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from server.db import Database
from server.models import ChangeLogEntry, Entity, LogState, table_of

STAMP_BATCH = 5000
_CURSOR_PREFIX = "c1."
# Change-log entity of an admission (key: the check-in id), scoped like the
# registrations of its event. A plain string because ``server.models.Entity``
# does not list it yet; it should become ``Entity.CHECKIN`` with this value.
CHECKIN_ENTITY = "checkin"
_log = table_of(ChangeLogEntry)


def office_scope(office: str) -> str:
    return f"office:{office}" if office else ""


def device_scope(device_id: str) -> str:
    return f"device:{device_id}"


def scopes_for(device_id: str, office: str) -> list[str]:
    """What a device may pull: changes for everyone, for its office and for itself."""
    return sorted({"", office_scope(office), device_scope(device_id)})


def record_change(session: Session, entity: Entity, key: object, scope: str = "") -> None:
    """Note in the caller's transaction that kiosks must pull ``entity`` ``key`` again."""
    session.add(ChangeLogEntry(entity=str(entity), entity_key=str(key), scope=scope))


class _Runs:
    """How many stamping runs began in this process, on one database."""

    def __init__(self) -> None:
        self.begun = 0


_RUNS: weakref.WeakKeyDictionary[Database, _Runs] = weakref.WeakKeyDictionary()
_RUNS_LOCK = threading.Lock()


def stamp_pending(db: Database, pending: bool | None = None) -> int:
    """Give committed entries without a position the next positions; return how many.

    A caller needs every entry committed before it called stamped. One thread
    of a process stamps at a time, and a run that began after a caller came
    has stamped all that caller needs: the callers that waited behind one run
    share the next, instead of each committing a run (an fsync) of its own in
    turn. Under a steady stream of pushes every page found something to stamp,
    and at 2,000 kiosks those runs one after another were what pulls waited on.
    ``pending``: what ``has_unstamped`` just said, in a session the caller had open.
    """
    if not (_pending(db) if pending is None else pending):
        return 0
    with _RUNS_LOCK:
        runs = _RUNS.setdefault(db, _Runs())
    came_at = runs.begun
    with db.stamping:
        if runs.begun > came_at:
            return 0  # a run began after this caller came and has finished (it held the lock)
        if not _pending(db):
            return 0  # nothing left: stamped by another process, or nothing new
        runs.begun += 1
        return _stamp(db)


def _pending(db: Database) -> bool:
    with db.quick_read() as session:
        return has_unstamped(session)


def has_unstamped(session: Session) -> bool:
    """Whether some committed entry waits for a position."""
    return session.scalar(_PENDING) is not None


_PENDING = select(ChangeLogEntry.id).where(ChangeLogEntry.position.is_(None)).limit(1)


_fresh = _log.alias("fresh")
# Entries that an entry just stamped makes redundant: the same thing, for the same
# scope, at an earlier position. A puller that had not read the older one gets the
# newer one in its place (same scope, later position); one that had, gets the newer
# one too. Every confirmed sign-up logs its event for every kiosk: without this, a
# pull at 2,000 kiosks was a third event entries, the same few events over and over.
# Only the stamper deletes, under the log_state lock; writers only insert.
_SUPERSEDED = delete(_log).where(
    _log.c.position <= bindparam("through"),
    tuple_(_log.c.entity, _log.c.entity_key, _log.c.scope).in_(
        select(_fresh.c.entity, _fresh.c.entity_key, _fresh.c.scope).where(
            _fresh.c.id.in_(bindparam("ids", expanding=True))
        )
    ),
)


def _stamp(db: Database) -> int:
    stamped = 0
    with db.write() as session:
        # The row lock is what orders stampers; it is held until this commits.
        state = session.scalars(select(LogState).where(LogState.id == 1).with_for_update()).one()
        while True:
            # A fresh statement, so a fresh snapshot on PostgreSQL: it sees every
            # commit made before we got the lock, including the last stamper's.
            ids = session.scalars(
                select(ChangeLogEntry.id)
                .where(ChangeLogEntry.position.is_(None))
                .order_by(ChangeLogEntry.id)
                .limit(STAMP_BATCH)
            ).all()
            if not ids:
                break
            base = state.last_position
            session.execute(
                update(ChangeLogEntry),
                [{"id": id_, "position": base + n} for n, id_ in enumerate(ids, start=1)],
            )
            session.execute(_SUPERSEDED, {"through": base, "ids": list(ids)})
            state.last_position = base + len(ids)
            stamped += len(ids)
            if len(ids) < STAMP_BATCH:
                break
    return stamped


class LogHead(NamedTuple):
    """Where the log stands, as plain values (read on every pull)."""

    last_position: int
    compacted_through: int


_state = table_of(LogState)
_HEAD = select(_state.c.last_position, _state.c.compacted_through).where(_state.c.id == 1)


def log_state(session: Session) -> LogHead:
    return LogHead(*session.execute(_HEAD).one())


# A change-log entry as a pull reads it: (id, position, entity, entity_key), the
# row itself. A pull reads up to a thousand: an ORM instance for each was a
# quarter of a pull's server time, and a named tuple built from each row
# another 0.7 ms a page. The row has the same names (``entry.position``).
LogEntry = Row[int, int, str, str]


def read_log(session: Session, after: int, scopes: Sequence[str], limit: int) -> Sequence[LogEntry]:
    """Up to ``limit`` + 1 stamped entries after ``after`` that these scopes may see.

    One range of ix_change_log_scope_position per scope, merged: filtering the
    whole log by scope read every office's entries to find one office's.
    """
    bound = {f"scope{n}": scope for n, scope in enumerate(scopes)}
    rows = session.execute(_read_log(len(scopes)), {**bound, "after": after, "n": limit + 1})
    # All at once: row by row (the default) was a psycopg fetch per entry.
    return rows.all()


@functools.cache
def _read_log(scopes: int) -> Select[int, int, str, str]:
    """The statement for so many scopes, built once: building it per page cost more
    than running it."""
    after, n = bindparam("after", type_=BigInteger), bindparam("n", type_=Integer)
    ranges = [
        select(_log.c.id)
        .where(_log.c.scope == bindparam(f"scope{i}", type_=String), _log.c.position > after)
        .order_by(_log.c.position)
        .limit(n)
        .subquery()
        for i in range(scopes)
    ]
    ids = union_all(*(select(r.c.id) for r in ranges)).subquery()
    return (
        select(_log.c.id, _log.c.position, _log.c.entity, _log.c.entity_key)
        .where(_log.c.id.in_(select(ids.c.id)))
        .order_by(_log.c.position)
        .limit(n)
    )


def has_entries_after(session: Session, after: int, scopes: Sequence[str]) -> bool:
    for scope in scopes:
        found = session.scalar(
            select(ChangeLogEntry.id)
            .where(ChangeLogEntry.scope == scope, ChangeLogEntry.position > after)
            .limit(1)
        )
        if found is not None:
            return True
    return False


def compact(db: Database, older_than: dt.datetime) -> int:
    """Drop stamped entries created before ``older_than``; cursors older than them reset.

    Returns the number of entries removed.
    """
    with db.write() as session:
        state = session.scalars(select(LogState).where(LogState.id == 1).with_for_update()).one()
        through = session.scalar(
            select(func.max(ChangeLogEntry.position)).where(
                ChangeLogEntry.created_at < older_than, ChangeLogEntry.position.is_not(None)
            )
        )
        if through is None:
            return 0
        result = session.execute(delete(ChangeLogEntry).where(ChangeLogEntry.position <= through))
        removed = cast(CursorResult[Any], result).rowcount
        state.compacted_through = max(state.compacted_through, through)
        return int(removed or 0)


# --- cursors ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """Where a device stands. Opaque to kiosks: only this module reads or writes it.

    In log mode (``stage`` is None) everything at or below ``position`` has been
    delivered. While a full snapshot is paged out, ``position`` is the log head
    when the snapshot began, ``stage`` the part being sent and ``after_key`` the
    last key sent in it.
    """

    epoch: str
    position: int
    stage: int | None = None
    after_key: str | None = None

    def encode(self) -> str:
        raw = json.dumps([self.epoch, self.position, self.stage, self.after_key])
        return _CURSOR_PREFIX + base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(text: str) -> Cursor | None:
    """The cursor ``text`` stands for, or None for anything this server never issued."""
    if not text.startswith(_CURSOR_PREFIX):
        return None
    body = text.removeprefix(_CURSOR_PREFIX)
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        epoch, position, stage, after_key = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        return None
    if not (
        isinstance(epoch, str)
        and isinstance(position, int)
        and position >= 0
        and (stage is None or isinstance(stage, int))
        and (after_key is None or isinstance(after_key, str))
    ):
        return None
    return Cursor(epoch, position, stage, after_key)
