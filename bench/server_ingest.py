"""Push throughput of the central server against a bare endpoint, both over loopback HTTP.

    python -m bench.server_ingest [--backend sqlite|postgresql|both] [--workload all]
                                  [--kiosks 4] [--batches 25] [--batch 100] [--rounds 2]

For each backend (an SQLite file; a throw-away PostgreSQL cluster with fsync
on) two servers run side by side as their own processes: the real one
(``civic-kiosk-server serve``) and the bare baseline (``bench/bare_server.py``:
one INSERT per mutation in one durable transaction, nothing else), on
separate databases of the same backend. Simulated kiosks (real enrolment and
tokens, real sealed payloads and signed tickets, the headers a real kiosk
sends: ``Authorization``, ``X-Civic-Pending``, ``X-Civic-Printer``) push
batches at once; the two servers take turns, ``--rounds`` times each, so
both see the same machine load. Printed per backend and workload: accepted
mutations per second of each, the ratio (target: the real server at least
half the bare endpoint's rate), push latency, the server's CPU time per
mutation, and the crypto a push needs that the bare endpoint does not do
(opening every sealed part, checking every ticket signature), timed alone in
the same run, with the ratio a server would reach that did only the bare
endpoint's work plus that crypto: how far the target is bounded by real
cryptography rather than by our code.
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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import requests
from nacl.public import PrivateKey

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.procs import session_cpu_seconds  # noqa: E402
from bench.table import Row, percentile, print_table  # noqa: E402
from core.sealing import Opener  # noqa: E402
from core.tickets import ParsedTicket, parse_ticket, verify_signature  # noqa: E402
from server.catalogue import NewEvent, add_event  # noqa: E402
from server.db import open_database  # noqa: E402
from server.enrolment import create_enrollment_code  # noqa: E402
from server.keys import load_or_create_keys  # noqa: E402
from sync.protocol import PENDING_HEADER, PRINTER_HEADER  # noqa: E402
from tests.integration.server.simkiosk import SimKiosk  # noqa: E402
from tests.support.postgres import PostgresUnavailable, running_cluster  # noqa: E402

TARGET_RATIO = 0.5
WORKLOADS = ("complaints", "signups", "mixed")


@dataclass
class Turn:
    """One server's turn: every kiosk pushes its batches at once."""

    accepted: int = 0
    seconds: float = 0.0
    cpu_s: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.accepted / self.seconds if self.seconds else 0.0


@dataclass
class Result:
    backend: str
    workload: str
    real: list[Turn]
    bare: list[Turn]
    # The crypto a push needs that the bare endpoint does not do (opening each sealed
    # part, checking each ticket's signature), timed alone: microseconds a mutation.
    crypto_us: float = 0.0

    @staticmethod
    def _best(turns: Sequence[Turn]) -> Turn:
        return max(turns, key=lambda t: t.rate)

    @property
    def ratio(self) -> float:
        return self._best(self.real).rate / self._best(self.bare).rate

    def rows(self) -> list[Row]:
        real, bare = self._best(self.real), self._best(self.bare)
        name = f"server ingest, {self.backend}, {self.workload}"
        cpu = real.cpu_s / real.accepted * 1000 if real.accepted else 0.0
        bare_cpu = bare.cpu_s / bare.accepted * 1000 if bare.accepted else 0.0
        return [
            Row(
                f"{name}: real / bare endpoint",
                f">= {TARGET_RATIO} x bare",
                f"{real.rate:,.0f} / {bare.rate:,.0f} mutations/s = {self.ratio:.2f} x",
                self.ratio >= TARGET_RATIO,
            ),
            Row(
                f"{name}: push p50 / p95, real (bare)",
                "-",
                f"{percentile(real.latencies_ms, 50):.0f} / {percentile(real.latencies_ms, 95):.0f}"
                f" ms ({percentile(bare.latencies_ms, 50):.0f} / "
                f"{percentile(bare.latencies_ms, 95):.0f} ms)",
            ),
            Row(
                f"{name}: server CPU per mutation, real (bare)",
                "-",
                f"{cpu:.3f} ms ({bare_cpu:.3f} ms)",
            ),
            Row(
                f"{name}: crypto alone (unseal + ticket signatures; bare does none)",
                "-",
                f"{self.crypto_us:.0f} us a mutation: bare + that alone = "
                f"{self.crypto_bound:.2f} x bare",
            ),
        ]

    @property
    def crypto_bound(self) -> float:
        """The ratio of a server doing the bare endpoint's work and then this crypto, no more.

        A bound only as long as the crypto does not overlap other work: PyNaCl
        lets other threads run meanwhile, so a second idle core could hide some.
        """
        bare_us = 1e6 / self._best(self.bare).rate
        return bare_us / (bare_us + self.crypto_us)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def server_process(argv: list[str]) -> Iterator[tuple[str, int]]:
    """Run ``argv`` (with ``--port`` appended) until the block ends: its URL and session."""
    port = free_port()
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            [*argv, "--port", str(port)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=log,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            start_new_session=True,
        )
        try:
            yield wait_until_up(proc, log, f"http://127.0.0.1:{port}"), proc.pid
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def real_server(db_url: str, workers: int = 1) -> list[str]:
    return [
        sys.executable, "-m", "server.cli", "serve", "--db", db_url,
        "--log-level", "warning", "--workers", str(workers),
    ]  # fmt: skip


