"""The kiosk and the real central server, end to end: enrol, push, pull, pause, re-enrol."""

from __future__ import annotations

import datetime as dt
import stat
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from core.printers import PrinterState
from kiosk.models import (
    Category,
    DeviceIdentity,
    Event,
    MutationState,
    Registration,
    SigningKey,
)
from kiosk.signups import SignupForm, sign_up
from printing.health import PrinterHealth
from server import catalogue
from server.devices import list_devices, revoke_device
from server.models import MutationRecord
from server.models import Registration as ServerRegistration
from sync.engine import RoundOutcome, SyncEngine
from sync.enrolment import EnrolmentFailed, enroll
from sync.protocol import PATH_PUSH
from sync.status import SyncState, SyncStatus
from sync.worker import SyncWorker
from tests.support.faultproxy import Fault
from tests.support.sync_rig import CONSENT, ENROL_TIMEOUTS, TEST_TIMEOUTS, SyncRig, fast_engine


def identity(rig: SyncRig) -> DeviceIdentity:
    with rig.store.read() as session:
        found = session.get(DeviceIdentity, 1)
        assert found is not None
        return found


class TestEnrolment:
    def test_enrolment_keeps_device_token_and_the_servers_sealing_key(self, rig: SyncRig) -> None:
        me = identity(rig)
        assert me.device_id and me.token and me.signing_key_id
        assert me.server_public_key == rig.live.keys.sealing_public_key  # type: ignore[union-attr]
        assert len(me.signing_key) == 32

    def test_the_token_lives_in_files_only_the_kiosk_user_can_read(
        self, rig: SyncRig, tmp_path: Path
    ) -> None:
        for name in ("kiosk.db", "kiosk.db-wal", "kiosk.db-shm"):
            path = tmp_path / name
            if path.exists():
                assert stat.S_IMODE(path.stat().st_mode) == 0o600, name

    def test_a_used_code_is_refused_with_the_servers_reason(
        self, rig: SyncRig, tmp_path: Path
    ) -> None:
        from kiosk.store import open_store

        code = rig.live.code()  # type: ignore[union-attr]
        enroll(rig.store, rig.proxy.url, code, timeouts=ENROL_TIMEOUTS)
        other = open_store(f"sqlite:///{tmp_path / 'other.db'}")
        with pytest.raises(EnrolmentFailed) as refused:
            enroll(other, rig.proxy.url, code, timeouts=ENROL_TIMEOUTS)
        assert refused.value.code == "enrollment_code_used"

    def test_an_unreachable_server_fails_enrolment_cleanly(self, tmp_path: Path) -> None:
        from kiosk.store import open_store

        store = open_store(f"sqlite:///{tmp_path / 'k.db'}")
        with pytest.raises(EnrolmentFailed) as failed:
            enroll(store, "http://127.0.0.1:9", "AAAA-BBBB-CCCC", timeouts=TEST_TIMEOUTS)
        assert failed.value.code == "network"


class TestPull:
    def test_categories_events_and_signing_keys_arrive(self, rig: SyncRig) -> None:
        with rig.store.read() as session:
            assert session.get(Category, "road") is not None
            events = list(session.scalars(select(Event)))
            keys = [k.key_id for k in session.scalars(select(SigningKey))]
        assert events and all(e.offline_block > 0 for e in events)
        assert identity(rig).signing_key_id in keys

    def test_places_taken_elsewhere_come_with_the_event(self, rig: SyncRig) -> None:
        other = rig.live.kiosk()  # type: ignore[union-attr]
        event_id = 1
        for n in range(2):
            other.push([other.signup(event_id, number=n + 1)])
        rig.sync_until_done()
        with rig.store.read() as session:
            event = session.get(Event, event_id)
            assert event is not None
            assert event.taken_remote == 2


