"""Kill a submitting child with SIGKILL at random moments and audit the store after each."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class KillReport:
    kills: int = 0
    reported: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def run_kill_rounds(db_path: Path, rounds: int, seed: int, max_delay_s: float = 0.25) -> KillReport:
    """Each round: start the child, let it submit for a random while, SIGKILL, audit."""
    rng = random.Random(seed)
    report = KillReport()
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    for _ in range(rounds):
        child = subprocess.Popen(
            [sys.executable, str(ROOT / "tests/support/submit_loop.py"), f"sqlite:///{db_path}"],
            stdout=subprocess.PIPE,
            env=env,
            text=True,
        )
        assert child.stdout is not None
        if child.stdout.readline().strip() != "ready":
            child.kill()
            raise RuntimeError("submit child did not start")
        time.sleep(rng.uniform(0, max_delay_s))
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate()
        report.kills += 1
        for line in out.splitlines():
            # A line cut by the kill was not fully reported: the child died mid-print.
            parts = line.split()
            if len(parts) == 2 and len(parts[0]) == 36:
                report.reported[parts[0]] = parts[1]
        report.problems.extend(audit(db_path, report.reported))
    return report


def audit(db_path: Path, reported: dict[str, str]) -> list[str]:
    problems: list[str] = []
    conn = sqlite3.connect(db_path)
    try:
        if (check := conn.execute("PRAGMA integrity_check").fetchone()[0]) != "ok":
            problems.append(f"integrity_check: {check}")
        submissions = dict(conn.execute("SELECT id, receipt_code FROM submissions").fetchall())
        outbox_ids = [row[0] for row in conn.execute("SELECT id FROM outbox")]
        seqs = [row[0] for row in conn.execute("SELECT seq FROM outbox")]
    finally:
        conn.close()
    if len(outbox_ids) != len(set(outbox_ids)) or len(seqs) != len(set(seqs)):
        problems.append("an outbox id or seq appears twice")
    if set(outbox_ids) != set(submissions):
        problems.append("a submission without exactly one outbox mutation (or the reverse)")
    for receipt_id, code in reported.items():
        if submissions.get(receipt_id) != code:
            problems.append(f"reported receipt {code} ({receipt_id}) is not in the store")
    return problems