def bare_server(db_url: str) -> list[str]:
    return [sys.executable, "-m", "bench.bare_server", "--db", db_url]


def wait_until_up(proc: subprocess.Popen[bytes], log: IO[bytes], base: str) -> str:
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"server exited: {log.read().decode()[-2000:]}")
        with contextlib.suppress(requests.ConnectionError):
            if requests.get(base + "/v1/health", timeout=2).status_code == 200:
                return base
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start in 60 s")
        time.sleep(0.1)


def batches(
    kiosk: SimKiosk, event: int, workload: str, count: int, size: int, numbers: Iterator[int]
) -> list[list[dict[str, Any]]]:
    kinds = {"complaints": "c", "signups": "s", "mixed": "cscpk"}[workload]
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


Work = list[tuple["BenchKiosk", list[list[dict[str, Any]]]]]


def kiosk_headers(backlog: int) -> dict[str, str]:
    """What a kiosk with a slip printer sends besides its token (sync/client.py)."""
    return {PENDING_HEADER: str(backlog), PRINTER_HEADER: "ready"}


def turn(base: str, session: int, work: Work) -> Turn:
    """Every kiosk pushes its batches, one after the other, all kiosks at once."""
    result = Turn()
    lock = threading.Lock()
    failures: list[str] = []

    def drive(kiosk: BenchKiosk, batches_: list[list[dict[str, Any]]]) -> None:
        for n, batch in enumerate(batches_):
            backlog = sum(len(b) for b in batches_[n:])
            started = time.perf_counter()
            reply = kiosk.push_raw_to(base, batch, kiosk_headers(backlog))
            elapsed = (time.perf_counter() - started) * 1000
            if reply.status_code != 200:
                failures.append(f"{reply.status_code} {reply.text[:200]}")
                return
            ok = sum(r["status"] in ("applied", "duplicate") for r in reply.json()["results"])
            with lock:
                result.latencies_ms.append(elapsed)
                result.accepted += ok

    threads = [threading.Thread(target=drive, args=item) for item in work]
    cpu_before = session_cpu_seconds(session)
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    result.seconds = time.perf_counter() - started
    result.cpu_s = session_cpu_seconds(session) - cpu_before
    if failures:
        raise RuntimeError(f"pushes failed: {failures[:3]}")
    return result


class BenchKiosk(SimKiosk):
    """A simulated kiosk that can push to either server (the bare one ignores the token)."""

    def push_raw_to(
        self, base: str, mutations: list[dict[str, Any]], headers: dict[str, str]
    ) -> requests.Response:
        saved = self.base_url
        self.base_url = base
        try:
            return self.push_raw(mutations, headers=headers)
        finally:
            self.base_url = saved


def prepare(db_url: str, kiosks: int) -> tuple[int, list[str]]:
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
    codes = [create_enrollment_code(db, "bench") for _ in range(kiosks)]
    db.close()
    return event, codes


