"""Submit latency (domain write + sealed outbox mutation, committed) with 100,000 rows.

    python -m bench.submit_latency [--rows 100000] [--samples 500]

Seeds the store quickly with executemany, then times submit_complaint end to
end, each call a real durable commit (WAL, synchronous=FULL).
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from bench.table import Row, percentile, print_table
from core.ids import new_id
from core.receipts import new_receipt_code
from core.sealing import new_keypair
from kiosk.demo import seed_demo_reference
from kiosk.models import DeviceIdentity, OutboxMutation, Submission, SyncState
from kiosk.store import Store, open_store
from kiosk.submissions import ComplaintForm, Consent, submit_complaint

FORM = ComplaintForm(
    category="road",
    district="mapo",
    description="보도블록이 깨져 있습니다. " * 20,
    name="김민수",
    phone="010-1234-5678",
)


def seeded_store(directory: Path, rows: int) -> Store:
    store = open_store(f"sqlite:///{directory / 'bench.db'}")
    _, public = new_keypair()
    now = dt.datetime.now(dt.UTC)
    with store.write() as session:
        seed_demo_reference(session, now)
        session.add(
            DeviceIdentity(
                id=1,
                device_id="bench",
                token="t",
                server_url="http://127.0.0.1:9",
                office="bench",
                server_public_key=public,
                signing_key=b"",
                signing_key_id=2,
                revoked=False,
                enrolled_at=now,
            )
        )
    ids = [new_id() for _ in range(rows)]  # as the kiosk makes them (core/ids.py)
    codes: set[str] = set()
    while len(codes) < rows:
        codes.add(new_receipt_code())
    with store.write() as session:
        session.execute(
            insert(Submission),
            [
                {
                    "id": i,
                    "kind": "complaint",
                    "receipt_code": c,
                    "category_code": "road",
                    "district": "mapo",
                    "consent_version": "v",
                    "status": "queued",
                    "created_at": now,
                }
                for i, c in zip(ids, codes, strict=True)
            ],
        )
        session.execute(
            insert(OutboxMutation),
            [
                {
                    "id": i,
                    "seq": n + 1,
                    "type": "complaint.create",
                    "payload": "{}",
                    "state": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "last_error": "",
                    "result_code": "",
                    "created_at": now,
                }
                for n, i in enumerate(ids)
            ],
        )
        session.merge(SyncState(id=1, next_seq=rows + 1))
    return store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = seeded_store(Path(tmp), args.rows)
        consent = Consent(version="2026-11", required=True)
        for _ in range(20):  # warm caches and SQLAlchemy's compiled statements
            submit_complaint(store, FORM, consent)
        samples = []
        for _ in range(args.samples):
            start = time.perf_counter()
            submit_complaint(store, FORM, consent)
            samples.append((time.perf_counter() - start) * 1000)
        store.close()
    p50, p95 = percentile(samples, 50), percentile(samples, 95)
    print_table(
        f"submit with {args.rows:,} existing rows ({args.samples} samples)",
        [
            Row("submit p50", "-", f"{p50:.1f} ms"),
            Row("submit p95", "< 100 ms", f"{p95:.1f} ms", p95 < 100),
        ],
    )


if __name__ == "__main__":
    main()
