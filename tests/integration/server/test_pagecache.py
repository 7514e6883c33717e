"""Pages served with cached changes are exactly the pages a fresh build gives.

Kiosks of two offices push sign-ups, admissions and undos and cancel places
in a random order; after every step a random kiosk pulls from its cursor
through the server's page cache, and the same page is built again with no
cache at all. The two must be identical (all but ``server_time``), and the
cache must actually have served changes built for other kiosks.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from typing import Any

from sqlalchemy import select

from server import claims
from server.catalogue import NewEvent, add_event
from server.db import Database
from server.devices import revoke_device
from server.ingest import ingest
from server.keys import load_or_create_keys
from server.models import ChangeLogEntry, Device, Registration
from server.pagecache import PageCache
from server.pull import Puller, pull, pull_json
from tests.integration.server.test_ingest import _device

STARTS = dt.datetime(2027, 1, 5, tzinfo=dt.UTC)


def _page(db: Database, epoch: str, device: Device, cursor: str, cache: PageCache | None) -> Any:
    """The page as the server answers it: with a cache, the JSON the pull route sends
    (written out from the cache's kept bytes), else a fresh build serialised whole."""
    if cache is None:
        body = pull(db, epoch, Puller.of(device), cursor, 7).model_dump_json().encode()
    else:
        body = pull_json(db, epoch, Puller.of(device), cursor, 7, cache).body
    # Byte for byte up to the clock: the same document, not just an equal one.
    text, _, clock = body.rpartition(b',"server_time":')
    assert clock.endswith(b'"}')
    page = json.loads(text + b"}")
    page["bytes"] = text
    return page


def test_cached_pages_equal_fresh_ones_through_pushes_cancellations_and_undos(
    db: Database,
) -> None:
    rng = random.Random(18)
    keys = load_or_create_keys(db)
    kiosks = [_device(db, keys) for _ in range(4)]
    events = [
        add_event(db, NewEvent(title_ko="행사", title_en="Event", capacity=30, offline_block=5,
                               starts_at=STARTS, office=office))
        for office in ("", "시청", "")
    ]  # fmt: skip
    cache = PageCache()
    cursors = {device.id: "" for device, _ in kiosks}
    numbers = dict.fromkeys(cursors, 0)
    admitted: list[tuple[Device, Any, dict[str, Any]]] = []
    for _ in range(60):
        device, kiosk = rng.choice(kiosks)
        roll = rng.random()
        if roll < 0.4:
            numbers[device.id] += 1
            ingest(db, keys, device, [kiosk.signup(rng.choice(events), numbers[device.id])])
        elif roll < 0.6 and numbers[device.id]:
            checkin = kiosk.checkin(
                events[0], kiosk.signing_key_id, rng.randint(1, numbers[device.id])
            )
            ingest(db, keys, device, [checkin])
            admitted.append((device, kiosk, checkin))
        elif roll < 0.7 and admitted:
            by, sim, original = admitted.pop(rng.randrange(len(admitted)))
            undo = sim.checkin(events[0], sim.signing_key_id, original["payload"]["number"])
            undo["payload"]["undo_of"] = original["id"]
            ingest(db, keys, by, [undo])
        elif roll < 0.8:
            claims.cancel(db, registration_id=_any_confirmed(db, rng))
        puller, _ = rng.choice(kiosks)
        cursor = cursors[puller.id]
        cached = _page(db, keys.epoch, puller, cursor, cache)
        assert cached == _page(db, keys.epoch, puller, cursor, None)
        cursors[puller.id] = cached["cursor"]

    assert cache.hits > 0


def _any_confirmed(db: Database, rng: random.Random) -> str:
    with db.read() as session:
        ids = session.scalars(select(Registration.id).where(Registration.status == "confirmed"))
        found = sorted(ids)
    return rng.choice(found) if found else "none"


def test_snapshot_pages_of_signing_keys_follow_new_and_revoked_keys(db: Database) -> None:
    """Every kiosk's snapshot holds every key: built once, rebuilt when a key comes or goes."""
    keys = load_or_create_keys(db)
    kiosks = [_device(db, keys) for _ in range(5)]
    cache = PageCache()

    def snapshot(device: Device) -> list[Any]:
        pages, cursor = [], ""
        while True:
            page = _page(db, keys.epoch, device, cursor, cache)
            assert page == _page(db, keys.epoch, device, cursor, None)
            pages.append(page)
            cursor = page["cursor"]
            if not page["has_more"]:
                return [k for p in pages for k in p["changes"]["signing_keys"]]

    first = snapshot(kiosks[0][0])
    assert snapshot(kiosks[1][0]) == first
    revoke_device(db, kiosks[2][0].id)
    _device(db, keys)

    after = snapshot(kiosks[0][0])

    assert len(after) == len(first) + 1
    revoked = {k["key_id"] for k in after if k["revoked"]}
    assert revoked == {kiosks[2][0].signing_key_id}


def test_an_event_changed_many_times_is_pulled_once_at_its_latest(db: Database) -> None:
    """Each confirmed sign-up logs its event for every kiosk; a later entry replaces the
    earlier ones, so a kiosk that was away pulls the event once, as it is now."""
    keys = load_or_create_keys(db)
    (away, _), (busy, kiosk) = _device(db, keys), _device(db, keys)
    event = add_event(
        db,
        NewEvent(title_ko="행사", title_en="Event", capacity=30, offline_block=5, starts_at=STARTS),
    )
    cursor = ""
    while True:
        page = _page(db, keys.epoch, away, cursor, None)
        cursor = page["cursor"]
        if not page["has_more"]:
            break
    midway = ""
    for number in (1, 2, 3):
        ingest(db, keys, busy, [kiosk.signup(event, number)])
        if number == 2:
            midway = _page(db, keys.epoch, away, cursor, None)["cursor"]

    late = _page(db, keys.epoch, away, cursor, PageCache())
    later = _page(db, keys.epoch, away, midway, PageCache())

    for page in (late, later):
        assert [(e["id"], e["taken"]) for e in page["changes"]["events"]] == [(event, 3)]
    assert len(late["changes"]["registrations"]) == 3
    assert len(later["changes"]["registrations"]) == 1
    with db.read() as session:
        logged = session.scalars(
            select(ChangeLogEntry).where(
                ChangeLogEntry.entity == "event", ChangeLogEntry.entity_key == str(event)
            )
        ).all()
    assert len(logged) == 1
