"""The wire's pull page as plain values for the kiosk store: check-ins and their kiosks."""

from __future__ import annotations

import datetime as dt
import uuid

from kiosk.pulled import PulledCheckin
from sync.engine import to_pulled_page
from sync.protocol import Changes, CheckinChange, PullResponse

SCANNED = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)


def page(*checkins: CheckinChange) -> PullResponse:
    return PullResponse(
        changes=Changes(checkins=list(checkins)),
        cursor="c1",
        has_more=False,
        reset=False,
        server_time=SCANNED,
    )


def test_a_checkin_names_its_kiosk_with_the_office_and_keeps_the_servers_word() -> None:
    id_ = uuid.uuid4()
    change = CheckinChange(
        id=id_,
        event_id=5,
        key_id=3,
        number=9,
        device_id="d-1",
        device_name="정문",
        device_office="성북구청",
        scanned_at=SCANNED,
        server_time=SCANNED.replace(tzinfo=None),
        flagged=True,
        flag_reason="duplicate_admission",
        undone=True,
    )

    [pulled] = to_pulled_page(page(change)).checkins

    assert pulled == PulledCheckin(
        id=str(id_),
        event_id=5,
        key_id=3,
        number=9,
        device_id="d-1",
        device_name="정문 (성북구청)",
        scanned_at=SCANNED,
        # A server that drops the offset still means UTC.
        server_time=SCANNED,
        flagged=True,
        flag_reason="duplicate_admission",
        undone=True,
    )


def test_a_kiosk_the_server_cannot_name_is_shown_by_its_id() -> None:
    change = CheckinChange(id=uuid.uuid4(), device_id="d-1", scanned_at=SCANNED)

    [pulled] = to_pulled_page(page(change)).checkins

    assert pulled.device_name == "d-1"


def test_tombstones_and_checkins_without_a_time_are_told_apart() -> None:
    gone, broken = uuid.uuid4(), uuid.uuid4()

    result = to_pulled_page(page(CheckinChange(id=gone, deleted=True), CheckinChange(id=broken)))

    assert (result.deleted_checkins, result.checkins) == ([str(gone)], [])
