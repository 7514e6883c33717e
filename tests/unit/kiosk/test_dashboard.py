"""The staff dashboard's figures, read from the store as staff open it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text

from core.payloads import MutationType
from kiosk.dashboard import dashboard
from kiosk.outbox import enqueue, mark_in_flight
from tests.conftest import NOW, KioskDB


def test_the_oldest_wait_is_the_first_record_still_queued_in_flight_or_pending(
    kiosk_db: KioskDB,
) -> None:
    store = kiosk_db.store
    made = [NOW + dt.timedelta(minutes=m) for m in range(4)]
    with store.write() as session:
        ids = [enqueue(session, MutationType.COMPLAINT, {}, now=when) for when in made]
        mark_in_flight(session, [ids[1]], NOW)
        # The first one was delivered long ago: it no longer waits.
        session.execute(text("UPDATE outbox SET state = 'sent' WHERE id = :id"), {"id": ids[0]})

    board = dashboard(store, now=NOW + dt.timedelta(minutes=10))

    assert board.oldest_pending_at == made[1]
    assert board.oldest_pending_age_s(NOW + dt.timedelta(minutes=10)) == 9 * 60


def test_nothing_queued_means_no_oldest_wait(kiosk_db: KioskDB) -> None:
    board = dashboard(kiosk_db.store, now=NOW)

    assert board.oldest_pending_at is None
    assert board.oldest_pending_age_s(NOW) is None
