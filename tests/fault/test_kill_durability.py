"""SIGKILL at random moments never loses a receipt the citizen was shown."""

from __future__ import annotations

import pytest

from tests.conftest import KioskDB
from tests.support.kill_rounds import run_kill_rounds


@pytest.mark.slow
def test_fifty_random_kills_lose_nothing_and_duplicate_nothing(kiosk_db: KioskDB) -> None:
    kiosk_db.store.close()
    report = run_kill_rounds(kiosk_db.path, rounds=50, seed=20261127)
    assert report.kills == 50
    assert report.problems == []
    # The test is only meaningful if the child really got work done between kills.
    assert len(report.reported) >= 50
