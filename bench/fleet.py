"""A city's fleet of kiosks on one central server: sync rounds at 100, 500 and 2,000 kiosks.

    python -m bench.fleet [--kiosks 100 500 2000] [--interval 60] [--offices 25]
                          [--mutations 2] [--backend postgresql] [--scale-out] [--quick]

The central server runs as its own process (``civic-kiosk-server serve``) on a
throw-away PostgreSQL cluster with fsync on (``--backend sqlite`` for an SQLite
file). Simulated kiosks are enrolled through the real endpoint, each with its
own token, in ``--offices`` field offices, and keep their own HTTP connection,
pull cursor and outbox backlog, like the real sync engine: every push carries
real sealed payloads and signed tickets, ``Authorization``, ``X-Civic-Pending``
and ``X-Civic-Printer``; every pull sends the cursor the last one returned and
follows ``has_more``.

Each office runs a few events of its own and the city runs two for everyone.
Per sync round a kiosk pushes ``--mutations`` mutations (complaints, sign-ups
for its office's or the city's events, admissions of tickets it issued) and
then pulls until it is up to date. For each fleet size:

- two paced rounds: every kiosk syncs at its own moment within each
  ``--interval`` seconds (a kiosk's sync interval, spread as the engine's
  jitter spreads it), the same moment in both, so each pull of the second
  round carries one whole interval of the city's changes: its push and pull
  latency p50/p99, against the target of p99 < 2 s at 2,000 kiosks on a 60 s
  interval;
- a burst of pushes and a burst of pulls, every kiosk (at most
  ``--burst-kiosks``, a sample spread over the fleet) at once through
  ``--clients`` connections in flight: the server's throughput, and its CPU
  time per mutation and per pulled item (all server processes, from /proc).

``--scale-out`` repeats the largest fleet with two server processes on the
same database, the kiosks split between them as a load balancer would.
``--quick`` runs 100 and 500 kiosks on a 20 s interval (what the report's
quick mode uses); the README shows the full run.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import itertools
import os
import random
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.procs import session_cpu_seconds  # noqa: E402
from bench.server_ingest import real_server, server_process  # noqa: E402
from bench.table import Row, percentile, print_table  # noqa: E402
from server.catalogue import NewEvent, add_event  # noqa: E402
from server.db import open_database  # noqa: E402
from server.enrolment import create_enrollment_code  # noqa: E402
from sync.protocol import (  # noqa: E402
    DEFAULT_PULL_LIMIT,
    MAX_PULL_LIMIT,
    PENDING_HEADER,
    PRINTER_HEADER,
)
from tests.integration.server.simkiosk import SimKiosk  # noqa: E402
from tests.support.postgres import PostgresUnavailable, running_cluster  # noqa: E402

TARGET_P99_S = 2.0
EVENTS_PER_OFFICE = 2
CITY_EVENTS = 2


@dataclass
class FleetKiosk:
    """A simulated kiosk with what the sync engine keeps between rounds."""

    sim: SimKiosk
    office_events: list[int]
    cursor: str = ""
    backlog: int = 0
    numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    admissible: list[tuple[int, int]] = field(default_factory=list)  # (event, number) issued

    def headers(self) -> dict[str, str]:
        return {PENDING_HEADER: str(self.backlog), PRINTER_HEADER: "ready"}

    def batch(self, size: int, rng: random.Random) -> list[dict[str, Any]]:
        """What a kiosk took since its last round: complaints, sign-ups, admissions."""
        made = []
        for _ in range(size):
            roll = rng.random()
            if roll < 0.4:
                made.append(self.sim.complaint())
            elif roll < 0.75 or not self.admissible:
                event = rng.choice(self.office_events)
                number = next(self.numbers)
                made.append(self.sim.signup(event, number))
                self.admissible.append((event, number))
            else:
                event, number = self.admissible.pop(0)
                made.append(self.sim.checkin(event, self.sim.signing_key_id, number))
        return made


@dataclass
class Timing:
    push_s: list[float] = field(default_factory=list)
    pull_s: list[float] = field(default_factory=list)
    mutations: int = 0
    pushes: int = 0
    pulls: int = 0
    pages: int = 0
    items: int = 0
    failures: list[str] = field(default_factory=list)
    # Requests sent again on a new connection: the server had closed the kept one
    # (idle past its keep-alive) as the request left, as a real kiosk meets now and then.
    resent: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def once_more_on_reset(
    send: Callable[[], requests.Response], timing: Timing, what: str
) -> requests.Response | None:
    """``send``, and once more if the kept connection was reset under it; None if the
    server did not answer within the kiosk's timeout (counted as a failure).

    A real kiosk's engine tries again on its next round; a push sent twice is
    applied once (mutation ids), a pull is a read. Counted, not hidden.
    """
    try:
        try:
            return send()
        except requests.ConnectionError:
            with timing.lock:
                timing.resent += 1
            return send()
    except requests.RequestException as exc:
        with timing.lock:
            timing.failures.append(f"{what}: {type(exc).__name__}")
        return None


def push(kiosk: FleetKiosk, batch: list[dict[str, Any]], timing: Timing) -> None:
    kiosk.backlog = len(batch)
    started = time.perf_counter()
    reply = once_more_on_reset(
        lambda: kiosk.sim.push_raw(batch, headers=kiosk.headers()), timing, "push"
    )
    elapsed = time.perf_counter() - started
    if reply is None or reply.status_code != 200:
        with timing.lock:
            # What the kiosk waited before it gave up counts among the latencies.
            timing.push_s.append(elapsed)
            if reply is not None:
                timing.failures.append(f"push {reply.status_code} {reply.text[:200]}")
        return
    kiosk.backlog = 0
    with timing.lock:
        timing.push_s.append(elapsed)
        timing.mutations += len(batch)
        timing.pushes += 1


def pull(kiosk: FleetKiosk, timing: Timing, limit: int = DEFAULT_PULL_LIMIT) -> None:
    """Pull until up to date, the page size the sync engine asks for (sync/client.py)."""
    started = time.perf_counter()
    pages = items = 0
    while True:
        reply = once_more_on_reset(
            lambda: kiosk.sim.pull_raw(
                kiosk.cursor, limit, headers={PRINTER_HEADER: "ready"}, protocol=1
            ),
            timing,
            "pull",
        )
        if reply is None or reply.status_code != 200:
            with timing.lock:
                timing.pull_s.append(time.perf_counter() - started)
                if reply is not None:
                    timing.failures.append(f"pull {reply.status_code} {reply.text[:200]}")
            return
        body = reply.json()
        pages += 1
        items += sum(len(v) for v in body["changes"].values())
        kiosk.cursor = body["cursor"]
        if not body["has_more"]:
            break
    elapsed = time.perf_counter() - started
    with timing.lock:
        timing.pull_s.append(elapsed)
        timing.pulls += 1
        timing.pages += pages
        timing.items += items


def run_all(jobs: Sequence[Callable[[], None]], clients: int) -> float:
    """Run ``jobs`` with ``clients`` in flight; the seconds it took."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        for future in [pool.submit(job) for job in jobs]:
            future.result()
    return time.perf_counter() - started


