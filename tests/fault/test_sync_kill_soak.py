"""SIGKILL the kiosk at random moments while it syncs through a flaky line.

After many rounds the faults clear and the kiosk drains: server and kiosk
must agree, with no receipt lost and no record stored twice. A longer run is
``python -m bench.kill_soak``.
"""

from __future__ import annotations

import pytest

from tests.support.sync_kill_rounds import run_sync_kill_rounds
from tests.support.sync_rig import SyncRig


@pytest.mark.slow
def test_random_kills_while_syncing_lose_nothing_and_duplicate_nothing(rig: SyncRig) -> None:
    report = run_sync_kill_rounds(rig, rounds=20, seed=20261127)
    assert report.rounds == 20
    assert report.problems == []
    # Only meaningful if the children really worked, and the line really failed.
    assert len(report.reported) >= 20
    assert report.faults > 0
    assert report.delivered_while_killing > 0
