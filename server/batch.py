"""One push transaction: the look-ups the mutation rules need, and their writes.

The rules in ``server/mutations.py`` run the same way in two modes:

- *bulk* (the normal case): look-ups for the whole batch are made up front in
  a handful of queries, and each mutation's rows are held back until the rule
  returned and then sent with one multi-row INSERT per table at the end. A
  mutation that is rejected, or whose rule fails, leaves no row behind. A
  batch of 100 costs about ten round trips to the database instead of 400.
- *one by one*: each mutation runs in its own SAVEPOINT and writes at once.
  The batch falls back to this when the database refuses a bulk insert (a
  unique key another request took meanwhile), so a bad row still only ever
  affects its own mutation.

Either way the device's row is locked for the batch, so what this device holds
(its confirmed places, its ticket numbers) cannot change under us.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, Dialect, bindparam, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.schema import CallableColumnDefault, ScalarElementColumnDefault

from server import subscriptions
from server.changes import office_scope
from server.inlists import one_of
from server.models import (
    Admission,
    ChangeLogEntry,
    CheckIn,
    Event,
    EventBlock,
    EventCount,
    MutationRecord,
    Notification,
    Registration,
    RejectedMutation,
    RevokedTicket,
    SigningKey,
    Submission,
    SubmissionPhoto,
    table_of,
)
from server.notifications import Planner

# (key id, event id, number): what identifies a ticket.
Ticket = tuple[int, int, int]

_registrations = table_of(Registration)
_events = table_of(Event)
_blocks = table_of(EventBlock)
_admissions = table_of(Admission)
_revoked = table_of(RevokedTicket)
_signing_keys = table_of(SigningKey)
_SIGNING_KEY = select(_signing_keys.c.public_key, _signing_keys.c.revoked_at).where(
    _signing_keys.c.id == bindparam("id")
)
_DIALECTS: dict[str, ModuleType] = {"postgresql": postgresql, "sqlite": sqlite}
_TICKET = ["key_id", "event_id", "number"]


Processor = Callable[[Any], Any]


@dataclass(frozen=True)
class _Compiled:
    """An INSERT as SQLAlchemy compiled it for one dialect and one set of given columns."""

    sql: str
    # Per parameter in the SQL's order: its name, SQLAlchemy's bind processor, and
    # the column's fixed default when rows do not give it (_GIVEN when they do).
    params: tuple[tuple[str, Processor | None, Any], ...]
    # On PostgreSQL, ``sql`` split around its one row of VALUES, which is repeated
    # for as many rows as are sent: (before, row, after); None elsewhere.
    rows_sql: tuple[str, str, str] | None = None
    # That statement for n rows, with PostgreSQL's own numbered parameters.
    _many: dict[int, str] = field(default_factory=dict)

    def many(self, count: int) -> str:
        """The INSERT of ``count`` rows, in ``$1 … $n`` (psycopg's RawCursor parses nothing:
        with ``%s`` it would parse the whole statement again for every push)."""
        sql = self._many.get(count)
        if sql is None:
            assert self.rows_sql is not None
            before, row, after = self.rows_sql
            parts = row.split("%s")
            width = len(parts) - 1
            rows = (
                parts[0]
                + "".join(f"${n * width + i + 1}{part}" for i, part in enumerate(parts[1:]))
                for n in range(count)
            )
            sql = self._many[count] = before + ", ".join(rows) + after
        return sql


_GIVEN = object()


class BulkInsert:
    """One table's INSERT of many rows: compiled once by SQLAlchemy, run on the driver.

    ``conn.execute(insert, rows)`` builds an execution context per call and runs
    every row's every value through ``construct_params`` and the type processors
    in Python: two thirds of a flush, more than the database took to store the
    rows. Here the SQL and the processors are SQLAlchemy's own (from the same
    table definitions, per dialect, the way ``kiosk/prepared.py`` does it on the
    kiosk) and run in the caller's transaction: on SQLite through the driver's
    ``executemany`` (one prepared statement stepped per row, in C); on
    PostgreSQL as one INSERT with a VALUES row per row (as SQLAlchemy's own
    "insertmanyvalues" does), since psycopg's ``executemany`` runs the
    statement once per row on the server. A driver error is handed back to
    SQLAlchemy to be wrapped (``IntegrityError`` and the rest) exactly as its
    own execution would.
    """

    # Rows per statement on PostgreSQL: far below its 65,535 parameters a statement.
    CHUNK = 500

    def __init__(self, statements: Mapping[str, Any]) -> None:
        self._statements = statements
        self._compiled: dict[tuple[str, tuple[str, ...]], _Compiled] = {}

    def statement(self, dialect: str) -> Any:
        return self._statements[dialect]

    def run(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        by_columns: dict[tuple[str, ...], list[Mapping[str, Any]]] = defaultdict(list)
        for row in rows:
            by_columns[tuple(row)].append(row)
        for columns, same in by_columns.items():
            compiled = self._compile(conn.dialect, columns)
            self._execute(conn, compiled, self._values(compiled, same))

    def _values(self, compiled: _Compiled, rows: Sequence[Mapping[str, Any]]) -> list[Any]:
        columns: list[list[Any]] = []
        for name, process, default in compiled.params:
            if default is _GIVEN:
                values: list[Any] = [row[name] for row in rows]
            elif callable(default):
                values = [default(None) for _ in rows]
            else:
                values = [default] * len(rows)
            if process is not None:
                # One push stamps most rows with the same time: processed once.
                done: dict[int, Any] = {}
                values = [
                    None
                    if v is None
                    else done[id(v)]
                    if id(v) in done
                    else done.setdefault(id(v), process(v))
                    for v in values
                ]
            columns.append(values)
        return list(zip(*columns, strict=True))

    def _execute(self, conn: Connection, compiled: _Compiled, values: list[Any]) -> None:
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        sql = compiled.sql
        try:
            if compiled.rows_sql is None:
                cursor.executemany(sql, values)
                return
            from psycopg import Connection as Psycopg
            from psycopg import RawCursor

            cursor.close()
            cursor = RawCursor(cast(Psycopg[Any], conn.connection.dbapi_connection))
            for start in range(0, len(values), self.CHUNK):
                chunk = values[start : start + self.CHUNK]
                sql = compiled.many(len(chunk))
                cursor.execute(sql, [value for row in chunk for value in row])
        except Exception as exc:
            # Wrapped, logged and (on a lost connection) invalidated as SQLAlchemy's own.
            conn._handle_dbapi_exception(exc, sql, values, cursor, None)
        finally:
            cursor.close()

    def _compile(self, dialect: Dialect, columns: tuple[str, ...]) -> _Compiled:
        key = (dialect.name, columns)
        compiled = self._compiled.get(key)
        if compiled is None:
            statement = self._statements[dialect.name]
            # As SQLAlchemy compiles for executemany: no RETURNING of generated keys.
            sql = statement.compile(
                dialect=dialect, column_keys=list(columns), for_executemany=True
            )
            assert isinstance(sql, SQLCompiler)
            text, rows_sql = str(sql), None
            if sql.positiontup is not None:
                names = sql.positiontup
            else:
                # psycopg's named parameters, made positional so a row can repeat.
                names = _NAMED.findall(text)
                text = _NAMED.sub("%s", text)
                rows_sql = _split_values(text)
            params = tuple(
                (
                    name,
                    sql.binds[name].type._cached_bind_processor(dialect),
                    _GIVEN if name in columns else _default(statement, name),
                )
                for name in names
            )
            compiled = _Compiled(text, params, rows_sql)
            self._compiled[key] = compiled
        return compiled


_NAMED = re.compile(r"%\((\w+)\)s")


def _split_values(sql: str) -> tuple[str, str, str]:
    """An INSERT's SQL as (up to VALUES, its one parenthesised row, what follows)."""
    start = sql.index(" VALUES (") + len(" VALUES ")
    depth = 0
    for end in range(start, len(sql)):
        depth += {"(": 1, ")": -1}.get(sql[end], 0)
        if depth == 0:
            return sql[:start], sql[start : end + 1], sql[end + 1 :]
    raise ValueError(f"no VALUES row in {sql!r}")


