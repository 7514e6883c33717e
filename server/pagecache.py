"""Changes built once and served to every kiosk that pulls them.

A sign-up or an admission is the same for every kiosk that pulls it: what
differs between kiosks is only which of them get it (their scopes) and when
(their cursors). Building its change (an ORM row, the ticket's digest and
payload, the manual code's digest, the model) cost ~0.15 ms of server CPU,
paid again for every kiosk, so the server's work grew with the fleet.

A page is still assembled for each pull (its cursor is the kiosk's own), but
each change in it is taken from this cache when it is current as of the page:
an entry is kept with the log head read before it was built (every change
stamped at or below it was committed before the build read the row), and is
used for a page whose entries for its key are all at or below that. The page
itself says whether that holds: a change logs an entry in every scope that
pulls the key, and stamping one deletes the older entries of the same key and
scope, so a key's entry on a page is its newest in that scope. A change
stamped after the build leaves the page an entry above the kept head, and the
change is built again. (This replaced a query per page for the newest position
of every key on it: at 2,000 kiosks, a thousand keys of ~25 entries each,
which made PostgreSQL the busiest process on the machine.)

What the page cannot say is a change committed but not stamped yet when the
page was read: the kiosk gets the state the log has stamped, and the newer
one with the change's entry on a later page, as for any change committed
while a page is read. Pulls stamp first, so with no writer running meanwhile
a page served from the cache is the page a fresh build gives;
tests/integration/server/test_pagecache.py holds it to that.

What invalidates an entry is the change log itself: every change a kiosk
must learn of writes an entry for its key. (A device renamed on the server
logs nothing, so a cached admission keeps the admitting kiosk's old name
until the admission changes again.)

Each change kept is also kept serialised (``json``): a page is written out by
joining the kept bytes, since serialising every change again for every kiosk
was most of what a pull cost once the changes themselves were shared.

One cache per server process, bounded; several processes on one database
each keep their own.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import TypeVar, cast

from pydantic import BaseModel
from sqlalchemy.orm import Session

_Change = TypeVar("_Change", bound=BaseModel)
_Built = TypeVar("_Built")
# Snapshot parts kept (``PageCache.stage``): a few pages of keys for each page size asked.
_STAGES = 256
# Serialised snapshot changes kept besides the entries: a city's keys, a few times over.
_STAGE_CHANGES = 20_000


def dialect_of(session: Session) -> str:
    return session.get_bind().dialect.name


class PageCache:
    """Built changes by (entity, key), each with the log position it is current as of."""

    def __init__(self, capacity: int = 200_000) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[tuple[str, str], tuple[int, BaseModel]] = OrderedDict()
        self._lock = threading.Lock()
        # Snapshot parts shared by every kiosk (``stage``): key -> (version, part).
        self._stages: OrderedDict[Hashable, tuple[object, object]] = OrderedDict()
        # The JSON of each change the cache holds, by the change's id(): the entry
        # holds the change itself, so the id cannot be reused while it is here.
        # Bounded on its own; a change not (or no longer) here is serialised afresh.
        self._json: OrderedDict[int, tuple[BaseModel, bytes]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def changes(
        self,
        session: Session,
        entity: str,
        keys: Sequence[str],
        build: Callable[[Session, Sequence[str]], list[_Change]],
        key_of: Callable[[_Change], str],
        seen: Mapping[str, int],
        head: int,
    ) -> list[_Change]:
        """The changes of ``keys`` in their order: cached where current, else ``build``.

        ``seen``: the newest position of each key's entries on the page; ``head``:
        the log head read before anything is built for it.
        """
        if not keys:
            return []
        found: dict[str, _Change] = {}
        with self._lock:
            for key in keys:
                cached = self._entries.get((entity, key))
                if cached is not None and cached[0] >= seen[key]:
                    self._entries.move_to_end((entity, key))
                    found[key] = cached[1]  # type: ignore[assignment]
        self.hits += len(found)
        missing = [key for key in keys if key not in found]
        self.misses += len(missing)
        if missing:
            built = {key_of(change): change for change in build(session, missing)}
            if set(built) != set(missing):
                # A builder that names its changes otherwise than the log: no caching.
                return build(session, keys)
            found.update(built)
            self._keep(entity, built.items(), head)
        return [found[key] for key in keys]

    def _keep(self, entity: str, built: Iterable[tuple[str, BaseModel]], head: int) -> None:
        with self._lock:
            for key, change in built:
                self._entries[(entity, key)] = (head, change)
                self._entries.move_to_end((entity, key))
                self._serialised(change)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def stage(self, key: Hashable, version: object, build: Callable[[], _Built]) -> _Built:
        """A part of a snapshot page that is the same for every kiosk (``key`` names the
        part and its bounds), built afresh only when ``version`` (what its state is
        read from, e.g. a count and a newest id) differs from the one it was built at."""
        with self._lock:
            kept = self._stages.get(key)
            if kept is not None and kept[0] == version:
                self._stages.move_to_end(key)
                return cast(_Built, kept[1])
        built = build()
        with self._lock:
            self._stages[key] = (version, built)
            for part in _models_in(built):
                self._serialised(part)
            while len(self._stages) > _STAGES:
                self._stages.popitem(last=False)
        return built

    def json(self, change: BaseModel) -> bytes:
        """``change`` as JSON: the kept bytes if the cache holds this very change."""
        kept = self._json.get(id(change))
        if kept is not None and kept[0] is change:
            return kept[1]
        return change.__pydantic_serializer__.to_json(change)

    def _serialised(self, change: BaseModel) -> None:
        """Keep ``change``'s JSON (the caller holds the lock)."""
        self._json[id(change)] = (change, change.__pydantic_serializer__.to_json(change))
        while len(self._json) > self.capacity + _STAGE_CHANGES:
            self._json.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._stages.clear()
            self._json.clear()


def _models_in(built: object) -> list[BaseModel]:
    """The changes in a snapshot part as ``stage`` keeps it (a list, or a tuple holding one)."""
    parts = built if isinstance(built, tuple) else (built,)
    return [m for part in parts if isinstance(part, list) for m in part if isinstance(m, BaseModel)]
