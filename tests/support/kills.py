"""What both kill tests do to a child: start it, let it work a random while, SIGKILL it.

``kill_rounds`` kills a child that only submits; ``sync_kill_rounds`` one that
submits and syncs through a flaky proxy. Both children print ``ready``, then a
line ``<uuid> <receipt code>`` after each commit, when the screen would say
"received"; both audits start from those lines and the store's own check.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RECEIPT_CODE_LENGTH = 8
UUID_LENGTH = 36


class Children:
    """Children of one script, forked from a warm parent (``forks.py``) so that a
    round costs a fork rather than an interpreter start and its imports."""

    def __init__(self, script: str) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="kills-")
        self._parent = subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).with_name("forks.py")),
                str(ROOT / "tests" / "support" / script),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=os.environ | {"PYTHONPATH": str(ROOT)},
            text=True,
        )
        self._rounds = 0

    def __enter__(self) -> Children:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._parent.stdin is not None:
            self._parent.stdin.close()
        self._parent.wait(timeout=30)
        self._dir.cleanup()

    def kill_at_random(self, args: Sequence[str], rng: random.Random, max_delay_s: float) -> str:
        """Start a child with ``args``, wait until it is ready, let it work up to
        ``max_delay_s`` seconds more, SIGKILL it; what it printed."""
        self._rounds += 1
        out = Path(self._dir.name) / f"child-{self._rounds}.out"
        pid = int(str(self._ask({"run": list(args), "out": str(out)})["pid"]))
        try:
            self._wait_ready(out)
            time.sleep(rng.uniform(0, max_delay_s))
        finally:
            os.kill(pid, signal.SIGKILL)
            self._ask({"reap": pid})
        return out.read_text(encoding="utf-8", errors="replace")

    def _ask(self, command: dict[str, object]) -> dict[str, object]:
        assert self._parent.stdin is not None and self._parent.stdout is not None
        self._parent.stdin.write(json.dumps(command) + "\n")
        self._parent.stdin.flush()
        line = self._parent.stdout.readline()
        if not line:
            raise RuntimeError("the forking parent has gone")
        answer: dict[str, object] = json.loads(line)
        return answer

    @staticmethod
    def _wait_ready(out: Path, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if out.exists() and out.read_text(encoding="utf-8", errors="replace").startswith(
                "ready\n"
            ):
                return
            time.sleep(0.002)
        raise RuntimeError(
            f"the child did not start: {out.read_text() if out.exists() else 'no output'}"
        )


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