def _default(statement: Any, name: str) -> Any:
    """What a column the rows leave out gets: its fixed default, or its function's value."""
    default = statement.table.c[name].default
    if isinstance(default, ScalarElementColumnDefault):
        return default.arg
    if isinstance(default, CallableColumnDefault):
        return default.arg  # called with no context (SQLAlchemy wrapped it to take one)
    raise ValueError(f"{name} has no default: every row must give it")


def _plain(model: type[Any]) -> BulkInsert:
    statement = table_of(model).insert()
    return BulkInsert(dict.fromkeys(_DIALECTS, statement))


def _ignoring_duplicates(model: type[Any], keys: list[str]) -> BulkInsert:
    return BulkInsert(
        {
            name: dialect.insert(table_of(model)).on_conflict_do_nothing(index_elements=keys)
            for name, dialect in _DIALECTS.items()
        }
    )


# Statements are built once: building one per mutation costs more than running it.
# Flushed in this order, so rows a later table may refer to are written first.
INSERTS: dict[str, BulkInsert] = {
    "mutation": _plain(MutationRecord),
    "submission": _plain(Submission),
    "photo": _plain(SubmissionPhoto),
    "registration": _plain(Registration),
    "revoked_ticket": _ignoring_duplicates(RevokedTicket, _TICKET),
    "checkin": _plain(CheckIn),
    "rejected": _ignoring_duplicates(RejectedMutation, ["lineage", "mutation_id", "payload_hash"]),
    "change": _plain(ChangeLogEntry),
    # Messages to citizens about what this batch applied (server/notifications.py).
    "notification": _ignoring_duplicates(Notification, ["key"]),
}
_COUNT_ADMISSION = {
    name: dialect.insert(_admissions)
    .values(
        key_id=bindparam("key_id"),
        event_id=bindparam("event_id"),
        number=bindparam("number"),
        count=1,
    )
    .on_conflict_do_update(index_elements=_TICKET, set_={"count": _admissions.c.count + 1})
    .returning(_admissions.c.count)
    for name, dialect in _DIALECTS.items()
}


