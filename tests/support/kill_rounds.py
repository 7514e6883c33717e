"""Kill a submitting child with SIGKILL at random moments and audit the store after each."""

from __future__ import annotations

import random
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.kills import Children, integrity_problem, reported_receipts


@dataclass
class KillReport:
    kills: int = 0
    reported: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def run_kill_rounds(db_path: Path, rounds: int, seed: int, max_delay_s: float = 0.25) -> KillReport:
    """Each round: start the child, let it submit for a random while, SIGKILL, audit."""
    rng = random.Random(seed)
    report = KillReport()
    with Children("submit_loop.py") as children:
        for _ in range(rounds):
            out = children.kill_at_random([f"sqlite:///{db_path}"], rng, max_delay_s)
            report.kills += 1
            report.reported.update(reported_receipts(out))
            report.problems.extend(audit(db_path, report.reported))
    return report


def audit(db_path: Path, reported: dict[str, str]) -> list[str]:
    problems: list[str] = []
    if (check := integrity_problem(db_path)) is not None:
        problems.append(f"integrity_check: {check}")
    conn = sqlite3.connect(db_path)
    try:
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
