"""Push throughput of the central server, driven by simulated kiosks over loopback HTTP.

Starts ``civic-kiosk-server serve`` as a separate process (so server and kiosks
do not share one interpreter), first on an SQLite file, then on a throw-away
PostgreSQL cluster with durable settings (fsync on), enrols simulated kiosks,
and has them push pre-sealed batches at once. Prints accepted mutations per
second and push latency percentiles. Bounded in count and time; loopback only.

    python bench/server_ingest.py                     # both backends, defaults
    python bench/server_ingest.py --backend sqlite --kiosks 8 --batches 20
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import itertools
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.catalogue import NewEvent, add_event  # noqa: E402
from server.db import open_database  # noqa: E402
from server.enrolment import create_enrollment_code  # noqa: E402
from tests.integration.server.simkiosk import SimKiosk  # noqa: E402
from tests.support.postgres import PostgresUnavailable, running_cluster  # noqa: E402

TARGET_PER_S = 1500


@dataclass
class Result:
    backend: str
    workload: str
    kiosks: int
    batch: int
    accepted: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rate(self) -> float:
        return self.accepted / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def server_process(db_url: str, workers: int) -> Iterator[str]:
    port = _free_port()
    argv = [
        sys.executable,
        "-m",
        "server.cli",
        "serve",
        "--db",
        db_url,
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--workers",
        str(workers),
    ]
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=log,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            start_new_session=True,
        )
        try:
            yield _wait_until_up(proc, log, f"http://127.0.0.1:{port}")
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _wait_until_up(proc: subprocess.Popen[bytes], log: IO[bytes], base: str) -> str:
    deadline = time.monotonic() + 30
    while True:
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"server exited: {log.read().decode()[-2000:]}")
        with contextlib.suppress(requests.ConnectionError):
            if requests.get(base + "/v1/health", timeout=2).status_code == 200:
                return base
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start in 30 s")
        time.sleep(0.1)


def _batches(
    kiosk: SimKiosk, event: int, workload: str, count: int, size: int
) -> list[list[dict[str, Any]]]:
    numbers = itertools.count(1)
    kinds = {"complaints": ["c"], "signups": ["s"], "mixed": ["c", "s", "c", "p", "k"]}[workload]
    made = []
    for _ in range(count):
        batch = []
        for i in range(size):
            kind = kinds[i % len(kinds)]
            if kind == "c":
                batch.append(kiosk.complaint())
            elif kind == "p":
                batch.append(kiosk.proposal())
            elif kind == "k":
                batch.append(kiosk.checkin(event, kiosk.signing_key_id, next(numbers)))
            else:
                batch.append(kiosk.signup(event, next(numbers)))
        made.append(batch)
    return made


def run(backend: str, db_url: str, args: argparse.Namespace, workload: str) -> Result:
    db = open_database(db_url)
    event = add_event(
        db,
        NewEvent(
            title_ko="벤치",
            title_en="Bench",
            capacity=10_000_000,
            offline_block=10_000_000,
            starts_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=30),
        ),
    )
    codes = [create_enrollment_code(db, "bench") for _ in range(args.kiosks)]
    db.close()
    with server_process(db_url, args.workers) as base:
        kiosks = [SimKiosk.enroll(base, code, f"bench {i}") for i, code in enumerate(codes)]
        work = {k.device_id: _batches(k, event, workload, args.batches, args.batch) for k in kiosks}
        for k in kiosks:  # warm up connections and server caches
            k.push([k.complaint()])
        latencies: list[float] = []
        accepted = [0]
        lock = threading.Lock()
        failures: list[str] = []

        def drive(kiosk: SimKiosk) -> None:
            for batch in work[kiosk.device_id]:
                started = time.perf_counter()
                reply = kiosk.push_raw(batch)
                elapsed = (time.perf_counter() - started) * 1000
                if reply.status_code != 200:
                    failures.append(f"{reply.status_code} {reply.text[:200]}")
                    return
                ok = sum(r["status"] in ("applied", "duplicate") for r in reply.json()["results"])
                with lock:
                    latencies.append(elapsed)
                    accepted[0] += ok

        threads = [threading.Thread(target=drive, args=(k,)) for k in kiosks]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=600)
        seconds = time.perf_counter() - started
        if failures:
            raise RuntimeError(f"pushes failed: {failures[:3]}")
    return Result(backend, workload, args.kiosks, args.batch, accepted[0], seconds, latencies)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument(
        "--workload", choices=["complaints", "signups", "mixed", "all"], default="all"
    )
    parser.add_argument("--kiosks", type=int, default=4)
    parser.add_argument("--batches", type=int, default=25, help="batches per kiosk")
    parser.add_argument("--batch", type=int, default=100, help="mutations per batch")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    args = parser.parse_args()
    workloads = ["complaints", "signups", "mixed"] if args.workload == "all" else [args.workload]
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results: list[Result] = []
    for backend in backends:
        for workload in workloads:
            if backend == "sqlite":
                with tempfile.TemporaryDirectory() as tmp:
                    results.append(run(backend, f"sqlite:///{tmp}/server.db", args, workload))
            else:
                try:
                    with running_cluster(durable=True) as cluster:
                        url = cluster.create_database("bench")
                        results.append(run(backend, url, args, workload))
                except PostgresUnavailable as exc:
                    print(f"PostgreSQL skipped: {exc}", file=sys.stderr)
                    break
            r = results[-1]
            print(f"... {r.backend}/{r.workload}: {r.rate:,.0f}/s", file=sys.stderr)
    print()
    print(
        f"server workers: {args.workers}; {args.kiosks} kiosks x {args.batches} batches of "
        f"{args.batch}; target >= {TARGET_PER_S:,}/s"
    )
    header = (
        f"{'backend':<11} {'workload':<10} {'accepted':>9} {'seconds':>8} "
        f"{'mutations/s':>12} {'p50 ms':>8} {'p95 ms':>8}  target"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        verdict = "ok" if r.rate >= TARGET_PER_S else "BELOW"
        print(
            f"{r.backend:<11} {r.workload:<10} {r.accepted:>9} {r.seconds:>8.2f} "
            f"{r.rate:>12,.0f} {r.percentile(50):>8.1f} {r.percentile(95):>8.1f}  {verdict}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