def crypto_us(sealing_key: PrivateKey, work: Work) -> float:
    """The unsealing and ticket checks of these batches, one after the other: us a mutation.

    Timed in this process on one thread, in the same run as the servers: what
    the real server cannot avoid and the bare endpoint never does.
    """
    opener = Opener(sealing_key)
    sealed: list[str] = []
    tickets: list[tuple[ParsedTicket, bytes]] = []
    count = 0
    for kiosk, kiosk_batches in work:
        public_key = bytes(kiosk.signing_key.verify_key)
        for mutation in itertools.chain.from_iterable(kiosk_batches):
            count += 1
            payload = mutation["payload"]
            if "sealed" in payload:
                sealed.append(payload["sealed"])
            ticket = parse_ticket(payload.get("ticket") or "")
            if isinstance(ticket, ParsedTicket):
                tickets.append((ticket, public_key))
    started = time.perf_counter()
    for text in sealed:
        opener.open(text)
    for ticket, public_key in tickets:
        verify_signature(ticket, public_key)
    return (time.perf_counter() - started) / count * 1e6 if count else 0.0


def server_sealing_key(db_url: str) -> PrivateKey:
    db = open_database(db_url, migrate=False)
    try:
        return load_or_create_keys(db).sealing_key
    finally:
        db.close()


def run_backend(
    backend: str, real_url: str, bare_url: str, args: argparse.Namespace
) -> list[Result]:
    workloads = WORKLOADS if args.workload == "all" else (args.workload,)
    event, codes = prepare(real_url, args.kiosks)
    results = []
    with (
        server_process(real_server(real_url, args.workers)) as (real_base, real_proc),
        server_process(bare_server(bare_url)) as (bare_base, bare_proc),
    ):
        kiosks = [BenchKiosk.enroll(real_base, code, f"bench {i}") for i, code in enumerate(codes)]
        numbers = itertools.count(1)
        sealing_key = server_sealing_key(real_url)
        for k in kiosks:  # warm up connections and server caches
            k.push_raw_to(real_base, [k.complaint()], kiosk_headers(1))
            k.push_raw_to(bare_base, [k.complaint()], kiosk_headers(1))
        for workload in workloads:
            result = Result(backend, workload, [], [])
            for _ in range(args.rounds):
                for turns, base, proc in (
                    (result.bare, bare_base, bare_proc),
                    (result.real, real_base, real_proc),
                ):
                    work = [
                        (k, batches(k, event, workload, args.batches, args.batch, numbers))
                        for k in kiosks
                    ]
                    turns.append(turn(base, proc, work))
            result.crypto_us = crypto_us(sealing_key, work)
            print(f"... {backend}/{workload}: {result.ratio:.2f} x bare", file=sys.stderr)
            results.append(result)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--workload", choices=[*WORKLOADS, "all"], default="all")
    parser.add_argument("--kiosks", type=int, default=4)
    parser.add_argument("--batches", type=int, default=25, help="batches per kiosk and turn")
    parser.add_argument("--batch", type=int, default=100, help="mutations per batch")
    parser.add_argument("--rounds", type=int, default=2, help="turns of each server")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    rows: list[Row] = []
    for backend in backends:
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                results = run_backend(
                    backend, f"sqlite:///{tmp}/server.db", f"sqlite:///{tmp}/bare.db", args
                )
        else:
            try:
                with running_cluster(durable=True) as cluster:
                    results = run_backend(
                        backend,
                        cluster.create_database("bench"),
                        cluster.create_database("bare"),
                        args,
                    )
            except PostgresUnavailable as exc:
                rows.append(
                    Row(
                        "server ingest, postgresql",
                        f">= {TARGET_RATIO} x bare",
                        f"not available ({exc})",
                    )
                )
                continue
        rows += [row for result in results for row in result.rows()]
    load = "/".join(f"{x:.2f}" for x in os.getloadavg())
    print_table(
        f"Server ingest over loopback HTTP vs a bare endpoint (one INSERT per mutation): "
        f"{args.kiosks} kiosks x {args.batches} batches of {args.batch} per turn, "
        f"{args.rounds} turns each, {args.workers} worker(s); load {load}",
        rows,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