def _admit_many(dialect: ModuleType) -> Any:
    statement = dialect.insert(_admissions)
    return statement.on_conflict_do_update(
        index_elements=_TICKET, set_={"count": _admissions.c.count + statement.excluded.count}
    ).returning(
        # Not sort_by_parameter_order: the answer is keyed by ticket, not by order,
        # and asking for the order made SQLAlchemy send one statement per row
        # (an upsert has no sentinel to sort by): a round trip per check-in.
        _admissions.c.key_id,
        _admissions.c.event_id,
        _admissions.c.number,
        _admissions.c.count,
    )


# A batch's admissions counted in one statement (``Batch.admit_all``), one row per ticket.
_ADMIT_MANY = {name: _admit_many(dialect) for name, dialect in _DIALECTS.items()}
_EVENTS = select(
    _events.c.id,
    _events.c.office,
    _events.c.offline_block,
    _events.c.capacity,
    _events.c.title_ko,
    _events.c.title_en,
    _events.c.place_ko,
    _events.c.place_en,
    _events.c.starts_at,
).where(_events.c.id.in_(bindparam("event_ids", expanding=True)))
_BLOCKS = select(_blocks.c.event_id, _blocks.c.places).where(
    _blocks.c.event_id.in_(bindparam("event_ids", expanding=True)),
    _blocks.c.device_id == bindparam("device_id"),
)
# Places of its block a device has used: every sign-up it confirmed when it was
# made, whatever became of it since. A cancelled place is not handed back to the
# kiosk's block: it goes to the waiting list (server/capacity.py).
_counts = table_of(EventCount)
# The device's promised places of each event (its offline block is about these)
# and the confirmed places of the event as a whole: kept by triggers, not counted.
_CONFIRMED = select(_counts.c.event_id, _counts.c.requested).where(
    _counts.c.event_id.in_(bindparam("event_ids", expanding=True)),
    _counts.c.device_id == bindparam("device_id"),
)
_ALL_CONFIRMED = select(_counts.c.event_id, _counts.c.confirmed).where(
    _counts.c.event_id.in_(bindparam("event_ids", expanding=True)),
    _counts.c.device_id == EventCount.ALL_DEVICES,
)
# The conditions of the partial index uq_registrations_event_phone, word for word
# and as literals: a planner uses a partial index only when the query's WHERE
# contains its WHERE's terms. With a bound 'cancelled' and no phone condition,
# SQLite read every sign-up of the event to find one phone (a fifth of a push).
_LIVE_PHONE = (text("status <> 'cancelled'"), text("phone_hash <> ''"))
T = TypeVar("T")


