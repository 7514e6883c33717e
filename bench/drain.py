"""Benchmark: queue 10,000 submissions offline, start the server, time the drain.

    python -m bench.drain [--records 10000] [--keep DIR]

The central server runs as its own process (``server.cli serve``) on
127.0.0.1 with an SQLite database, as in the demo. The kiosk enrols and pulls
while the server is up, the server stops, the kiosk queues the records with
the same domain service the touch screen uses, and the server starts again.
The drain is timed from the first push of the sync engine until its queue is
empty. Target on the project's 2-core machine: under 15 s for 10,000.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from app.demo import free_port, server_command
from bench.table import Row, print_table
from kiosk.models import MutationState, OutboxMutation
from kiosk.store import Store, open_store
from kiosk.submissions import ComplaintForm, Consent, submit_complaint
from sync.client import wait_for_health
from sync.engine import EngineSettings, RoundOutcome, SyncEngine
from sync.enrolment import enroll

TARGET_S = 15.0
CONSENT = Consent(version="2026-11", required=True)


def start_server(directory: Path, port: int) -> subprocess.Popen[bytes]:
    log = (directory / "server.log").open("ab")
    process = subprocess.Popen(
        server_command(
            "serve",
            "--demo",
            "--db",
            f"sqlite:///{directory / 'server.db'}",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    if not wait_for_health(f"http://127.0.0.1:{port}", 30.0, interval_s=0.05):
        process.kill()
        sys.exit(f"server did not start; see {directory / 'server.log'}")
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(timeout=15)


def enrolment_code(directory: Path) -> str:
    done = subprocess.run(
        server_command(
            "enrollment-code", "--office", "bench", "--db", f"sqlite:///{directory / 'server.db'}"
        ),
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def queue(store: Store, records: int) -> None:
    for n in range(records):
        form = ComplaintForm(
            category="road",
            district="mapo",
            description=f"보도블록 파손 신고 {n}: 어르신들이 넘어질 위험이 있습니다.",
            name="김민수",
            phone="010-1234-5678",
        )
        submit_complaint(store, form, CONSENT)


def sent(store: Store) -> int:
    with store.read() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(OutboxMutation)
                .where(OutboxMutation.state == MutationState.SENT)
            )
            or 0
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="keep the databases in this directory")
    args = parser.parse_args()
    directory = args.keep or Path(tempfile.mkdtemp(prefix="civic-bench-drain-"))
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"

    server = start_server(directory, port)
    store = open_store(f"sqlite:///{directory / 'kiosk.db'}")
    enroll(store, url, enrolment_code(directory), name="bench kiosk")
    engine = SyncEngine(store, settings=EngineSettings())
    assert engine.run_once().outcome is RoundOutcome.OK  # categories before complaints
    stop(server)

    started = time.perf_counter()
    queue(store, args.records)
    queued_s = time.perf_counter() - started

    started = time.perf_counter()
    server = start_server(directory, port)
    server_start_s = time.perf_counter() - started
    started = time.perf_counter()
    rounds = 0
    try:
        while True:
            rounds += 1
            result = engine.run_once()
            if result.outcome is RoundOutcome.OK and result.status.pending == 0:
                break
            if rounds > 20:
                sys.exit(f"not drained: {result}")
        drain_s = time.perf_counter() - started
    finally:
        stop(server)
        engine.close()
    delivered = sent(store)
    store.close()
    batches = -(-args.records // EngineSettings().batch_size)

    print_table(
        f"Drain of {args.records:,} submissions queued offline (server as its own process)",
        [
            Row(
                "queueing offline (submit_complaint each)",
                "-",
                f"{queued_s:.1f} s ({args.records / queued_s:,.0f}/s)",
            ),
            Row("server start until healthy", "-", f"{server_start_s:.1f} s"),
            Row(
                "drain: push + pull until the queue is empty",
                f"< {TARGET_S:.0f} s",
                f"{drain_s:.2f} s ({rounds} round, {batches} batches)",
                drain_s < TARGET_S,
            ),
            Row("throughput", "-", f"{args.records / drain_s:,.0f} records/s"),
            Row(
                "delivered and marked sent",
                f"{args.records:,}",
                f"{delivered:,}",
                delivered == args.records,
            ),
        ],
    )
    if args.keep is None:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
