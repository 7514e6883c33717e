"""The kiosk side of the sync tests: an engine that retries in milliseconds, and forms.

Kept apart from ``sync_rig`` (which starts the server) so the kill-soak child
process imports only what a kiosk imports.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from kiosk.store import Store
from kiosk.submissions import ComplaintForm, Consent, Receipt, submit_complaint
from sync.backoff import Backoff
from sync.client import Timeouts
from sync.engine import EngineSettings, SyncEngine

CONSENT = Consent(version="2026-11", required=True)
# Short enough that a "slow response" test takes well under a second.
TEST_TIMEOUTS = Timeouts(connect_s=1.0, read_s=0.5)
# Enrolment is set-up, not what a fault test exercises: patient enough for a busy CI machine.
ENROL_TIMEOUTS = Timeouts(connect_s=2.0, read_s=10.0)


def fast_engine(store: Store, **settings: Any) -> SyncEngine:
    return SyncEngine(
        store,
        settings=EngineSettings(timeouts=TEST_TIMEOUTS, app_version="test", **settings),
        backoff=Backoff(base_s=0.001, cap_s=0.01, rng=random.Random(0)),
    )


def complaint_form(n: int) -> ComplaintForm:
    return ComplaintForm(
        category="road",
        district="mapo",
        description=f"보도블록 파손 신고 {n}",
        name="김민수",
        phone="010-1234-5678",
    )


def queued_complaint(store: Store, n: int, now: dt.datetime) -> Receipt:
    """Complaint ``n``, submitted ``n`` seconds after ``now``: waiting in the outbox."""
    form = ComplaintForm(
        category="road", description=f"보도 파손 {n}", name="김민수", phone="010-1234-5678"
    )
    return submit_complaint(store, form, CONSENT, now=now + dt.timedelta(seconds=n))
