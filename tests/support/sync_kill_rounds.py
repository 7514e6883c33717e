"""Kill a syncing kiosk process with SIGKILL at random moments, then audit both sides.

Used by the fault test (a short soak) and ``bench/kill_soak.py`` (a long one).
The central server and the fault proxy live in the calling process; each
round starts ``tests/support/sync_loop.py`` on the kiosk's store, lets it
submit and sync through the flaky proxy for a random while, and kills it.
At the end the faults are cleared, the kiosk drains, and the audit checks
that server and kiosk agree: no receipt lost, no record twice.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from kiosk.models import Submission
from kiosk.store import database_path
from server.models import Submission as ServerSubmission
from tests.support.faultproxy import Fault
from tests.support.kills import Children, integrity_problem, reported_receipts
from tests.support.sync_rig import SyncRig

FLAKY_FAULTS = [
    Fault.reset_before_upstream(),
    Fault.drop_response(),
    Fault.reset_mid_response(),
    Fault.status(500),
    Fault.status(503, forward=True),
    Fault.status(429, headers={"Retry-After": "0"}),
    Fault.truncated(),
    Fault.garbage(forward=True),
    Fault.delay(0.7),
]


@dataclass
class SoakReport:
    rounds: int = 0
    reported: dict[str, str] = field(default_factory=dict)
    faults: int = 0
    # Kills that left records in flight: the process died between "attempted"
    # and the server's answer being recorded.
    kills_mid_send: int = 0
    # Records the children delivered before the final drain.
    delivered_while_killing: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)


def run_sync_kill_rounds(
    rig: SyncRig, rounds: int, seed: int, max_delay_s: float = 0.8, fault_rate: float = 0.3
) -> SoakReport:
    started = time.monotonic()
    rng = random.Random(seed)
    path = database_path(rig.store)
    assert path is not None
    report = SoakReport()
    rig.proxy.set_fault(Fault.flaky(fault_rate, FLAKY_FAULTS, seed=seed))
    with Children("sync_loop.py") as children:
        for number in range(rounds):
            args = [f"sqlite:///{path}", str(number + 1)]
            out = children.kill_at_random(args, rng, max_delay_s)
            report.rounds += 1
            report.kills_mid_send += _in_flight(path) > 0
            report.reported.update(reported_receipts(out))
    report.faults = len(rig.proxy.faults_applied)
    report.delivered_while_killing = len(rig.server_records())
    rig.proxy.clear_faults()
    rig.sync_until_done()
    report.problems = audit(rig, path, report.reported)
    report.seconds = time.monotonic() - started
    return report


def _in_flight(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        row = conn.execute("SELECT count(*) FROM outbox WHERE state = 'in_flight'").fetchone()
        return int(row[0])
    finally:
        conn.close()


def audit(rig: SyncRig, path: Path, reported: dict[str, str]) -> list[str]:
    problems: list[str] = []
    if (check := integrity_problem(path)) is not None:
        problems.append(f"kiosk integrity_check: {check}")
    with rig.store.read() as session:
        kiosk = {s.id: s.receipt_code for s in session.scalars(select(Submission))}
    with rig.server_db.read() as session:
        server_rows = session.execute(
            select(ServerSubmission.id, ServerSubmission.receipt_code)
        ).all()
    server = {row.id: row.receipt_code for row in server_rows}
    for receipt_id, code in reported.items():
        if kiosk.get(receipt_id) != code:
            problems.append(f"reported receipt {code} is not in the kiosk store")
        if server.get(receipt_id) != code:
            problems.append(f"reported receipt {code} never reached the server")
    if set(kiosk) != set(server):
        problems.append(
            f"kiosk and server disagree: {len(set(kiosk) - set(server))} only on the kiosk, "
            f"{len(set(server) - set(kiosk))} only on the server"
        )
    twice = [c for c, n in Counter(code for _, code in server_rows).items() if n > 1]
    if twice:
        problems.append(f"receipt codes stored twice on the server: {twice[:5]}")
    if (pending := rig.engine.status.pending) != 0:
        problems.append(f"{pending} records still queued on the kiosk")
    return problems
