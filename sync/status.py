"""What the sync engine tells the rest of the kiosk, and what it can be asked.

Plain data and a small observer interface: the UI binds these to Qt signals
(queued to the GUI thread); the CLI prints them. Neither needs to know how the
engine talks HTTP.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

# Skew beyond this is shown to staff: ticket validity days and "received at"
# times depend on the kiosk clock.
SKEW_WARNING_S = 300.0


class SyncState(StrEnum):
    NOT_ENROLLED = "not_enrolled"
    ONLINE = "online"
    SYNCING = "syncing"
    OFFLINE = "offline"
    REENROL_NEEDED = "reenrol_needed"  # 401: the token is no longer accepted
    REVOKED = "revoked"  # 403: this device was revoked by staff
    UPDATE_NEEDED = "update_needed"  # the server no longer speaks our protocol


@dataclass(frozen=True)
class SyncStatus:
    state: SyncState
    pending: int = 0
    needs_attention: int = 0
    last_success: dt.datetime | None = None
    clock_skew_s: float = 0.0
    detail: str = ""
    # Why the last attempt failed, as a stable code for the UI to translate
    # ("network", "timeout", "server_error", "rate_limited", "bad_response", ...);
    # empty after a success. ``detail`` is the English text for logs and the CLI.
    reason: str = ""
    # When the engine will try again on its own (None: after the next trigger).
    next_attempt_at: dt.datetime | None = None

    @property
    def skew_warning(self) -> bool:
        return abs(self.clock_skew_s) > SKEW_WARNING_S


class SyncObserver(Protocol):
    def sync_status_changed(self, status: SyncStatus) -> None:
        """Called from the sync worker thread; implementations must not block."""


class SyncControl(Protocol):
    """The few things the UI may ask of the engine; all return at once."""

    def add_observer(self, observer: SyncObserver) -> None: ...

    def notify_local_commit(self) -> None: ...

    def sync_now(self) -> None: ...

    def network_back(self) -> None: ...

    @property
    def status(self) -> SyncStatus: ...
