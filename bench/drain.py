"""Benchmark: queue 10,000 submissions offline, start the server, time the drain; then a million.

    python -m bench.drain [--records 10000] [--queued 1000000] [--real-batches 300] [--keep DIR]

The central server runs as its own process (``server.cli serve``) on
127.0.0.1 with an SQLite database, as in the demo. The kiosk enrols and pulls
while the server is up, the server stops, the kiosk queues the records with
the same domain service the touch screen uses (``submit_complaint`` = the
flow's check + store, one durable commit each, then the status bar's kept
pending count), and the server starts again. The drain is timed from the
first push of the sync engine until its queue is empty. Target on the
project's 2-core machine: under 15 s for 10,000.

Then a million queued complaints in a second kiosk store, enrolled with the
same server. A few are made by the real submit path (sealed to the server's
key); the million are bulk inserted straight into the store's real schema
(outbox rows and their submissions, triggers and indexes on) from those,
each with its own id and receipt code and the sealed part reused: the drain
does not open sealed data, only carries it. Two measurements:

* the figure: the real sync engine against the real server on 127.0.0.1 for
  the first ``--real-batches`` batches of the full queue (HTTP, validation,
  the server's inserts), timed batch by batch: the kiosk's share (answer in,
  results recorded, next batch chosen, encoded and committed in flight) and
  the round trip;
* a baseline, not the figure: the whole queue drained by the same engine
  against an in-process stub that acknowledges every id at once (no HTTP, no
  server work), to show the kiosk's side over the whole million: per batch,
  first third against last third, memory, and the look for what to prune.

The bare baseline, measured in the same run on the same store and
interleaved with the engine's batches (while it waits for an answer): per
batch, one 100-row read by seq and one 100-row UPDATE committed. The statements the
engine runs on the outbox are captured and EXPLAINed (index use).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, event, func, select, text

from app.demo import free_port, server_command
from bench.table import Row, percentile, print_table
from core.clock import utcnow
from core.ids import new_id
from core.receipts import ALPHABET, BODY_LENGTH, check_character
from kiosk import lookups, outbox
from kiosk.models import MutationState, OutboxMutation
from kiosk.store import Store, open_store
from kiosk.submissions import ComplaintForm, Consent, submit_complaint
from sync.client import FailureKind, Reply, SyncClient, SyncFailure, Transport, wait_for_health
from sync.engine import EngineSettings, RoundOutcome, SyncEngine
from sync.enrolment import enroll
from sync.protocol import Changes, MutationResult, MutationStatus, PullResponse, PushResponse

TARGET_S = 15.0
CONSENT = Consent(version="2026-11", required=True)
# Complaints made by the real submit path in the million store, whose sealed
# payloads the bulk insert reuses.
TEMPLATES = 8


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


def complaint_form(n: int) -> ComplaintForm:
    return ComplaintForm(
        category="road",
        district="mapo",
        description=f"보도블록 파손 신고 {n}: 어르신들이 넘어질 위험이 있습니다.",
        name="김민수",
        phone="010-1234-5678",
    )


def queue(store: Store, records: int) -> list[float]:
    """Each record as the touch screen makes it: the flow's service, then the status bar's count.

    The milliseconds of each, from the tap's service call to the count read.
    """
    times = []
    for n in range(records):
        started = time.perf_counter()
        submit_complaint(store, complaint_form(n), CONSENT)
        lookups.pending_count(store)
        times.append((time.perf_counter() - started) * 1000)
    return times


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


@dataclass
class Pushes:
    """When each push left and when its answer came back (perf_counter seconds)."""

    started: list[float] = field(default_factory=list)
    answered: list[float] = field(default_factory=list)

    def kiosk_ms(self) -> list[float]:
        """Between an answer and the next request: the kiosk's whole share of a batch."""
        pairs = zip(self.answered, self.started[1:], strict=False)
        return [(nxt - done) * 1000 for done, nxt in pairs]