def by_dialect(build: Callable[[str], T]) -> dict[str, T]:
    """A statement built once for each dialect the server runs on."""
    return {name: build(name) for name in _DIALECTS}


_PHONES = by_dialect(
    lambda dialect: select(
        _registrations.c.event_id, _registrations.c.phone_hash, _registrations.c.receipt_code
    ).where(
        _registrations.c.event_id.in_(bindparam("event_ids", expanding=True)),
        one_of(_registrations.c.phone_hash, "hashes", dialect),
        *_LIVE_PHONE,
    )
)


def _tickets_in(table: Any) -> dict[str, Any]:
    """Tickets among a superset (any key, event and number asked for); exact match in Python."""
    return by_dialect(
        lambda dialect: select(table.c.key_id, table.c.event_id, table.c.number).where(
            table.c.key_id.in_(bindparam("key_ids", expanding=True)),
            table.c.event_id.in_(bindparam("event_ids", expanding=True)),
            one_of(table.c.number, "numbers", dialect),
        )
    )


_HELD_TICKETS = _tickets_in(_registrations)
_ADMITTED_TICKETS = _tickets_in(_admissions)
_RECEIVED = select(_registrations.c.received_at).where(
    _registrations.c.key_id == bindparam("key_id"),
    _registrations.c.event_id == bindparam("event_id"),
    _registrations.c.number == bindparam("number"),
)
_REVOKED_TICKETS = _tickets_in(_revoked)


@dataclass(frozen=True)
class Pusher:
    """The device whose batch is being applied."""

    device_id: str
    office: str
    signing_key_id: int
    # The kiosk store across re-enrolments: mutation ids are unique within it.
    lineage: str = ""


@dataclass(frozen=True)
class SigningKeyInfo:
    public_key: str  # base64 Ed25519
    revoked: bool
    revoked_at: dt.datetime | None = None


@dataclass(frozen=True)
class EventInfo:
    id: int
    office: str
    offline_block: int
    capacity: int = 0
    title_ko: str = ""
    title_en: str = ""
    place_ko: str = ""
    place_en: str = ""
    starts_at: dt.datetime | None = None