def paced(
    rounds: Sequence[Sequence[Callable[[], None]]], interval_s: float, rng: random.Random
) -> float:
    """Round after round, each kiosk (the n-th job of every round) at its own moment.

    A kiosk's moment is drawn once, evenly at random over ``interval_s``, and
    kept: it syncs every ``interval_s`` seconds, as the engine's timer does. So
    from the second round on, every pull carries one whole interval of the
    city's changes, as in steady operation. The seconds the last round took.
    """
    kiosks = len(rounds[0])
    moments = [rng.uniform(0, interval_s) for _ in range(kiosks)]
    schedule = sorted(
        (n * interval_s + moments[k], n, k) for n in range(len(rounds)) for k in range(kiosks)
    )
    started = time.perf_counter()
    last_round = started + (len(rounds) - 1) * interval_s
    # Enough threads that a slow answer never holds the next kiosk back.
    with ThreadPoolExecutor(max_workers=min(kiosks * len(rounds), 256)) as pool:
        futures = []
        for moment, n, k in schedule:
            delay = started + moment - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(rounds[n][k]))
        for future in futures:
            future.result()
    return time.perf_counter() - last_round


# --- setting up the city ------------------------------------------------------------------


def office_name(n: int) -> str:
    return f"현장시장실 {n:02d}"