class Bare:
    """The bare baseline, one batch at a time, run while the kiosk waits for an answer.

    Interleaved with the engine's batches so that both meet the same load on
    a shared machine. Per batch: 100 rows read by seq (with their payloads)
    from a copy of the queue, the same 100 updated, committed (synchronous=FULL).
    """

    def __init__(self, store: Store, batches: int, every: int = 1) -> None:
        self.store = store
        self.every = max(1, every)
        self.calls = 0
        self.ms: list[float] = []
        with store.engine.connect() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS bare")
            conn.exec_driver_sql(
                "CREATE TABLE bare AS SELECT id, seq, payload, 0 AS done FROM outbox"
                f" ORDER BY seq LIMIT {batches * 100}"
            )
            # The outbox's own two indexes: due by (state, seq), picked by id.
            conn.exec_driver_sql("CREATE INDEX bare_seq ON bare (done, seq)")
            conn.exec_driver_sql("CREATE UNIQUE INDEX bare_id ON bare (id)")
            conn.commit()

    def step(self) -> None:
        self.calls += 1
        if self.calls % self.every:
            return
        started = time.perf_counter()
        with self.store.engine.begin() as conn:
            ids = [
                r[0]
                for r in conn.exec_driver_sql(
                    "SELECT id, payload FROM bare WHERE done = 0 ORDER BY seq LIMIT 100"
                )
            ]
            if ids:
                conn.execute(_BARE_UPDATE, {"ids": ids})
        if ids:
            self.ms.append((time.perf_counter() - started) * 1000)

    def drop(self) -> None:
        with self.store.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE bare")


_BARE_UPDATE = text("UPDATE bare SET done = 1 WHERE id IN :ids").bindparams(
    bindparam("ids", expanding=True)
)


class StopAfter:
    """The real client, timed; after ``batches`` pushes it fails as a dropped network would.

    The engine then does what it does on any network failure: the batch in
    flight goes back to the queue, same ids.
    """

    def __init__(self, client: SyncClient, batches: int, bare: Bare) -> None:
        self.client = client
        self.batches = batches
        self.bare = bare
        self.pushes = Pushes()
        self.round_trips: list[float] = []

    def push(self, body: bytes, pending: int | None = None) -> Reply[PushResponse]:
        self.pushes.started.append(time.perf_counter())
        if len(self.pushes.answered) >= self.batches:
            raise SyncFailure(FailureKind.NETWORK, "bench: enough batches measured")
        self.bare.step()
        sent_at = time.perf_counter()
        reply = self.client.push(body, pending)
        self.round_trips.append((time.perf_counter() - sent_at) * 1000)
        self.pushes.answered.append(time.perf_counter())
        return reply

    def pull(self, cursor: str, limit: int = 500) -> Reply[PullResponse]:
        return self.client.pull(cursor, limit)

    def close(self) -> None:
        self.client.close()


class AcknowledgingStub:
    """BASELINE ONLY, not the server: every id applied at once, in process, no HTTP."""

    def __init__(self, bare: Bare) -> None:
        self.bare = bare
        self.pushes = Pushes()

    def push(self, body: bytes, pending: int | None = None) -> Reply[PushResponse]:
        self.pushes.started.append(time.perf_counter())
        self.bare.step()
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
        self.pushes.answered.append(time.perf_counter())
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


def receipt_codes(count: int, taken: set[str]) -> Iterator[str]:
    """``count`` valid receipt codes, distinct from each other and from ``taken``."""
    base = len(ALPHABET)
    n = 0
    made = 0
    while made < count:
        digits, value = [], n
        for _ in range(BODY_LENGTH):
            value, digit = divmod(value, base)
            digits.append(ALPHABET[digit])
        body = "".join(reversed(digits))
        code = body + check_character(body)
        n += 1
        if code not in taken:
            made += 1
            yield code


