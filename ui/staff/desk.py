"""What the staff screens ask of the kiosk, as plain calls on the store and the sync engine.

Every call here is local and short (one read or write transaction), so the
screens call it on the GUI thread; enrolment, which talks to the server, runs
on a thread of its own (``ui.staff.enrolment``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from pathlib import Path
from typing import TYPE_CHECKING

from core.clock import Clock
from kiosk.attendance import EventSummary, TodayCounts, attendance, today_counts
from kiosk.attention import AttentionExport, export_attention
from kiosk.config import Settings
from kiosk.dashboard import Dashboard, dashboard
from kiosk.lookups import enrolled_office
from kiosk.outbox import retry_rejected
from kiosk.slips import SlipFacts, last_slip_facts, status_server
from kiosk.store import Store
from sync.status import SyncControl, SyncStatus

if TYPE_CHECKING:
    from ui.speech import SpeechStatus

EXPORT_DIR = "exports"


class StaffDesk:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        settings: Callable[[], Settings],
        sync: SyncControl | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self._settings = settings
        self.sync = sync
        # The voice's engine and output, and how earphones are detected (app.launch).
        self.speech: Callable[[], tuple[SpeechStatus, str]] | None = None

    @property
    def settings(self) -> Settings:
        return self._settings()

    def now(self) -> dt.datetime:
        return self.clock()

    def dashboard(self) -> Dashboard:
        return dashboard(self.store, self.now())

    def live_status(self) -> SyncStatus | None:
        return self.sync.status if self.sync is not None else None

    def sync_now(self) -> bool:
        if self.sync is None:
            return False
        self.sync.sync_now()
        return True

    def retry(self, ids: Collection[str]) -> int:
        """Queue refused records again (after a fix on the server) and push them now."""
        moved = retry_rejected(self.store, ids)
        if moved:
            self.sync_now()
        return moved

    def export_dir(self) -> Path:
        return self.settings.data_dir / EXPORT_DIR

    def export(self) -> AttentionExport:
        return export_attention(self.store, self.export_dir(), self.clock())

    def attendance(self, search: str = "") -> list[EventSummary]:
        return attendance(self.store, self.clock(), search)

    def today(self) -> TodayCounts:
        return today_counts(self.store, self.clock())

    def last_slip(self) -> SlipFacts | None:
        return last_slip_facts(self.store)

    def office(self) -> str:
        return self.settings.office_name or enrolled_office(self.store)

    def status_server(self) -> str:
        return status_server(self.store, self.settings.server_url)
