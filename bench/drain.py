"""Benchmark: queue 10,000 submissions offline, start the server, time the drain; then a million.

    python -m bench.drain [--records 10000] [--queued 1000000] [--keep DIR]

The central server runs as its own process (``server.cli serve``) on
127.0.0.1 with an SQLite database, as in the demo. The kiosk enrols and pulls
while the server is up, the server stops, the kiosk queues the records with
the same domain service the touch screen uses, and the server starts again.
The drain is timed from the first push of the sync engine until its queue is
empty. Target on the project's 2-core machine: under 15 s for 10,000.

Then the kiosk's own share of draining a million: ``--queued`` check-ins (a
big event's door, offline for the day) are put in the outbox with bulk
inserts, and the real sync engine drains them in batches of 100, every batch
with its durable bookkeeping (due batch, pending count, in flight, results
and the status the screen shows). The server's answers come from an
in-process stand-in that applies every id at once, and the time it takes is
measured and left out, so what is printed is the kiosk's work alone — the
part that used to grow with the queue (a full COUNT before every batch). The
bare baseline, measured in the same run on the same store: per batch, one
100-row read by seq and one 100-row UPDATE committed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import bindparam, func, insert, select, text

from app.demo import free_port, server_command
from bench.table import Row, percentile, print_table
from core.clock import utcnow
from core.payloads import CheckinPayload, checkin_json
from core.sealing import canonical_json
from kiosk import outbox
from kiosk.models import DeviceIdentity, MutationState, OutboxMutation, SyncState
from kiosk.store import Store, open_store
from kiosk.submissions import ComplaintForm, Consent, submit_complaint
from sync.client import Reply, wait_for_health
from sync.engine import EngineSettings, RoundOutcome, SyncEngine
from sync.enrolment import enroll
from sync.protocol import Changes, MutationResult, MutationStatus, PullResponse, PushResponse

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


class AcknowledgingServer:
    """The server's side of a push, in process: every id applied, its own time measured apart."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.pushes: list[float] = []
        self.pending_seen: list[int] = []

    def push(self, body: bytes, pending: int | None = None) -> Reply[PushResponse]:
        started = time.perf_counter()
        ids = [m["id"] for m in json.loads(body)["mutations"]]
        reply = Reply(
            PushResponse.model_construct(
                results=[
                    MutationResult.model_construct(
                        id=uuid.UUID(i), status=MutationStatus.APPLIED, code="", message=""
                    )
                    for i in ids
                ],
                server_time=utcnow(),
            ),
            0.0,
        )
        self.pending_seen.append(pending or 0)
        spent = time.perf_counter() - started
        self.seconds += spent
        self.pushes.append(time.perf_counter())
        return reply

    def pull(self, cursor: str, limit: int = 500) -> Reply[PullResponse]:
        return Reply(
            PullResponse(
                changes=Changes(), cursor=cursor, has_more=False, reset=False, server_time=utcnow()
            ),
            0.0,
        )

    def close(self) -> None:
        pass


def queue_checkins(store: Store, count: int) -> float:
    """``count`` admissions queued offline, inserted in bulk; the seconds it took."""
    started = time.perf_counter()
    now = utcnow()
    with store.write() as session:
        session.add(
            DeviceIdentity(
                id=1, device_id="bench-door", token="t", server_url="http://127.0.0.1:9",
                office="bench", server_public_key="", enrolled_at=now,
            )
        )  # fmt: skip
    chunk = 50_000
    for start in range(0, count, chunk):
        rows = []
        for n in range(start, min(count, start + chunk)):
            payload = CheckinPayload(
                event_id=1, key_id=2 + n % 19, number=n + 1, scanned_at=now, source="scan"
            )
            rows.append(
                {
                    "id": str(uuid.uuid4()),
                    "seq": n + 1,
                    "type": "checkin.create",
                    "payload": canonical_json(checkin_json(payload)),
                    "state": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "last_error": "",
                    "result_code": "",
                    "created_at": now,
                }
            )
        with store.write() as session:
            session.execute(insert(OutboxMutation), rows)
    with store.write() as session:
        session.merge(SyncState(id=1, next_seq=count + 1))
    return time.perf_counter() - started