def seed(store: Store, total: int) -> float:
    """Queue ``total`` complaints: the store's real ones as templates, the rest bulk inserted.

    Rows are copied column for column from the templates (so every column is
    stored exactly as the kiosk stores it), with a new id, seq and receipt
    code; the sealed part of the payload is reused. Triggers keep the counts.
    """
    started = time.perf_counter()
    raw = store.engine.raw_connection()
    try:
        cur = raw.cursor()
        out = cur.execute("SELECT * FROM outbox ORDER BY seq")
        out_cols = [d[0] for d in out.description]
        outbox_rows = out.fetchall()
        sub = cur.execute("SELECT * FROM submissions")
        sub_cols = [d[0] for d in sub.description]
        submissions = {r[sub_cols.index("id")]: r for r in sub.fetchall()}
        templates = []
        for row in outbox_rows:
            code = submissions[row[out_cols.index("id")]][sub_cols.index("receipt_code")]
            payload = row[out_cols.index("payload")]
            head, tail = payload.split(f'"receipt_code":"{code}"')
            templates.append((row, submissions[row[out_cols.index("id")]], head, tail))
        codes = receipt_codes(total, {t[1][sub_cols.index("receipt_code")] for t in templates})
        put_out = (
            f"INSERT INTO outbox ({', '.join(out_cols)}) VALUES ({', '.join('?' * len(out_cols))})"
        )
        put_sub = (
            f"INSERT INTO submissions ({', '.join(sub_cols)})"
            f" VALUES ({', '.join('?' * len(sub_cols))})"
        )
        o_id, o_seq, o_payload = (out_cols.index(c) for c in ("id", "seq", "payload"))
        s_id, s_code = sub_cols.index("id"), sub_cols.index("receipt_code")
        next_seq = max(r[o_seq] for r in outbox_rows) + 1
        chunk = 20_000
        remaining = total - len(outbox_rows)
        while remaining > 0:
            out_batch, sub_batch = [], []
            for n in range(min(chunk, remaining)):
                row, subrow, head, tail = templates[n % len(templates)]
                mutation_id, code = new_id(), next(codes)
                new_out = list(row)
                new_out[o_id], new_out[o_seq] = mutation_id, next_seq
                new_out[o_payload] = f'{head}"receipt_code":"{code}"{tail}'
                new_sub = list(subrow)
                new_sub[s_id], new_sub[s_code] = mutation_id, code
                out_batch.append(new_out)
                sub_batch.append(new_sub)
                next_seq += 1
            cur.execute("BEGIN IMMEDIATE")
            cur.executemany(put_sub, sub_batch)
            cur.executemany(put_out, out_batch)
            cur.execute("UPDATE sync_state SET next_seq = ? WHERE id = 1", (next_seq,))
            cur.execute("COMMIT")
            remaining -= len(out_batch)
        cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
    return time.perf_counter() - started


@contextlib.contextmanager
def outbox_statements(store: Store) -> Iterator[dict[str, Any]]:
    """Every distinct statement run on the outbox meanwhile, with one set of its parameters."""
    seen: dict[str, Any] = {}

    def capture(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _ctx: Any, many: bool
    ) -> None:
        if "outbox" in statement and not many and not statement.startswith("EXPLAIN"):
            seen.setdefault(statement, parameters)

    event.listen(store.engine, "before_cursor_execute", capture)
    try:
        yield seen
    finally:
        event.remove(store.engine, "before_cursor_execute", capture)


def plans(store: Store, statements: dict[str, Any]) -> list[str]:
    """EXPLAIN QUERY PLAN of each statement: the steps that read the outbox."""
    found = []
    with store.engine.connect() as conn:
        for statement, parameters in statements.items():
            steps = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            for step in steps:
                detail = str(step[3])
                if "outbox " in detail + " " and "outbox_tallies" not in detail:
                    verb = statement.split()[0]
                    found.append(f"{verb}: {detail}")
        conn.rollback()
    return sorted(set(found))