def prepare_city(db_url: str, kiosks: int, offices: int) -> tuple[dict[str, list[int]], list[str]]:
    """Events per office (plus the city's own) and one enrolment code per kiosk."""
    db = open_database(db_url)
    starts = dt.datetime.now(dt.UTC) + dt.timedelta(days=10)
    city = [
        add_event(db, NewEvent(
            title_ko=f"시민 행사 {n}", title_en=f"City event {n}", capacity=10_000_000,
            offline_block=100_000, starts_at=starts,
        ))
        for n in range(CITY_EVENTS)
    ]  # fmt: skip
    events: dict[str, list[int]] = {}
    for n in range(offices):
        office = office_name(n)
        own = [
            add_event(db, NewEvent(
                title_ko=f"{office} 행사 {e}", title_en=f"Office {n} event {e}",
                capacity=1_000_000, offline_block=100_000, starts_at=starts, office=office,
            ))
            for e in range(EVENTS_PER_OFFICE)
        ]  # fmt: skip
        events[office] = own + city
    codes = [create_enrollment_code(db, office_name(n % offices)) for n in range(kiosks)]
    db.close()
    return events, codes


def enrol(
    bases: Sequence[str], codes: Sequence[str], events: dict[str, list[int]]
) -> list[FleetKiosk]:
    def one(n: int) -> FleetKiosk:
        sim = SimKiosk.enroll(bases[n % len(bases)], codes[n], f"kiosk {n}")
        return FleetKiosk(sim, events[sim.office])

    # A few at a time: all come from 127.0.0.1, and the server allows an address
    # ten attempts in a row before a success clears its count; with four in
    # flight the count never passes four.
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(one, range(len(codes))))


@contextlib.contextmanager
def database(backend: str, tmp: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp / 'fleet.db'}"
        return
    with running_cluster(durable=True) as cluster:
        yield cluster.create_database("fleet")


# --- one fleet size -------------------------------------------------------------------------


@dataclass(frozen=True)
class FleetResult:
    kiosks: int
    servers: int
    paced: Timing
    paced_s: float
    push_burst: Timing
    push_burst_s: float
    push_cpu_s: float
    pull_burst: Timing
    pull_burst_s: float
    pull_cpu_s: float
    # CPU seconds over the whole paced run (both rounds): the server processes', and
    # this process's (the simulated fleet: requests, parsing pages), which shares the
    # machine's cores with the server and PostgreSQL.
    paced_server_cpu_s: float = 0.0
    paced_fleet_cpu_s: float = 0.0
    paced_wall_s: float = 0.0

    def rows(self, interval_s: float) -> list[Row]:
        label = f"{self.kiosks:,} kiosks" + (
            f", {self.servers} servers" if self.servers > 1 else ""
        )
        push99 = percentile(self.paced.push_s, 99)
        pull99 = percentile(self.paced.pull_s, 99)
        target = f"p99 < {TARGET_P99_S:.0f} s" if self.kiosks >= 2000 else "-"
        ok = (push99 < TARGET_P99_S and pull99 < TARGET_P99_S) if self.kiosks >= 2000 else None
        per_mutation = self.push_cpu_s / max(1, self.push_burst.mutations) * 1000
        per_item = self.pull_cpu_s / max(1, self.pull_burst.items) * 1000
        per_pull = self.pull_cpu_s / max(1, self.pull_burst.pulls) * 1000
        failures = self.paced.failures + self.push_burst.failures + self.pull_burst.failures
        return [
            Row(
                f"{label}: sync every {interval_s:.0f} s, push p50 / p99",
                target,
                f"{percentile(self.paced.push_s, 50) * 1000:.0f} ms / {push99:.2f} s",
                None if ok is None else push99 < TARGET_P99_S,
            ),
            Row(
                f"{label}: sync every {interval_s:.0f} s, pull p50 / p99",
                target,
                f"{percentile(self.paced.pull_s, 50) * 1000:.0f} ms / {pull99:.2f} s "
                f"({self.paced.items / max(1, self.paced.pulls):.0f} items a pull)",
                None if ok is None else pull99 < TARGET_P99_S,
            ),
            Row(
                f"{label}: the paced round (every kiosk once) took",
                f"~{interval_s:.0f} s",
                f"{self.paced_s:.0f} s, {self.paced.mutations / self.paced_s:,.0f} mutations/s, "
                f"{self.paced.pulls / self.paced_s:,.1f} pulls/s",
            ),
            Row(
                f"{label}: CPU in the paced rounds, server / the simulated fleet",
                "-",
                f"{self.paced_server_cpu_s / self.paced_wall_s:.0%} / "
                f"{self.paced_fleet_cpu_s / self.paced_wall_s:.0%} of one core",
            ),
            Row(
                f"{label}: push burst, {self.push_burst.pushes:,} kiosks at once",
                "-",
                f"{self.push_burst.mutations / self.push_burst_s:,.0f} mutations/s, "
                f"p99 {percentile(self.push_burst.push_s, 99):.2f} s, "
                f"server CPU {per_mutation:.2f} ms a mutation",
            ),
            Row(
                f"{label}: requests sent again after the server reset a kept connection",
                "-",
                f"{self.paced.resent + self.push_burst.resent + self.pull_burst.resent}",
            ),
            Row(
                f"{label}: requests failed or not answered within the kiosk's timeout",
                "0",
                f"{len(failures)}" + (f" (e.g. {failures[0]})" if failures else ""),
                not failures,
            ),
            Row(
                f"{label}: pull burst, {self.pull_burst.pulls:,} kiosks at once",
                "-",
                f"{self.pull_burst.pulls / self.pull_burst_s:,.0f} pulls/s, "
                f"p99 {percentile(self.pull_burst.pull_s, 99):.2f} s, "
                f"server CPU {per_pull:.1f} ms a pull, {per_item:.3f} ms an item",
            ),
        ]


