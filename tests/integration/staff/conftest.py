"""Staff screens against the real central server: the rig (server, proxy, enrolled kiosk)
and the UI tests' window clean-up."""

from tests.support.sync_rig import rig
from tests.ui.kiosk_fixtures import no_kiosk_left

__all__ = ["no_kiosk_left", "rig"]
