"""Soak: SIGKILL a syncing kiosk at random moments through a flaky line, many rounds.

    python -m bench.kill_soak [--rounds 150] [--seed N] [--fault-rate 0.3]

The long version of ``tests/fault/test_sync_kill_soak.py``: the real central
server (in this process) behind the fault proxy, a kiosk process that submits
and syncs until it is killed, restarted round after round. At the end the
faults clear, the kiosk drains, and server and kiosk are compared: no receipt
lost, no record stored twice. Prints a table; exits 1 if anything disagrees.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from bench.table import Row, print_table
from tests.support.sync_kill_rounds import run_sync_kill_rounds
from tests.support.sync_rig import build_rig


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=150)
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--fault-rate", type=float, default=0.3)
    parser.add_argument("--max-delay", type=float, default=1.0, help="longest life of a child (s)")
    args = parser.parse_args()
    rig = build_rig(Path(tempfile.mkdtemp(prefix="civic-kill-soak-")))
    try:
        report = run_sync_kill_rounds(
            rig, args.rounds, args.seed, max_delay_s=args.max_delay, fault_rate=args.fault_rate
        )
        on_server = len(rig.server_records())
    finally:
        rig.close()
    print_table(
        f"Kill soak: {report.rounds} SIGKILLs of a syncing kiosk on a flaky line",
        [
            Row(
                "kills with records in flight",
                "> 0",
                f"{report.kills_mid_send}",
                report.kills_mid_send > 0,
            ),
            Row("faults injected by the proxy", "> 0", f"{report.faults}", report.faults > 0),
            Row("receipts shown to citizens", "-", f"{len(report.reported):,}"),
            Row("delivered while being killed", "-", f"{report.delivered_while_killing:,}"),
            Row(
                "records on the server at the end",
                f"{len(report.reported):,}+",
                f"{on_server:,}",
                on_server >= len(report.reported),
            ),
            Row(
                "lost or duplicated (audit problems)",
                "0",
                f"{len(report.problems)}",
                not report.problems,
            ),
            Row("time", "-", f"{report.seconds:.1f} s"),
        ],
    )
    for problem in report.problems:
        print(f"PROBLEM: {problem}")
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
