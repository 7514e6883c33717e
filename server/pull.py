"""Answering a pull: a page of the change log, or a page of a full snapshot.

The log says *what* changed; a page carries each changed thing's state as it
is when the page is read, worked out for the pulling device (its own offline
block, the places taken outside it). A thing that no longer exists goes out
as a tombstone. A device without a usable cursor gets ``reset: true`` and a
snapshot of everything it may see, paged like the log, then continues on the
log from where the snapshot began.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Select, and_, bindparam, false, func, or_, select, tuple_
from sqlalchemy.orm import Session

from core.tickets import manual_code_digest, manual_code_of_text, payload_hex, ticket_digest
from server.changes import (
    CHECKIN_ENTITY,
    Cursor,
    decode_cursor,
    has_entries_after,
    log_state,
    read_log,
    scopes_for,
    stamp_pending,
)
from server.db import Database
from server.inlists import one_of
from server.models import (
    Category,
    CheckIn,
    Device,
    Entity,
    Event,
    EventBlock,
    EventCount,
    EventSubscriber,
    Registration,
    RegistrationStatus,
    RevokedTicket,
    SigningKey,
    table_of,
    utcnow,
)
from server.mutations import UNDONE, is_undone
from server.pagecache import PageCache, dialect_of
from server.subscriptions import own_scope
from sync.protocol import (
    CategoryChange,
    Changes,
    CheckinChange,
    EventChange,
    PullResponse,
    RegistrationChange,
    RevokedTicketChange,
    SigningKeyChange,
)


@dataclass(frozen=True)
class Puller:
    """The device asking, as far as what it may see depends on it."""

    device_id: str
    office: str

    @staticmethod
    def of(device: Device) -> Puller:
        return Puller(device.id, device.office)


@dataclass
class _Page:
    changes: Changes = field(default_factory=Changes)
    count: int = 0
    cache: PageCache | None = None


@dataclass(frozen=True)
class PulledPage:
    """A page as the HTTP answer carries it: its JSON, and what the request log notes."""

    body: bytes
    device: str
    changes: int


_KINDS = tuple(Changes.model_fields)


def pull_json(
    db: Database,
    epoch: str,
    puller: Puller,
    cursor_text: str,
    limit: int,
    cache: PageCache | None = None,
    pending: bool | None = None,
) -> PulledPage:
    """``pull``'s page as JSON, the changes the cache holds written out from its kept bytes.

    The same document as ``pull(...).model_dump_json()`` (the tests hold it to that).
    """
    page = pull(db, epoch, puller, cursor_text, limit, cache, pending)
    serialise = cache.json if cache is not None else _serialised
    lists = [(kind, getattr(page.changes, kind)) for kind in _KINDS]
    changes = b",".join(
        b'"%s":[%s]' % (kind.encode(), b",".join([serialise(c) for c in items]))
        for kind, items in lists
    )
    rest = _Tail(
        cursor=page.cursor, has_more=page.has_more, reset=page.reset, server_time=page.server_time
    )
    body = b'{"changes":{%s},%s' % (changes, _serialised(rest)[1:])
    return PulledPage(body, puller.device_id, sum(len(items) for _, items in lists))


class _Tail(PullResponse):
    """A page's fields after its changes, in PullResponse's order (serialised apart)."""

    changes: Changes = Field(default_factory=Changes, exclude=True)


def _serialised(model: BaseModel) -> bytes:
    return model.__pydantic_serializer__.to_json(model)


def pull(
    db: Database,
    epoch: str,
    puller: Puller,
    cursor_text: str,
    limit: int,
    cache: PageCache | None = None,
    pending: bool | None = None,
) -> PullResponse:
    """A page for ``puller``; with ``cache``, changes already built for others are reused.

    ``pending``: whether the log had unstamped entries, if the caller just asked."""
    stamp_pending(db, pending)
    cursor = decode_cursor(cursor_text) if cursor_text else None
    with db.quick_read() as session:
        state = log_state(session)
        usable = (
            cursor is not None
            and cursor.epoch == epoch
            and state.compacted_through <= cursor.position <= state.last_position
        )
        if cursor is None or not usable:
            start = Cursor(epoch, state.last_position, 0)
            return _snapshot_page(session, puller, start, limit, cache)
        if cursor.stage is not None:
            return _snapshot_page(session, puller, cursor, limit, cache)
        return _log_page(session, puller, cursor, limit, cache, state.last_position)


def _log_page(
    session: Session,
    puller: Puller,
    cursor: Cursor,
    limit: int,
    cache: PageCache | None,
    head: int,
) -> PullResponse:
    entries = read_log(session, cursor.position, scopes_for(puller.device_id, puller.office), limit)
    has_more = len(entries) > limit
    entries = entries[:limit]
    # Each key once, in log order (a dict keeps order; a list's "in" made this quadratic).
    # With the newest position of each key's entries here (what the cache checks).
    keys: dict[str, dict[str, int]] = defaultdict(dict)
    for _id, position, entity, key in entries:
        keys[entity][key] = position
    of = {entity: list(found) for entity, found in keys.items()}
    seen = _Seen(keys, head)
    changes = Changes(
        categories=_categories_by_key(session, of.get(Entity.CATEGORY, [])),
        events=_events_by_key(session, puller, of.get(Entity.EVENT, [])),
        registrations=_shared(
            cache,
            session,
            Entity.REGISTRATION,
            of.get(Entity.REGISTRATION, []),
            _registrations_by_key,
            seen,
        ),
        signing_keys=_signing_keys_by_key(session, of.get(Entity.SIGNING_KEY, [])),
        revoked_tickets=_revoked_by_key(session, of.get(Entity.REVOKED_TICKET, [])),
        checkins=_shared(
            cache, session, CHECKIN_ENTITY, of.get(CHECKIN_ENTITY, []), _checkins_by_key, seen
        ),
    )
    position = entries[-1].position if entries else cursor.position
    assert position is not None
    return PullResponse(
        changes=changes,
        cursor=Cursor(cursor.epoch, position).encode(),
        has_more=has_more,
        reset=False,
        server_time=utcnow(),
    )


# --- materialising log entries ---------------------------------------------------------

_Shared = TypeVar("_Shared", RegistrationChange, CheckinChange)


@dataclass(frozen=True)
class _Seen:
    """What a log page says of its keys: the newest position of each one's entries on
    it (by entity), and the log head read before anything was built for the page."""

    positions: dict[str, dict[str, int]]
    head: int


def _shared(
    cache: PageCache | None,
    session: Session,
    entity: str,
    keys: Sequence[str],
    build: Callable[[Session, Sequence[str]], list[_Shared]],
    seen: _Seen,
) -> list[_Shared]:
    """Changes that are the same for every kiosk: from the cache when it has them current."""
    if cache is None:
        return build(session, keys)
    return cache.changes(
        session,
        str(entity),
        keys,
        build,
        lambda change: str(change.id),
        seen.positions[str(entity)],
        seen.head,
    )


def _categories_by_key(session: Session, codes: Sequence[str]) -> list[CategoryChange]:
    if not codes:
        return []
    found = {c.code: c for c in session.scalars(select(Category).where(Category.code.in_(codes)))}
    return [
        _category(found[code]) if code in found else CategoryChange(code=code, deleted=True)
        for code in codes
    ]


def _events_by_key(session: Session, puller: Puller, keys: Sequence[str]) -> list[EventChange]:
    ids = [int(key) for key in keys]
    if not ids:
        return []
    live = _events(session, puller, ids)
    return [live[i] if i in live else EventChange(id=i, deleted=True) for i in ids]


def _registrations_by_key(session: Session, keys: Sequence[str]) -> list[RegistrationChange]:
    if not keys:
        return []
    query = select(Registration).where(one_of(Registration.id, "keys", dialect_of(session)))
    found = {r.id: r for r in session.scalars(query, {"keys": list(keys)}).all()}
    return [
        _registration(found[key]) if key in found else RegistrationChange(id=key, deleted=True)
        for key in keys
    ]


def _signing_keys_by_key(session: Session, keys: Sequence[str]) -> list[SigningKeyChange]:
    ids = [int(key) for key in keys]
    if not ids:
        return []
    rows = session.scalars(select(SigningKey).where(SigningKey.id.in_(ids)).order_by(SigningKey.id))
    return [_signing_key(k) for k in rows]


def _revoked_by_key(session: Session, keys: Sequence[str]) -> list[RevokedTicketChange]:
    tickets = [tuple(int(part) for part in key.split(":")) for key in keys]
    if not tickets:
        return []
    rows = session.scalars(
        select(RevokedTicket).where(
            tuple_(RevokedTicket.key_id, RevokedTicket.event_id, RevokedTicket.number).in_(tickets)
        )
    )
    return [_revoked(t) for t in rows]


def _checkins_by_key(session: Session, keys: Sequence[str]) -> list[CheckinChange]:
    if not keys:
        return []
    query = _with_device(select(CheckIn).where(one_of(CheckIn.id, "keys", dialect_of(session))))
    found = {c.id: (c, d) for c, d in session.execute(query, {"keys": list(keys)}).all()}
    return [
        _checkin(*found[key]) if key in found else CheckinChange(id=key, deleted=True)
        for key in keys
    ]


def _with_device(query: Select[CheckIn]) -> Select[CheckIn, Device | None]:
    # Outer join: a check-in is never dropped for want of its device's name.
    return query.add_columns(Device).outerjoin(Device, Device.id == CheckIn.device_id)


def revoked_ticket_key(key_id: int, event_id: int, number: int) -> str:
    return f"{key_id}:{event_id}:{number}"


# --- the full snapshot -----------------------------------------------------------------


def _snapshot_page(
    session: Session, puller: Puller, cursor: Cursor, limit: int, cache: PageCache | None = None
) -> PullResponse:
    reset = cursor.stage == 0 and cursor.after_key is None
    page = _Page(cache=cache)
    stage = cursor.stage or 0
    after_key = cursor.after_key
    while stage < len(_STAGES):
        room = limit - page.count
        last_key, more = _STAGES[stage](session, puller, page, after_key, room)
        if more:
            next_cursor = Cursor(cursor.epoch, cursor.position, stage, last_key)
            return PullResponse(
                changes=page.changes,
                cursor=next_cursor.encode(),
                has_more=True,
                reset=reset,
                server_time=utcnow(),
            )
        stage, after_key = stage + 1, None
    scopes = scopes_for(puller.device_id, puller.office)
    return PullResponse(
        changes=page.changes,
        cursor=Cursor(cursor.epoch, cursor.position).encode(),
        has_more=has_entries_after(session, cursor.position, scopes),
        reset=reset,
        server_time=utcnow(),
    )


# Each stage adds up to ``room`` items after ``after_key`` to the page and returns
# (last key added, whether more are left in this stage).
_T = TypeVar("_T")
_Stage = Callable[[Session, Puller, _Page, str | None, int], tuple[str | None, bool]]


def _take(rows: Iterable[_T], room: int) -> tuple[list[_T], bool]:
    taken = list(rows)
    return taken[:room], len(taken) > room


def _snapshot_categories(
    session: Session, _puller: Puller, page: _Page, after: str | None, room: int
) -> tuple[str | None, bool]:
    query = select(Category).order_by(Category.code).limit(room + 1)
    if after is not None:
        query = query.where(Category.code > after)
    rows, more = _take(session.scalars(query), room)
    page.changes.categories.extend(_category(c) for c in rows)
    page.count += len(rows)
    return (rows[-1].code if rows else after), more


def _snapshot_events(
    session: Session, puller: Puller, page: _Page, after: str | None, room: int
) -> tuple[str | None, bool]:
    query = select(Event.id).order_by(Event.id).limit(room + 1)
    if after is not None:
        query = query.where(Event.id > int(after))
    rows, more = _take(session.scalars(query), room)
    live = _events(session, puller, rows)
    page.changes.events.extend(live[i] for i in rows if i in live)
    page.count += len(rows)
    return (str(rows[-1]) if rows else after), more


_signing_keys = table_of(SigningKey)
# What changes whenever the set of keys or a revocation does (keys are never deleted).
_KEYS_VERSION = select(
    func.count(),
    func.max(_signing_keys.c.id),
    func.count(_signing_keys.c.revoked_at),
    func.max(_signing_keys.c.revoked_at),
)


def _snapshot_signing_keys(
    session: Session, _puller: Puller, page: _Page, after: str | None, room: int
) -> tuple[str | None, bool]:
    """Every kiosk's snapshot holds every kiosk's key (2,000 in a city), the same for all:
    built once per state of the keys and page bounds, then served to every kiosk."""

    def build() -> tuple[list[SigningKeyChange], bool]:
        query = select(_signing_keys.c.id, _signing_keys.c.public_key, _signing_keys.c.revoked_at)
        if after is not None:
            query = query.where(_signing_keys.c.id > int(after))
        rows, more = _take(
            session.execute(query.order_by(_signing_keys.c.id).limit(room + 1)), room
        )
        changes = [
            SigningKeyChange(
                key_id=key_id,
                public_key=public_key,
                revoked=revoked_at is not None,
                revoked_at=revoked_at,
            )
            for key_id, public_key, revoked_at in rows
        ]
        return changes, more

    if page.cache is None:
        changes, more = build()
    else:
        version = tuple(session.execute(_KEYS_VERSION).one())
        changes, more = page.cache.stage(("signing_keys", after, room), version, build)
    page.changes.signing_keys.extend(changes)
    page.count += len(changes)
    return (str(changes[-1].key_id) if changes else after), more


def _snapshot_revoked(
    session: Session, _puller: Puller, page: _Page, after: str | None, room: int
) -> tuple[str | None, bool]:
    columns = (RevokedTicket.key_id, RevokedTicket.event_id, RevokedTicket.number)
    query = select(RevokedTicket).order_by(*columns).limit(room + 1)
    if after is not None:
        key_id, event_id, number = (int(p) for p in after.split(":"))
        query = query.where(tuple_(*columns) > tuple_(key_id, event_id, number))
    rows, more = _take(session.scalars(query), room)
    page.changes.revoked_tickets.extend(_revoked(t) for t in rows)
    page.count += len(rows)
    if not rows:
        return after, more
    return revoked_ticket_key(rows[-1].key_id, rows[-1].event_id, rows[-1].number), more


def _snapshot_registrations(
    session: Session, puller: Puller, page: _Page, after: str | None, room: int
) -> tuple[str | None, bool]:
    query = (
        select(Registration)
        .join(Event, Event.id == Registration.event_id)
        .where(_served(puller))
        .order_by(Registration.id)
        .limit(room + 1)
    )
    if after is not None:
        query = query.where(Registration.id > after)
    rows, more = _take(session.scalars(query), room)
    page.changes.registrations.extend(_registration(r) for r in rows)
    page.count += len(rows)
    return (rows[-1].id if rows else after), more


def _snapshot_checkins(
    session: Session, puller: Puller, page: _Page, after: str | None, room: int
) -> tuple[str | None, bool]:
    """The admissions of every event this device may check in (as for registrations)."""
    query = _with_device(
        select(CheckIn)
        .join(Event, Event.id == CheckIn.event_id)
        .where(_served(puller))
        .order_by(CheckIn.id)
        .limit(room + 1)
    )
    if after is not None:
        query = query.where(CheckIn.id > after)
    rows, more = _take(session.execute(query).all(), room)
    page.changes.checkins.extend(_checkin(c, d) for c, d in rows)
    page.count += len(rows)
    return (rows[-1][0].id if rows else after), more


def _served(puller: Puller) -> ColumnElement[bool]:
    """Events whose sign-ups and admissions this device pulls (server/subscriptions.py)."""
    subscribed = select(EventSubscriber.event_id).where(
        EventSubscriber.scope == own_scope(puller.office, puller.device_id)
    )
    mine = Event.office == puller.office if puller.office else false()
    return or_(mine, Event.id.in_(subscribed))


# Check-ins come last: a kiosk applies a ticket's admissions after its registration.
_STAGES: tuple[_Stage, ...] = (
    _snapshot_categories,
    _snapshot_events,
    _snapshot_signing_keys,
    _snapshot_revoked,
    _snapshot_registrations,
    _snapshot_checkins,
)


# --- one row to one change -------------------------------------------------------------


def _category(c: Category) -> CategoryChange:
    return CategoryChange(
        code=c.code,
        name_ko=c.name_ko,
        name_en=c.name_en,
        icon=c.icon,
        sort_order=c.sort_order,
        active=c.active,
    )


_event_table = table_of(Event)
_total = table_of(EventCount).alias("total")
_mine = table_of(EventCount).alias("mine")
_block = table_of(EventBlock).alias("block")
# An event with what one device must know of it, in one query: the places taken
# in all (counts kept by triggers, server migration 0010, not counted), those
# this device took, and its own offline block. Built once: a page names up to
# every event, and four ORM queries a page were a tenth of a pull.
_EVENTS = (
    select(
        _event_table.c.id,
        _event_table.c.title_ko,
        _event_table.c.title_en,
        _event_table.c.place_ko,
        _event_table.c.place_en,
        _event_table.c.starts_at,
        _event_table.c.ends_at,
        _event_table.c.capacity,
        _event_table.c.offline_block,
        _event_table.c.cancelled,
        _total.c.confirmed.label("total"),
        _mine.c.confirmed.label("mine"),
        _block.c.places.label("block"),
    )
    .select_from(
        _event_table.outerjoin(
            _total,
            and_(
                _total.c.event_id == _event_table.c.id,
                _total.c.device_id == EventCount.ALL_DEVICES,
            ),
        )
        .outerjoin(
            _mine,
            and_(_mine.c.event_id == _event_table.c.id, _mine.c.device_id == bindparam("device")),
        )
        .outerjoin(
            _block,
            and_(_block.c.event_id == _event_table.c.id, _block.c.device_id == bindparam("device")),
        )
    )
    .where(_event_table.c.id.in_(bindparam("ids", expanding=True)))
)


def _events(session: Session, puller: Puller, ids: Sequence[int]) -> dict[int, EventChange]:
    """Events as this device must see them: its own block, the places taken outside it."""
    if not ids:
        return {}
    rows = session.execute(_EVENTS, {"ids": list(ids), "device": puller.device_id}).all()
    return {
        e.id: EventChange(
            id=e.id,
            title_ko=e.title_ko,
            title_en=e.title_en,
            place_ko=e.place_ko,
            place_en=e.place_en,
            starts_at=e.starts_at,
            ends_at=e.ends_at,
            capacity=e.capacity,
            taken=(e.total or 0) - (e.mine or 0),
            offline_block=e.offline_block if e.block is None else e.block,
            cancelled=e.cancelled,
        )
        for e in rows
    }


def _registration(r: Registration) -> RegistrationChange:
    """What a kiosk needs to check this sign-up's ticket; never the ticket or receipt code."""
    manual_code = manual_code_of_text(r.ticket) if r.ticket else ""
    return RegistrationChange(
        id=r.id,
        event_id=r.event_id,
        status=RegistrationStatus(r.status).value,
        key_id=r.key_id,
        number=r.number,
        masked_name=r.masked_name,
        ticket_payload=payload_hex(r.ticket) if r.ticket else "",
        ticket_digest=ticket_digest(r.ticket) if r.ticket else "",
        manual_code_digest=manual_code_digest(r.event_id, manual_code) if manual_code else "",
        received_at=r.received_at,
    )


def _signing_key(k: SigningKey) -> SigningKeyChange:
    return SigningKeyChange(
        key_id=k.id,
        public_key=k.public_key,
        revoked=k.revoked_at is not None,
        revoked_at=k.revoked_at,
    )


def _revoked(t: RevokedTicket) -> RevokedTicketChange:
    return RevokedTicketChange(key_id=t.key_id, event_id=t.event_id, number=t.number)


def _checkin(c: CheckIn, device: Device | None) -> CheckinChange:
    reasons = c.flag_reason.split()
    return CheckinChange(
        id=c.id,
        event_id=c.event_id,
        key_id=c.key_id,
        number=c.number,
        device_id=c.device_id,
        device_name=device.name if device else "",
        device_office=device.office if device else "",
        scanned_at=c.scanned_at,
        server_time=c.received_at,
        flagged=c.flagged,
        flag_reason=" ".join(r for r in reasons if r != UNDONE),
        undone=is_undone(c.flag_reason),
    )