def bare_batches(store: Store, batches: int) -> list[float]:
    """The floor per batch: 100 rows read by seq, then the same 100 updated and committed."""
    times = []
    with store.engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE bare AS SELECT id, seq, payload, 0 AS done FROM outbox")
        conn.exec_driver_sql("CREATE INDEX bare_seq ON bare (done, seq)")
        conn.commit()
    for _ in range(batches):
        started = time.perf_counter()
        with store.engine.begin() as conn:
            ids = [
                r[0]
                for r in conn.exec_driver_sql(
                    "SELECT id FROM bare WHERE done = 0 ORDER BY seq LIMIT 100"
                )
            ]
            conn.execute(
                text("UPDATE bare SET done = 1 WHERE id IN :ids").bindparams(
                    bindparam("ids", expanding=True)
                ),
                {"ids": ids},
            )
        times.append((time.perf_counter() - started) * 1000)
    return times


def million(directory: Path, queued: int) -> list[Row]:
    store = open_store(f"sqlite:///{directory / 'million.db'}")
    queued_s = queue_checkins(store, queued)
    with store.read() as session:
        started = time.perf_counter()
        full_count = session.scalar(
            select(func.count())
            .select_from(OutboxMutation)
            .where(OutboxMutation.state.in_(outbox.QUEUED_STATES))
        )
        full_count_ms = (time.perf_counter() - started) * 1000
        kept_ms = []
        for _ in range(50):
            started = time.perf_counter()
            kept = outbox.pending_count(session)
            kept_ms.append((time.perf_counter() - started) * 1000)
    assert kept == full_count == queued, (kept, full_count, queued)
    server = AcknowledgingServer()
    engine = SyncEngine(store, client_factory=lambda _url, _token: server)
    started = time.perf_counter()
    result = engine.run_once()
    drain_s = time.perf_counter() - started
    engine.close()
    assert result.outcome is RoundOutcome.OK and result.status.pending == 0, result
    kiosk_s = drain_s - server.seconds
    gaps = [(b - a) * 1000 for a, b in zip(server.pushes, server.pushes[1:], strict=False)]
    batches = len(server.pushes)
    third = max(1, batches // 3)
    bare = bare_batches(store, min(batches, 2000))
    store.close()
    bare_p50 = percentile(bare, 50)
    per_batch = kiosk_s / batches * 1000
    return [
        Row("queued offline (bulk insert, counts kept by triggers)", "-", f"{queued_s:.1f} s"),
        Row(
            f"pending count with {queued:,} queued: kept p50 / full COUNT",
            "-",
            f"{percentile(kept_ms, 50):.2f} ms / {full_count_ms:.1f} ms",
        ),
        Row(
            f"drain of {queued:,}: the kiosk's own time",
            "-",
            f"{kiosk_s:.1f} s ({batches:,} batches; stand-in's {server.seconds:.1f} s left out)",
        ),
        Row(
            "kiosk time per batch of 100: mean (bare p50)",
            "-",
            f"{per_batch:.2f} ms ({bare_p50:.2f} ms, {per_batch / bare_p50:.1f}×)",
        ),
        Row(
            "batch to batch p50: first third / last third of the queue",
            "-",
            f"{percentile(gaps[:third], 50):.2f} / {percentile(gaps[-third:], 50):.2f} ms",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--queued", type=int, default=1_000_000)
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
    if args.queued:
        load = "/".join(f"{x:.2f}" for x in os.getloadavg())
        print_table(
            f"Kiosk side of draining {args.queued:,} check-ins queued offline (load {load})",
            million(directory, args.queued),
        )
    if args.keep is None:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