class TestPush:
    def test_records_reach_the_server_once_and_are_marked_sent(self, rig: SyncRig) -> None:
        receipts = rig.submit(250)
        result = rig.sync_until_done()
        assert result.delivered == 250
        assert result.status.state is SyncState.ONLINE
        assert set(rig.server_records()) >= {r.id for r in receipts}
        assert set(rig.kiosk_states().values()) == {MutationState.SENT}

    def test_a_sign_up_goes_out_and_its_echo_keeps_the_local_ticket(self, rig: SyncRig) -> None:
        receipt = sign_up(rig.store, 1, SignupForm("김민수", "010-1234-5678"), CONSENT)
        rig.sync_until_done()
        rig.sync_until_done()  # the next pull brings the registration back
        with rig.server_db.read() as session:
            stored = session.get(ServerRegistration, receipt.id)
            assert stored is not None and stored.status == "confirmed"
        with rig.store.read() as session:
            mine = session.get(Registration, receipt.id)
            assert mine is not None and mine.local

    def test_each_push_tells_staff_how_many_records_were_waiting(self, rig: SyncRig) -> None:
        rig.submit(3)
        rig.sync_until_done()
        [device] = list_devices(rig.server_db)
        assert device.pending_reported == 3  # the queue as it stood when the push left

    def test_each_round_tells_staff_how_the_kiosks_printer_is(self, rig: SyncRig) -> None:
        health = PrinterHealth()
        health.record(PrinterState.COVER_OPEN)
        reporting = SyncEngine(rig.store, settings=rig.engine.settings, printer_state=health.report)
        # Nothing to push: the round's pull carries the report.
        assert reporting.run_once().outcome is RoundOutcome.OK
        [device] = list_devices(rig.server_db)
        assert device.printer_state is PrinterState.COVER_OPEN and device.cannot_print
        reporting.close()

    def test_clock_skew_against_server_time_is_shown(self, rig: SyncRig) -> None:
        ahead = SyncEngine(
            rig.store,
            settings=rig.engine.settings,
            clock=lambda: dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10),
        )
        status = ahead.run_once().status
        assert status.clock_skew_s == pytest.approx(-600, abs=5)
        assert status.skew_warning


class TestPausing:
    def test_a_revoked_kiosk_stops_and_re_enrolment_sends_what_waited(self, rig: SyncRig) -> None:
        old_device = identity(rig).device_id
        revoke_device(rig.server_db, old_device)
        waiting = rig.submit(3)
        result = rig.sync_once()
        assert (result.outcome, result.status.state) == (RoundOutcome.PAUSED, SyncState.REVOKED)
        assert rig.sync_once().outcome is RoundOutcome.PAUSED  # no more requests
        enroll(rig.store, rig.proxy.url, rig.live.code(), timeouts=ENROL_TIMEOUTS)  # type: ignore[union-attr]
        rig.sync_until_done()
        new_device = identity(rig).device_id
        assert new_device != old_device
        with rig.server_db.read() as session:
            devices = dict(
                session.execute(
                    select(MutationRecord.id, MutationRecord.device_id).where(
                        MutationRecord.id.in_([r.id for r in waiting])
                    )
                ).all()
            )
        assert devices == {r.id: new_device for r in waiting}

    def test_an_unknown_token_asks_for_re_enrolment(self, rig: SyncRig) -> None:
        with rig.store.write() as session:
            me = session.get(DeviceIdentity, 1)
            assert me is not None
            me.token = "not-a-token"
        rig.submit(1)
        result = rig.sync_once()
        assert result.status.state is SyncState.REENROL_NEEDED
        assert result.status.pending == 1

    def test_an_old_protocol_asks_for_an_update(self, rig: SyncRig) -> None:
        body = (
            '{"error": {"code": "unsupported_protocol", "message": "update the kiosk"},'
            ' "server_time": "2026-11-27T09:00:00Z"}'
        )
        rig.proxy.set_fault(Fault.status(426, body=body), path_prefix=PATH_PUSH)
        rig.submit(1)
        assert rig.sync_once().status.state is SyncState.UPDATE_NEEDED


class TestWorker:
    def test_a_local_commit_is_delivered_in_the_background(self, rig: SyncRig) -> None:
        delivered = threading.Event()

        class Watcher:
            def sync_status_changed(self, status: SyncStatus) -> None:
                if status.state is SyncState.ONLINE and status.pending == 0 and seen_pending:
                    delivered.set()

        seen_pending: list[int] = []
        worker = SyncWorker(fast_engine(rig.store), commit_delay_s=0.01, interval_s=60)
        worker.add_observer(Watcher())
        with worker:
            receipts = rig.submit(3)
            seen_pending.append(3)
            worker.notify_local_commit()
            assert delivered.wait(10)
        assert {r.id for r in receipts} <= set(rig.server_records())


def test_the_server_can_still_add_an_event_the_kiosk_then_sees(rig: SyncRig) -> None:
    new = catalogue.NewEvent(
        title_ko="신규 설명회",
        title_en="New briefing",
        starts_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=9),
        ends_at=None,
        capacity=30,
        offline_block=6,
    )
    event_id = catalogue.add_event(rig.server_db, new)
    rig.sync_until_done()
    with rig.store.read() as session:
        event = session.get(Event, event_id)
        assert event is not None and event.offline_block == 6
