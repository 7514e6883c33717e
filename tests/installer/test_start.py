"""``civic-kiosk`` starts with the cyclic garbage collector off and turns it back on once up.

app/start.py: the collector's passes over everything start-up imports and
builds cost a fifth of a cold start, so it waits; a command that forgot to
turn it back on would let cyclic garbage pile up for the program's life.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

from app.start import started

ROOT = Path(__file__).resolve().parents[2]
REPORT = "import gc, sys; from app.start import main; rc = main(); "
REPORT += "print('collector', gc.isenabled(), gc.get_freeze_count() > 0, rc)"


def test_a_command_turns_the_collector_back_on_past_what_start_up_made(tmp_path: Path) -> None:
    settings = tmp_path / "kiosk.toml"
    settings.touch()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIVIC_KIOSK_")}
    env.update(
        CIVIC_KIOSK_CONFIG=str(settings),
        CIVIC_KIOSK_DATA_DIR=str(tmp_path),
        CIVIC_KIOSK_LOG_DIR=str(tmp_path),
        CIVIC_STORE_KEY_DIR=str(tmp_path / "keys"),
        PYTHONPATH=str(ROOT),
    )
    done = subprocess.run(
        [sys.executable, "-c", REPORT, "status", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.stdout.splitlines()[-1] == "collector True True 0", done.stderr


def test_a_process_that_never_turned_it_off_keeps_its_collector_as_it_was() -> None:
    frozen = gc.get_freeze_count()
    started()  # what app.cli.main calls, here in the test's own process
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen
