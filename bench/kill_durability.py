"""Many SIGKILLs during submits; every reported receipt must survive each one.

python -m bench.kill_durability [--rounds 300]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench.table import Row, print_table
from core.clock import utcnow
from core.sealing import new_keypair
from kiosk.demo import seed_demo_reference
from kiosk.store import open_store
from tests.conftest import enroll_locally
from tests.support.kill_rounds import run_kill_rounds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "kiosk.db"
        store = open_store(f"sqlite:///{path}")
        enroll_locally(store, new_keypair()[1])
        with store.write() as session:
            seed_demo_reference(session, utcnow())
        store.close()
        start = time.perf_counter()
        report = run_kill_rounds(path, rounds=args.rounds, seed=args.seed)
        elapsed = time.perf_counter() - start
    print_table(
        f"SIGKILL during submit ({elapsed:.0f} s)",
        [
            Row("kills", f"{args.rounds}", str(report.kills), report.kills == args.rounds),
            Row("receipts reported before kills", "-", str(len(report.reported))),
            Row("lost, duplicated or corrupt", "0", str(len(report.problems)), not report.problems),
        ],
    )
    for problem in report.problems[:20]:
        print("  ", problem)


if __name__ == "__main__":
    main()