def rss_mb(key: str) -> float:
    """VmRSS / VmHWM of this process, in MB (Linux); NaN elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def reset_peak_rss() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def million(big: Store, queued: int, real_batches: int) -> list[Row]:
    """The million store drained: the real server for ``real_batches``, then the stub baseline."""
    batch_size = EngineSettings().batch_size
    seed_s = seed(big, queued)
    with big.read() as session:
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
    rows = [
        Row(
            f"{queued:,} complaints queued: bulk insert of outbox rows and their submissions"
            f" ({TEMPLATES} sealed by the real submit path, sealed part reused), triggers on",
            "-",
            f"{seed_s:.1f} s",
        ),
        Row(
            f"pending count with {queued:,} queued: kept p50 / full COUNT",
            "-",
            f"{percentile(kept_ms, 50):.2f} ms / {full_count_ms:.1f} ms",
        ),
    ]

    # The figure: the real server on 127.0.0.1, the first batches of the full queue
    # (or all of it).
    all_batches = -(-queued // batch_size)
    whole = real_batches <= 0 or real_batches >= all_batches
    real_batches = all_batches if whole else real_batches
    real_bare = Bare(big, min(real_batches, 1000), every=-(-real_batches // 1000))
    real: StopAfter | None = None

    def real_client(url: str, token: str) -> Transport:
        nonlocal real
        real = StopAfter(SyncClient(url, token), real_batches, real_bare)
        return real

    with outbox_statements(big) as statements:
        engine = SyncEngine(big, client_factory=real_client)
        started = time.perf_counter()
        result = engine.run_once()
        real_s = time.perf_counter() - started
        engine.close()
    real_bare.drop()
    expected = RoundOutcome.OK if whole else RoundOutcome.RETRY
    assert real is not None and result.outcome is expected, result
    assert result.delivered == min(queued, real_batches * batch_size), result
    real_load = load()
    kiosk_real = real.pushes.kiosk_ms()
    real_p50, bare_p50 = percentile(kiosk_real, 50), percentile(real_bare.ms, 50)
    per_batch_real = real_s / real_batches
    left = queued - result.delivered
    what = f"whole drain of {queued:,}" if whole else f"first {real_batches} batches of {queued:,}"
    rows += [
        Row(
            f"real server, {what} queued: time, records/s (load)",
            "-",
            f"{real_s:.1f} s, {result.delivered / real_s:,.0f}/s ({real_load})",
        ),
        Row(
            "real server: kiosk's share of a batch of 100 p50 / p95 (bare p50, ratio);"
            " round trip p50",
            "-",
            f"{real_p50:.1f} / {percentile(kiosk_real, 95):.1f} ms"
            f" ({bare_p50:.1f} ms, {real_p50 / bare_p50:.1f}x);"
            f" {percentile(real.round_trips, 50):.1f} ms",
        ),
    ]
    if not whole:
        rows.append(
            Row(
                f"real server: drain of {queued:,} at that rate (projected, not run)",
                "-",
                f"{queued / batch_size * per_batch_real / 60:.1f} min",
            )
        )
    rows += [Row("plan: " + p, "-", "index", "SCAN" not in p) for p in plans(big, statements)]
    if left == 0:
        return rows

    # BASELINE: the rest of the queue against the in-process stub, no HTTP.
    batches = -(-left // batch_size)
    bare = Bare(big, min(batches, 1000), every=-(-batches // 1000))
    stub = AcknowledgingStub(bare)
    engine = SyncEngine(big, client_factory=lambda _url, _token: stub)
    rss_before = rss_mb("VmRSS")
    peak_known = reset_peak_rss()
    started = time.perf_counter()
    result = engine.run_once()
    drain_s = time.perf_counter() - started
    engine.close()
    peak = rss_mb("VmHWM") if peak_known else float("nan")
    rss_after = rss_mb("VmRSS")
    stub_load = load()
    bare.drop()
    assert result.outcome is RoundOutcome.OK and result.status.pending == 0, result
    assert result.delivered == left, (result.delivered, left)
    with big.read() as session:
        started = time.perf_counter()
        outbox.prunable(session, utcnow() - EngineSettings().retention)
        prune_s = time.perf_counter() - started
    kiosk_stub = stub.pushes.kiosk_ms()
    third = max(1, len(kiosk_stub) // 3)
    bare_third = max(1, len(bare.ms) // 3)
    stub_p50, bare_p50 = percentile(kiosk_stub, 50), percentile(bare.ms, 50)

    def thirds(samples: list[float], size: int) -> tuple[float, float]:
        return percentile(samples[:size], 50), percentile(samples[-size:], 50)

    first, last = thirds(kiosk_stub, third)
    bare_first, bare_last = thirds(bare.ms, bare_third)
    rows += [
        Row(
            f"BASELINE, in-process stub server (no HTTP): whole drain of the other {left:,}",
            "-",
            f"{drain_s:.1f} s ({batches:,} batches, {left / drain_s:,.0f}/s; load {stub_load})",
        ),
        Row(
            "stub: kiosk's share of a batch p50 / p95 (bare p50, ratio)",
            "-",
            f"{stub_p50:.1f} / {percentile(kiosk_stub, 95):.1f} ms"
            f" ({bare_p50:.1f} ms, {stub_p50 / bare_p50:.1f}x)",
        ),
        Row(
            "stub: kiosk's share p50, first third / last third of the queue (bare)",
            "-",
            f"{first:.1f} / {last:.1f} ms ({bare_first:.1f} / {bare_last:.1f} ms)",
        ),
        Row(
            "memory during the drain: RSS before / after, peak",
            "-",
            f"{rss_before:.0f} / {rss_after:.0f} MB, peak {peak:.0f} MB",
        ),
        Row(
            f"looking for what to prune, {queued:,} sent kept (a read, once an hour)",
            "-",
            f"{prune_s * 1000:.0f} ms",
        ),
    ]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--queued", type=int, default=1_000_000)
    parser.add_argument(
        "--real-batches",
        type=int,
        default=1000,
        help="batches of the million sent to the real server (0: all of them, ~15-25 min)",
    )
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
    big: Store | None = None
    if args.queued:
        big = open_store(f"sqlite:///{directory / 'million.db'}")
        enroll(big, url, enrolment_code(directory), name="bench kiosk, a million queued")
        first = SyncEngine(big)
        assert first.run_once().outcome is RoundOutcome.OK
        first.close()
        for n in range(TEMPLATES):
            submit_complaint(big, complaint_form(n), CONSENT)
    stop(server)

    started = time.perf_counter()
    submits = queue(store, args.records)
    queued_s = time.perf_counter() - started
    queue_load = load()

    started = time.perf_counter()
    server = start_server(directory, port)
    server_start_s = time.perf_counter() - started
    million_rows: list[Row] = []
    try:
        started = time.perf_counter()
        rounds = 0
        while True:
            rounds += 1
            result = engine.run_once()
            if result.outcome is RoundOutcome.OK and result.status.pending == 0:
                break
            if rounds > 20:
                sys.exit(f"not drained: {result}")
        drain_s = time.perf_counter() - started
        drain_load = load()
        engine.close()
        if big is not None:
            million_rows = million(big, args.queued, args.real_batches)
            big.close()
    finally:
        stop(server)
    delivered = sent(store)
    store.close()
    batches = -(-args.records // EngineSettings().batch_size)

    print_table(
        f"Drain of {args.records:,} submissions queued offline (server as its own process)",
        [
            Row(
                "queueing offline: submit_complaint + the status bar's pending count, each",
                "-",
                f"{queued_s:.1f} s ({args.records / queued_s:,.0f}/s;"
                f" p50 {percentile(submits, 50):.1f} ms, p95 {percentile(submits, 95):.1f} ms;"
                f" load {queue_load})",
            ),
            Row("server start until healthy", "-", f"{server_start_s:.1f} s"),
            Row(
                "drain: push + pull until the queue is empty",
                f"< {TARGET_S:.0f} s",
                f"{drain_s:.2f} s ({rounds} round, {batches} batches; load {drain_load})",
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
    if million_rows:
        print_table(
            f"Draining {args.queued:,} complaints queued offline: the real server"
            + (
                f" for the first {args.real_batches} batches, then the kiosk alone against a"
                " stub (baseline)"
                if 0 < args.real_batches < -(-args.queued // EngineSettings().batch_size)
                else ", the whole queue"
            ),
            million_rows,
        )
    if args.keep is None:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