class Batch:
    def __init__(self, conn: Connection, pusher: Pusher, now: dt.datetime, *, bulk: bool) -> None:
        self.conn = conn
        self.pusher = pusher
        self.now = now
        self.bulk = bulk
        self.dialect = conn.dialect.name
        self._events: dict[int, EventInfo | None] = {}
        self._blocks: dict[int, int] = {}
        self._confirmed: dict[int, int] = {}
        self._all_confirmed: dict[int, int] = {}
        # (event id, phone hash) -> receipt code of the live sign-up, as far as looked up.
        self._phones: dict[tuple[int, str], str] = {}
        self._looked_up_phones: set[tuple[int, str]] = set()
        # Tickets known to be held / revoked, and the tickets those sets are complete for.
        self._held: set[Ticket] = set()
        self._revoked: set[Ticket] = set()
        self._looked_up_held: set[Ticket] = set()
        self._looked_up_revoked: set[Ticket] = set()
        self._admitted: set[Ticket] = set()
        self._looked_up_admitted: set[Ticket] = set()
        # Admission numbers already counted for this batch's check-ins, in batch order.
        self._admissions: dict[Ticket, deque[int]] = {}
        self._queued: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._staged: list[tuple[str, dict[str, Any]]] | None = None
        # Refused before and sent again unchanged: their copy is already kept.
        self.kept_before: set[str] = set()
        self._signing_keys: dict[int, SigningKeyInfo | None] = {}
        # Tickets whose signature was checked before the transaction began
        # (``server.mutations.check_signatures``): (key id, event, number, ticket) -> valid.
        self.signatures: dict[tuple[int, int, int | None, str], bool] = {}
        # Phone -> its keyed hash (server.contacts), made once for the batch's sign-ups.
        self.phone_hashes: dict[str, str] = {}
        # Plans messages to citizens (set by ingest; None: no messages, as in benchmarks).
        self.planner: Planner | None = None
        # Mutation id -> the id its record gets instead (see ``entity_id``).
        self.renamed: dict[str, str] = {}
        # Scopes besides its office's that pull each event's sign-ups and admissions
        # (server/subscriptions.py), and the ones this batch adds.
        self._subscribers: dict[int, set[str]] = {}
        self._subscribing: dict[tuple[int, str], None] = {}

    def entity_id(self, mutation_id: object) -> str:
        """The id of the record a mutation makes: its own id, unless another kiosk's took it.

        Record ids (submissions, registrations, check-ins) are the mutation ids
        kiosks chose. Only a device that read another's queue could send one of
        its ids first; the kiosk's own record must still be kept, so it gets a
        fresh id (server/ingest.py decides when). The answer is ``applied``
        either way: nothing tells the sender that the id was taken.
        """
        key = str(mutation_id)
        return self.renamed.get(key, key)

    def signing_key(self, key_id: int) -> SigningKeyInfo | None:
        """A ticket-signing public key, looked up once per batch."""
        if key_id not in self._signing_keys:
            row = self.conn.execute(_SIGNING_KEY, {"id": key_id}).first()
            self._signing_keys[key_id] = (
                None
                if row is None
                else SigningKeyInfo(row.public_key, row.revoked_at is not None, row.revoked_at)
            )
        return self._signing_keys[key_id]

    # --- one mutation --------------------------------------------------------------------

    @contextmanager
    def mutation(self) -> Iterator[None]:
        """The extent of one mutation: its writes all happen, or none do."""
        if not self.bulk:
            with self.conn.begin_nested():
                yield
            return
        self._staged = []
        try:
            yield
            staged = self._staged
        finally:
            self._staged = None
        for kind, row in staged:
            self._queue(kind, row)

    def insert(self, kind: str, row: dict[str, Any]) -> None:
        if self._staged is not None:
            self._staged.append((kind, row))
        elif self.bulk:
            self._queue(kind, row)
        else:
            # Visible to this transaction's later look-ups straight away.
            self.conn.execute(INSERTS[kind].statement(self.dialect), row)

    def _queue(self, kind: str, row: dict[str, Any]) -> None:
        self._queued[kind].append(row)
        # Not in the database yet: later look-ups in this batch must know of it.
        if kind == "registration" and row["key_id"] is not None and row["number"] is not None:
            self._held.add((row["key_id"], row["event_id"], row["number"]))
        elif kind == "revoked_ticket":
            self._revoked.add((row["key_id"], row["event_id"], row["number"]))

    def note_confirmed(self, event_id: int, *, from_block: bool = True) -> None:
        """One more confirmed place (of this device's block), once its mutation is kept."""
        if from_block:
            self._confirmed[event_id] = self.confirmed_here(event_id) + 1
        self._all_confirmed[event_id] = self.confirmed_total(event_id) + 1

    def confirmed_total(self, event_id: int) -> int:
        if event_id not in self._all_confirmed:
            self.prefetch([event_id], (), ())
        return self._all_confirmed[event_id]

    def phone_taken(self, event_id: int, phone_hash: str) -> str | None:
        """The receipt code of a live sign-up of this phone for this event, if there is one."""
        pair = (event_id, phone_hash)
        if pair not in self._looked_up_phones:
            self.prefetch_phones([pair])
        return self._phones.get(pair)

    def note_phone(self, event_id: int, phone_hash: str, receipt_code: str) -> None:
        self._phones[(event_id, phone_hash)] = receipt_code
        self._looked_up_phones.add((event_id, phone_hash))

    def prefetch_phones(self, pairs: Collection[tuple[int, str]]) -> None:
        wanted = [p for p in pairs if p not in self._looked_up_phones and p[1]]
        if not wanted:
            return
        params = {
            "event_ids": sorted({p[0] for p in wanted}),
            "hashes": sorted({p[1] for p in wanted}),
        }
        asked = set(wanted)
        for row in self.conn.execute(_PHONES[self.dialect], params):
            pair = (row.event_id, row.phone_hash)
            if pair in asked:
                self._phones.setdefault(pair, row.receipt_code)
        self._looked_up_phones |= asked

    def flush(self) -> None:
        """Send what bulk mode held back: one multi-row INSERT per table; then subscriptions."""
        for kind, insert in INSERTS.items():
            rows = self._queued.pop(kind, None)
            if kind == "registration" and rows:
                # Kept counts lock one row per event (server migrations 0010, 0011):
                # in event order, two batches never wait on each other in a circle.
                # (SQLite's row triggers follow the rows' order; PostgreSQL's
                # statement trigger sorts by event itself.)
                rows.sort(key=lambda row: row["event_id"])
            if rows:
                insert.run(self.conn, rows)
        for event_id, scope in self._subscribing:
            subscriptions.subscribe(self.conn, event_id, scope, self.now)
        self._subscribing.clear()

    # --- who pulls an event ------------------------------------------------------------

    def scopes(self, event: EventInfo) -> list[str]:
        """The scopes an event's sign-ups and admissions are logged for, this push's office too.

        The pushing kiosk's office subscribes to any event it sells places of or
        admits people to (server/subscriptions.py).
        """
        if event.id not in self._subscribers:
            self._subscribers.update(subscriptions.subscribers_of(self.conn, [event.id]))
        known = self._subscribers[event.id]
        own = subscriptions.own_scope(self.pusher.office, self.pusher.device_id)
        if own not in known and own != office_scope(event.office):
            known.add(own)
            self._subscribing[(event.id, own)] = None
        return subscriptions.event_scopes(event.office, known)

    # --- look-ups ------------------------------------------------------------------------

    def prefetch(
        self, event_ids: Collection[int], tickets: Collection[Ticket], admitted: Collection[Ticket]
    ) -> None:
        """Make the look-ups of a whole batch at once (bulk mode)."""
        device = self.pusher.device_id
        if event_ids:
            ids = sorted(set(event_ids))
            self._events.update(dict.fromkeys(ids))
            for row in self.conn.execute(_EVENTS, {"event_ids": ids}):
                self._events[row.id] = EventInfo(
                    row.id,
                    row.office,
                    row.offline_block,
                    row.capacity,
                    row.title_ko,
                    row.title_en,
                    row.place_ko,
                    row.place_en,
                    row.starts_at,
                )
            self._subscribers.update(subscriptions.subscribers_of(self.conn, ids))
            params = {"event_ids": ids, "device_id": device}
            self._blocks.update(
                {row.event_id: int(row.places) for row in self.conn.execute(_BLOCKS, params)}
            )
            self._confirmed.update(dict.fromkeys(ids, 0))
            self._confirmed.update(
                {event_id: int(n) for event_id, n in self.conn.execute(_CONFIRMED, params)}
            )
            self._all_confirmed.update(dict.fromkeys(ids, 0))
            self._all_confirmed.update(
                {
                    event_id: int(n)
                    for event_id, n in self.conn.execute(_ALL_CONFIRMED, {"event_ids": ids})
                }
            )
        # Admitted tickets too: an admission with no sign-up is flagged.
        self._held |= self._lookup(_HELD_TICKETS, {*tickets, *admitted})
        self._looked_up_held |= {*tickets, *admitted}
        self._admitted |= self._lookup(_ADMITTED_TICKETS, tickets)
        self._looked_up_admitted |= set(tickets)
        self._revoked |= self._lookup(_REVOKED_TICKETS, admitted)
        self._looked_up_revoked |= set(admitted)

    def _lookup(self, queries: dict[str, Any], tickets: Collection[Ticket]) -> set[Ticket]:
        if not tickets:
            return set()
        params = {
            "key_ids": sorted({t[0] for t in tickets}),
            "event_ids": sorted({t[1] for t in tickets}),
            "numbers": sorted({t[2] for t in tickets}),
        }
        rows = self.conn.execute(queries[self.dialect], params)
        found = {(r.key_id, r.event_id, r.number) for r in rows}
        return found & set(tickets)

    def event(self, event_id: int) -> EventInfo | None:
        if event_id not in self._events:
            self.prefetch([event_id], (), ())
        return self._events[event_id]

    def block(self, event: EventInfo) -> int:
        if event.id not in self._confirmed:
            self.prefetch([event.id], (), ())
        return self._blocks.get(event.id, event.offline_block)

    def confirmed_here(self, event_id: int) -> int:
        if event_id not in self._confirmed:
            self.prefetch([event_id], (), ())
        return self._confirmed[event_id]

    def ticket_held(self, ticket: Ticket) -> bool:
        if ticket in self._held:
            return True
        if self.bulk and ticket in self._looked_up_held:
            return False
        return bool(self._lookup(_HELD_TICKETS, [ticket]))

    def ticket_revoked(self, ticket: Ticket) -> bool:
        if ticket in self._revoked:
            return True
        if self.bulk and ticket in self._looked_up_revoked:
            return False
        return bool(self._lookup(_REVOKED_TICKETS, [ticket]))

    def ticket_admitted(self, ticket: Ticket) -> bool:
        """Whether this ticket was admitted before (its sign-up may be arriving late)."""
        if ticket in self._admitted:
            return True
        if self.bulk and ticket in self._looked_up_admitted:
            return False
        return bool(self._lookup(_ADMITTED_TICKETS, [ticket]))

    def received_at(self, ticket: Ticket) -> dt.datetime | None:
        """When the server received the sign-up holding this ticket (None: none does)."""
        key_id, event_id, number = ticket
        params = {"key_id": key_id, "event_id": event_id, "number": number}
        value: dt.datetime | None = self.conn.execute(_RECEIVED, params).scalar()
        return value

    def admit_all(self, tickets: Sequence[Ticket]) -> None:
        """Count the admissions of a whole batch at once: ``tickets`` in batch order.

        Each check-in then takes its number from ``admit`` in that order, as if
        counted one by one: one statement instead of a round trip per check-in
        (a fifth of a mixed push). The caller passes only check-ins certain to
        be admitted (fresh, accepted, no undo in the batch). Tickets go in one
        order, so two batches lock their counter rows without waiting in a circle.
        """
        wanted = Counter(tickets)
        rows = [
            {"key_id": key_id, "event_id": event_id, "number": number, "count": n}
            for (key_id, event_id, number), n in sorted(wanted.items())
        ]
        if not rows:
            return
        for key_id, event_id, number, count in self.conn.execute(_ADMIT_MANY[self.dialect], rows):
            ticket = (key_id, event_id, number)
            self._admissions[ticket] = deque(range(count - wanted[ticket] + 1, count + 1))

    def admit(self, ticket: Ticket) -> int:
        """Count one more admission of ``ticket``, now: how many there are with this one.

        Not held back even in bulk mode: the row lock this upsert takes is what
        makes two kiosks' simultaneous admissions of one ticket count 1 and 2.
        """
        counted = self._admissions.get(ticket)
        if counted:
            return counted.popleft()
        key_id, event_id, number = ticket
        params = {"key_id": key_id, "event_id": event_id, "number": number}
        return int(self.conn.execute(_COUNT_ADMISSION[self.dialect], params).scalar_one())