def measure(
    fleet: list[FleetKiosk],
    kiosks: int,
    servers: int,
    cpu: Callable[[], float],
    args: argparse.Namespace,
    rng: random.Random,
) -> FleetResult:
    """Paced rounds (the second measured), then a burst of pushes and one of pulls."""
    started = time.perf_counter()
    paced_timing = Timing()

    def sync_round(k: FleetKiosk, timing: Timing, batch: list[dict[str, Any]]) -> None:
        push(k, batch, timing)
        pull(k, timing)

    # Payloads are sealed and tickets signed before the clock starts: a kiosk
    # sealed them when the citizen pressed Submit, not when it syncs. The first
    # round brings every kiosk's last pull to its own moment; the second is measured.
    settling = Timing()
    rounds = [
        [partial(sync_round, k, timing, k.batch(args.mutations, rng)) for k in fleet]
        for timing in (settling, paced_timing)
    ]
    server_before, fleet_before, wall_before = cpu(), time.process_time(), time.perf_counter()
    paced_s = paced(rounds, args.interval, rng)
    paced_cpu = (
        cpu() - server_before,
        time.process_time() - fleet_before,
        time.perf_counter() - wall_before,
    )
    paced_timing.failures += settling.failures

    # The bursts measure throughput and CPU per mutation and per item: a sample
    # of the fleet tells them as well as the whole, in a quarter of the time at 2,000.
    sample = fleet[:: max(1, len(fleet) // args.burst_kiosks)][: args.burst_kiosks]
    push_timing = Timing()
    jobs = [partial(push, k, k.batch(args.mutations, rng), push_timing) for k in sample]
    before = cpu()
    push_s = run_all(jobs, args.clients)
    push_cpu = cpu() - before

    pull_timing = Timing()
    before = cpu()
    pull_s = run_all([partial(pull, k, pull_timing) for k in sample], args.clients)
    pull_cpu = cpu() - before
    failures = paced_timing.failures + push_timing.failures + pull_timing.failures
    if failures:
        # Reported in the table (a fleet the server cannot keep up with is a result).
        print(f"... {len(failures)} requests failed, e.g. {failures[:3]}", file=sys.stderr)
    print(
        f"... {kiosks} kiosks, {servers} server(s): measured in "
        f"{time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )
    return FleetResult(
        kiosks, servers, paced_timing, paced_s, push_timing, push_s, push_cpu,
        pull_timing, pull_s, pull_cpu, *paced_cpu,
    )  # fmt: skip


def run_fleet(
    backend: str,
    kiosks: int,
    args: argparse.Namespace,
    measured: Callable[[FleetResult], None],
    *,
    scale_out: bool = False,
) -> None:
    """One fleet on one server; with ``scale_out``, the same fleet again on two.

    ``measured`` gets each result as soon as it is there: a run stopped later
    keeps what it measured."""
    rng = random.Random(kiosks)
    with (
        tempfile.TemporaryDirectory(prefix="civic-fleet-") as tmp,
        database(backend, Path(tmp)) as url,
        contextlib.ExitStack() as stack,
    ):
        t0 = time.perf_counter()
        events, codes = prepare_city(url, kiosks, args.offices)
        first, session = stack.enter_context(server_process(real_server(url)))
        sessions = [session]

        def cpu() -> float:
            return sum(session_cpu_seconds(s) for s in sessions)

        fleet = enrol([first], codes, events)
        t1 = time.perf_counter()
        # Each kiosk's first pull is its snapshot (every kiosk's signing key
        # among it). Setting up, not measured: pages as large as a kiosk may ask.
        warm = Timing()
        run_all([partial(pull, k, warm, MAX_PULL_LIMIT) for k in fleet], args.clients)
        print(
            f"... {kiosks} kiosks enrolled in {t1 - t0:.0f} s, in sync after "
            f"{time.perf_counter() - t1:.0f} s more",
            file=sys.stderr,
        )
        measured(measure(fleet, kiosks, 1, cpu, args, rng))
        if scale_out:
            # A second server process on the same database; half the kiosks move
            # to it, as a load balancer would spread them.
            second, session = stack.enter_context(server_process(real_server(url)))
            sessions.append(session)
            for k in fleet[1::2]:
                k.sim.close()
                k.sim.http = requests.Session()
                k.sim.base_url = second
            measured(measure(fleet, kiosks, 2, cpu, args, rng))
        for k in fleet:
            k.sim.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--kiosks", type=int, nargs="+", default=[100, 500, 2000])
    parser.add_argument("--interval", type=float, default=60.0, help="seconds between syncs")
    parser.add_argument("--offices", type=int, default=25)
    parser.add_argument("--mutations", type=int, default=2, help="mutations a kiosk pushes a round")
    parser.add_argument("--clients", type=int, default=32, help="requests in flight in bursts")
    parser.add_argument(
        "--burst-kiosks", type=int, default=500, help="kiosks (at most) in the push and pull bursts"
    )
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--scale-out", action="store_true", help="also two server processes")
    parser.add_argument("--quick", action="store_true", help="100 and 500 kiosks, 20 s interval")
    args = parser.parse_args()
    if args.quick:
        args.kiosks, args.interval = [100, 500], 20.0

    def report(label: str, rows: list[Row]) -> None:
        # A table per fleet as soon as it is measured: a run stopped at 2,000
        # kiosks still leaves the smaller fleets' figures.
        load = "/".join(f"{x:.2f}" for x in os.getloadavg())
        print_table(
            f"Fleet of {label} on one central server ({args.backend}; {args.offices} offices, "
            f"{args.mutations} mutations a push, sync every {args.interval:.0f} s; load {load})",
            rows,
        )

    try:
        for kiosks in sorted(args.kiosks):
            largest = kiosks == max(args.kiosks)
            run_fleet(
                args.backend,
                kiosks,
                args,
                lambda result: report(
                    f"{result.kiosks:,} kiosks" + (", two servers" if result.servers > 1 else ""),
                    result.rows(args.interval),
                ),
                scale_out=args.scale_out and largest,
            )
    except PostgresUnavailable as exc:
        report("kiosks", [Row("fleet", f"p99 < {TARGET_P99_S:.0f} s", f"not available ({exc})")])
    return 0


if __name__ == "__main__":
    sys.exit(main())
