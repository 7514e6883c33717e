"""Where a push's server time goes: cProfile around the push handler, in process.

    python -m bench.ingest_profile [--backend sqlite|postgresql|both]
                                   [--workload complaints|signups|mixed|all]
                                   [--batches 20] [--batch 100] [--top 25]

Real parts as in ``bench.server_ingest``: a migrated database (an SQLite file;
a throw-away PostgreSQL cluster with fsync on), an enrolled device with its
token, real sealed payloads and signed tickets, the headers a kiosk sends. Each
push runs what the route runs after the HTTP layer (authentication, the body
parsed and checked, the batch applied in one transaction, the answer
serialised), under cProfile. Printed: the top functions by own time and by
cumulative time, so the costs can be listed before any are cut. HTTP and
FastAPI are left out on purpose: ``bench.server_ingest`` times them.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import itertools
import json
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nacl.public import PrivateKey  # noqa: E402

from bench.server_ingest import WORKLOADS, batches, prepare  # noqa: E402
from core.sealing import unseal  # noqa: E402
from server import app as server_app  # noqa: E402
from server.db import Database, open_database  # noqa: E402
from server.enrolment import enroll  # noqa: E402
from server.keys import load_or_create_keys  # noqa: E402
from sync.protocol import PROTOCOL_VERSION, EnrollRequest  # noqa: E402
from tests.integration.server.simkiosk import SimKiosk  # noqa: E402
from tests.support.postgres import running_cluster  # noqa: E402


def enrolled_kiosk(db: Database, code: str) -> SimKiosk:
    """A kiosk enrolled through the server's own enrolment (no HTTP): payload maker."""
    from nacl.signing import SigningKey

    from core.sealing import b64

    keys = load_or_create_keys(db)
    key = SigningKey.generate()
    request = EnrollRequest(
        enrollment_code=code, name="profile", public_key=b64(bytes(key.verify_key))
    )
    answer = enroll(db, keys, request, "127.0.0.1")
    return SimKiosk(
        base_url="",
        device_id=answer.device_id,
        token=answer.token,
        office=answer.office,
        server_public_key=answer.server_public_key,
        signing_key_id=answer.signing_key_id,
        signing_key=key,
    )


class GcClock:
    """Time spent in the cyclic garbage collector while the block runs."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0

    def _note(self, phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started

    def __enter__(self) -> GcClock:
        gc.callbacks.append(self._note)
        return self

    def __exit__(self, *_: object) -> None:
        gc.callbacks.remove(self._note)


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def unseal_ms(key: PrivateKey, bodies: list[bytes]) -> float:
    """The sealed parts of these pushes opened and nothing else: ms a push (real crypto)."""
    sealed = [
        m["payload"]["sealed"]
        for body in bodies
        for m in json.loads(body)["mutations"]
        if "sealed" in m["payload"]
    ]
    started = time.perf_counter()
    for text in sealed:
        unseal(key, text)
    return (time.perf_counter() - started) / len(bodies) * 1000


def profile(
    url: str, workload: str, count: int, size: int, top: int, *, freeze: bool = False
) -> None:
    event, [code] = prepare(url, 1)
    db = open_database(url)
    try:
        keys = load_or_create_keys(db)
        kiosk = enrolled_kiosk(db, code)
        numbers = itertools.count(1)
        bodies = [
            json.dumps(
                {
                    "protocol": PROTOCOL_VERSION,
                    "device_id": kiosk.device_id,
                    "app_version": "bench",
                    "mutations": batch,
                }
            ).encode()
            for batch in batches(kiosk, event, workload, 2 * count + 1, size, numbers)
        ]
        handle = server_app.handle_push
        authorization = f"Bearer {kiosk.token}"
        handle(db, keys, authorization, "100", "ready", bodies[0])  # warm caches
        if freeze:
            # What a server that froze its start-up heap would see (gc.freeze).
            gc.collect()
            gc.freeze()
        plain, bodies = bodies[1 : count + 1], bodies[count + 1 :]
        # Without the profiler first: what a push costs, and the unsealing alone in it.
        collecting = GcClock()
        started, cpu = time.perf_counter(), time.thread_time()
        with collecting:
            for n, body in enumerate(plain):
                handle(db, keys, authorization, str(count - n), "ready", body)
        per_push = (time.perf_counter() - started) / len(plain) * 1000
        cpu_per_push = (time.thread_time() - cpu) / len(plain) * 1000
        cpu = time.thread_time()
        unsealing = unseal_ms(keys.sealing_key, plain)
        unsealing_cpu = (time.thread_time() - cpu) / len(plain) * 1000
        print(
            f"\n--- {url.split(':')[0]} / {workload}: a push of {size}: {per_push:.2f} ms "
            f"({cpu_per_push:.2f} ms CPU), of which unsealing {unsealing:.2f} ms "
            f"({unsealing_cpu:.2f} ms CPU), garbage collection "
            f"{collecting.seconds / len(plain) * 1000:.2f} ms (load {load()}) ---"
        )
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for n, body in enumerate(bodies):
            handle(db, keys, authorization, str(count - n), "ready", body)
        profiler.disable()
        elapsed = time.perf_counter() - started
        per_mutation = elapsed / (count * size) * 1e6
        print(
            f"\n=== {url.split(':')[0]} / {workload}: {count} pushes of {size}, "
            f"{elapsed * 1000 / count:.1f} ms a push, {per_mutation:.0f} us a mutation "
            "(under cProfile) ==="
        )
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(top)
            text = out.getvalue()
            print(text[text.find("   ncalls") :])
    finally:
        db.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--workload", choices=[*WORKLOADS, "all"], default="all")
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument(
        "--freeze", action="store_true", help="gc.freeze() the heap after the warm-up push"
    )
    args = parser.parse_args()
    workloads = WORKLOADS if args.workload == "all" else (args.workload,)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        for workload in workloads:
            if backend == "sqlite":
                with tempfile.TemporaryDirectory() as tmp:
                    url = f"sqlite:///{tmp}/server.db"
                    profile(url, workload, args.batches, args.batch, args.top, freeze=args.freeze)
            else:
                with running_cluster(durable=True) as cluster:
                    url = cluster.create_database("profile")
                    profile(url, workload, args.batches, args.batch, args.top, freeze=args.freeze)
    return 0


if __name__ == "__main__":
    sys.exit(main())
