"""What both kill tests do to a child: start it, let it work a random while, SIGKILL it.

``kill_rounds`` kills a child that only submits; ``sync_kill_rounds`` one that
submits and syncs through a flaky proxy. Both children print ``ready``, then a
line ``<uuid> <receipt code>`` after each commit, when the screen would say
"received"; both audits start from those lines and the store's own check.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RECEIPT_CODE_LENGTH = 8
UUID_LENGTH = 36


def kill_at_random(script: str, args: Sequence[str], rng: random.Random, max_delay_s: float) -> str:
    """Run ``tests/support/<script> args...`` until it is ready, then up to ``max_delay_s``
    seconds more, and SIGKILL it; what it printed."""
    child = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "support" / script), *args],
        stdout=subprocess.PIPE,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
        text=True,
    )
    assert child.stdout is not None
    if child.stdout.readline().strip() != "ready":
        child.kill()
        child.wait()
        raise RuntimeError(f"{script} did not start")
    time.sleep(rng.uniform(0, max_delay_s))
    child.send_signal(signal.SIGKILL)
    out, _ = child.communicate()
    return out


def reported_receipts(out: str) -> dict[str, str]:
    """The receipts a child reported, by record id; a line the kill cut short is not one."""
    reported: dict[str, str] = {}
    for line in out.splitlines():
        parts = line.split()
        if [len(part) for part in parts] == [UUID_LENGTH, RECEIPT_CODE_LENGTH]:
            reported[parts[0]] = parts[1]
    return reported


def integrity_problem(db_path: Path) -> str | None:
    """SQLite's own verdict on the file after a kill, when it is not "ok"."""
    conn = sqlite3.connect(db_path)
    try:
        check = str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()
    return None if check == "ok" else check
